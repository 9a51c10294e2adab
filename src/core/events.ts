/**
 * What the core tells front ends. Each front end renders these in its own protocol;
 * the core never formats protocol text.
 */
import type { HistoryGap, RoomMaskList } from "../store/store.js";
import type { ChatError } from "./errors.js";
import type { SessionId } from "./session.js";

/** How a user appears to others, frozen at the moment of the event. */
export interface UserRef {
  /** Stable for the life of the session; front ends compare identity with it. */
  readonly sessionId: SessionId;
  /** The name others see on the line protocol: the chosen name, else a guest name or "IP:PORT". */
  readonly displayName: string;
  /** The chosen name; null for a guest. */
  readonly name: string | null;
  /** The account's name when the user is logged in to one; null otherwise. */
  readonly account: string | null;
  /** "IP:PORT" of the user's connection: a front end that shows hosts cloaks it. */
  readonly address: string;
  /**
   * A guest's name that is never an address ("guest-7f3a"), for front ends that cannot show
   * "IP:PORT" as a name (an IRC nick cannot have a ":").
   */
  readonly guestName: string;
}

/**
 * Tags a client attached for other clients (IRCv3 message-tags' client-only tags, named
 * "+..."), passed on as they came and never stored. A plain record: events cross the bus.
 */
export type ClientTags = Readonly<Record<string, string>>;

/** A chat message (or a /me action) the server accepted and stored. */
export interface MessageEvent {
  readonly kind: "message";
  readonly id: string;
  /** Server time, milliseconds since the epoch. */
  readonly at: number;
  readonly room: string;
  readonly from: UserRef;
  readonly text: string;
  readonly isAction: boolean;
  /** Not to be answered automatically (an IRC NOTICE); see Command. */
  readonly isNotice?: boolean;
  readonly clientTags?: ClientTags;
}

export interface JoinedEvent {
  readonly kind: "joined";
  readonly id: string;
  readonly at: number;
  readonly room: string;
  readonly who: UserRef;
  /** Members of the room after the join. */
  readonly members: number;
  /** The joiner's away message; null when not away (IRCv3 away-notify tells the members). */
  readonly away: string | null;
  /**
   * The user was in the room already through another session (an account connected twice):
   * only the joining session is told, and nothing is stored.
   */
  readonly isSilent?: boolean;
}

export interface LeftEvent {
  readonly kind: "left";
  readonly id: string;
  readonly at: number;
  readonly room: string;
  readonly who: UserRef;
  /** Members of the room after the leave. */
  readonly members: number;
  readonly reason: string;
}

/**
 * A user left the server: one event, whatever the number of rooms it was in (an IRC client
 * shows one QUIT; the line protocol, a departure in each room shared with the user).
 */
export interface QuitEvent {
  readonly kind: "quit";
  /** The id of the last of its history entries (one "left" per room); one of its own when in no room. */
  readonly id: string;
  readonly at: number;
  readonly who: UserRef;
  readonly reason: string;
  /** The rooms the user was in, each with its member count after the user left. */
  readonly rooms: readonly { readonly room: string; readonly members: number }[];
}

export interface TopicEvent {
  readonly kind: "topic";
  readonly id: string;
  readonly at: number;
  readonly room: string;
  readonly who: UserRef;
  readonly topic: string;
}

/**
 * One change to a room's modes or a member's standing. `mode` is the letter (IRC's, RFC 2811
 * §4): "o" operator and "v" voice (`arg` the member's name), "i" invite-only, "m" moderated,
 * "t" topic locked, "s" secret, "n" no messages from outside (on for a new room), "k" key (`arg` the
 * key), "l" limit (`arg` the number), and the mask lists (`arg` the `name!user@host` mask):
 * "b" ban, "e" ban exception (lifts a ban), "I" invite exception (joins without invitation).
 */
export interface ModeChange {
  readonly mode: string;
  readonly on: boolean;
  readonly arg?: string;
  /** For "o" and "v" in an event: the member it was given to or taken from (`arg` is their display name). */
  readonly member?: UserRef;
}

