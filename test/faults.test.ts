import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { python3Skip } from "./helpers/environment.js";
import { LineClient } from "./helpers/line-client.js";
import { ServerProcess, startTestServer } from "./helpers/server.js";
import { connectStalledReader } from "./helpers/stalled-reader.js";
import { Wakeups, waitUntil } from "./helpers/wait-until.js";

describe("slow readers, resets and silent peers", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    // Pacing off: these tests flood on purpose, to fill queues.
    server = await startTestServer({
      sendQueueBytes: 256 * 1024,
      commandsPerSecond: Number.POSITIVE_INFINITY,
      commandBurst: Number.POSITIVE_INFINITY,
    });
  });
  after(() => server.stop());

  it("disconnects a reader that falls behind, while everyone else gets every message in order", async (t) => {
    const skip = python3Skip();
    if (skip !== null) return t.skip(skip);
    const sender = await LineClient.join(server.port);
    const bystander = await LineClient.join(server.port);
    const slow = await connectStalledReader(server.port);
    await sender.waitFor((line) => line.includes(slow.address));

    // Enough to fill the kernel buffers on both sides (several MiB on loopback) and then our queue.
    const count = 20_000;
    const padding = "p".repeat(380);
    for (let i = 0; i < count; i++) sender.send(`${i} ${padding}\n`);

    await bystander.waitFor(`[${sender.address}] ${count - 1} ${padding}`, 20_000);
    const received = bystander.lines.filter((line) => line.startsWith(`[${sender.address}] `));
    assert.equal(received.length, count);
    for (const [i, line] of received.entries()) assert.equal(line, `[${sender.address}] ${i} ${padding}`);
    await bystander.waitFor(`< The user ${slow.address} left. (2 users online)`);
    await slow.stop();
    await Promise.all([sender.close(), bystander.close()]);
  });

  it("survives abrupt resets mid-line and keeps the count right", async () => {
    const watcher = await LineClient.join(server.port);
    for (let round = 0; round < 50; round++) {
      const doomed = await LineClient.join(server.port);
      doomed.send("half a li");
      await doomed.reset();
    }
    // Every reset peer is gone from the count, however the resets interleaved with the joins.
    await pollUntil(() => server.hub.sessionCount === 1);
    const last = await LineClient.join(server.port);
    await watcher.waitFor(`> New user ${last.address} entered. (2 users online)`);
    assert.equal(server.hub.sessionCount, 2);
    await Promise.all([watcher.close(), last.close()]);
  });

  it("delivers the last words of a peer that half-closes, then lets it go", async () => {
    const watcher = await LineClient.join(server.port);
    const leaver = await LineClient.join(server.port);
    leaver.send("last words");
    leaver.socket.end();
    await watcher.waitFor(`[${leaver.address}] last words`);
    await watcher.waitFor(`< The user ${leaver.address} left. (1 user online)`);
    await leaver.waitForClose();
    await watcher.close();
  });

  it("keeps silent peers as users and lets them leave cleanly", async () => {
    const silent = await Promise.all(Array.from({ length: 20 }, () => LineClient.join(server.port)));
    assert.equal(server.hub.sessionCount, 20);
    const talker = await LineClient.join(server.port);
    talker.send("anyone?\n");
    await Promise.all(silent.map((client) => client.waitFor(`[${talker.address}] anyone?`)));
    await Promise.all([...silent, talker].map((client) => client.close()));
    await pollUntil(() => server.hub.sessionCount === 0);
  });
});

describe("many clients at once", () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start(["server", "127.0.0.1", "0", "--quiet"]);
  });
  after(() => server.kill());

  it("serves 2,000 concurrent clients and relays to all of them", async () => {
    const clients = 2000;
    const peers: CountingPeer[] = [];
    for (let i = 0; i < clients; i += 100) {
      peers.push(...(await Promise.all(Array.from({ length: 100 }, () => CountingPeer.open(server.port)))));
    }
    // The k-th newcomer's arrival reaches the k-1 before it: wait until every notice has drained.
    await Promise.all(peers.map((peer, i) => peer.waitForLines(1 + (clients - 1 - i), 60_000)));
    assert.match(peers[clients - 1].firstLine, /^> Connected to the chat server \(2000 users online\)$/);

    peers[0].socket.write("hello, everyone\n");
    await Promise.all(peers.slice(1).map((peer, i) => peer.waitForLines(1 + (clients - 2 - i) + 1, 30_000)));
    for (const peer of peers.slice(1)) assert.equal(peer.lastLine, `[${peers[0].address}] hello, everyone`);

    await Promise.all(peers.map((peer) => peer.close()));
  });
});

/** A peer that only counts lines: two thousand of them must not cost the test megabytes of strings. */
class CountingPeer {
  readonly socket: Socket;
  readonly address: string;
  lineCount = 0;
  firstLine = "";
  lastLine = "";
  #tail = "";
  readonly #wakeups = new Wakeups();

  private constructor(socket: Socket) {
    this.socket = socket;
    this.address = `${socket.localAddress}:${socket.localPort}`;
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      const lines = (this.#tail + text).split("\n");
      this.#tail = lines.pop() ?? "";
      if (lines.length === 0) return;
      if (this.lineCount === 0) this.firstLine = lines[0];
      this.lineCount += lines.length;
      this.lastLine = lines[lines.length - 1];
      this.#wakeups.wakeAll();
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<CountingPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("error", reject);
      socket.once("connect", () => resolve(new CountingPeer(socket)));
    });
  }

  async waitForLines(count: number, timeoutMs: number): Promise<void> {
    await waitUntil(() => (this.lineCount >= count ? true : undefined), {
      what: `${count} lines`,
      wakeups: this.#wakeups,
      timeoutMs,
      seen: () => `${this.address} had ${this.lineCount}`,
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.end();
    });
  }
}

/** Checks at every turn of the event loop: the in-process state it reads has no event to wait on. */
async function pollUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setImmediate(resolve));
  }
}
