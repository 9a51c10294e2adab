import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { AddressCounts } from "../src/frontends/http/address-counts.js";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { RefusedUpgrade, WebSocketClient } from "./helpers/web-socket-client.js";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fetchRaw(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers });
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function assertSecurityHeaders(answer: Answer): void {
  const csp = String(answer.headers["content-security-policy"]);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  // Scheme-only sources would let the page's scripts talk to any host.
  assert.doesNotMatch(csp, /\s(?:ws|wss):(?:\s|;|$)/);
  assert.equal(answer.headers["x-content-type-options"], "nosniff");
  assert.equal(answer.headers["referrer-policy"], "no-referrer");
}

/** Everything the server sends for `request` on a raw socket, until it closes. */
async function rawAnswer(port: number, text: string): Promise<string> {
  const socket = connect(port, "127.0.0.1", () => socket.write(text));
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {});
  await once(socket, "close");
  return Buffer.concat(chunks).toString("latin1");
}

function assertRawSecurityHeaders(answer: string): void {
  const head = answer.slice(0, answer.indexOf("\r\n\r\n")).toLowerCase();
  assert.match(head, /\r\ncontent-security-policy: default-src 'self'/);
  assert.match(head, /\r\nx-content-type-options: nosniff/);
  assert.match(head, /\r\nreferrer-policy: no-referrer/);
}

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head></html>\n';
const SCRIPT = `${"export const greeting = 'hello';\n".repeat(200)}`;
const ICON = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

