import type { ModeChange } from "./events.js";

/** What a front end asks the core to do on a user's behalf, already parsed and bounded. */
export type Command =
  | { readonly kind: "say"; readonly room: string; readonly text: string; readonly isAction: boolean }
  | { readonly kind: "direct"; readonly to: string; readonly text: string; readonly isAction: boolean }
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
    }
  | { readonly kind: "search"; readonly query: string; readonly before: string }
  /** Who is online under these names (a guest by the name others see it by). */
  | { readonly kind: "whois"; readonly names: readonly string[] }
  /** Marks the user away with a message, or back (null). */
  | { readonly kind: "away"; readonly message: string | null };

/** The history target that stands for everything a session may read: its rooms and its own direct messages. */
export const EVERYTHING_READABLE = "*";

export type CommandKind = Command["kind"];

/**
 * What a command costs of its user's pacing budget, in plain lines (1 when not listed).
 * Searching and reading history query the store on the event loop (a search of a large
 * history takes milliseconds), so they cost what a burst of messages does: nobody can
 * keep the loop busy with them.
 */
export const COMMAND_COSTS: Readonly<Partial<Record<CommandKind, number>>> = { search: 10, history: 5 };
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;
