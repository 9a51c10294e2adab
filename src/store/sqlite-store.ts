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
import path from "node:path";
import { performance } from "node:perf_hooks";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { idFloorForTime } from "../core/message-id.js";
import { Checkpointer } from "./sqlite-checkpointer.js";
import type { DatabaseLock } from "./sqlite-lock.js";
import { warnOfStrandedAccounts } from "./sqlite-migrations.js";
import { createDataDirectory, openDatabase } from "./sqlite-open.js";
import { PAGE_BOUNDS, type PageRow, prepareStatements, type Statements } from "./sqlite-statements.js";
import { asStoreWriteError, write } from "./sqlite-write-errors.js";
import {
  type Account,
  type Conversation,
  type ConversationsQuery,
  type DirectPeer,
  type HistoryEntry,
  type HistoryGap,
  type HistoryPage,
  type HistoryPageQuery,
  type MessageStore,
  type MissedEntries,
  type RetentionPolicy,
  type RoomRecord,
  StoreWriteError,
} from "./store.js";

export { StoreOpenError } from "./sqlite-open.js";

const DEFAULT_FILE_NAME = "parley.db";
/** Appended text waits this long to be indexed, so one index write serves many batches. */
const TEXT_INDEX_DELAY_MS = 50;
/** SQLite's number for auto_vacuum = INCREMENTAL. */
const AUTO_VACUUM_INCREMENTAL = 2;
/** Pages given back to the disk per step after retention: a few milliseconds of moving pages. */
const RELEASE_CHUNK_PAGES = 256;
const RELEASE_CHUNKS_PER_CHECKPOINT = 16;
/** Free disk space that storing history needs to resume after the disk was full. */
const RESUME_FREE_BYTES = 1024 * 1024;
/**
 * Background search indexing waits while the disk has less than this free: it is work that
 * can wait, and on a disk that was just full it would take the space history needs.
 */
const TEXT_INDEX_FREE_BYTES = 4 * RESUME_FREE_BYTES;
/** After indexing failed (a full disk), it is tried again this much later. */
const TEXT_INDEX_RETRY_MS = 5_000;
/** Rows one indexing transaction takes: a few milliseconds of work. */
const TEXT_INDEX_CHUNK_ROWS = 5_000;
/**
 * The most rows a search or a close indexes on the spot. What a running server appended is
 * far less; a larger backlog (after a crash, or from an import) is left to the background
 * indexing, a chunk at a time, instead of stopping the event loop for seconds or minutes.
 */
const TEXT_INDEX_INLINE_ROWS = 4 * TEXT_INDEX_CHUNK_ROWS;
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
  /** Where the store says what start-up is doing, and reports trouble it works around (it throws what it cannot). */
  readonly log?: Pick<Logger, "info" | "warn">;
  /** Check every page at open even after a clean shutdown (`--check-db`). */
  readonly checkDatabase?: boolean;
}

export class SqliteStore implements MessageStore {
  readonly #db: Database.Database;
  readonly #statements: Statements;
  readonly #checkpointer: Checkpointer;
  readonly #lock: DatabaseLock;
  readonly #appendEntries: (entries: readonly HistoryEntry[]) => void;
  readonly #indexText: (afterRowid: number, throughRowid: number) => void;
  readonly #deleteEntries: (rowids: readonly number[]) => void;
  readonly #saveCursors: (cursors: ReadonlyMap<string, string>) => void;
  readonly #saveRoom: (room: RoomRecord) => void;
  /** Mirrors text_index_state: rows up to this rowid are searchable. */
  #indexedThrough: number;
  #textIndexTimer: NodeJS.Timeout | undefined;
  /** Indexing failed and has not succeeded since: the log has been told once. */
  #isIndexingFailing = false;
  readonly #log: SqliteStoreOptions["log"];
  readonly #dataDir: string;
  #closed: Promise<void> | undefined;
  #retentionChunkRows: number = RETENTION_CHUNK_ROWS.first;

  /** Opens (creating when missing) the database in `dataDir`; throws `StoreOpenError`. */
  static open(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    createDataDirectory(dataDir);
    const file = path.join(dataDir, options.fileName ?? DEFAULT_FILE_NAME);
    const { db, lock } = openDatabase(file, { check: options.checkDatabase ?? false, log: options.log });
    return new SqliteStore(db, lock, file, options.log);
  }

