/**
 * The default store: one SQLite file in the data directory, written through a single
 * connection. Every query is synchronous underneath; the promises the interface asks for
 * are already settled when they are returned.
 *
 * Two kinds of work are kept off the append path, because each costs more than the append:
 * indexing text for search (done a few thousand rows at a time, shortly after, and always
 * before a search or a delete needs it) and checkpointing (done by a worker thread).
 */

import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import type { Logger } from "pino";
import { idFloorForTime } from "../core/message-id.js";
import { applyMigrations } from "./sqlite-migrations.js";
import type { Account, HistoryEntry, MessageStore, MissedEntries, RetentionPolicy, RoomRecord } from "./store.js";

const DEFAULT_FILE_NAME = "parley.db";
/** How long a write waits for another connection (a backup, an operator's shell) to let go. */
const BUSY_TIMEOUT_MS = 5_000;
/** Pages kept in memory, in KiB (SQLite's negative form); the indexes of a busy day fit. */
const CACHE_SIZE_KIB = 65_536;
/** After a checkpoint the write-ahead log is truncated back to this, so one burst does not keep its size. */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * How often the checkpoint thread copies the log into the database. The newest pages of
 * each index change with every commit; a second between checkpoints copies each of them
 * once instead of ten times (5% more deliveries/s with history on, in the fan-out bench).
 */
const CHECKPOINT_INTERVAL_MS = 1_000;
/** Past this many log pages the writer checkpoints itself: the thread fell behind, or is gone. */
const WRITER_CHECKPOINT_PAGES = 16_384;
/** SQLite's own default, which the writer returns to if the checkpoint thread dies. */
const DEFAULT_CHECKPOINT_PAGES = 1_000;
/** Appended text waits this long to be indexed, so one index write serves many batches. */
const TEXT_INDEX_DELAY_MS = 50;
/** Rows one indexing transaction takes: a few milliseconds of work. */
const TEXT_INDEX_CHUNK_ROWS = 5_000;
/**
 * Retention deletes in transactions of about this long, between which the server runs.
 * A row costs from a few microseconds (the oldest, side by side) to tens (one room's,
 * scattered among the others'), so the chunk size follows the time each chunk took.
 */
const RETENTION_CHUNK_BUDGET_MS = 10;
const RETENTION_CHUNK_ROWS = { first: 500, least: 50, most: 5_000 } as const;
/**
 * Retention waits for a checkpoint after this much deleting. Deletes touch pages all over
 * the file and fill the log fast; without a pause the log never drains, and the writer
 * ends up checkpointing it itself, on the event loop.
 */
const RETENTION_CHECKPOINT_AFTER_MS = 50;

/** Thrown by `SqliteStore.open`; the message alone tells the operator what to fix. */
export class StoreOpenError extends Error {
  readonly code = "ERR_STORE_OPEN";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreOpenError";
  }
}

/** A search with nothing in it to look for (empty, or punctuation only). */
export class SearchQueryError extends Error {
  readonly code = "ERR_SEARCH_EMPTY";

  constructor() {
    super("the search has no words to look for");
    this.name = "SearchQueryError";
  }
}

export interface SqliteStoreOptions {
  /** The database file's name inside the data directory; "parley.db" by default. */
  readonly fileName?: string;
  /** Where the store reports trouble it works around (it throws what it cannot). */
  readonly log?: Pick<Logger, "warn">;
}

export class SqliteStore implements MessageStore {
  readonly #db: Database.Database;
  readonly #statements: Statements;
  readonly #checkpointer: Checkpointer;
  readonly #appendEntries: (entries: readonly HistoryEntry[]) => void;
  readonly #indexText: (afterRowid: number, throughRowid: number) => void;
  readonly #deleteEntries: (rowids: readonly number[]) => void;
  readonly #saveCursors: (cursors: ReadonlyMap<string, string>) => void;
  /** Mirrors text_index_state: rows up to this rowid are searchable. */
  #indexedThrough: number;
  #textIndexTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;
  #retentionChunkRows: number = RETENTION_CHUNK_ROWS.first;

