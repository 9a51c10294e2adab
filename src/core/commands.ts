import type { HistoryKinds } from "../store/store.js";
import type { ClientTags, ModeChange } from "./events.js";

/**
 * What a front end asks the core to do on a user's behalf, already parsed and bounded. A
 * message marked `isNotice` is one that must never be answered automatically (an IRC
 * NOTICE): it is relayed and stored as a message, and front ends that know notices show it as one.
 */
export type Command =
  | {
      readonly kind: "say";
      readonly room: string;
      readonly text: string;
      readonly isAction: boolean;
      readonly isNotice?: boolean;
      readonly clientTags?: ClientTags;
    }
  | {
      readonly kind: "direct";
      readonly to: string;
      readonly text: string;
      readonly isAction: boolean;
      readonly isNotice?: boolean;
      readonly clientTags?: ClientTags;
    }
  /** A signal with no text for a room ("#...") or a user's clients; see `SignalEvent`. */
  | { readonly kind: "signal"; readonly to: string; readonly clientTags: ClientTags }
  | { readonly kind: "nick"; readonly name: string }
  /** `replay`: past messages to show; negative for the server's default. `key`: the room's key, "" for none. */
  | { readonly kind: "join"; readonly room: string; readonly replay: number; readonly key: string }
  | { readonly kind: "part"; readonly room: string; readonly reason: string }
  | { readonly kind: "rooms" }
  | { readonly kind: "who"; readonly room: string }
  | { readonly kind: "topic"; readonly room: string; readonly topic: string | null }
  /**
   * Shows a room's modes (`changes` null), its bans (a "b" change without an argument), or
   * changes them (operators only); see ModeChange.
   */
  | { readonly kind: "mode"; readonly room: string; readonly changes: readonly ModeChange[] | null }
  /** Puts `name` out of `room` (operators only). */
  | { readonly kind: "kick"; readonly room: string; readonly name: string; readonly reason: string }
  /** Invites `name` to `room`: they may then join it once, even while it is invite-only. */
  | { readonly kind: "invite"; readonly name: string; readonly room: string }
  | { readonly kind: "quit"; readonly reason: string }
  | { readonly kind: "register"; readonly password: string }
  | { readonly kind: "login"; readonly name: string; readonly password: string }
  | { readonly kind: "logout" }
  /**
   * `where`: "#room", a name, or "*" for everything the session may read. Only entries with
   * ids between `after` and `before` are shown ("" for no bound); a time is the lowest id
   * it could have (`idFloorForTime`).
   */
  | {
      readonly kind: "history";
      readonly where: string;
      readonly limit: number;
      readonly before: string;
      readonly after: string;
      /** "forward": the oldest `limit` entries in the range, not the newest (default "backward"). */
      readonly reading?: "backward" | "forward";
      /**
       * An id (or a time's floor) to read around instead of a range: up to half the limit
       * before it, the rest from it on (so it is included), as IRCv3 CHATHISTORY AROUND asks.
       */
      readonly around?: string;
      /** Which of a room's entries (default "conversation"); see `HistoryKinds`. */
      readonly kinds?: HistoryKinds;
    }
  /**
   * The conversations (rooms of the session, and people it exchanged direct messages with)
   * with something said between `after` and `before` ("" for no bound), the least recent first.
   */
  | { readonly kind: "conversations"; readonly after: string; readonly before: string; readonly limit: number }
  | { readonly kind: "search"; readonly query: string; readonly before: string }
  /** Who is online under these names (a guest by the name others see it by). */
  | { readonly kind: "whois"; readonly names: readonly string[] }
  /** Becomes a server operator. */
  | { readonly kind: "oper"; readonly name: string; readonly password: string }
  /** A server operator disconnects everyone using `name`. */
  | { readonly kind: "kill"; readonly name: string; readonly reason: string }
  /** A server operator's message to every server operator online. */
  | { readonly kind: "wallops"; readonly text: string }
  /** Everyone online, for a front end that picks from them itself (an IRC WHO with a mask). */
  | { readonly kind: "everyone" }
  /** Marks the user away with a message, or back (null). */
  | { readonly kind: "away"; readonly message: string | null }
  /** A new real name (IRCv3 setname), checked by the front end that shows real names. */
  | { readonly kind: "real-name"; readonly realName: string };

/** The history target that stands for everything a session may read: its rooms and its own direct messages. */
export const EVERYTHING_READABLE = "*";

export type CommandKind = Command["kind"];

/**
 * What a command costs of its user's pacing budget, in plain lines (1 when not listed).
 * Searching and reading history query the store on the event loop (a search of a large
 * history takes milliseconds), so they cost what a burst of messages does: nobody can
 * keep the loop busy with them.
 */
export const COMMAND_COSTS: Readonly<Partial<Record<CommandKind, number>>> = {
  search: 10,
  history: 5,
  conversations: 5,
  everyone: 10,
};
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;
