/**
 * Where history and accounts are kept. SQLite by default; the interface is small so
 * that a shared store (PostgreSQL) can sit behind it. Reads return promises so either
 * kind fits; `appendBatch` may finish synchronously, since it sits on the hot path. A write
 * that fails for want of disk (full, failing, read-only) fails with a `StoreWriteError`.
 */

/** One thing that happened in a room or a direct conversation, as history keeps it. */
export interface HistoryEntry {
  /** The message id: unique, and ordered by the time the server accepted the event. */
  readonly id: string;
  /** Server time, milliseconds since the epoch. */
  readonly at: number;
  readonly kind: HistoryKind;
  /** "#room" for a room; for a direct message, the recipient's name key (see `recipientKey`). */
  readonly target: string;
  /** The sender's display name when it was sent. */
  readonly sender: string;
  /** The sender's identity key (casefolded name): what direct-message permissions and search match on. */
  readonly senderKey: string;
  /** For a direct message, the recipient's identity key; null in a room. */
  readonly recipientKey: string | null;
  /** Message or action text, the new topic, or a part/quit reason; "" when there is none. */
  readonly text: string;
}

export type HistoryKind = "message" | "action" | "joined" | "left" | "topic";

/**
 * Which entries of a room a page holds: "said" (messages and actions), "conversation" (and
 * topic changes: what history shows people), or "everything" (and arrivals and departures,
 * as IRCv3 event-playback shows them).
 */
export type HistoryKinds = "said" | "conversation" | "everything";

export interface Account {
  /** The name as registered (case and form kept, for display). */
  readonly name: string;
  /** Identity key of the name: unique per account. */
  readonly key: string;
  /** scrypt hash with its parameters and salt, in one self-describing string. */
  readonly passwordHash: string;
  readonly createdAt: number;
}

/**
 * What a room keeps across restarts: its topic, its modes, its mask lists, its founder and
 * the standing its operators gave accounts. A room is kept while it has a topic or a founder.
 */
export interface RoomRecord {
  readonly name: string;
  readonly topic: string;
  readonly topicBy: string;
  readonly topicAt: number;
  /** When the room was first created; 0 for a room stored before this was kept. */
  readonly createdAt: number;
  /** The account that created the room; null when a guest did. */
  readonly founder: string | null;
  readonly modes: StoredRoomModes;
  /** In the order they were set, oldest first. */
  readonly masks: readonly StoredRoomMask[];
  /** Accounts given operator or voice here, which they get back on joining. */
  readonly standings: readonly StoredStanding[];
}

export interface StoredRoomModes {
  readonly isInviteOnly: boolean;
  readonly isModerated: boolean;
  readonly isTopicLocked: boolean;
  readonly isSecret: boolean;
  readonly isMembersOnly: boolean;
  readonly key: string | null;
  readonly limit: number | null;
}

/** Which of a room's mask lists a mask is on: who may not join, who may despite that, who needs no invitation. */
export type RoomMaskList = "ban" | "ban-exception" | "invite-exception";

export interface StoredRoomMask {
  readonly list: RoomMaskList;
  readonly mask: string;
  readonly setBy: string;
  readonly setAt: number;
}

export interface StoredStanding {
  /** An account's key. */
  readonly account: string;
  readonly isOperator: boolean;
  readonly isVoiced: boolean;
}

export interface RetentionPolicy {
  /** Entries older than this are deleted; 0 keeps them forever. */
  readonly maxAgeMs: number;
  /** Only the newest this-many entries of each room are kept; 0 keeps all. */
  readonly maxPerRoom: number;
}

export interface MissedEntries {
  /** Oldest first, at most the limit asked for. */
  readonly entries: HistoryEntry[];
  /** How many more there were past the limit (the newest are returned; these are older). */
  readonly more: number;
}

/** Which part of history a page is read from. */
export type HistoryScope =
  | { readonly kind: "room"; readonly room: string }
  /** The direct messages between two identity keys. */
  | { readonly kind: "direct"; readonly userKey: string; readonly peerKey: string }
  /** Everything a user may read: `rooms` and their own direct messages, as `missedSince` counts them. */
  | { readonly kind: "readable"; readonly rooms: readonly string[]; readonly userKey: string };

export interface HistoryPageQuery {
  readonly scope: HistoryScope;
  /** Only entries with ids above this; "" for no lower bound. */
  readonly after: string;
  /** Only entries with ids below this; "" for no upper bound. */
  readonly before: string;
  readonly limit: number;
  /**
   * "forward" reads from `after` up: the oldest `limit` entries in the range instead of the
   * newest. Rooms and direct messages only; "everything readable" is always read backwards.
   */
  readonly reading?: "backward" | "forward";
  /** What of a room's history the page holds (default "conversation"); see `HistoryKinds`. */
  readonly kinds?: HistoryKinds;
}