/** An operator changed the room's modes; `changes` are only those that changed something. */
export interface ModeEvent {
  readonly kind: "mode";
  readonly id: string;
  readonly at: number;
  readonly room: string;
  readonly who: UserRef;
  readonly changes: readonly ModeChange[];
}

/** An operator put `target` out of the room; the members and the kicked user are told. */
export interface KickedEvent {
  readonly kind: "kicked";
  readonly id: string;
  readonly at: number;
  readonly room: string;
  /** The operator who kicked. */
  readonly who: UserRef;
  readonly target: UserRef;
  readonly reason: string;
  /** Members of the room after the kick. */
  readonly members: number;
}

/** Events that go to every member of a room (through the bus, so to every process). */
export type RoomEvent = MessageEvent | JoinedEvent | LeftEvent | TopicEvent | ModeEvent | KickedEvent;

/**
 * `target` was invited to a room by `who`; delivered to the invited session, and to the room's
 * operators but the inviter, to be told if their front end tells of others' invitations.
 */
export interface InvitedEvent {
  readonly kind: "invited";
  readonly id: string;
  readonly at: number;
  readonly room: string;
  readonly who: UserRef;
  readonly target: UserRef;
}

/** A room's modes as a reply shows them; `key` only to members (null otherwise, or when none is set). */
export interface RoomModesShown {
  readonly isInviteOnly: boolean;
  readonly isModerated: boolean;
  readonly isTopicLocked: boolean;
  readonly isSecret: boolean;
  readonly isMembersOnly: boolean;
  readonly hasKey: boolean;
  readonly key: string | null;
  readonly limit: number | null;
}

/** A member as a member list shows it: the user and its standing in the room. */
export interface RoomMember {
  readonly ref: UserRef;
  /** A server operator (WHO shows "*"). */
  readonly isServerOperator: boolean;
  readonly isOperator: boolean;
  readonly isVoiced: boolean;
  /** The away message; null when not away. */
  readonly away: string | null;
}

/** A direct message; delivered to the recipient's sessions. */
export interface DirectEvent {
  readonly kind: "direct";
  readonly id: string;
  readonly at: number;
  readonly from: UserRef;
  /** The sender's identity key, to reach the sender's other sessions. */
  readonly fromKey: string;
  /** The recipient's display name. */
  readonly to: string;
  /** The recipient's identity key. */
  readonly toKey: string;
  /** A guest (no name to route by) is reached by its session; null when the recipient has a name. */
  readonly toSessionId: SessionId | null;
  readonly text: string;
  readonly isAction: boolean;
  /** Not to be answered automatically (an IRC NOTICE); see Command. */
  readonly isNotice?: boolean;
  readonly clientTags?: ClientTags;
}

/**
 * A signal with no text, for other clients (IRCv3 TAGMSG: typing notifications, replies'
 * markers): to a room's members, or to a user as a direct message goes. Never stored;
 * front ends that cannot show it ignore it.
 */
export interface SignalEvent {
  readonly kind: "signal";
  readonly id: string;
  readonly at: number;
  readonly from: UserRef;
  readonly fromKey: string;
  /** The room it is for; null when it is for a user. */
  readonly room: string | null;
  /** For a user: the name it was sent to, the identity key, and a guest's session, as in `DirectEvent`. */
  readonly to: string;
  readonly toKey: string;
  readonly toSessionId: SessionId | null;
  readonly clientTags: ClientTags;
}

/**
 * A user's name changed, or the account behind it did (`from` and `to` then the same);
 * delivered once to everyone who shares a room with them, and to them.
 */
export interface RenamedEvent {
  readonly kind: "renamed";
  /** The user as they were before. */
  readonly who: UserRef;
  /** The user as they are now. */
  readonly now: UserRef;
  readonly from: string;
  readonly to: string;
  /** Rooms whose members are told. */
  readonly rooms: readonly string[];
}

/**
 * A user went away or came back: told to everyone who shares a room with them (IRCv3
 * away-notify), as a rename is. Not kept in history.
 */
export interface AwayEvent {
  readonly kind: "away";
  readonly who: UserRef;
  /** The away message; null when the user is back. */
  readonly message: string | null;
  readonly rooms: readonly string[];
}

