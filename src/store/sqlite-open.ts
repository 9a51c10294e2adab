/**
 * Opening the history database: creating the data directory, checking the file, choosing
 * the journal and its settings, migrating. Every failure is a `StoreOpenError` whose message
 * names the path and says what is wrong, in a line an operator can act on.
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import type { Logger } from "pino";
import { DatabaseLock } from "./sqlite-lock.js";
import { applyMigrations, latestSchemaVersion, readSchemaVersion } from "./sqlite-migrations.js";

/** How long a write waits for another connection (a backup, an operator's shell) to let go. */
export const BUSY_TIMEOUT_MS = 5_000;
/** Pages kept in memory, in KiB (SQLite's negative form); the indexes of a busy day fit. */
const CACHE_SIZE_KIB = 65_536;
/** After a checkpoint the write-ahead log is truncated back to this, so one burst does not keep its size. */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** Past this many log pages the writer checkpoints itself: the thread fell behind, or is gone. */
const WRITER_CHECKPOINT_PAGES = 16_384;
/** Largest file set to give space back at start (VACUUM rewrites it: about a second at this size). */
const VACUUM_AT_START_MAX_BYTES = 64 * 1024 * 1024;
/** SQLite's own default, which the writer returns to if the checkpoint thread dies. */
export const DEFAULT_CHECKPOINT_PAGES = 1_000;

/** Thrown by `SqliteStore.open`; the message alone tells the operator what to fix. */
export class StoreOpenError extends Error {
  readonly code = "ERR_STORE_OPEN";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreOpenError";
  }
}

export function createDataDirectory(dataDir: string): void {
  if (dataDir === "") throw new StoreOpenError("no data directory given: --data-dir is empty");
  try {
    makeDirectories(dataDir);
  } catch (error) {
    throw new StoreOpenError(`cannot create the data directory ${dataDir}: ${describeFileError(error)}`, {
      cause: error,
    });
  }
  if (!fs.statSync(dataDir).isDirectory()) {
    throw new StoreOpenError(`cannot create the data directory ${dataDir}: it exists and is not a directory`);
  }
  try {
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (error) {
    throw new StoreOpenError(`cannot write to the data directory ${dataDir}: ${describeFileError(error)}`, {
      cause: error,
    });
  }
}

/**
 * Makes `dir` and any missing parents, one at a time: Node's recursive mkdir spins for ever
 * where a directory cannot be made although its parent exists (under /proc, say).
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) {
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const each of missing.reverse()) {
    try {
      fs.mkdirSync(each);
    } catch (error) {
      // Made meanwhile by someone else is as good as made.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !fs.statSync(each).isDirectory()) throw error;
    }
  }
}

export interface OpenDatabaseOptions {
  /** Read every page to check the file even after a clean shutdown (an operator asked). */
  readonly check: boolean;
  readonly log: Pick<Logger, "info" | "warn"> | undefined;
}

export interface OpenedDatabase {
  readonly db: Database.Database;
  /** Held until the store closes: no second server opens the file meanwhile. */
  readonly lock: DatabaseLock;
}

/** Locks, opens, checks when called for, configures and migrates the database `file`. */
export function openDatabase(file: string, options: OpenDatabaseOptions): OpenedDatabase {
  const started = performance.now();
  const lock = lockDatabase(file);
  const log = options.log;
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Reading the schema checks the header, so a file that is not a database fails here.
    const isNew = db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get() === 0;
    // Only possible before the first table: an older file keeps its mode (see the README).
    if (isNew) db.pragma("auto_vacuum = INCREMENTAL");
    const checkReason = options.check ? "asked" : lock.lastRun === "closed-cleanly" || isNew ? null : lock.lastRun;
    if (checkReason !== null) checkPages(db, file, checkReason, log);
    configure(db);
    const version = readSchemaVersion(db);
    // A migration may rewrite a large history: the log says so before it starts.
    if (!isNew && version < latestSchemaVersion()) {
      log?.info(
        { event: "database-migrating", file, from: version, to: latestSchemaVersion() },
        "migrating the history database",
      );
    }
    applyMigrations(db);
    assertWritable(db);
    letRetentionShrinkTheFile(db, file, log);
  } catch (error) {
    db?.close();
    lock.release(false);
    throw new StoreOpenError(`cannot open the history database ${file}: ${describeDatabaseError(error)}`, {
      cause: error,
    });
  }
  const ms = Math.round(performance.now() - started);
  log?.info({ event: "database-opened", file, bytes: fileBytes(file), ms }, "history database open");
  return { db, lock };
}