  private constructor(db: Database.Database, lock: DatabaseLock, file: string, log: SqliteStoreOptions["log"]) {
    this.#db = db;
    this.#lock = lock;
    this.#log = log;
    this.#dataDir = path.dirname(file);
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
    this.#saveRoom = db.transaction((room: RoomRecord) => {
      const { modes } = room;
      statements.saveRoom.run({
        ...{ name: room.name, topic: room.topic, topicBy: room.topicBy, topicAt: room.topicAt },
        ...{ createdAt: room.createdAt, founder: room.founder, key: modes.key, limit: modes.limit },
        isInviteOnly: Number(modes.isInviteOnly),
        isModerated: Number(modes.isModerated),
        isTopicLocked: Number(modes.isTopicLocked),
        isSecret: Number(modes.isSecret),
        isMembersOnly: Number(modes.isMembersOnly),
      });
      // Rewritten whole: operators change them rarely, and a room holds a few hundred at most.
      statements.deleteRoomMasks.run(room.name);
      for (const { list, mask, setBy, setAt } of room.masks) {
        statements.insertRoomMask.run(room.name, list, mask, setBy, setAt);
      }
      statements.deleteRoomStandings.run(room.name);
      for (const { account, isOperator, isVoiced } of room.standings) {
        statements.insertRoomStanding.run(room.name, account, Number(isOperator), Number(isVoiced));
      }
    });
    // After a crash, rows appended but not yet indexed wait here like any others, and are
    // indexed in the background from the start.
    this.#indexedThrough = statements.indexedThrough.get() ?? 0;
    if ((statements.lastRowid.get() ?? 0) > this.#indexedThrough) this.#scheduleTextIndexing(0);
    this.#checkpointer = new Checkpointer(file, db, log);
    warnOfStrandedAccounts(db, log);
  }

  /** Durable when it returns; searchable as soon as a search asks. */
  appendBatch(entries: readonly HistoryEntry[]): void {
    if (entries.length === 0) return;
    try {
      this.#appendEntries(entries);
    } catch (error) {
      throw asStoreWriteError(error);
    }
    this.#scheduleTextIndexing(TEXT_INDEX_DELAY_MS);
  }

  /** Indexes all appended text now: retention does (the index must hold what it deletes), and so may a benchmark. */
  indexPendingText(): void {
    while (this.#indexTextChunk()) {}
  }

  async missedSince(afterId: string, rooms: readonly string[], userKey: string, limit: number): Promise<MissedEntries> {
    const scope = { after: afterId, rooms: JSON.stringify(rooms), user: userKey };
    const total = this.#statements.missedCount.get(scope) ?? 0;
    const entries = this.#statements.missedNewest.all({ ...scope, limit: rowLimit(limit) });
    return { entries, more: total - entries.length };
  }

  async search(
    query: string,
    rooms: readonly string[],
    userKey: string,
    limit: number,
    before = "",
  ): Promise<HistoryEntry[]> {
    const match = toFullTextQuery(query);
    // Where the newest text cannot be indexed now (a full disk, a large backlog after a crash),
    // what is indexed is searched.
    this.#indexPendingTextIfPossible();
    const scope = { match, rooms: JSON.stringify(rooms), user: userKey, limit: rowLimit(limit) };
    const rows =
      before === ""
        ? this.#statements.search.all(scope)
        : this.#statements.searchBefore.all({
            ...scope,
            before,
            beforeRow: this.#statements.firstRowFrom.get(before) ?? Number.MAX_SAFE_INTEGER,
          });
    // The walk was in storage order, which is id order for one server; sorting makes the page exact.
    return rows.sort((a, b) => compareIds(b.id, a.id));
  }

  async historyPage(query: HistoryPageQuery): Promise<HistoryPage> {
    const { scope } = query;
    // One more than asked for says whether there are more past the limit.
    const range = {
      after: query.after === "" ? PAGE_BOUNDS.lowest : query.after,
      before: query.before === "" ? PAGE_BOUNDS.highest : query.before,
      limit: rowLimit(query.limit) + 1,
    };
    const statements = this.#statements;
    const isForward = query.reading === "forward" && scope.kind !== "readable";
    const roomPages = {
      said: [statements.roomSaidPage, statements.roomSaidPageForward],
      conversation: [statements.roomPage, statements.roomPageForward],
      everything: [statements.roomEventsPage, statements.roomEventsPageForward],
    } as const;
    const roomPage = roomPages[query.kinds ?? "conversation"][isForward ? 1 : 0];
    const rows =
      scope.kind === "room"
        ? roomPage.all({ ...range, room: scope.room })
        : scope.kind === "direct"
          ? (isForward ? statements.directPageForward : statements.directPage).all({
              ...range,
              user: scope.userKey,
              peer: scope.peerKey,
            })
          : this.#readablePage(range, scope.rooms, scope.userKey);
    const hasMore = rows.length > rowLimit(query.limit);
    if (hasMore) rows.pop();
    if (isForward) return { entries: rows, hasOlder: false, hasNewer: hasMore };
    return { entries: rows.reverse(), hasOlder: hasMore, hasNewer: false };
  }

  async conversations(query: ConversationsQuery): Promise<Conversation[]> {
    return this.#statements.conversations.all({
      rooms: JSON.stringify(query.rooms),
      user: query.userKey,
      after: query.after === "" ? PAGE_BOUNDS.lowest : query.after,
      before: query.before === "" ? PAGE_BOUNDS.highest : query.before,
      limit: rowLimit(query.limit),
    });
  }

  /** The newest `range.limit` of all `userKey` may read, newest first: see `readableRoomPage`. */
  #readablePage(
    range: { after: string; before: string; limit: number },
    rooms: readonly string[],
    userKey: string,
  ): HistoryEntry[] {
    const statements = this.#statements;
    const rows: PageRow[] = [
      ...rooms.flatMap((room) => statements.readableRoomPage.all({ ...range, room })),
      ...statements.readableReceivedPage.all({ ...range, user: userKey }),
      ...statements.readableSentPage.all({ ...range, user: userKey }),
    ];
    const page = rows.sort((a, b) => compareIds(b.id, a.id)).slice(0, range.limit);
    return statements.entriesByRow.all(JSON.stringify(page.map((row) => row.row)));
  }

  async directPeers(userKey: string): Promise<DirectPeer[]> {
    return this.#statements.directPeers.all({ user: userKey });
  }

  async createAccount(account: Account): Promise<boolean> {
    const { key, name, passwordHash, createdAt } = account;
    return write(() => this.#statements.insertAccount.run(key, name, passwordHash, createdAt).changes === 1);
  }

  async findAccount(key: string): Promise<Account | null> {
    return this.#statements.findAccount.get(key) ?? null;
  }

  async accountRooms(key: string): Promise<string[]> {
    return this.#statements.accountRooms.all(key);
  }

  /** `key` must be an account's: rooms belong to accounts, and the schema holds to that. */
  async addAccountRoom(key: string, room: string): Promise<void> {
    write(() => this.#statements.addAccountRoom.run(key, room));
  }

  async removeAccountRoom(key: string, room: string): Promise<void> {
    write(() => this.#statements.removeAccountRoom.run(key, room));
  }

  async deliveryCursor(key: string): Promise<string> {
    return this.#statements.deliveryCursor.get(key) ?? "";
  }

  /** Every key must be an account's; one that is not fails the whole save. */
  async saveDeliveryCursors(cursors: ReadonlyMap<string, string>): Promise<void> {
    if (cursors.size > 0) write(() => this.#saveCursors(cursors));
  }

  async rooms(): Promise<RoomRecord[]> {
    const masks = groupByRoom(this.#statements.roomMasks.all());
    const standings = groupByRoom(this.#statements.roomStandings.all());
    return this.#statements.rooms.all().map((row) => ({
      ...{ name: row.name, topic: row.topic, topicBy: row.topicBy, topicAt: row.topicAt },
      ...{ createdAt: row.createdAt, founder: row.founder },
      modes: {
        isInviteOnly: row.isInviteOnly === 1,
        isModerated: row.isModerated === 1,
        isTopicLocked: row.isTopicLocked === 1,
        isSecret: row.isSecret === 1,
        isMembersOnly: row.isMembersOnly === 1,
        key: row.key,
        limit: row.limit,
      },
      masks: (masks.get(row.name) ?? []).map(({ list, mask, setBy, setAt }) => ({ list, mask, setBy, setAt })),
      standings: (standings.get(row.name) ?? []).map(({ account, isOperator, isVoiced }) => ({
        account,
        isOperator: isOperator === 1,
        isVoiced: isVoiced === 1,
      })),
    }));
  }

  /** Every account among `room.standings` must be one; one that is not fails the whole save. */
  async saveRoom(room: RoomRecord): Promise<void> {
    write(() => this.#saveRoom(room));
  }

  /** Its masks and standings go with it. */
  async forgetRoom(name: string): Promise<void> {
    write(() => this.#statements.deleteRoom.run(name));
  }

  /**
   * Fails, writing nothing, while the disk has less than `RESUME_FREE_BYTES` free: a failed
   * batch leaves room in the log for a small write or two, and storing would stop again at once.
   */
  async recordHistoryGap(gap: HistoryGap): Promise<void> {
    if (this.#freeBytes() < RESUME_FREE_BYTES) {
      throw new StoreWriteError("disk-full", { cause: new Error(`less than ${RESUME_FREE_BYTES} bytes free`) });
    }
    write(() => this.#statements.insertGap.run(gap.from, gap.to, gap.reason));
  }

  async historyGaps(fromAt: number, toAt: number): Promise<HistoryGap[]> {
    return this.#statements.gapsOverlapping.all(fromAt, toAt);
  }

  /**
   * Deletes in chunks, each its own transaction, yielding to the event loop between them:
   * a first run over a large history must not stall delivery.
   */
  async applyRetention(policy: RetentionPolicy, now: number): Promise<number> {
    try {
      return await this.#applyRetention(policy, now);
    } catch (error) {
      throw asStoreWriteError(error);
    }
  }

  async #applyRetention(policy: RetentionPolicy, now: number): Promise<number> {
    // Deleting needs the index to hold what it deletes: a large backlog is left to the
    // background indexing first, and retention waits for its next run.
    if (this.#textBacklog() > TEXT_INDEX_INLINE_ROWS) return 0;
    const deleted = await this.#deleteExpired(policy, now);
    if (deleted > 0) await this.#releaseFreePages();
    return deleted;
  }

  async #deleteExpired(policy: RetentionPolicy, now: number): Promise<number> {
    let deleted = 0;
    if (policy.maxAgeMs > 0) {
      const cutoff = idFloorForTime(now - policy.maxAgeMs);
      deleted += await this.#deleteInChunks((rows) => this.#statements.rowidsOlderThan.all(cutoff, rows));
      if (this.#db.open) this.#statements.deleteGapsEndedBefore.run(now - policy.maxAgeMs);
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

  /** Indexes what is pending (a large backlog waits for the next open) and closes; SQLite checkpoints and removes the log as the last connection goes. */
  async #shutDown(): Promise<void> {
    clearTimeout(this.#textIndexTimer);
    // What cannot be indexed now (a full disk) is indexed at the next open.
    this.#indexPendingTextIfPossible();
    await this.#checkpointer.stop();
    this.#db.close();
    this.#lock.release(true);
  }

  #scheduleTextIndexing(delayMs: number): void {
    if (this.#textIndexTimer !== undefined) return;
    this.#textIndexTimer = setTimeout(() => {
      this.#textIndexTimer = undefined;
      if (!this.#db.open) return;
      if (this.#freeBytes() < TEXT_INDEX_FREE_BYTES) {
        this.#scheduleTextIndexing(TEXT_INDEX_RETRY_MS);
        return;
      }
      let isMoreWaiting: boolean;
      try {
        isMoreWaiting = this.#indexTextChunk();
      } catch {
        // Said once by #indexTextChunk; the rows wait, and indexing is tried again later.
        this.#scheduleTextIndexing(TEXT_INDEX_RETRY_MS);
        return;
      }
      if (isMoreWaiting) this.#scheduleTextIndexing(0);
    }, delayMs);
    this.#textIndexTimer.unref();
  }

  /** What the disk holding the data directory has free for us. */
  #freeBytes(): number {
    const { bavail, bsize } = fs.statfsSync(this.#dataDir);
    return bavail * bsize;
  }

  /** Rows appended and not yet indexed for search. */
  #textBacklog(): number {
    return (this.#statements.lastRowid.get() ?? 0) - this.#indexedThrough;
  }

  /** Indexes what is pending, when it is little enough to do now; see TEXT_INDEX_INLINE_ROWS. */
  #indexPendingTextIfPossible(): void {
    if (this.#textBacklog() > TEXT_INDEX_INLINE_ROWS) return;
    try {
      this.indexPendingText();
    } catch {
      // Said once by #indexTextChunk.
    }
  }

  /** Indexes up to `TEXT_INDEX_CHUNK_ROWS` rows; true when more are waiting. */
  #indexTextChunk(): boolean {
    const lastRowid = this.#statements.lastRowid.get() ?? 0;
    if (lastRowid <= this.#indexedThrough) return false;
    const throughRowid = Math.min(lastRowid, this.#indexedThrough + TEXT_INDEX_CHUNK_ROWS);
    try {
      this.#indexText(this.#indexedThrough, throughRowid);
    } catch (error) {
      if (!this.#isIndexingFailing) {
        this.#log?.warn({ event: "text-index-failed", err: error }, "search indexing failed; it is retried");
      }
      this.#isIndexingFailing = true;
      throw asStoreWriteError(error);
    }
    if (this.#isIndexingFailing) this.#log?.info({ event: "text-index-resumed" }, "search indexing resumed");
    this.#isIndexingFailing = false;
    this.#indexedThrough = throughRowid;
    return throughRowid < lastRowid;
  }

  /**
   * Keeps the newest `keep` entries of `room` that history shows, and its newest `keep`
   * arrivals and departures; older arrivals and departures than the oldest entry kept go too.
   */
  async #trimRoom(room: string, keep: number): Promise<number> {
    const statements = this.#statements;
    const oldestKept = statements.roomConversationIdAtDepth.get(room, keep - 1);
    await yieldToEventLoop();
    if (!this.#db.open) return 0;
    const older =
      oldestKept === undefined
        ? 0
        : await this.#deleteInChunks((rows) => statements.roomRowidsBefore.all(room, oldestKept, rows));
    const newestPresenceToDelete = statements.roomPresenceIdAtDepth.get(room, keep);
    if (newestPresenceToDelete === undefined || !this.#db.open) return older;
    const presence = await this.#deleteInChunks((rows) =>
      statements.roomPresenceRowidsThrough.all(room, newestPresenceToDelete, rows),
    );
    return older + presence;
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

  /**
   * Gives the pages retention freed back to the disk, a few at a time: without it the file
   * keeps its largest size for ever (new rows reuse the pages, but the disk never gets them).
   * Only a file in incremental auto-vacuum mode can; see `openDatabase`.
   */
  async #releaseFreePages(): Promise<void> {
    if (!this.#db.open || this.#db.pragma("auto_vacuum", { simple: true }) !== AUTO_VACUUM_INCREMENTAL) return;
    for (let chunk = 1; this.#db.open && (this.#db.pragma("freelist_count", { simple: true }) as number) > 0; chunk++) {
      this.#db.pragma(`incremental_vacuum(${RELEASE_CHUNK_PAGES})`);
      // Moving pages fills the log as deleting does; the checkpoint thread must keep up.
      if (chunk % RELEASE_CHUNKS_PER_CHECKPOINT === 0) await this.#checkpointer.checkpoint();
      else await yieldToEventLoop();
    }
  }

  /** Rooms in name order, one index seek each. A room is "#" and at least one more character. */
  #nextRoomWithHistory(after: string): string | undefined {
    if (!this.#db.open) return undefined;
    return this.#statements.nextRoom.get(after) ?? undefined;
  }
}

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

function groupByRoom<Row extends { room: string }>(rows: readonly Row[]): Map<string, Row[]> {
  const byRoom = new Map<string, Row[]>();
  for (const row of rows) {
    const list = byRoom.get(row.room);
    if (list === undefined) byRoom.set(row.room, [row]);
    else list.push(row);
  }
  return byRoom;
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