/**
 * A user's real name changed (IRC's USER and SETNAME; other front ends show none): told to
 * everyone who shares a room with them, and to the user, after what they sent before it.
 * Not kept in history.
 */
export interface RealNameEvent {
  readonly kind: "real-name";
  readonly at: number;
  readonly who: UserRef;
  readonly realName: string;
  readonly rooms: readonly string[];
}

/** One past event as history replays it. */
export interface HistoryItem {
  readonly id: string;
  readonly at: number;
  /** "gap": history was not kept from `at` to `until` (a full disk); `text` is the reason. */
  readonly kind: "message" | "action" | "joined" | "left" | "topic" | "gap";
  /** The end of a gap. */
  readonly until?: number;
  /** "#room", or for direct messages the other party's name. */
  readonly where: string;
  readonly sender: string;
  readonly text: string;
  /** For a direct message, whether the viewer sent it (as a live one, it shows "you" on that side); null in a room. */
  readonly sentByViewer: boolean | null;
  /**
   * Where `sender` (or `where`) is a guest's "IP:PORT", the guest name of that guest
   * (`UserRef.guestName`), for front ends that never show an address.
   */
  readonly guestSender?: string;
  readonly guestWhere?: string;
}

/**
 * The request that shows the page of history before one a reply shows: `/history` with
 * these arguments. `where` is "#room", a person's name, or "*" for everything the user may
 * read; `after` ("" for none) keeps a catch-up's pages to what was missed.
 */
export interface OlderPage {
  readonly where: string;
  readonly limit: number;
  readonly before: string;
  readonly after: string;
}

/** A room someone is in, and their standing there. */
export interface RoomStanding {
  readonly room: string;
  readonly isOperator: boolean;
  readonly isVoiced: boolean;
}

/** Someone online, as a lookup finds them. */
export interface OnlineUser {
  readonly ref: UserRef;
  /** The rooms the user is in (a secret one only when the asker is in it too). */
  readonly rooms: readonly RoomStanding[];
  readonly connectedAt: number;
  /** When the user last said something (a message or a direct message); connectedAt before that. */
  readonly lastSpokeAt: number;
  /** The away message; null when the user is not away. */
  readonly away: string | null;
  /** A server operator (not a room's operator: see `rooms`). */
  readonly isServerOperator: boolean;
  /** "IP:PORT", for a server operator who asks; null for anyone else. */
  readonly address: string | null;
}

