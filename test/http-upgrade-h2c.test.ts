import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, test } from "node:test";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";

/**
 * RFC 9110 §7.8: a server may ignore an Upgrade it does not speak and answer the request as
 * usual. `curl --http2` on a plain http:// URL offers h2c this way: it must get the page.
 */

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

/** The status line a raw request gets. */
function statusLineOf(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n");
      if (end !== -1) {
        socket.destroy();
        resolve(received.slice(0, end));
      }
    });
    socket.on("error", reject);
  });
}

test("a page request offering an upgrade to h2c (curl --http2) gets the page, not a refused WebSocket", async () => {
  const line = await statusLineOf(
    httpPortOf(server),
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
  );
  assert.equal(line, "HTTP/1.1 200 OK");
});
