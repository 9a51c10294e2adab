/**
 * The JSON protocol on /ws as the page speaks it (docs/protocol.md is the reference). Only
 * what the page reads is typed; a frame the page does not understand is ignored, so a newer
 * server can add fields and kinds without breaking an open page. A server frame leaves out
 * a field that is false or null: such a field is optional here, and missing means that.
 */

export interface User {
  readonly name: string;
  readonly account?: string;
  readonly guest?: true;
}

export interface Member extends User {
  readonly operator?: boolean;
  readonly voiced?: boolean;
  readonly away?: string;
}

/** A mode change as the page asks for one. */
export interface ModeChange {
  readonly mode: string;
  readonly on: boolean;
  readonly arg?: string;
}

/** A mode change as the server tells it: `on` left out when the mode was taken off. */
export interface ToldModeChange {
  readonly mode: string;
  readonly on?: true;
  readonly arg?: string;
}

export interface HistoryItem {
  readonly id: string;
  readonly at: number;
  readonly kind: "message" | "action" | "joined" | "left" | "topic" | "gap";
  readonly until?: number;
  readonly where: string;
  readonly sender: string;
  readonly text: string;
  readonly sentByViewer?: true;
}

export interface OlderPage {
  readonly where: string;
  readonly limit: number;
  readonly before: string;
  readonly after: string;
}

/** The core's replies, as the page uses them; any other kind is shown as plain text. */
export type Reply =
  | { readonly kind: "rooms"; readonly rooms: readonly { name: string; topic: string; members: number }[] }
  | { readonly kind: "who"; readonly room: string; readonly members: readonly Member[] }
  | { readonly kind: "topic"; readonly room: string; readonly topic: string; readonly by?: string }
  | { readonly kind: "renamed"; readonly name: string; readonly unchanged?: true }
  | {
      readonly kind: "joined";
      readonly room: string;
      readonly members: readonly Member[] | number;
      readonly topic: string;
      readonly wasMember?: true;
    }
  | { readonly kind: "left"; readonly room: string; readonly reason: string }
  | { readonly kind: "registered"; readonly name: string }
  | { readonly kind: "logged-in"; readonly name: string; readonly rooms: readonly string[] }
  | { readonly kind: "logged-out"; readonly name: string }
  | {
      readonly kind: "history";
      readonly reason: "join" | "missed" | "request";
      readonly where: string;
      readonly items: readonly HistoryItem[];
      readonly older?: OlderPage;
    }
  | {
      readonly kind: "search";
      readonly query: string;
      readonly items: readonly HistoryItem[];
      readonly older?: string;
    }
  | { readonly kind: "users"; readonly users: readonly { asked: string; user?: WhoisUser }[] }
  | { readonly kind: "away"; readonly isAway?: true }
  | { readonly kind: "delivered-later"; readonly name: string }
  | { readonly kind: "recipient-away"; readonly name: string; readonly message: string }
  | { readonly kind: "paced"; readonly perSecond: number; readonly waiting: number }
  | { readonly kind: "invited"; readonly target: User; readonly room: string }
  | { readonly kind: "oper"; readonly name: string }
  | { readonly kind: "other" };

export interface WhoisUser {
  readonly name: string;
  readonly rooms?: readonly { room: string }[];
  readonly away?: string;
  readonly connectedAt?: number;
}

export type ServerFrame =
  | {
      readonly type: "welcome";
      readonly server: string;
      readonly version: string;
      readonly you: User;
      readonly online: number;
      readonly historyKept?: true;
    }
  | {
      readonly type: "message";
      readonly id: string;
      readonly at: number;
      readonly room: string;
      readonly from: User;
      readonly text: string;
      readonly action?: true;
      readonly notice?: true;
    }
  | {
      readonly type: "direct";
      readonly id: string;
      readonly at: number;
      readonly from: User;
      readonly to: string;
      readonly text: string;
      readonly action?: true;
      readonly notice?: true;
      readonly outgoing?: true;
    }
  | {
      readonly type: "joined";
      readonly id: string;
      readonly at: number;
      readonly room: string;
      readonly who: User;
      readonly members: number;
    }
  | {
      readonly type: "left";
      readonly id: string;
      readonly at: number;
      readonly room: string;
      readonly who: User;
      readonly members: number;
      readonly reason: string;
    }
  | {
      readonly type: "quit";
      readonly id: string;
      readonly at: number;
      readonly who: User;
      readonly reason: string;
      readonly rooms: readonly { room: string; members: number }[];
    }
  | {
      readonly type: "topic";
      readonly id: string;
      readonly at: number;
      readonly room: string;
      readonly who: User;
      readonly topic: string;
    }
  | {
      readonly type: "mode";
      readonly id: string;
      readonly at: number;
      readonly room: string;
      readonly who: User;
      readonly changes: readonly ToldModeChange[];
    }
  | {
      readonly type: "kicked";
      readonly id: string;
      readonly at: number;
      readonly room: string;
      readonly who: User;
      readonly target: User;
      readonly reason: string;
      readonly members: number;
    }
  | { readonly type: "invited"; readonly id: string; readonly at: number; readonly room: string; readonly who: User }
  | { readonly type: "renamed"; readonly who: User; readonly now: User }
  | { readonly type: "away"; readonly who: User; readonly message?: string }
  | { readonly type: "wallops"; readonly from: User; readonly text: string }
  | { readonly type: "reply"; readonly re?: number; readonly reply: Reply }
  | { readonly type: "error"; readonly re?: number; readonly code: string; readonly message: string }
  | { readonly type: "done"; readonly re: number }
  | { readonly type: "shutdown" }
  | { readonly type: "close"; readonly reason: string };

/** A command to the server, without its request id (the socket adds one). */
export type ClientFrame =
  | { type: "say"; room: string; text: string; action?: boolean }
  | { type: "direct"; to: string; text: string; action?: boolean }
  | { type: "nick"; name: string }
  | { type: "join"; room: string; key?: string; replay?: number }
  | { type: "part"; room: string; reason?: string }
  | { type: "rooms" }
  | { type: "who"; room: string }
  | { type: "topic"; room: string; topic?: string }
  | { type: "mode"; room: string; changes?: ModeChange[] }
  | { type: "kick"; room: string; name: string; reason?: string }
  | { type: "invite"; name: string; room: string }
  | { type: "register"; password: string }
  | { type: "login"; name: string; password: string }
  | { type: "logout" }
  | { type: "history"; where: string; limit?: number; before?: string; after?: string }
  | { type: "search"; query: string; before?: string }
  | { type: "whois"; names: string[] }
  | { type: "away"; message: string | null }
  | { type: "quit"; reason?: string }
  | { type: "oper"; name: string; password: string }
  | { type: "kill"; name: string; reason?: string }
  | { type: "wallops"; text: string };
