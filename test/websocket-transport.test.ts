import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { SharedBatch } from "../src/net/shared-output.js";
import { CloseCode, webSocketCloseFrame, webSocketTextFrame } from "../src/net/websocket-frame.js";
import { WebSocketLineFraming } from "../src/net/websocket-line-framing.js";
import { LineClient } from "./helpers/line-client.js";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { connectStalledReader } from "./helpers/stalled-reader.js";
import {
  framesIn,
  IRC_SUBPROTOCOL,
  ircOverWebSocket,
  maskedTextFrame,
  RefusedUpgrade,
  WebSocketClient,
} from "./helpers/web-socket-client.js";

/** The HTTP status an upgrade to `path` gets, from a raw request with `headers`. */
function upgradeStatus(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { Connection: "Upgrade", ...headers } });
    req.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    req.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

async function refusal(opening: Promise<WebSocketClient>): Promise<number> {
  try {
    const client = await opening;
    await client.close();
  } catch (error) {
    if (error instanceof RefusedUpgrade) return error.status;
    throw error;
  }
  assert.fail("the upgrade was accepted");
}

describe("WebSocket frames", () => {
  test("a text frame is final, unmasked, with the length in the shortest form", () => {
    assert.deepEqual([...webSocketTextFrame(Buffer.from("hi"))], [0x81, 2, 0x68, 0x69]);
    const medium = webSocketTextFrame(Buffer.alloc(300, 0x61));
    assert.deepEqual([...medium.subarray(0, 4)], [0x81, 126, 1, 44]);
    assert.equal(medium.length, 304);
    const large = webSocketTextFrame(Buffer.alloc(70_000, 0x61));
    assert.deepEqual([...large.subarray(0, 10)], [0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
  });

  test("a close frame carries its code and a reason cut to fit, never inside a character", () => {
    const frame = webSocketCloseFrame(CloseCode.policyViolation, "é".repeat(100));
    assert.equal(frame[0], 0x88);
    assert.ok(frame[1] <= 125);
    assert.equal(frame.readUInt16BE(2), 1008);
    assert.doesNotThrow(() => new TextDecoder("utf-8", { fatal: true }).decode(frame.subarray(4)));
  });

  test("IRC lines become one frame each, and a shared part is framed once for every recipient", () => {
    const framing = new WebSocketLineFraming();
    assert.deepEqual(framing.frame(Buffer.from("A\r\nBC\r\n")), Buffer.from([0x81, 1, 0x41, 0x81, 2, 0x42, 0x43]));
    const batch = new SharedBatch();
    batch.append(Buffer.from("one\r\n"));
    batch.append(Buffer.from("two\r\n"));
    const framed = framing.batchOf(batch, 1);
    assert.equal(framing.batchOf(batch, 1), framed);
    assert.equal(framing.batchOf(batch, 0), framed);
    assert.deepEqual(framed.parts[1], Buffer.from([0x81, 3, ...Buffer.from("two")]));
    assert.equal(framed.bytesOf(0, 2), framed.bytesOf(0, 2), "one buffer for every connection asking for the run");
  });
});

describe("the WebSocket transport", () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startTestServer();
    port = httpPortOf(server);
  });
  after(async () => {
    await server.stop();
  });

  test("a page of another site may not open a WebSocket (403); the page's own origin and non-browsers may", async () => {
    assert.equal(await refusal(WebSocketClient.open(port, "/irc", { origin: "https://evil.example" })), 403);
    const own = await WebSocketClient.open(port, "/irc", { origin: `http://127.0.0.1:${port}` });
    const noOrigin = await WebSocketClient.open(port, "/irc");
    // The same host and port under another scheme is another origin (RFC 6454 §5).
    assert.equal(await refusal(WebSocketClient.open(port, "/irc", { origin: `https://127.0.0.1:${port}` })), 403);
    await own.close();
    await noOrigin.close();
  });

  test("--allowed-origins lets the listed origins in besides the page's own, and no others", async () => {
    const own = await startTestServer({ allowedOrigins: ["https://chat.example.org"] });
    try {
      const ownPort = httpPortOf(own);
      const listed = await WebSocketClient.open(ownPort, "/irc", { origin: "https://chat.example.org" });
      await listed.close();
      const page = await WebSocketClient.open(ownPort, "/irc", { origin: `http://127.0.0.1:${ownPort}` });
      await page.close();
      assert.equal(await refusal(WebSocketClient.open(ownPort, "/irc", { origin: "https://evil.example" })), 403);
    } finally {
      await own.stop();
    }
  });

  test("an upgrade to a path with no WebSocket endpoint is refused with 404", async () => {
    assert.equal(await refusal(WebSocketClient.open(port, "/chat")), 404);
  });

  test("a WebSocket version other than 13 gets 426; a handshake without a valid key gets 400", async () => {
    const headers = { Upgrade: "websocket", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" };
    assert.equal(await upgradeStatus(port, "/irc", { ...headers, "Sec-WebSocket-Version": "8" }), 426);
    assert.equal(
      await upgradeStatus(port, "/irc", { ...headers, "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "short" }),
      400,
    );
  });

  test("/irc answers with its subprotocol, and takes a client that offers none", async () => {
    const offering = await WebSocketClient.open(port, "/irc", { protocols: [IRC_SUBPROTOCOL] });
    assert.equal(offering.socket.protocol, IRC_SUBPROTOCOL);
    const offeringNone = await WebSocketClient.open(port, "/irc");
    assert.equal(offeringNone.socket.protocol, "");
    assert.equal(await refusal(WebSocketClient.open(port, "/irc", { protocols: ["binary.ircv3.net"] })), 400);
    await offering.close();
    await offeringNone.close();
  });

  test("a message over 16 KiB closes its sender with 1009; others are unaffected", async () => {
    const bystander = await ircOverWebSocket(port, "bystander");
    const big = await ircOverWebSocket(port, "big");
    try {
      big.send(`PRIVMSG #lobby :${"x".repeat(17 * 1024)}`);
      assert.equal((await big.waitForClose()).code, 1009);
      const from = bystander.messageCount;
      await bystander.waitFor(/^:big!\S+ QUIT /, undefined, from);
      bystander.send("PING :still-here");
      await bystander.waitFor(/ PONG parley :?still-here$/, undefined, from);
    } finally {
      await bystander.close();
    }
  });

  test("invalid UTF-8 in a text message closes with 1007", async () => {
    const client = await WebSocketClient.open(port, "/irc");
    client.socket.send(Buffer.from([0x4e, 0x49, 0x43, 0x4b, 0x20, 0xc3, 0x28]), { binary: false });
    assert.equal((await client.waitForClose()).code, 1007);
  });

  test("a binary message on /irc closes with 1003: IRC over WebSocket here is text", async () => {
    const client = await WebSocketClient.open(port, "/irc", { protocols: [IRC_SUBPROTOCOL] });
    client.send(Buffer.from("NICK binary"), { binary: true });
    assert.equal((await client.waitForClose()).code, 1003);
  });

  test("a ping is answered with a pong carrying its payload", async () => {
    const client = await WebSocketClient.open(port, "/irc");
    try {
      const pong = new Promise<Buffer>((resolve) => client.socket.once("pong", resolve));
      client.socket.ping(Buffer.from("are you there"));
      assert.equal((await pong).toString(), "are you there");
    } finally {
      await client.close();
    }
  });

  test("a client's close is answered with its code, and its user leaves", async () => {
    const watcher = await LineClient.join(server.port);
    const leaving = await ircOverWebSocket(port, "leaving");
    try {
      await watcher.waitFor(/leaving/);
      leaving.socket.close(1000, "bye");
      assert.equal((await leaving.waitForClose()).code, 1000);
      await watcher.waitFor((line) => line.includes("leaving") && /left|quit/i.test(line));
    } finally {
      await watcher.close();
    }
  });
});

describe("slow WebSocket readers and connection caps", () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startTestServer({
      sendQueueBytes: 256 * 1024,
      commandsPerSecond: Number.POSITIVE_INFINITY,
      commandBurst: Number.POSITIVE_INFINITY,
      maxWebConnectionsPerAddress: 3,
    });
    port = httpPortOf(server);
  });
  after(async () => {
    await server.stop();
  });

  test("a WebSocket client that stops reading is closed with 1008; another keeps receiving", async () => {
    const observer = await ircOverWebSocket(port, "reader", "#lobby");
    const handshake = [
      "GET /irc HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      `Sec-WebSocket-Protocol: ${IRC_SUBPROTOCOL}`,
    ].join("\r\n");
    const greeting = Buffer.concat([
      Buffer.from(`${handshake}\r\n\r\n`),
      ...["NICK stalled", "USER s 0 * :s", "JOIN #lobby"].map(maskedTextFrame),
    ]);
    const stalled = await connectStalledReader(port, greeting);
    const speaker = await LineClient.join(server.port);
    try {
      await observer.waitFor(/^:stalled!\S+ JOIN #lobby$/);
      const from = observer.messageCount;
      const text = "y".repeat(380);
      const count = 20_000;
      for (let i = 0; i < count; i++) speaker.send(`${i} ${text}\n`);
      await observer.waitFor(/^:stalled!\S+ QUIT /, 20_000, from);
      const { received } = await stalled.readAll();
      const frames = framesIn(received);
      const close = frames.at(-1);
      assert.equal(close?.opcode, 0x8);
      assert.equal(close?.payload.readUInt16BE(0), 1008);
      assert.equal(frames.at(-2)?.payload.toString(), "ERROR :Closing Link: SendQ exceeded");
      await observer.waitFor((message) => message.endsWith(`:${count - 1} ${text}`), 20_000, from);
    } finally {
      await stalled.stop();
      await speaker.close();
      await observer.close();
    }
  });

  test("one address may hold only so many web connections; the next is refused with 503 until one closes", async () => {
    const held = await Promise.all(
      [1, 2, 3].map(() => WebSocketClient.open(port, "/irc", { localAddress: "127.0.0.9" })),
    );
    try {
      assert.equal(await refusal(WebSocketClient.open(port, "/irc", { localAddress: "127.0.0.9" })), 503);
      const elsewhere = await WebSocketClient.open(port, "/irc", { localAddress: "127.0.0.10" });
      await elsewhere.close();
      await held[0].close();
      // The server counts the socket until it is gone; a new one is taken once it is.
      const again = await waitForAcceptance(port, "127.0.0.9");
      await again.close();
    } finally {
      for (const client of held) await client.close();
    }
  });
});