  /** Opens (creating when missing) the database in `dataDir`; throws `StoreOpenError`. */
  static open(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    createDataDirectory(dataDir);
    const file = path.join(dataDir, options.fileName ?? DEFAULT_FILE_NAME);
    return new SqliteStore(openDatabase(file), file, options.log);
  }

  private constructor(db: Database.Database, file: string, log: Pick<Logger, "warn"> | undefined) {
    this.#db = db;
    const statements = prepareStatements(db);
    this.#statements = statements;
    this.#appendEntries = db.transaction((entries: readonly HistoryEntry[]) => {
      for (const entry of entries) {
        const { id, at, kind, target, sender, senderKey, recipientKey, text } = entry;
        statements.insertEntry.run(id, at, kind, target, sender, senderKey, recipientKey, text);
      }
    });
    this.#indexText = db.transaction((afterRowid: number, throughRowid: number) => {
      statements.indexTextRange.run(afterRowid, throughRowid);
      statements.saveIndexedThrough.run(throughRowid);
    });
    this.#deleteEntries = db.transaction((rowids: readonly number[]) => {
      const selection = JSON.stringify(rowids);
      statements.unindexText.run(selection);
      statements.deleteRows.run(selection);
      // Rowids freed at the top are given out again; those new rows must count as unindexed.
      statements.lowerIndexedThroughToLastRow.run();
    });
    this.#saveCursors = db.transaction((cursors: ReadonlyMap<string, string>) => {
      for (const [key, lastId] of cursors) statements.saveCursor.run(key, lastId);
    });
    // After a crash, rows appended but not yet indexed wait here like any others.
    this.#indexedThrough = statements.indexedThrough.get() ?? 0;
    this.#checkpointer = new Checkpointer(file, db, log);
  }

  /** Durable when it returns; searchable as soon as a search asks. */
  appendBatch(entries: readonly HistoryEntry[]): void {
    if (entries.length === 0) return;
    this.#appendEntries(entries);
    this.#scheduleTextIndexing(TEXT_INDEX_DELAY_MS);
  }

  /** Indexes all appended text now. Search, retention and close call it; so may a benchmark. */
  indexPendingText(): void {
    while (this.#indexTextChunk()) {}
  }

  async roomHistory(room: string, limit: number, beforeId?: string): Promise<HistoryEntry[]> {
    const rows =
      beforeId === undefined
        ? this.#statements.roomLatest.all(room, rowLimit(limit))
        : this.#statements.roomBefore.all(room, beforeId, rowLimit(limit));
    return rows.reverse();
  }

  async directHistory(userKey: string, peerKey: string, limit: number): Promise<HistoryEntry[]> {
    return this.#statements.directLatest.all({ user: userKey, peer: peerKey, limit: rowLimit(limit) }).reverse();
  }

  async missedSince(afterId: string, rooms: readonly string[], userKey: string, limit: number): Promise<MissedEntries> {
    const scope = { after: afterId, rooms: JSON.stringify(rooms), user: userKey };
    const total = this.#statements.missedCount.get(scope) ?? 0;
    const entries = this.#statements.missedNewest.all({ ...scope, limit: rowLimit(limit) });
    return { entries, more: total - entries.length };
  }

  async search(query: string, rooms: readonly string[], userKey: string, limit: number): Promise<HistoryEntry[]> {
    const match = toFullTextQuery(query);
    this.indexPendingText();
    const rows = this.#statements.search.all({
      match,
      rooms: JSON.stringify(rooms),
      user: userKey,
      limit: rowLimit(limit),
    });
    // The walk was in storage order, which is id order for one server; sorting makes the page exact.
    return rows.sort((a, b) => compareIds(b.id, a.id));
  }

  async createAccount(account: Account): Promise<boolean> {
    const { key, name, passwordHash, createdAt } = account;
    return this.#statements.insertAccount.run(key, name, passwordHash, createdAt).changes === 1;
  }

  async findAccount(key: string): Promise<Account | null> {
    return this.#statements.findAccount.get(key) ?? null;
  }

  async accountRooms(key: string): Promise<string[]> {
    return this.#statements.accountRooms.all(key);
  }

  /** `key` must be an account's: rooms belong to accounts, and the schema holds to that. */
  async addAccountRoom(key: string, room: string): Promise<void> {
    this.#statements.addAccountRoom.run(key, room);
  }

  async removeAccountRoom(key: string, room: string): Promise<void> {
    this.#statements.removeAccountRoom.run(key, room);
  }

  async deliveryCursor(key: string): Promise<string> {
    return this.#statements.deliveryCursor.get(key) ?? "";
  }

  /** Every key must be an account's; one that is not fails the whole save. */
  async saveDeliveryCursors(cursors: ReadonlyMap<string, string>): Promise<void> {
    if (cursors.size > 0) this.#saveCursors(cursors);
  }

  async rooms(): Promise<RoomRecord[]> {
    return this.#statements.rooms.all();
  }

  async saveRoom(room: RoomRecord): Promise<void> {
    this.#statements.saveRoom.run(room.name, room.topic, room.topicBy, room.topicAt);
  }

  /**
   * Deletes in chunks, each its own transaction, yielding to the event loop between them:
   * a first run over a large history must not stall delivery.
   */
  async applyRetention(policy: RetentionPolicy, now: number): Promise<number> {
    let deleted = 0;
    if (policy.maxAgeMs > 0) {
      const cutoff = idFloorForTime(now - policy.maxAgeMs);
      deleted += await this.#deleteInChunks((rows) => this.#statements.rowidsOlderThan.all(cutoff, rows));
    }
    if (policy.maxPerRoom > 0) {
      for (let room = this.#nextRoomWithHistory("#"); room !== undefined; room = this.#nextRoomWithHistory(room)) {
        deleted += await this.#trimRoom(room, policy.maxPerRoom);
      }
    }
    return deleted;
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutDown();
    return this.#closed;
  }

  /** Indexes what is pending and closes; SQLite checkpoints and removes the log as the last connection goes. */
  async #shutDown(): Promise<void> {
    clearTimeout(this.#textIndexTimer);
    this.indexPendingText();
    await this.#checkpointer.stop();
    this.#db.close();
  }

  #scheduleTextIndexing(delayMs: number): void {
    if (this.#textIndexTimer !== undefined) return;
    this.#textIndexTimer = setTimeout(() => {
      this.#textIndexTimer = undefined;
      if (this.#db.open && this.#indexTextChunk()) this.#scheduleTextIndexing(0);
    }, delayMs);
    this.#textIndexTimer.unref();
  }

  /** Indexes up to `TEXT_INDEX_CHUNK_ROWS` rows; true when more are waiting. */
  #indexTextChunk(): boolean {
    const lastRowid = this.#statements.lastRowid.get() ?? 0;
    if (lastRowid <= this.#indexedThrough) return false;
    const throughRowid = Math.min(lastRowid, this.#indexedThrough + TEXT_INDEX_CHUNK_ROWS);
    this.#indexText(this.#indexedThrough, throughRowid);
    this.#indexedThrough = throughRowid;
    return throughRowid < lastRowid;
  }

  /** Deletes all but the newest `keep` entries of `room`. */
  async #trimRoom(room: string, keep: number): Promise<number> {
    const newestToDelete = this.#statements.roomIdAtDepth.get(room, keep);
    await yieldToEventLoop();
    if (newestToDelete === undefined || !this.#db.open) return 0;
    return this.#deleteInChunks((rows) => this.#statements.roomRowidsThrough.all(room, newestToDelete, rows));
  }

  /** `selectChunk(rows)` names at most `rows` rows to delete, by rowid. */
  async #deleteInChunks(selectChunk: (rows: number) => number[]): Promise<number> {
    let deleted = 0;
    let deletingSinceCheckpointMs = 0;
    // Closing the store ends a retention run between chunks; what was deleted stays deleted.
    while (this.#db.open) {
      // The index must hold exactly what it is told to forget.
      this.indexPendingText();
      const chunkRows = this.#retentionChunkRows;
      const started = performance.now();
      const rowids = selectChunk(chunkRows);
      if (rowids.length > 0) this.#deleteEntries(rowids);
      this.#indexedThrough = this.#statements.indexedThrough.get() ?? 0;
      deleted += rowids.length;
      if (rowids.length < chunkRows) break;
      const elapsedMs = performance.now() - started;
      this.#retentionChunkRows = nextChunkRows(chunkRows, elapsedMs);
      deletingSinceCheckpointMs += elapsedMs;
      if (deletingSinceCheckpointMs < RETENTION_CHECKPOINT_AFTER_MS) {
        await yieldToEventLoop();
      } else {
        await this.#checkpointer.checkpoint();
        deletingSinceCheckpointMs = 0;
      }
    }
    return deleted;
  }

  /** Rooms in name order, one index seek each. A room is "#" and at least one more character. */
  #nextRoomWithHistory(after: string): string | undefined {
    if (!this.#db.open) return undefined;
    return this.#statements.nextRoom.get(after) ?? undefined;
  }
}