/** Replies to the one session that asked. */
export type Reply =
  | { readonly kind: "rooms"; readonly rooms: readonly { name: string; topic: string; members: number }[] }
  /** `members`: sorted by display name. */
  | {
      readonly kind: "who";
      readonly room: string;
      readonly members: readonly RoomMember[];
      /** The room is secret (+s): IRC marks its member lists so. */
      readonly isSecret: boolean;
    }
  /**
   * A room's modes. `key` is shown to members only (null otherwise, or when none is set);
   * `createdAt` is when the room was created (for a room stored before that was kept, when this run restored it).
   */
  | {
      readonly kind: "modes";
      readonly room: string;
      readonly modes: RoomModesShown;
      readonly createdAt: number;
    }
  /** One of a room's mask lists (its bans, its ban or invite exceptions), oldest first. */
  | {
      readonly kind: "masks";
      readonly room: string;
      readonly list: RoomMaskList;
      readonly masks: readonly { readonly mask: string; readonly setBy: string; readonly setAt: number }[];
    }
  /** The invitation went to `target`. */
  | { readonly kind: "invited"; readonly target: UserRef; readonly room: string }
  /** `by`: null for a guest whose address is hidden and who has no other name to show. */
  | {
      readonly kind: "topic";
      readonly room: string;
      readonly topic: string;
      readonly by: string | null;
      readonly at: number;
    }
  /** `unchanged`: the session already had exactly this name. */
  | { readonly kind: "renamed"; readonly name: string; readonly unchanged: boolean }
  | {
      readonly kind: "joined";
      readonly room: string;
      readonly members: number;
      /**
       * Who is in the room now, the joiner included: built only if asked for (a protocol that
       * lists members on join), and only while the reply is being delivered.
       */
      readonly listMembers: () => readonly RoomMember[];
      readonly topic: string;
      /** Who set the topic and when, as a topic reply shows them (null: not to be shown). */
      readonly topicBy: string | null;
      readonly topicAt: number;
      readonly isSecret: boolean;
      /** The session was in the room already: nothing changed but (in a front end) where its lines go. */
      readonly wasMember: boolean;
      /** The name the session asked for: the room's own, or a look-alike of it (the same identity). */
      readonly asked: string;
    }
  | { readonly kind: "left"; readonly room: string; readonly reason: string }
  | { readonly kind: "registered"; readonly name: string }
  | { readonly kind: "logged-in"; readonly name: string; readonly rooms: readonly string[] }
  | { readonly kind: "logged-out"; readonly name: string }
  | {
      readonly kind: "history";
      /** What this replay is: a room's recent past, missed messages, or an explicit request. */
      readonly reason: "join" | "missed" | "request";
      readonly where: string;
      readonly items: readonly HistoryItem[];
      /** How many older items were left out, where they were counted (0 when not). */
      readonly more: number;
      /** Where the older items are; null when there are none. */
      readonly older: OlderPage | null;
      /**
       * Missed messages: the account's place they come after. Until they reach the user,
       * that is still where the account stands (see `EventSink.deliveredThrough`).
       */
      readonly after?: string;
    }
  /** `older`: the id the next page of results comes before; null when there are no more. */
  | {
      readonly kind: "search";
      readonly query: string;
      readonly items: readonly HistoryItem[];
      readonly older: string | null;
    }
  /** Conversations with something said in a span, the least recent first (`lastAt`: the latest). */
  | {
      readonly kind: "conversations";
      readonly conversations: readonly { readonly name: string; readonly lastAt: number }[];
    }
  /** History is kept again after a pause (a full disk); what was said during `gap` is not. */
  | { readonly kind: "history-resumed"; readonly gap: HistoryGap }
  /** A direct message to a registered user who is not online: stored, and shown when they next log in. */
  | { readonly kind: "delivered-later"; readonly name: string }
  /** A lookup: for each name asked, who is online under it (null: nobody). */
  | { readonly kind: "users"; readonly users: readonly { readonly asked: string; readonly user: OnlineUser | null }[] }
  | { readonly kind: "away"; readonly isAway: boolean }
  | { readonly kind: "oper"; readonly name: string }
  /** A direct message reached someone who is away. */
  | { readonly kind: "recipient-away"; readonly name: string; readonly message: string }
  /**
   * The user's lines are being held back to keep the pace: `waiting` of them, going out at
   * `perSecond`. Said once when a stretch of pacing begins, so nobody waits without a word.
   */
  | { readonly kind: "paced"; readonly perSecond: number; readonly waiting: number };

export interface ReplyEvent {
  readonly kind: "reply";
  readonly reply: Reply;
  /** The request this answers, when the front end gave its command one. */
  readonly requestId?: number;
}

export interface ErrorEvent {
  readonly kind: "error";
  readonly error: ChatError;
  readonly requestId?: number;
}

/** Everything the command with this request id had to say has been said. */
export interface DoneEvent {
  readonly kind: "done";
  readonly requestId: number;
}

/** A server operator's message to every server operator. */
export interface WallopsEvent {
  readonly kind: "wallops";
  readonly from: UserRef;
  readonly text: string;
}

/** The server is going down; sent to every session before it is closed. */
export interface ShutdownEvent {
  readonly kind: "shutdown";
}

/** The core asks the front end to close this session (a /quit, or a flooder). */
export interface CloseEvent {
  readonly kind: "close";
  readonly reason: string;
}

/** Events more than one session may need to see: what the bus carries between processes. */
export type SharedChatEvent =
  | RoomEvent
  | QuitEvent
  | DirectEvent
  | RenamedEvent
  | AwayEvent
  | RealNameEvent
  | SignalEvent
  | InvitedEvent;

export type ChatEvent =
  | SharedChatEvent
  | ReplyEvent
  | DoneEvent
  | WallopsEvent
  | ErrorEvent
  | ShutdownEvent
  | CloseEvent;
