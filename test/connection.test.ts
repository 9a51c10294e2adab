import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { describe, it, type TestContext } from "node:test";
import pino from "pino";
import { Connection } from "../src/net/connection.js";
import type { FramerFactory } from "../src/net/framer.js";
import { LineFramer } from "../src/net/line-framer.js";
import { LineClient } from "./helpers/line-client.js";
import { startTestServer } from "./helpers/server.js";
import { connectStalledReader } from "./helpers/stalled-reader.js";

const LIMITS = { sendQueueBytes: 64 * 1024 * 1024 };
const LINES: FramerFactory = (sink) =>
  new LineFramer({ maxLineBytes: 4096, maxUnterminatedBytes: 65536, quietFlushMs: 50, quietFlush: "never" }, sink);

/** A client socket and, on the server side of it, a Connection over a real loopback socket. */
async function connectPair(
  t: TestContext,
): Promise<{ client: net.Socket; socket: net.Socket; connection: Connection }> {
  const server = net.createServer();
  t.after(() => server.close());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, "127.0.0.1");
  client.on("error", () => {});
  const [socket] = (await once(server, "connection")) as [net.Socket];
  return { client, socket, connection: new Connection(socket, LIMITS, LINES, pino({ level: "silent" })) };
}

describe("Connection", () => {
  it("knows it is behind when a peer resets with bytes the kernel never took", async (t) => {
    const { client, socket, connection } = await connectPair(t);
    client.pause();
    const closed = new Promise<void>((resolve) =>
      connection.attach({ onMessage: () => {}, onMessageTooLong: () => {}, onClose: () => resolve() }),
    );

    // More than the kernel's buffers on both sides hold, written in one turn: our queue is
    // then empty and the rest sits in the socket's own buffer.
    connection.send(Buffer.alloc(32 * 1024 * 1024, "x"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(socket.writableLength > 0, "the socket holds what the kernel would not take");
    assert.equal(connection.isBehind, true);

    client.resetAndDestroy();
    await closed;
    assert.equal(connection.isBehind, true, "what the socket held when the peer reset was lost");
  });

  it("is not behind once the peer has taken everything", async (t) => {
    const { client, connection } = await connectPair(t);
    let written = 0;
    const closed = new Promise<void>((resolve) =>
      connection.attach({
        onMessage: () => {},
        onMessageTooLong: () => {},
        onAllWritten: () => {
          written++;
        },
        onClose: () => resolve(),
      }),
    );
    connection.send(Buffer.from("hello\n"));
    const [chunk] = (await once(client, "data")) as [Buffer];
    assert.equal(chunk.toString(), "hello\n");
    assert.ok(written >= 1);
    assert.equal(connection.isBehind, false);
    client.end();
    await closed;
    assert.equal(connection.isBehind, false);
  });
});

describe("a connection Parley ends", () => {
  it("cuts a reader that fell behind at a line boundary, and says why", async (t) => {
    // Pacing off: the sender floods on purpose.
    const server = await startTestServer({
      sendQueueBytes: 256 * 1024,
      commandsPerSecond: Number.POSITIVE_INFINITY,
      commandBurst: Number.POSITIVE_INFINITY,
    });
    t.after(() => server.stop());
    const sender = await LineClient.join(server.port);
    const slow = await connectStalledReader(server.port);
    t.after(() => slow.stop());
    await sender.waitFor(`> New user ${slow.address} entered. (2 users online)`);

    // Enough to fill the kernel's buffers on both sides (several MiB on loopback), then the queue.
    const padding = "p".repeat(380);
    for (let i = 0; i < 20_000; i++) sender.send(`${i} ${padding}\n`);
    await sender.waitFor(`< The user ${slow.address} left. (1 user online)`, 20_000);

    const { received, ending } = await slow.readAll();
    const text = received.toString("utf8");
    assert.equal(ending, "eof", "the connection ends with a FIN, not a reset");
    assert.ok(text.endsWith("\n"), `the last line is whole: ${JSON.stringify(text.slice(-80))}`);
    const lines = text.slice(0, -1).split("\n");
    assert.equal(lines.at(-1), "! You were disconnected: you fell too far behind (send queue full).");
    assert.equal(lines[0], "> Connected to the chat server (2 users online)");
    const relayed = lines.slice(1, -1);
    assert.ok(relayed.length > 0);
    relayed.forEach((line, i) => {
      assert.equal(line, `[${sender.address}] ${i} ${padding}`);
    });
    await sender.close();
  });
});