/**
 * Checkpoints from a worker thread with its own connection. Copying the log into the
 * database and syncing it is the slowest thing SQLite does; done by the writer, it would
 * stall the event loop (and every delivery) for tens of milliseconds at a time.
 */
class Checkpointer {
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
  const checkpoint = () => db.pragma("wal_checkpoint(PASSIVE)");
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

/**
 * Turns what a user typed into an FTS5 query that can only mean "all of these words":
 * each whitespace-separated term becomes a quoted string (FTS5 §3.1), so operators and
 * column filters in the text (`NEAR(`, `-`, `*`, `:`, `"`) are matched as text, never parsed.
 */
export function toFullTextQuery(query: string): string {
  // unicode61 keeps letters and digits and splits on everything else; a term with neither matches nothing.
  const terms = query.split(/\s+/u).filter((term) => /[\p{L}\p{N}]/u.test(term));
  if (terms.length === 0) throw new SearchQueryError();
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(" AND ");
}

/** Halves a chunk that overran its budget, grows one that used less than half of it. */
function nextChunkRows(rows: number, elapsedMs: number): number {
  if (elapsedMs > RETENTION_CHUNK_BUDGET_MS) return Math.max(RETENTION_CHUNK_ROWS.least, Math.floor(rows / 2));
  if (elapsedMs < RETENTION_CHUNK_BUDGET_MS / 2) return Math.min(RETENTION_CHUNK_ROWS.most, rows * 2);
  return rows;
}

/** SQLite reads a negative LIMIT as "no limit"; a caller's nonsense must not fetch everything. */
function rowLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.trunc(limit)) : 0;
}

