/**
 * The SQLite schema, as an ordered list of migrations. `PRAGMA user_version` records the
 * last one applied, so opening a database applies only what it lacks; a migration is
 * never edited once released, only followed by a new one.
 */
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import { identityKey } from "../core/names.js";

export interface Migration {
  /** 1, 2, 3...: one more than the migration before it. */
  readonly version: number;
  readonly description: string;
  /** SQL to run, or a function for what SQL alone cannot say (copying, rebuilding). */
  readonly up: string | ((db: Database.Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "history with its full-text index, accounts, account rooms, delivery cursors, rooms",
    up: `
      -- The implicit integer rowid is what the full-text index points at; it grows in the
      -- order entries are stored, which for one server is the order of their ids.
      CREATE TABLE history (
        id            TEXT PRIMARY KEY,
        at            INTEGER NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('message', 'action', 'joined', 'left', 'topic')),
        target        TEXT NOT NULL,
        sender        TEXT NOT NULL,
        sender_key    TEXT NOT NULL,
        recipient_key TEXT,
        text          TEXT NOT NULL
      );
      -- A room's history, and the per-room side of missed entries and retention. recipient_key
      -- (NULL in a room, so almost free) lets "room entries only" be checked from the index alone.
      CREATE INDEX history_by_target ON history (target, id, recipient_key);
      -- Retention by age; the id would do if every clock agreed, the time recorded is what counts.
      CREATE INDEX history_by_at ON history (at);
      -- Direct messages only (partial indexes), so room traffic never pays for them.
      CREATE INDEX history_dm_received ON history (recipient_key, id) WHERE recipient_key IS NOT NULL;
      CREATE INDEX history_dm_sent ON history (sender_key, id) WHERE recipient_key IS NOT NULL;
      CREATE INDEX history_dm_pair ON history (recipient_key, sender_key, id) WHERE recipient_key IS NOT NULL;

      -- Message and action text only. An external-content table keeps the text once, in history.
      -- The store feeds it (see SEARCHABLE in sqlite-store.ts) a few thousand rows at a time:
      -- FTS5 writes a new segment at the end of every statement, so indexing row by row (a
      -- trigger) or batch by batch makes appends several times slower.
      -- columnsize=0: results are ordered by time, never by rank, so lengths are not needed.
      CREATE VIRTUAL TABLE history_text USING fts5(
        text,
        content = 'history',
        content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2',
        columnsize = 0
      );
      -- FTS5 §6.1: merging 16 segments at a time instead of 4 rewrites each term fewer
      -- times; a search then reads a few more segments, which costs it well under a millisecond.
      INSERT INTO history_text (history_text, rank) VALUES ('automerge', 16);
      -- Every history row with a rowid up to this is in the index, and none after it.
      CREATE TABLE text_index_state (
        only_row        INTEGER PRIMARY KEY CHECK (only_row = 1),
        indexed_through INTEGER NOT NULL
      );
      INSERT INTO text_index_state (only_row, indexed_through) VALUES (1, 0);

      CREATE TABLE accounts (
        key           TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE account_rooms (
        key  TEXT NOT NULL REFERENCES accounts (key) ON DELETE CASCADE,
        room TEXT NOT NULL,
        PRIMARY KEY (key, room)
      ) WITHOUT ROWID;
      CREATE TABLE delivery_cursors (
        key     TEXT PRIMARY KEY REFERENCES accounts (key) ON DELETE CASCADE,
        last_id TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE rooms (
        name     TEXT PRIMARY KEY,
        topic    TEXT NOT NULL,
        topic_by TEXT NOT NULL,
        topic_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: "full-text crisis merges start at 64 segments",
    // FTS5 §6.2: with automerge at 16 (version 1), the default crisismerge of 16 turns every
    // incremental merge into one all-at-once merge of a level, a stall of tens of milliseconds.
    up: "INSERT INTO history_text (history_text, rank) VALUES ('crisismerge', 64);",
  },
  {
    version: 3,
    description: "retention by age goes by id, which is time-ordered: one index fewer to write per message",
    up: "DROP INDEX history_by_at;",
  },
  {
    version: 4,
    description: "the room index carries the kind, so replays skip arrivals and departures without reading rows",
    up: `
      DROP INDEX history_by_target;
      CREATE INDEX history_by_target ON history (target, id, recipient_key, kind);
    `,
  },
  {
    version: 5,
    description: "account keys follow look-alike letters to the end (Cyrillic і is l, as i is; rn is m)",
    up: rekeyAccounts,
  },
  {
    version: 6,
    description: "account keys follow Unicode's look-alike data, every script, with case (ΤΟΜ is TOM, ȷ is j)",
    up: rekeyAccounts,
  },
  {
    version: 7,
    description: "spans history missed because the disk was full or failing",
    up: `
      CREATE TABLE history_gaps (
        from_at INTEGER NOT NULL,
        to_at   INTEGER NOT NULL,
        reason  TEXT NOT NULL
      );
      CREATE INDEX history_gaps_by_to ON history_gaps (to_at);
    `,
  },
  {
    version: 8,
    description: "rooms keep their modes, mask lists, founder, creation time and the standing given to accounts",
    // A room stored before this has none of them: no modes, no founder, no creation time (0).
    up: `
      ALTER TABLE rooms ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rooms ADD COLUMN founder TEXT;
      ALTER TABLE rooms ADD COLUMN is_invite_only INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rooms ADD COLUMN is_moderated INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rooms ADD COLUMN is_topic_locked INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rooms ADD COLUMN is_secret INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rooms ADD COLUMN is_members_only INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE rooms ADD COLUMN key TEXT;
      ALTER TABLE rooms ADD COLUMN member_limit INTEGER;
      -- The rowid keeps each list in the order it was set, as it is shown.
      CREATE TABLE room_masks (
        room   TEXT NOT NULL REFERENCES rooms (name) ON DELETE CASCADE,
        list   TEXT NOT NULL CHECK (list IN ('ban', 'ban-exception', 'invite-exception')),
        mask   TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at INTEGER NOT NULL
      );
      CREATE INDEX room_masks_by_room ON room_masks (room);
      CREATE TABLE room_standings (
        room        TEXT NOT NULL REFERENCES rooms (name) ON DELETE CASCADE,
        account     TEXT NOT NULL REFERENCES accounts (key) ON DELETE CASCADE,
        is_operator INTEGER NOT NULL,
        is_voiced   INTEGER NOT NULL,
        PRIMARY KEY (room, account)
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * Moves every account whose key the current `identityKey` spells differently to that key,
 * with its rooms, cursor and direct messages. Where the new key is already another's, or
 * an older account's moving there, the account keeps its old key: nothing is lost, but only
 * the other can be logged in to. History is rewritten in one pass per column, however many
 * accounts move.
 */
function rekeyAccounts(db: Database.Database): void {
  const accounts = db
    .prepare<[], { key: string; name: string }>("SELECT key, name FROM accounts ORDER BY created_at, key")
    .all();
  // A key in use stays its holder's, even one about to move: moves never collide.
  const taken = new Set(accounts.map(({ key }) => key));
  const moves = accounts.flatMap(({ key, name }) => {
    const to = identityKey(name);
    if (to === key || taken.has(to)) return [];
    taken.add(to);
    return [{ from: key, to }];
  });
  if (moves.length === 0) return;
  db.exec("CREATE TEMP TABLE account_moves (from_key TEXT PRIMARY KEY, to_key TEXT NOT NULL)");
  const addMove = db.prepare<{ from: string; to: string }>("INSERT INTO account_moves VALUES (@from, @to)");
  for (const move of moves) addMove.run(move);
  const movedTo = (column: string) => `(SELECT to_key FROM account_moves WHERE from_key = ${column})`;
  db.exec(`
    INSERT INTO accounts (key, name, password_hash, created_at)
      SELECT to_key, name, password_hash, created_at FROM accounts JOIN account_moves ON key = from_key;
    UPDATE account_rooms SET key = ${movedTo("key")} WHERE key IN (SELECT from_key FROM account_moves);
    UPDATE delivery_cursors SET key = ${movedTo("key")} WHERE key IN (SELECT from_key FROM account_moves);
    UPDATE history SET sender_key = ${movedTo("sender_key")} WHERE sender_key IN (SELECT from_key FROM account_moves);
    UPDATE history SET recipient_key = ${movedTo("recipient_key")}
      WHERE recipient_key IN (SELECT from_key FROM account_moves);
    DELETE FROM accounts WHERE key IN (SELECT from_key FROM account_moves);
    DROP TABLE account_moves;
  `);
}

/** An account left at a key its name no longer has, and who holds the key it should have. */
export interface StrandedAccount {
  readonly name: string;
  readonly key: string;
  readonly newKey: string;
  /** The account at `newKey`, which a login as `name` reaches; null when none is. */
  readonly heldBy: string | null;
}

/**
 * Accounts whose key is not the one `identityKey` gives their name: those a re-keying
 * migration could not move because another account holds that key. Logging in as such a
 * name reaches the other account, so only an operator can settle it (rename one of them).
 */
export function findStrandedAccounts(db: Database.Database): StrandedAccount[] {
  const accounts = db.prepare<[], { key: string; name: string }>("SELECT key, name FROM accounts").all();
  const nameByKey = new Map(accounts.map(({ key, name }) => [key, name]));
  return accounts.flatMap(({ key, name }) => {
    const newKey = identityKey(name);
    return newKey === key ? [] : [{ name, key, newKey, heldBy: nameByKey.get(newKey) ?? null }];
  });
}

/** Says at start-up, once per account, what `findStrandedAccounts` finds. */
export function warnOfStrandedAccounts(db: Database.Database, log: Pick<Logger, "warn"> | undefined): void {
  for (const { name, key, newKey, heldBy } of findStrandedAccounts(db)) {
    log?.warn(
      { event: "account-stranded", name, key, newKey, heldBy },
      heldBy === null
        ? `account ${name} is stored under a key its name no longer has`
        : `account ${name} cannot move to its new key, which account ${heldBy} holds: logging in as ${name} reaches ${heldBy}; rename one of them`,
    );
  }
}

export type MigrationErrorCode = "ERR_SCHEMA_TOO_NEW" | "ERR_MIGRATION_FAILED";

/** A database this code cannot bring to its schema. */
export class MigrationError extends Error {
  readonly code: MigrationErrorCode;

  constructor(code: MigrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MigrationError";
    this.code = code;
  }
}

/** The schema version this code writes: the last migration's. */
export function latestSchemaVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

export function readSchemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings `db` up to the last of `migrations`, each in its own transaction together with
 * its `user_version`, so a failure leaves the database at the last version that completed.
 * Returns the versions applied (none when the database was already current).
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  assertConsecutive(migrations);
  const current = readSchemaVersion(db);
  const latest = latestSchemaVersion(migrations);
  if (current > latest) {
    throw new MigrationError(
      "ERR_SCHEMA_TOO_NEW",
      `it has schema version ${current}, newer than the ${latest} this version of Parley knows; run a newer Parley`,
    );
  }
  const pending = migrations.filter((migration) => migration.version > current);
  return pending.filter((migration) => applyOne(db, migration)).map((migration) => migration.version);
}

/** False when another process applied it first. */
function applyOne(db: Database.Database, migration: Migration): boolean {
  const run = db.transaction(() => {
    // Another process may have applied it between our read of the version and this lock.
    if (readSchemaVersion(db) >= migration.version) return false;
    if (typeof migration.up === "string") db.exec(migration.up);
    else migration.up(db);
    // A pragma cannot take a bound parameter; the version is an integer checked above.
    db.pragma(`user_version = ${migration.version}`);
    return true;
  });
  try {
    return run.immediate();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      "ERR_MIGRATION_FAILED",
      `migration ${migration.version} (${migration.description}) failed: ${reason}`,
      { cause: error },
    );
  }
}

/** A gap or a repeat in the list is a mistake in the code, caught before it touches a database. */
function assertConsecutive(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration ${index + 1} has version ${migration.version}; versions must run 1, 2, 3...`);
    }
  });
}
