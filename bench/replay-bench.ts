/**
 * Catch-up replay, end to end (`node --import tsx bench/replay-bench.ts`): a registered
 * user leaves, 10,000 messages are said in their room, the user comes back and logs in;
 * measured is the time from sending `/login` to receiving the last missed line, over a
 * real loopback socket, against an in-process server with a real SQLite file. Median of 3.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, connect, type Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { defaultServerConfig } from "../src/config.js";
import { startServer } from "../src/server.js";

const MISSED = 10_000;
const ROUNDS = 3;
const ROOM = "#bench";

/** A raw line-protocol peer that can wait for a line. */
class Peer {
  readonly socket: Socket;
  lines = 0;
  #tail = "";
  #watch: { test: (line: string) => boolean; resolve: () => void } | null = null;
  readonly #count: (line: string) => boolean;

  private constructor(socket: Socket, count: (line: string) => boolean) {
    this.socket = socket;
    this.#count = count;
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      const parts = (this.#tail + text).split("\n");
      this.#tail = parts.pop() ?? "";
      for (const line of parts) {
        if (this.#count(line)) this.lines += 1;
        if (this.#watch?.test(line)) {
          const { resolve } = this.#watch;
          this.#watch = null;
          resolve();
        }
      }
    });
  }

  static open(port: number, count: (line: string) => boolean = () => false): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("error", reject);
      socket.once("connect", () => resolve(new Peer(socket, count)));
    });
  }

  /** Sends `line` and resolves when a line passing `test` arrives (within 60 s). */
  ask(line: string, test: (line: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${line}`)), 60_000);
      this.#watch = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.socket.write(`${line}\n`);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.end();
    });
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "parley-replay-"));
  const server = await startServer(
    {
      ...defaultServerConfig,
      host: "127.0.0.1",
      port: 0,
      ircPort: null,
      dataDir,
      transcript: false,
      missedReplayCap: MISSED,
      // A catch-up is kept to half the send queue; this one must fit whole to be timed whole.
      sendQueueBytes: 8 * 1024 * 1024,
      commandsPerSecond: Number.POSITIVE_INFINITY,
      commandBurst: Number.POSITIVE_INFINITY,
    },
    pino({ level: "silent" }),
  );
  const port = (server.lineAddress as AddressInfo).port;
  try {
    const alice = await Peer.open(port);
    await alice.ask("/nick alice", (line) => line.startsWith("- You are now known as"));
    await alice.ask("/register password1", (line) => line.startsWith("- The name alice"));
    await alice.ask(`/join ${ROOM}`, (line) => line.startsWith("- You joined"));
    await alice.close();
    const bob = await Peer.open(port);
    await bob.ask(`/join ${ROOM}`, (line) => line.startsWith("- You joined"));

    const timings: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const last = `round ${round} message ${MISSED}`;
      for (let i = 1; i <= MISSED; i++) bob.socket.write(`round ${round} message ${i}\n`);
      // Stored once bob's own history shows the last one.
      await bob.ask(`/history ${ROOM} 1`, (line) => line.endsWith(last));
      const back = await Peer.open(port, (line) => line.startsWith("~ "));
      const started = performance.now();
      await back.ask("/login alice password1", (line) => line.endsWith(last));
      timings.push(performance.now() - started);
      if (back.lines !== MISSED) throw new Error(`replayed ${back.lines} lines, expected ${MISSED}`);
      await back.close();
    }
    await bob.close();
    timings.sort((a, b) => a - b);
    console.log(
      `Catch-up replay: ${MISSED.toLocaleString("en-US")} missed messages, /login to the last line: ` +
        `median ${timings[Math.floor(ROUNDS / 2)].toFixed(0)} ms (runs: ${timings.map((t) => t.toFixed(0)).join(" / ")} ms)`,
    );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