describe("the web page over HTTP", () => {
  let server: TestServer;
  let port: number;
  let webRoot: string;
  before(async () => {
    webRoot = mkdtempSync(join(tmpdir(), "parley-web-"));
    mkdirSync(join(webRoot, "assets"));
    writeFileSync(join(webRoot, "index.html"), INDEX);
    writeFileSync(join(webRoot, "assets", "app-1a2b3c.js"), SCRIPT);
    writeFileSync(join(webRoot, "assets", "icon-9f8e.png"), ICON);
    server = await startTestServer({ webRoot });
    port = httpPortOf(server);
  });
  after(async () => {
    await server.stop();
    rmSync(webRoot, { recursive: true, force: true });
  });

  test("/ is the page, revalidated on every load, with the security headers", async () => {
    const answer = await fetchRaw(port, "/");
    assert.equal(answer.status, 200);
    assert.equal(answer.body.toString(), INDEX);
    assert.equal(answer.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(answer.headers["cache-control"], "no-cache");
    assert.ok(answer.headers.etag);
    assertSecurityHeaders(answer);
  });

  test("the page may open WebSockets to its own host only", async () => {
    const answer = await fetchRaw(port, "/");
    const csp = String(answer.headers["content-security-policy"]);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${port} wss://127\\.0\\.0\\.1:${port};`));
    const odd = await fetchRaw(port, "/", { headers: { Host: "x; script-src *" } });
    assert.match(String(odd.headers["content-security-policy"]), /connect-src 'self';/, "no Host text in the policy");
  });

  test("a request Node cannot take (bad syntax, a head too big) gets its 400 or 431 with the security headers", async () => {
    const bad = await rawAnswer(port, "NOT HTTP\r\n\r\n");
    assert.match(bad, /^HTTP\/1\.1 400 /);
    assertRawSecurityHeaders(bad);
    const huge = await rawAnswer(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assertRawSecurityHeaders(huge);
  });

  test("a page request offering a WebSocket-less upgrade (h2c) is answered as any page request, then closed", async () => {
    const answer = await rawAnswer(
      port,
      "GET /assets/app-1a2b3c.js HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
    );
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    assert.ok(answer.endsWith(SCRIPT), "the whole file, then the end");
    assertRawSecurityHeaders(answer);
  });

  test("assets are cached for a year as immutable, with their content type", async () => {
    const script = await fetchRaw(port, "/assets/app-1a2b3c.js");
    assert.equal(script.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(script.headers["cache-control"], "public, max-age=31536000, immutable");
    const icon = await fetchRaw(port, "/assets/icon-9f8e.png", { headers: { "Accept-Encoding": "gzip, br" } });
    assert.equal(icon.headers["content-type"], "image/png");
    assert.equal(icon.headers["content-encoding"], undefined, "images are not compressed again");
    assert.deepEqual(icon.body, ICON);
  });

  test("brotli or gzip as the client accepts, smaller, and the same bytes once decoded", async () => {
    const br = await fetchRaw(port, "/assets/app-1a2b3c.js", { headers: { "Accept-Encoding": "gzip, deflate, br" } });
    assert.equal(br.headers["content-encoding"], "br");
    assert.equal(br.headers.vary, "Accept-Encoding");
    assert.ok(br.body.length < SCRIPT.length);
    assert.equal(brotliDecompressSync(br.body).toString(), SCRIPT);
    const gzip = await fetchRaw(port, "/assets/app-1a2b3c.js", { headers: { "Accept-Encoding": "gzip" } });
    assert.equal(gzip.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(gzip.body).toString(), SCRIPT);
    const refused = await fetchRaw(port, "/assets/app-1a2b3c.js", {
      headers: { "Accept-Encoding": "br;q=0, gzip;q=0" },
    });
    assert.equal(refused.headers["content-encoding"], undefined);
    assert.equal(refused.body.toString(), SCRIPT);
    assert.notEqual(br.headers.etag, gzip.headers.etag, "each encoding is its own representation");
  });

  test("a matching If-None-Match gets 304 without a body", async () => {
    const first = await fetchRaw(port, "/", { headers: { "Accept-Encoding": "gzip" } });
    const etag = String(first.headers.etag);
    const again = await fetchRaw(port, "/", { headers: { "Accept-Encoding": "gzip", "If-None-Match": etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    const changed = await fetchRaw(port, "/", { headers: { "If-None-Match": '"something-else"' } });
    assert.equal(changed.status, 200);
  });

  test("HEAD gives the headers and length of a GET, without the body", async () => {
    const answer = await fetchRaw(port, "/assets/app-1a2b3c.js", { method: "HEAD" });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers["content-length"], String(Buffer.byteLength(SCRIPT)));
    assert.equal(answer.body.length, 0);
  });

  test("an unknown path is 404 and another method 405, both with the security headers", async () => {
    const missing = await fetchRaw(port, "/../etc/passwd");
    assert.equal(missing.status, 404);
    assertSecurityHeaders(missing);
    const posted = await fetchRaw(port, "/", { method: "POST" });
    assert.equal(posted.status, 405);
    assert.equal(posted.headers.allow, "GET, HEAD");
    assertSecurityHeaders(posted);
  });

  test("the query string does not change which file is served", async () => {
    const answer = await fetchRaw(port, "/?room=%23lobby");
    assert.equal(answer.status, 200);
    assert.equal(answer.body.toString(), INDEX);
  });
});

describe("the web port without a built page", () => {
  let server: TestServer;
  let emptyRoot: string;
  before(async () => {
    emptyRoot = mkdtempSync(join(tmpdir(), "parley-web-empty-"));
    server = await startTestServer({ webRoot: join(emptyRoot, "missing") });
  });
  after(async () => {
    await server.stop();
    rmSync(emptyRoot, { recursive: true, force: true });
  });

  test("the server starts, and / says to build the page (503)", async () => {
    const answer = await fetchRaw(httpPortOf(server), "/");
    assert.equal(answer.status, 503);
    assert.match(answer.body.toString(), /npm run build/);
    assertSecurityHeaders(answer);
  });
});

describe("the web port's per-address cap", () => {
  let server: TestServer;
  let webRoot: string;
  before(async () => {
    webRoot = mkdtempSync(join(tmpdir(), "parley-web-cap-"));
    writeFileSync(join(webRoot, "index.html"), INDEX);
    server = await startTestServer({ maxWebConnectionsPerAddress: 1, webRoot });
  });
  after(async () => {
    await server.stop();
    rmSync(webRoot, { recursive: true, force: true });
  });

  test("counts WebSockets only: an address at its cap still loads the page, and its next WebSocket gets 503", async () => {
    const port = httpPortOf(server);
    const chat = await WebSocketClient.open(port, "/ws", { localAddress: "127.0.0.20" });
    // Kept-alive page connections from the same address, as a browser's tabs hold them.
    const kept = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.20" });
    kept.on("error", () => {});
    try {
      kept.write("GET / HTTP/1.1\r\nHost: parley\r\n\r\n");
      const [head] = (await once(kept, "data")) as [Buffer];
      assert.match(head.toString("latin1"), /^HTTP\/1\.1 200 /);
      const page = await new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/", localAddress: "127.0.0.20", agent: false });
        req.on("response", (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
      assert.equal(page, 200);
      await assert.rejects(
        WebSocketClient.open(port, "/ws", { localAddress: "127.0.0.20" }),
        (error) => error instanceof RefusedUpgrade && error.status === 503,
      );
    } finally {
      kept.destroy();
      await chat.close();
    }
  });
});

describe("counting addresses", () => {
  test("an IPv6 /64 counts as one address, as the login throttle counts it; IPv4 addresses each count", () => {
    const counts = new AddressCounts(2);
    counts.add("[2001:db8:1:2::1]:5000", new Socket());
    counts.add("[2001:db8:1:2:ffff::9]:5001", new Socket());
    assert.equal(counts.hasRoomFor("[2001:db8:1:2:abcd::1]:6000"), false);
    assert.equal(counts.hasRoomFor("[2001:db8:1:3::1]:6000"), true);
    const socket = new Socket();
    counts.add("192.0.2.1:1", socket);
    counts.add("192.0.2.1:2", new Socket());
    assert.equal(counts.hasRoomFor("192.0.2.1:3"), false);
    assert.equal(counts.hasRoomFor("192.0.2.2:3"), true);
    socket.emit("close", false);
    assert.equal(counts.hasRoomFor("192.0.2.1:3"), true, "a closed socket's place is free again");
  });
});