function lockDatabase(file: string): DatabaseLock {
  try {
    return DatabaseLock.acquire(file);
  } catch (error) {
    const message =
      (error as { code?: unknown }).code === "SQLITE_BUSY"
        ? `the data directory ${path.dirname(file)} is in use by another Parley server (it holds ${file}.lock)`
        : `cannot lock the history database ${file}: ${describeDatabaseError(error)}`;
    throw new StoreOpenError(message, { cause: error });
  }
}

/**
 * Reads every page, so that a damaged file fails at start and not mid-conversation. On a
 * large file that takes many seconds (a minute for 2 GB not in memory), so it runs only
 * when the last run did not close the database, or an operator asks; the log says so first.
 */
function checkPages(db: Database.Database, file: string, reason: string, log: OpenDatabaseOptions["log"]): void {
  const started = performance.now();
  log?.info({ event: "database-check", file, reason }, "checking every page of the history database");
  const problems = db.pragma("quick_check(1)", { simple: true });
  if (problems !== "ok") throw new Error(`the file is damaged (${oneLine(String(problems))})`);
  const ms = Math.round(performance.now() - started);
  log?.info({ event: "database-checked", file, ms }, "the history database is sound");
}

/** The database and its write-ahead log, in bytes: what the operator's disk holds for it. */
function fileBytes(file: string): number {
  let bytes = 0;
  for (const each of [file, `${file}-wal`]) {
    try {
      bytes += fs.statSync(each).size;
    } catch {
      // Not there (yet): it holds nothing.
    }
  }
  return bytes;
}

/**
 * A file made before Parley set incremental auto-vacuum keeps every page retention frees;
 * switching needs a VACUUM, which rewrites the whole file. That is cheap for a small file,
 * done here once; for a large one it would hold up start-up, so the log says how instead.
 */
function letRetentionShrinkTheFile(db: Database.Database, file: string, log: OpenDatabaseOptions["log"]): void {
  if (db.pragma("auto_vacuum", { simple: true }) !== 0) return;
  const bytes = fileBytes(file);
  if (bytes > VACUUM_AT_START_MAX_BYTES) {
    log?.info(
      { event: "database-space-kept", file, bytes },
      "retention frees space inside this file but cannot shrink it; to let it, stop Parley and run: sqlite3 FILE 'PRAGMA auto_vacuum = INCREMENTAL; VACUUM'",
    );
    return;
  }
  try {
    db.pragma("auto_vacuum = INCREMENTAL");
    db.exec("VACUUM");
    log?.info({ event: "database-vacuumed", file, bytes, after: fileBytes(file) }, "retention can now shrink the file");
  } catch (error) {
    // No room for the copy VACUUM makes: the file works as before, and the next start tries again.
    log?.warn({ event: "database-vacuum-failed", file, err: error }, "the file could not be set to shrink");
  }
}

function configure(db: Database.Database): void {
  if (db.pragma("journal_mode = WAL", { simple: true }) !== "wal") {
    throw new Error("its file system does not support write-ahead logging");
  }
  // In WAL mode, NORMAL syncs at checkpoints, not at each commit. A committed transaction is
  // in the log, in the operating system's hands, so killing the process (even kill -9) loses
  // nothing; only an OS crash or power cut can lose the last commits, and never corrupts.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
  db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
}

/**
 * SQLite opens a file it may read but not write read-only, without a word, and every
 * message would then fail to be stored. Writing the schema version it already has
 * changes nothing but needs write access, so a read-only file fails start-up instead.
 */
function assertWritable(db: Database.Database): void {
  db.pragma(`user_version = ${readSchemaVersion(db)}`);
}

/** SQLite's report, without its banner and line breaks: the operator reads one line. */
function oneLine(report: string): string {
  return report
    .replace(/\*\*\* in database \w+ \*\*\*/, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** One clause, lower case, for the end of "cannot open ...: ". */
function describeDatabaseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  switch ((error as { code?: unknown }).code) {
    case "SQLITE_NOTADB":
      return "file is not a database";
    case "SQLITE_CORRUPT":
      return "the file is damaged (database disk image is malformed)";
    case "SQLITE_CANTOPEN":
      return "the file cannot be opened (missing permission, or the path is a directory)";
    case "SQLITE_READONLY":
      return "the file or its directory is read-only";
    case "SQLITE_BUSY":
      return "another process holds it locked";
    case "SQLITE_FULL":
      return "the disk is full: free some space on it, then start again";
    default:
      return error.message;
  }
}

function describeFileError(error: unknown): string {
  switch ((error as { code?: unknown } | null)?.code) {
    case "ENOTDIR":
      return "part of the path is a file, not a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOENT":
      return "no directory can be made there";
    case "EEXIST":
      return "it exists and is not a directory";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