/** Ids are ASCII, so this is SQLite's BINARY order, the one every ORDER BY id uses. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function createDataDirectory(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new StoreOpenError(`cannot create the data directory ${dataDir}: ${describeFileError(error)}`, {
      cause: error,
    });
  }
  try {
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (error) {
    throw new StoreOpenError(`cannot write to the data directory ${dataDir}: ${describeFileError(error)}`, {
      cause: error,
    });
  }
}

function openDatabase(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    configure(db);
    applyMigrations(db);
    return db;
  } catch (error) {
    db?.close();
    throw new StoreOpenError(`cannot open the history database ${file}: ${describeDatabaseError(error)}`, {
      cause: error,
    });
  }
}

function configure(db: Database.Database): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Reading the schema checks the header, so a file that is not a database fails here;
  // quick_check then reads every page, so a damaged one fails at start and not mid-conversation.
  db.prepare("SELECT count(*) FROM sqlite_schema").get();
  const problems = db.pragma("quick_check(1)", { simple: true });
  if (problems !== "ok") throw new Error(`the file is damaged (${oneLine(String(problems))})`);
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
    case "EEXIST":
      return "it exists and is not a directory";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Which entries the full-text index holds. Text goes in and comes out under the same
 * condition: the index must be told, on delete, exactly the text it was given.
 */
