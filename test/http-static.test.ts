import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";

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
  assert.equal(answer.headers["x-content-type-options"], "nosniff");
  assert.equal(answer.headers["referrer-policy"], "no-referrer");
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
  before(async () => {
    server = await startTestServer({ maxWebConnectionsPerAddress: 1, webRoot: join(tmpdir(), "parley-no-such-page") });
  });
  after(async () => {
    await server.stop();
  });

  test("an address past its cap gets 503 for a page request too", async () => {
    const port = httpPortOf(server);
    // A kept-alive connection that has been answered: the server has surely counted it.
    const first = connect({ port, host: "127.0.0.1", localAddress: "127.0.0.20" });
    first.on("error", () => {});
    first.write("GET / HTTP/1.1\r\nHost: parley\r\n\r\n");
    const [head] = (await once(first, "data")) as [Buffer];
    assert.match(head.toString("latin1"), /npm run build/, "this server has no page built");
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/", localAddress: "127.0.0.20", agent: false });
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
      assert.equal(answer.status, 503);
      assert.match(answer.body.toString(), /too many connections/);
    } finally {
      first.destroy();
    }
  });
});
