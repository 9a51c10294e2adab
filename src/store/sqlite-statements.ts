/** The SQL the store runs, prepared once per connection: the hot paths never parse SQL. */
import type Database from "better-sqlite3";
import type { Account, HistoryEntry, HistoryGap, RoomMaskList } from "./store.js";

/**
 * Which entries the full-text index holds. Text goes in and comes out under the same
 * condition: the index must be told, on delete, exactly the text it was given.
 */
const SEARCHABLE = "kind IN ('message', 'action') AND text <> ''";
/** What history shows people: arrivals and departures are kept for the record, not replayed. */
const CONVERSATION = "kind IN ('message', 'action', 'topic')";
/** What was said: messages and actions. */
const SEARCHABLE_KINDS = "kind IN ('message', 'action')";
/** Everything a room's history holds, arrivals and departures included (IRCv3 event-playback). */
const EVERY_KIND = "kind IN ('message', 'action', 'topic', 'joined', 'left')";
/** Arrivals and departures: kept for the record, never shown. */
const PRESENCE = "kind IN ('joined', 'left')";

const ENTRY_COLUMNS = "id, at, kind, target, sender, sender_key AS senderKey, recipient_key AS recipientKey, text";

/**
 * What a user may read, in three parts that never overlap: their rooms, the direct messages
 * they received, and those they sent to someone else (a note to self is already "received").
 * Catch-up counts, history pages and search are all built from these, so that they agree.
 * The room part requires recipient_key IS NULL so that no room list, however built, reaches a
 * direct message. Columns are unqualified: the parts read `history` alone or joined with the
 * full-text index, whose one column is `text`.
 */
const READABLE = {
  inRooms: (targetMatches: string) => `${targetMatches} AND recipient_key IS NULL AND ${CONVERSATION}`,
  received: "recipient_key = @user",
  sentToOthers: "sender_key = @user AND recipient_key IS NOT NULL AND recipient_key <> @user",
} as const;
const IN_ROOM_LIST = "target IN (SELECT value FROM json_each(@rooms))";
/** Any of the three parts, for a query that filters rows it reads another way (search). */
const READABLE_ANY = `((${READABLE.inRooms(IN_ROOM_LIST)}) OR (${READABLE.received}) OR (${READABLE.sentToOthers}))`;

/**
 * The user's share of history after `@after`. The parts never overlap, so UNION ALL counts
 * each entry once.
 */
const MISSED = `
  WITH missed (id, row) AS (
    SELECT id, rowid FROM history WHERE ${READABLE.inRooms(IN_ROOM_LIST)} AND id > @after
    UNION ALL
    SELECT id, rowid FROM history WHERE ${READABLE.received} AND id > @after
    UNION ALL
    SELECT id, rowid FROM history WHERE ${READABLE.sentToOthers} AND id > @after
  )`;

/**
 * Paging through history, backwards: each range is `id > @after AND id < @before`, with
 * the bounds an unbounded page leaves empty already replaced (see `PAGE_BOUNDS`).
 */
const IN_RANGE = "id > @after AND id < @before";

/** What stands for "no bound": ids are ASCII letters and digits, so "" is below them all and "~" above. */
export const PAGE_BOUNDS = { lowest: "", highest: "~" } as const;

interface PageRange {
  after: string;
  before: string;
  limit: number;
}

function roomPageSql(kinds: string, order: "ASC" | "DESC"): string {
  return `SELECT ${ENTRY_COLUMNS} FROM history WHERE target = @room AND ${IN_RANGE} AND ${kinds}
    ORDER BY id ${order} LIMIT @limit`;
}

function directPageSql(order: "ASC" | "DESC"): string {
  return `SELECT ${ENTRY_COLUMNS} FROM history WHERE recipient_key = @peer AND sender_key = @user AND ${IN_RANGE}
    UNION ALL
    SELECT ${ENTRY_COLUMNS} FROM history
      WHERE recipient_key = @user AND sender_key = @peer AND @user <> @peer AND ${IN_RANGE}
    ORDER BY id ${order} LIMIT @limit`;
}

export interface PageRow {
  id: string;
  row: number;
}

/** A room worth restoring: one with a topic or a founder (see `RoomRecord`). */
const KEPT_ROOM = "(topic <> '' OR founder IS NOT NULL)";

/** A room's row: SQLite has no booleans, so its flags are 0 and 1. */
export interface RoomRow {
  name: string;
  topic: string;
  topicBy: string;
  topicAt: number;
  createdAt: number;
  founder: string | null;
  isInviteOnly: number;
  isModerated: number;
  isTopicLocked: number;
  isSecret: number;
  isMembersOnly: number;
  key: string | null;
  limit: number | null;
}

export interface RoomMaskRow {
  room: string;
  list: RoomMaskList;
  mask: string;
  setBy: string;
  setAt: number;
}

export interface RoomStandingRow {
  room: string;
  account: string;
  isOperator: number;
  isVoiced: number;
}