/** Opens from `localAddress` until accepted: the server releases a closed socket's place when its close event runs. */
async function waitForAcceptance(port: number, localAddress: string): Promise<WebSocketClient> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      return await WebSocketClient.open(port, "/irc", { localAddress });
    } catch (error) {
      if (!(error instanceof RefusedUpgrade) || error.status !== 503) throw error;
    }
  }
  assert.fail("a place was never released");
}

describe("stopping with clients connected", () => {
  /** Resolves when `promise` does; rejects after `ms` (far less than the grace the server is given). */
  function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return Promise.race([
      promise,
      new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref()),
    ]);
  }

  test("a WebSocket client whose close crosses the server's shutdown is let go as soon as it answers", async () => {
    // A minute of grace: a stop that waits for it would fail this test.
    const server = await startTestServer({ shutdownGraceMs: 60_000 });
    const client = await WebSocketClient.open(httpPortOf(server), "/ws");
    await client.waitFor((message) => message.includes('"welcome"'));
    client.socket.close();
    await within(server.stop(), 20_000, "stop");
  });

  test("netcat and a WebSocket client are let go at the shutdown as soon as they close their side", async () => {
    const server = await startTestServer({ shutdownGraceMs: 60_000 });
    const line = await LineClient.join(server.port);
    const web = await WebSocketClient.open(httpPortOf(server), "/ws");
    await web.waitFor((message) => message.includes('"welcome"'));
    await within(server.stop(), 20_000, "stop");
    assert.equal(web.closedWith?.code, CloseCode.goingAway);
    assert.ok(line.lines.includes("! The server is shutting down."), line.lines.join("\n"));
  });
});