const SEARCHABLE = "kind IN ('message', 'action') AND text <> ''";
/** What history shows people: arrivals and departures are kept for the record, not replayed. */
const CONVERSATION = "kind IN ('message', 'action', 'topic')";

const ENTRY_COLUMNS = "id, at, kind, target, sender, sender_key AS senderKey, recipient_key AS recipientKey, text";

/**
 * The user's share of history after `@after`: their rooms, the direct messages they
 * received, and those they sent to someone else (a note to self is already "received").
 * The three parts never overlap, so UNION ALL counts each entry once. The room part
 * requires recipient_key IS NULL so that no room list, however built, reaches a direct message.
 */
const MISSED = `
  WITH missed (id, row) AS (
    SELECT id, rowid FROM history
      WHERE target IN (SELECT value FROM json_each(@rooms)) AND recipient_key IS NULL AND id > @after
        AND ${CONVERSATION}
    UNION ALL
    SELECT id, rowid FROM history WHERE recipient_key = @user AND id > @after
    UNION ALL
    SELECT id, rowid FROM history
      WHERE sender_key = @user AND recipient_key IS NOT NULL AND recipient_key <> @user AND id > @after
  )`;

interface MissedScope {
  after: string;
  rooms: string;
  user: string;
}

/** Prepared once: the hot paths never parse SQL. */
function prepareStatements(db: Database.Database) {
  return {
    insertEntry: db.prepare<[string, number, string, string, string, string, string | null, string]>(
      `INSERT INTO history (id, at, kind, target, sender, sender_key, recipient_key, text)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       -- A batch retried after an uncertain failure must not fail on what was written.
       ON CONFLICT (id) DO NOTHING`,
    ),
    lastRowid: db.prepare<[], number>("SELECT coalesce(max(rowid), 0) FROM history").pluck(),
    indexedThrough: db.prepare<[], number>("SELECT indexed_through FROM text_index_state").pluck(),
    saveIndexedThrough: db.prepare<[number]>("UPDATE text_index_state SET indexed_through = ?"),
    lowerIndexedThroughToLastRow: db.prepare<[]>(
      "UPDATE text_index_state SET indexed_through = min(indexed_through, (SELECT coalesce(max(rowid), 0) FROM history))",
    ),
    indexTextRange: db.prepare<[number, number]>(
      `INSERT INTO history_text (rowid, text)
       SELECT rowid, text FROM history WHERE rowid > ? AND rowid <= ? AND ${SEARCHABLE}`,
    ),
    // FTS5 §4.4.3: an external-content index forgets a row when told its old values.
    unindexText: db.prepare<[string]>(
      `INSERT INTO history_text (history_text, rowid, text)
       SELECT 'delete', rowid, text FROM history
       WHERE rowid IN (SELECT value FROM json_each(?)) AND ${SEARCHABLE}`,
    ),
    deleteRows: db.prepare<[string]>("DELETE FROM history WHERE rowid IN (SELECT value FROM json_each(?))"),

    roomLatest: db.prepare<[string, number], HistoryEntry>(
      `SELECT ${ENTRY_COLUMNS} FROM history WHERE target = ? AND ${CONVERSATION} ORDER BY id DESC LIMIT ?`,
    ),
    roomBefore: db.prepare<[string, string, number], HistoryEntry>(
      `SELECT ${ENTRY_COLUMNS} FROM history WHERE target = ? AND id < ? AND ${CONVERSATION} ORDER BY id DESC LIMIT ?`,
    ),
    directLatest: db.prepare<{ user: string; peer: string; limit: number }, HistoryEntry>(
      `SELECT ${ENTRY_COLUMNS} FROM history WHERE recipient_key = @peer AND sender_key = @user
       UNION ALL
       SELECT ${ENTRY_COLUMNS} FROM history WHERE recipient_key = @user AND sender_key = @peer AND @user <> @peer
       ORDER BY id DESC LIMIT @limit`,
    ),
    missedCount: db.prepare<MissedScope, number>(`${MISSED} SELECT count(*) FROM missed`).pluck(),
    // Ids and rowids first, from the indexes alone; whole rows, by rowid, only for the `limit` kept.
    missedNewest: db.prepare<MissedScope & { limit: number }, HistoryEntry>(
      `${MISSED}
       SELECT ${ENTRY_COLUMNS} FROM history
       WHERE rowid IN (SELECT row FROM missed ORDER BY id DESC LIMIT @limit)
       ORDER BY id`,
    ),
    // Walking the full-text index backwards by rowid needs no sort, so a word found in
    // half the history costs no more than a rare one: the walk stops at `limit` matches.
    search: db.prepare<{ match: string; rooms: string; user: string; limit: number }, HistoryEntry>(
      `SELECT h.id, h.at, h.kind, h.target, h.sender, h.sender_key AS senderKey,
              h.recipient_key AS recipientKey, h.text
       FROM history_text JOIN history AS h ON h.rowid = history_text.rowid
       WHERE history_text MATCH @match
         AND ((h.target IN (SELECT value FROM json_each(@rooms)) AND h.recipient_key IS NULL)
              OR h.recipient_key = @user
              OR (h.sender_key = @user AND h.recipient_key IS NOT NULL))
       ORDER BY history_text.rowid DESC LIMIT @limit`,
    ),

    insertAccount: db.prepare<[string, string, string, number]>(
      `INSERT INTO accounts (key, name, password_hash, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO NOTHING`,
    ),
    findAccount: db.prepare<[string], Account>(
      `SELECT name, key, password_hash AS passwordHash, created_at AS createdAt FROM accounts WHERE key = ?`,
    ),
    accountRooms: db.prepare<[string], string>("SELECT room FROM account_rooms WHERE key = ? ORDER BY room").pluck(),
    addAccountRoom: db.prepare<[string, string]>(
      "INSERT INTO account_rooms (key, room) VALUES (?, ?) ON CONFLICT DO NOTHING",
    ),
    removeAccountRoom: db.prepare<[string, string]>("DELETE FROM account_rooms WHERE key = ? AND room = ?"),
    deliveryCursor: db.prepare<[string], string>("SELECT last_id FROM delivery_cursors WHERE key = ?").pluck(),
    saveCursor: db.prepare<[string, string]>(
      `INSERT INTO delivery_cursors (key, last_id) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET last_id = excluded.last_id`,
    ),

    rooms: db.prepare<[], RoomRecord>(
      "SELECT name, topic, topic_by AS topicBy, topic_at AS topicAt FROM rooms ORDER BY name",
    ),
    saveRoom: db.prepare<[string, string, string, number]>(
      `INSERT INTO rooms (name, topic, topic_by, topic_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET topic = excluded.topic, topic_by = excluded.topic_by,
                                        topic_at = excluded.topic_at`,
    ),

    rowidsOlderThan: db.prepare<[string, number], number>("SELECT rowid FROM history WHERE id < ? LIMIT ?").pluck(),
    // "$" is the character after "#": the range holds exactly the room targets.
    nextRoom: db
      .prepare<[string], string | null>("SELECT min(target) FROM history WHERE target > ? AND target < '$'")
      .pluck(),
    roomIdAtDepth: db
      .prepare<[string, number], string>("SELECT id FROM history WHERE target = ? ORDER BY id DESC LIMIT 1 OFFSET ?")
      .pluck(),
    roomRowidsThrough: db
      .prepare<[string, string, number], number>("SELECT rowid FROM history WHERE target = ? AND id <= ? LIMIT ?")
      .pluck(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;
