import assert from "node:assert/strict";
import { test } from "node:test";
import { httpPortOf, startTestServer } from "./helpers/server.js";
import { DEFAULT_WAIT_MS, Wakeups, waitUntil } from "./helpers/wait-until.js";
import { WebSocketClient } from "./helpers/web-socket-client.js";

// RFC 6455 §7.1.1: once the closing handshake is over, the server closes the TCP connection first.
// A browser that answered the server's close frame has nothing more to say: the server must not
// keep it (and a stopping process) waiting for a grace meant for peers that will not read.

test("a stop with a browser connected ends once the browser answered the close, not after the shutdown grace", async () => {
  const server = await startTestServer({ shutdownGraceMs: 60_000 });
  const client = await WebSocketClient.open(httpPortOf(server), "/ws");
  await client.waitFor((message) => message.includes('"welcome"'));
  let isStopped = false;
  const wakeups = new Wakeups();
  const stopping = server.stop().then(() => {
    isStopped = true;
    wakeups.wakeAll();
  });
  const close = await client.waitForClose();
  assert.equal(close.code, 1001, "the browser is told the server is going away");
  await waitUntil(() => isStopped || undefined, {
    what: "the server to finish stopping after the closing handshake",
    wakeups,
    timeoutMs: DEFAULT_WAIT_MS,
    seen: () => "the server was still stopping",
  });
  await stopping;
});

test("a browser that quits and comes straight back is let in: the old socket is gone once the close was answered", async () => {
  const server = await startTestServer({ shutdownGraceMs: 60_000, maxWebConnectionsPerAddress: 1 });
  try {
    const port = httpPortOf(server);
    const first = await WebSocketClient.open(port, "/ws");
    await first.waitFor((message) => message.includes('"welcome"'));
    first.send('{"type":"quit","id":1}');
    assert.equal((await first.waitForClose()).code, 1000);
    const again = await WebSocketClient.open(port, "/ws");
    await again.waitFor((message) => message.includes('"welcome"'));
    await again.close();
  } finally {
    await server.stop();
  }
});