export interface HistoryPage {
  /** The `limit` entries in the range nearest the end it was read from, oldest first. */
  readonly entries: HistoryEntry[];
  /** Whether the range holds entries older than the first one returned (read backwards; false read forwards). */
  readonly hasOlder: boolean;
  /** Whether the range holds entries newer than the last one returned (read forwards; false read backwards). */
  readonly hasNewer: boolean;
}

export interface ConversationsQuery {
  readonly rooms: readonly string[];
  readonly userKey: string;
  /** Only entries with ids above this and below `before`; "" for no bound. */
  readonly after: string;
  readonly before: string;
  readonly limit: number;
}

/** A room, or a direct conversation with `peerKey` under the name its latest message shows. */
export interface Conversation {
  /** "#room", or the other party's name. */
  readonly name: string;
  /** The other party's identity key; null for a room. */
  readonly peerKey: string | null;
  /** The latest entry's id and time. */
  readonly lastId: string;
  readonly lastAt: number;
}

/** Someone the user has exchanged direct messages with, under a name those messages show. */
export interface DirectPeer {
  readonly key: string;
  readonly name: string;
}

/** Why the store could not write: what users and the log are told, and what a gap in history says. */
export type StoreFailureReason = "disk-full" | "disk-error" | "read-only" | "store-error";

/** A write the store could not make, for a reason outside the program (the disk, the file). */
export class StoreWriteError extends Error {
  readonly code = "ERR_STORE_WRITE";
  readonly reason: StoreFailureReason;

  constructor(reason: StoreFailureReason, options: { cause: unknown }) {
    super(`history could not be written (${reason})`, options);
    this.name = "StoreWriteError";
    this.reason = reason;
  }
}

/** A span of time whose events history does not hold, because the store could not write them. */
export interface HistoryGap {
  /** Server time of the first event not kept. */
  readonly from: number;
  /** When storing resumed. */
  readonly to: number;
  readonly reason: StoreFailureReason;
}

export interface MessageStore {
  /** Makes a batch durable, in order, in one transaction; nothing in it is shown to anyone before. */
  appendBatch(entries: readonly HistoryEntry[]): void | Promise<void>;

  /**
   * Everything after `afterId` in `rooms` and in the user's direct messages (sent or
   * received), oldest first; when there are more than `limit`, the newest `limit` and a count.
   */
  missedSince(afterId: string, rooms: readonly string[], userKey: string, limit: number): Promise<MissedEntries>;
  /**
   * Full-text search over message and action text, limited to `rooms` and the user's own
   * direct messages (and to ids below `before`, when given); newest first.
   */
  search(
    query: string,
    rooms: readonly string[],
    userKey: string,
    limit: number,
    before?: string,
  ): Promise<HistoryEntry[]>;

  /**
   * One page of history, read backwards: see `HistoryPageQuery`. A room's history is its
   * messages, actions and topic changes: here and in `missedSince`, arrivals and departures
   * are kept for the record but not replayed.
   */
  historyPage(query: HistoryPageQuery): Promise<HistoryPage>;
  /**
   * The conversations `rooms` and the user's direct messages hold with entries in the
   * range, each with its latest entry's time, the least recent first (IRCv3 CHATHISTORY TARGETS).
   */
  conversations(query: ConversationsQuery): Promise<Conversation[]>;
  /** Everyone the user has exchanged direct messages with, under each name they had, the most recent first. */
  directPeers(userKey: string): Promise<DirectPeer[]>;

  createAccount(account: Account): Promise<boolean>;
  findAccount(key: string): Promise<Account | null>;
  /** Rooms an account belongs to, which it rejoins when it comes back. Keys here and below are account keys. */
  accountRooms(key: string): Promise<string[]>;
  addAccountRoom(key: string, room: string): Promise<void>;
  removeAccountRoom(key: string, room: string): Promise<void>;
  /** The id of the last entry delivered to an account; "" when none. */
  deliveryCursor(key: string): Promise<string>;
  saveDeliveryCursors(cursors: ReadonlyMap<string, string>): Promise<void>;

  /** Rooms with a topic or a founder, to restore at start, in name order. */
  rooms(): Promise<RoomRecord[]>;
  /** Replaces everything kept of the room, in one transaction. */
  saveRoom(room: RoomRecord): Promise<void>;
  /** Forgets everything kept of the room. */
  forgetRoom(name: string): Promise<void>;

  /** Records a span history missed; the first write to succeed after a failure, so it doubles as the probe. */
  recordHistoryGap(gap: HistoryGap): Promise<void>;
  /** Gaps that overlap the span from `fromAt` to `toAt`, oldest first. */
  historyGaps(fromAt: number, toAt: number): Promise<HistoryGap[]>;

  /** Deletes what the policy no longer keeps; returns how many entries went. */
  applyRetention(policy: RetentionPolicy, now: number): Promise<number>;
  close(): Promise<void>;
}