interface MissedScope {
  after: string;
  rooms: string;
  user: string;
}

export function prepareStatements(db: Database.Database) {
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
         AND ${READABLE_ANY}
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

    rooms: db.prepare<[], RoomRow>(
      `SELECT name, topic, topic_by AS topicBy, topic_at AS topicAt, created_at AS createdAt, founder,
              is_invite_only AS isInviteOnly, is_moderated AS isModerated, is_topic_locked AS isTopicLocked,
              is_secret AS isSecret, is_members_only AS isMembersOnly, key, member_limit AS "limit"
       FROM rooms WHERE ${KEPT_ROOM} ORDER BY name`,
    ),
    roomMasks: db.prepare<[], RoomMaskRow>(
      `SELECT room, list, mask, set_by AS setBy, set_at AS setAt FROM room_masks
       WHERE room IN (SELECT name FROM rooms WHERE ${KEPT_ROOM}) ORDER BY rowid`,
    ),
    roomStandings: db.prepare<[], RoomStandingRow>(
      `SELECT room, account, is_operator AS isOperator, is_voiced AS isVoiced FROM room_standings
       WHERE room IN (SELECT name FROM rooms WHERE ${KEPT_ROOM})`,
    ),
    saveRoom: db.prepare<RoomRow>(
      `INSERT INTO rooms (name, topic, topic_by, topic_at, created_at, founder, is_invite_only, is_moderated,
                         is_topic_locked, is_secret, is_members_only, key, member_limit)
       VALUES (@name, @topic, @topicBy, @topicAt, @createdAt, @founder, @isInviteOnly, @isModerated,
               @isTopicLocked, @isSecret, @isMembersOnly, @key, @limit)
       ON CONFLICT (name) DO UPDATE SET topic = excluded.topic, topic_by = excluded.topic_by,
         topic_at = excluded.topic_at, created_at = excluded.created_at, founder = excluded.founder,
         is_invite_only = excluded.is_invite_only, is_moderated = excluded.is_moderated,
         is_topic_locked = excluded.is_topic_locked, is_secret = excluded.is_secret,
         is_members_only = excluded.is_members_only, key = excluded.key,
         member_limit = excluded.member_limit`,
    ),
    deleteRoomMasks: db.prepare<[string]>("DELETE FROM room_masks WHERE room = ?"),
    insertRoomMask: db.prepare<[string, RoomMaskList, string, string, number]>(
      "INSERT INTO room_masks (room, list, mask, set_by, set_at) VALUES (?, ?, ?, ?, ?)",
    ),
    deleteRoomStandings: db.prepare<[string]>("DELETE FROM room_standings WHERE room = ?"),
    insertRoomStanding: db.prepare<[string, string, number, number]>(
      "INSERT INTO room_standings (room, account, is_operator, is_voiced) VALUES (?, ?, ?, ?)",
    ),
    deleteRoom: db.prepare<[string]>("DELETE FROM rooms WHERE name = ?"),

    insertGap: db.prepare<[number, number, string]>(
      "INSERT INTO history_gaps (from_at, to_at, reason) VALUES (?, ?, ?)",
    ),
    gapsOverlapping: db.prepare<[number, number], HistoryGap>(
      `SELECT from_at AS "from", to_at AS "to", reason FROM history_gaps
       WHERE to_at >= ? AND from_at <= ? ORDER BY from_at`,
    ),
    deleteGapsEndedBefore: db.prepare<[number]>("DELETE FROM history_gaps WHERE to_at < ?"),

    rowidsOlderThan: db.prepare<[string, number], number>("SELECT rowid FROM history WHERE id < ? LIMIT ?").pluck(),
    // "$" is the character after "#": the range holds exactly the room targets.
    nextRoom: db
      .prepare<[string], string | null>("SELECT min(target) FROM history WHERE target > ? AND target < '$'")
      .pluck(),
    // The per-room limit counts what history shows, and arrivals and departures apart, so that
    // neither a busy room's comings and goings nor a quiet room's messages crowd out the other.
    roomConversationIdAtDepth: db
      .prepare<[string, number], string>(
        `SELECT id FROM history WHERE target = ? AND ${CONVERSATION} ORDER BY id DESC LIMIT 1 OFFSET ?`,
      )
      .pluck(),
    roomPresenceIdAtDepth: db
      .prepare<[string, number], string>(
        `SELECT id FROM history WHERE target = ? AND ${PRESENCE} ORDER BY id DESC LIMIT 1 OFFSET ?`,
      )
      .pluck(),
    roomRowidsBefore: db
      .prepare<[string, string, number], number>("SELECT rowid FROM history WHERE target = ? AND id < ? LIMIT ?")
      .pluck(),
    roomPresenceRowidsThrough: db
      .prepare<[string, string, number], number>(
        `SELECT rowid FROM history WHERE target = ? AND id <= ? AND ${PRESENCE} LIMIT ?`,
      )
      .pluck(),

    // Paging, backwards from `@before` (DESC) or forwards from `@after` (ASC); see IN_RANGE.
    roomPage: db.prepare<PageRange & { room: string }, HistoryEntry>(roomPageSql(CONVERSATION, "DESC")),
    roomPageForward: db.prepare<PageRange & { room: string }, HistoryEntry>(roomPageSql(CONVERSATION, "ASC")),
    roomSaidPage: db.prepare<PageRange & { room: string }, HistoryEntry>(roomPageSql(SEARCHABLE_KINDS, "DESC")),
    roomSaidPageForward: db.prepare<PageRange & { room: string }, HistoryEntry>(roomPageSql(SEARCHABLE_KINDS, "ASC")),
    roomEventsPage: db.prepare<PageRange & { room: string }, HistoryEntry>(roomPageSql(EVERY_KIND, "DESC")),
    roomEventsPageForward: db.prepare<PageRange & { room: string }, HistoryEntry>(roomPageSql(EVERY_KIND, "ASC")),
    directPage: db.prepare<PageRange & { user: string; peer: string }, HistoryEntry>(directPageSql("DESC")),
    directPageForward: db.prepare<PageRange & { user: string; peer: string }, HistoryEntry>(directPageSql("ASC")),
    // A conversation's name is that of its latest entry (SQLite takes a bare column from
    // the row max() picked); rooms count their messages only, as TARGETS asks.
    conversations: db.prepare<
      { rooms: string; user: string; after: string; before: string; limit: number },
      { name: string; peerKey: string | null; lastId: string; lastAt: number }
    >(
      `WITH entries (name, peer, id, at) AS (
         SELECT target, NULL, id, at FROM history
           WHERE ${IN_ROOM_LIST} AND recipient_key IS NULL AND ${SEARCHABLE} AND ${IN_RANGE}
         UNION ALL
         SELECT sender, sender_key, id, at FROM history WHERE ${READABLE.received} AND ${IN_RANGE}
         UNION ALL
         SELECT target, recipient_key, id, at FROM history WHERE ${READABLE.sentToOthers} AND ${IN_RANGE}
       )
       SELECT name, peer AS peerKey, max(id) AS lastId, at AS lastAt FROM entries
       GROUP BY coalesce(peer, name) ORDER BY lastId LIMIT @limit`,
    ),
    // All a user may read is READABLE's three parts, each read newest first from its own index
    // as far as one page reaches (a union sorted as a whole would read every id in the range);
    // the store merges them. Ids and rowids only: whole rows are read for the page alone.
    readableRoomPage: db.prepare<PageRange & { room: string }, PageRow>(
      `SELECT id, rowid AS row FROM history WHERE ${READABLE.inRooms("target = @room")} AND ${IN_RANGE}
       ORDER BY id DESC LIMIT @limit`,
    ),
    readableReceivedPage: db.prepare<PageRange & { user: string }, PageRow>(
      `SELECT id, rowid AS row FROM history WHERE ${READABLE.received} AND ${IN_RANGE} ORDER BY id DESC LIMIT @limit`,
    ),
    readableSentPage: db.prepare<PageRange & { user: string }, PageRow>(
      `SELECT id, rowid AS row FROM history WHERE ${READABLE.sentToOthers} AND ${IN_RANGE}
       ORDER BY id DESC LIMIT @limit`,
    ),
    entriesByRow: db.prepare<[string], HistoryEntry>(
      `SELECT ${ENTRY_COLUMNS} FROM history WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY id DESC`,
    ),
    // The full-text walk goes by rowid, which follows ids on one server: the first row at or
    // after `before` is where a page of older results starts, and no row past it is read.
    firstRowFrom: db.prepare<[string], number>("SELECT rowid FROM history WHERE id >= ? ORDER BY id LIMIT 1").pluck(),
    searchBefore: db.prepare<
      { match: string; rooms: string; user: string; limit: number; before: string; beforeRow: number },
      HistoryEntry
    >(
      `SELECT h.id, h.at, h.kind, h.target, h.sender, h.sender_key AS senderKey,
              h.recipient_key AS recipientKey, h.text
       FROM history_text JOIN history AS h ON h.rowid = history_text.rowid
       WHERE history_text MATCH @match AND history_text.rowid < @beforeRow AND h.id < @before
         AND ${READABLE_ANY}
       ORDER BY history_text.rowid DESC LIMIT @limit`,
    ),
    // A direct message's target is the recipient's name as the sender saw it.
    directPeers: db.prepare<{ user: string }, { key: string; name: string }>(
      `SELECT key, name FROM (
         SELECT sender_key AS key, sender AS name, max(id) AS last FROM history
           WHERE recipient_key = @user AND sender_key <> @user GROUP BY sender_key, sender
         UNION ALL
         SELECT recipient_key, target, max(id) FROM history
           WHERE sender_key = @user AND recipient_key IS NOT NULL AND recipient_key <> @user
           GROUP BY recipient_key, target
       ) ORDER BY last DESC`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
