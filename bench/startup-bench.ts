/**
 * Start-up on a large database (`npm run bench -- --only startup`, or
 * `node --import tsx bench/startup-bench.ts [--bytes N]`): the time from spawning
 * `dist/parley.js server` to its "Chat Server started" line, with a ~2 GB history.
 *
 * The database is built once and kept in the system's temporary directory
 * (parley-bench/startup-BYTES), so reruns take seconds; building it takes a few minutes.
 * It holds history rows and their indexes, about 1 KB a row, but no search index
 * (start-up never reads it, and building it would take far longer than the rest).
 *
 * Figures: a warm start after a clean shutdown (median of 3, the file in the page cache),
 * and one start that checks every page, as after a crash or with --check-db.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { SqliteStore } from "../src/store/sqlite-store.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PARLEY_BIN = path.join(ROOT, "dist", "parley.js");
const DEFAULT_BYTES = 2_000_000_000;
const ROWS_PER_TRANSACTION = 100_000;
/** Hex text of this many random bytes: about 1 KB a row with its index entries. */
const TEXT_RANDOM_BYTES = 440;
const WARM_RUNS = 3;
const START_LINE = /Chat Server started on port (\d+)\./;
const START_TIMEOUT_MS = 600_000;
const STOP_GRACE_MS = 10_000;

const { values } = parseArgs({ options: { bytes: { type: "string" } } });
const targetBytes = values.bytes === undefined ? DEFAULT_BYTES : Number(values.bytes);
if (!Number.isFinite(targetBytes) || targetBytes < 1_000_000) throw new Error("--bytes must be at least 1000000");

const dataDir = path.join(os.tmpdir(), "parley-bench", `startup-${targetBytes}`);
const databaseFile = path.join(dataDir, "parley.db");
const builtMarker = path.join(dataDir, "built");

async function buildDatabase(): Promise<void> {
  if (fs.existsSync(builtMarker)) {
    console.log(`  using the database built before: ${databaseFile}`);
    return;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  // The schema as Parley makes it, then rows written as fast as SQLite can take them.
  await SqliteStore.open(dataDir).close();
  const db = new Database(databaseFile);
  db.pragma("journal_mode = DELETE");
  db.pragma("synchronous = OFF");
  const insert = db.prepare<[number, number]>(`
    WITH RECURSIVE n (i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO history (id, at, kind, target, sender, sender_key, recipient_key, text)
    SELECT printf('%016d', i), 1700000000000 + i * 1000, 'message', '#room' || (i % 50),
           'user' || (i % 500), 'user' || (i % 500), NULL, hex(randomblob(${TEXT_RANDOM_BYTES}))
    FROM n`);
  const started = performance.now();
  let rows = 0;
  while (fs.statSync(databaseFile).size < targetBytes) {
    insert.run(rows + 1, rows + ROWS_PER_TRANSACTION);
    rows += ROWS_PER_TRANSACTION;
    process.stderr.write(`\r  building: ${rows.toLocaleString()} rows, ${megabytes(fs.statSync(databaseFile).size)}`);
  }
  // No search index here (see above): nothing is waiting to be indexed either.
  db.prepare("UPDATE text_index_state SET indexed_through = (SELECT max(rowid) FROM history)").run();
  db.pragma("journal_mode = WAL");
  db.close();
  fs.writeFileSync(builtMarker, `${rows}\n`);
  console.log(`\n  built ${rows.toLocaleString()} rows in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** Milliseconds from spawn to the start line; the server is then stopped cleanly. */
async function timeStart(extraArgs: string[] = []): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      PARLEY_BIN,
      "server",
      "127.0.0.1",
      "0",
      "--irc-port",
      "off",
      "--http-port",
      "off",
      "--quiet",
      "--data-dir",
      dataDir,
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  try {
    await waitForStartLine(child);
    const ms = performance.now() - started;
    // A start that checked the file is not the start this bench means to time: say so.
    if (stderr.includes('"event":"database-check"') && !extraArgs.includes("--check-db")) {
      console.log(
        `  (this start checked every page: the run before did not close cleanly; ${(ms / 1000).toFixed(2)} s)`,
      );
    }
    return ms;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${stderr}`);
  } finally {
    await stop(child);
  }
}

function waitForStartLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => reject(new Error("no start line")), START_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (START_LINE.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before its start line`));
    });
  });
}

/** SIGTERM, so the next start finds a clean shutdown; SIGKILL if that does not end it. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    console.log("  a server did not stop on SIGTERM within 10 s: killed (the next start checks the file)");
    child.kill("SIGKILL");
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

await buildDatabase();
const bytes = fs.statSync(databaseFile).size;
// The first start warms the page cache (and checks the file if no clean shutdown is on record).
const first = await timeStart();
const warm: number[] = [];
for (let run = 0; run < WARM_RUNS; run++) warm.push(await timeStart());
const checked = await timeStart(["--check-db"]);
console.log(`  database: ${megabytes(bytes)}`);
console.log(`  first start: ${(first / 1000).toFixed(2)} s`);
console.log(
  `  warm start after a clean shutdown, median of ${WARM_RUNS}: ${(median(warm) / 1000).toFixed(2)} s (${warm.map((ms) => (ms / 1000).toFixed(2)).join(", ")})`,
);
console.log(`  warm start checking every page (after a crash, or --check-db): ${(checked / 1000).toFixed(2)} s`);
