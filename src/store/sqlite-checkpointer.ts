import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { BUSY_TIMEOUT_MS, DEFAULT_CHECKPOINT_PAGES } from "./sqlite-open.js";

/**
 * How often the checkpoint thread copies the log into the database. Less often copies the
 * newest index pages fewer times, but every page read then searches a longer log index: at
 * a second, appends in batches of 100 ran 20% slower (store bench) for 5% more deliveries/s
 * in the fan-out bench, so the log is kept short.
 */
const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Checkpoints from a worker thread with its own connection. Copying the log into the
 * database and syncing it is the slowest thing SQLite does; done by the writer, it would
 * stall the event loop (and every delivery) for tens of milliseconds at a time.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  /** Callers of `checkpoint`, answered in order: the thread handles one message at a time. */
  readonly #waiting: (() => void)[] = [];
  #isRunning = true;

  constructor(file: string, writer: Database.Database, log: Pick<Logger, "warn"> | undefined) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.#worker = new Worker(CHECKPOINT_THREAD_SOURCE, {
      eval: true,
      workerData: { driver, file, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    this.#worker.unref();
    this.#worker.on("message", () => this.#waiting.shift()?.());
    // Without the thread the writer checkpoints as SQLite does by default: slower, never wrong.
    this.#worker.on("error", (error) => {
      log?.warn(
        { event: "checkpoint-thread-failed", err: error },
        "checkpoint thread failed; the writer checkpoints itself",
      );
      if (writer.open) writer.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
    });
    this.#exited = new Promise((resolve) =>
      this.#worker.once("exit", () => {
        this.#isRunning = false;
        for (const resolveWaiting of this.#waiting.splice(0)) resolveWaiting();
        resolve();
      }),
    );
  }

  /** Checkpoints now, off this thread; for a writer that writes so much it never leaves a gap. */
  checkpoint(): Promise<void> {
    if (!this.#isRunning) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#worker.postMessage("checkpoint");
    });
  }

  async stop(): Promise<void> {
    // Unreferenced so that a store never keeps the process alive; while it stops, it must.
    this.#worker.ref();
    this.#worker.postMessage("stop");
    await this.#exited;
  }
}

/** Plain JavaScript, run with `eval` so the thread needs no file of its own. */
const CHECKPOINT_THREAD_SOURCE = `
  const { parentPort, workerData } = require("node:worker_threads");
  const Database = require(workerData.driver);
  const db = new Database(workerData.file, { fileMustExist: true });
  db.pragma("busy_timeout = ${BUSY_TIMEOUT_MS}");
  // PASSIVE never waits for, or blocks, the writer: it copies what no reader still needs.
  // A checkpoint that fails (a full or failing disk) leaves the log as it was: the next one tries again.
  const checkpoint = () => {
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {}
  };
  const timer = setInterval(checkpoint, workerData.intervalMs);
  parentPort.on("message", (request) => {
    if (request === "checkpoint") {
      checkpoint();
      parentPort.postMessage("checkpointed");
      return;
    }
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
`;
