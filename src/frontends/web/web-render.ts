import type { ChatError } from "../../core/errors.js";
import type {
  AwayEvent,
  DirectEvent,
  HistoryItem,
  InvitedEvent,
  MessageEvent,
  ModeChange,
  OnlineUser,
  QuitEvent,
  RenamedEvent,
  Reply,
  RoomEvent,
  RoomMember,
  UserRef,
} from "../../core/events.js";
import { guestNameOf } from "../../core/names.js";
import { OpenBatches, type SharedPart } from "../../net/shared-output.js";
import { webSocketTextFrameOf, webSocketTextFrameOfAscii } from "../../net/websocket-frame.js";
import { errorCodeOf, errorMessageOf } from "./web-errors.js";

/**
 * The core's events as the JSON protocol's frames (docs/protocol.md): one JSON object per
 * text frame, already framed, so an event shared by many recipients is one buffer for all.
 */

/** A user as this protocol shows one: never by address; `account` when logged in, `guest` for a guest. */
export interface WebUser {
  readonly name: string;
  readonly account?: string;
  readonly guest?: true;
}

/** The chosen name, else the guest name: a browser shows no "IP:PORT" for a name. */
export function webUserOf(ref: UserRef): WebUser {
  const name = ref.name ?? ref.guestName;
  const user: WebUser = ref.account === null ? { name } : { name, account: ref.account };
  return ref.name === null ? { ...user, guest: true } : user;
}

/**
 * A name the core recorded as text (history, a topic's setter): no name holds a ":", so one
 * that does is a guest's address, from a server that shows addresses. It is shown as a guest.
 */
export function shownName(name: string): string {
  return name.includes(":") ? "guest" : name;
}

/**
 * One frame of this protocol, from the object it carries. docs/protocol.md: a field whose
 * value is false or null is left out of every frame, and a reader takes a missing boolean
 * as false and a missing nullable as null. Array elements are kept as they are.
 */
export function webFrame(object: object): Buffer {
  return webSocketTextFrameOf(JSON.stringify(object, withoutDefaults));
}

function withoutDefaults(this: unknown, _key: string, value: unknown): unknown {
  return (value === false || value === null) && !Array.isArray(this) ? undefined : value;
}

/** Events every recipient sees alike (a quit, as alike as the rooms they share with the quitter). */
export type SharedWebEvent = RoomEvent | QuitEvent | RenamedEvent | AwayEvent;

/**
 * Renders shared events once. Fan-out asks once per recipient with the same event object;
 * the last event's frame is kept and joins its room's open batch, which its recipients
 * share. A quit lists only the rooms a recipient shares with the quitter (a secret room
 * stays secret): one rendering per set of shared rooms, and nearly every recipient of one
 * quit shares the same set.
 */
export class WebEventRenderer {
  readonly #batches = new OpenBatches();
  #lastEvent: SharedWebEvent | null = null;
  #part: SharedPart | null = null;
  #quitParts: Map<string, SharedPart> | null = null;

  render(event: SharedWebEvent): SharedPart {
    // Asked once per recipient of every event: small, so that fan-out's compiled code takes
    // it in whole; the rendering itself, once per event, is apart.
    const part = this.#part;
    return event === this.#lastEvent && part !== null ? part : this.#renderOnce(event);
  }

  #renderOnce(event: SharedWebEvent): SharedPart {
    if (event !== this.#lastEvent) {
      this.#lastEvent = event;
      this.#quitParts = null;
    }
    const frame = event.kind === "message" ? messageFrame(event) : webFrame(sharedEventJson(event));
    const part = this.#batches.append(batchKeyOf(event), frame);
    this.#part = part;
    return part;
  }

  /** A quit, with the rooms of `event.rooms` whose indexes are in `shared` ("0,2"). */
  renderQuit(event: QuitEvent, shared: readonly number[]): SharedPart {
    if (shared.length === event.rooms.length) return this.render(event);
    if (event !== this.#lastEvent) {
      this.#lastEvent = event;
      this.#part = null;
      this.#quitParts = null;
    }
    const key = shared.join(",");
    this.#quitParts ??= new Map();
    let part = this.#quitParts.get(key);
    if (part === undefined) {
      const rooms = shared.map((index) => event.rooms[index]);
      part = this.#batches.append("", webFrame({ ...quitJson(event), rooms }));
      this.#quitParts.set(key, part);
    }
    return part;
  }
}

function batchKeyOf(event: SharedWebEvent): string {
  return "room" in event ? event.room : "";
}

/**
 * A room message's frame, its JSON text written here, fields in webFrame's order and by its
 * rule. It is the event a room's members get most, and building an object for it, walking
 * that object and encoding the text apart from its frame took more time than the text
 * itself. Nearly always every string in it is printable ASCII without a quote or a
 * backslash: written between quotes as it is, the text is then its own UTF-8, copied into
 * the frame without counting or encoding. Any other string is escaped by JSON.stringify.
 */
export function messageFrame(event: MessageEvent): Buffer {
  const from = event.from;
  const isPlain =
    isPlainJsonString(event.id) &&
    isPlainJsonString(event.room) &&
    isPlainJsonString(from.name ?? from.guestName) &&
    (from.account === null || isPlainJsonString(from.account)) &&
    isPlainJsonString(event.text);
  return isPlain
    ? webSocketTextFrameOfAscii(messageJson(event, quotedAsIs))
    : webSocketTextFrameOf(messageJson(event, JSON.stringify));
}

/** Characters JSON escapes (controls, `"`, `\`) and any beyond ASCII. */
const NOT_PLAIN_JSON = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

function isPlainJsonString(text: string): boolean {
  return !NOT_PLAIN_JSON.test(text);
}

function quotedAsIs(text: string): string {
  return `"${text}"`;
}

function messageJson(event: MessageEvent, quoted: (text: string) => string): string {
  const from = event.from;
  const account = from.account === null ? "" : `,"account":${quoted(from.account)}`;
  const user = `{"name":${quoted(from.name ?? from.guestName)}${account}${from.name === null ? ',"guest":true' : ""}}`;
  return (
    `{"type":"message","id":${quoted(event.id)},"at":${event.at},"room":${quoted(event.room)},"from":${user},` +
    `"text":${quoted(event.text)}${event.isAction ? ',"action":true' : ""}${event.isNotice === true ? ',"notice":true' : ""}}`
  );
}

function sharedEventJson(event: Exclude<SharedWebEvent, MessageEvent>): object {
  switch (event.kind) {
    case "joined":
      return {
        type: "joined",
        id: event.id,
        at: event.at,
        room: event.room,
        who: webUserOf(event.who),
        members: event.members,
        away: event.away,
      };
    case "left":
      return {
        type: "left",
        id: event.id,
        at: event.at,
        room: event.room,
        who: webUserOf(event.who),
        members: event.members,
        reason: event.reason,
      };
    case "quit":
      return quitJson(event);
    case "topic":
      return {
        type: "topic",
        id: event.id,
        at: event.at,
        room: event.room,
        who: webUserOf(event.who),
        topic: event.topic,
      };
    case "mode":
      return {
        type: "mode",
        id: event.id,
        at: event.at,
        room: event.room,
        who: webUserOf(event.who),
        changes: event.changes.map(modeChangeJson),
      };
    case "kicked":
      return {
        type: "kicked",
        id: event.id,
        at: event.at,
        room: event.room,
        who: webUserOf(event.who),
        target: webUserOf(event.target),
        reason: event.reason,
        members: event.members,
      };
    case "renamed":
      return { type: "renamed", who: webUserOf(event.who), now: webUserOf(event.now) };
    case "away":
      return { type: "away", who: webUserOf(event.who), message: event.message };
  }
}

function quitJson(event: QuitEvent): object {
  return {
    type: "quit",
    id: event.id,
    at: event.at,
    who: webUserOf(event.who),
    reason: event.reason,
    rooms: event.rooms,
  };
}

/** An operator's or a voice's `arg` is the member's name as this protocol shows it. */
function modeChangeJson(change: ModeChange): object {
  const arg = change.member === undefined ? change.arg : webUserOf(change.member).name;
  return arg === undefined ? { mode: change.mode, on: change.on } : { mode: change.mode, on: change.on, arg };
}

/**
 * A direct message's recipient as shown: a guest by its guest name (the core names it as
 * others see it, which may be its address), made from the key it is routed by.
 */
function directRecipient(event: DirectEvent): string {
  return event.toSessionId === null ? event.to : guestNameOf(event.toKey);
}

/**
 * A direct message, to its recipient (`outgoing` false) or to its sender's sessions. One
 * direct message goes to few sessions; each rendering is its own.
 */
export function directFrame(event: DirectEvent, isOutgoing: boolean): Buffer {
  return webFrame({
    type: "direct",
    id: event.id,
    at: event.at,
    from: webUserOf(event.from),
    to: directRecipient(event),
    text: event.text,
    action: event.isAction,
    ...(event.isNotice === true ? { notice: true } : {}),
    outgoing: isOutgoing,
  });
}

export function invitedFrame(event: InvitedEvent): Buffer {
  return webFrame({
    type: "invited",
    id: event.id,
    at: event.at,
    room: event.room,
    who: webUserOf(event.who),
    target: webUserOf(event.target),
  });
}

export function wallopsFrame(from: UserRef, text: string): Buffer {
  return webFrame({ type: "wallops", from: webUserOf(from), text });
}

/** `re`: the request it answers, when the client gave one. */
export function replyFrame(reply: Reply, re: number | undefined): Buffer {
  return webFrame(
    re === undefined ? { type: "reply", reply: replyJson(reply) } : { type: "reply", re, reply: replyJson(reply) },
  );
}

export function errorFrame(error: ChatError, re: number | undefined): Buffer {
  // A kill names the operator as others see them, which for a guest may be its address.
  const detail =
    error.detail !== undefined && typeof error.detail.by === "string"
      ? { ...error.detail, by: shownName(error.detail.by) }
      : error.detail;
  const shown = detail === error.detail ? error : { ...error, detail };
  return refusalFrame(errorCodeOf(error.code), errorMessageOf(shown), re, detail);
}

/** An error of this protocol's own (a frame refused at the edge) or the core's, in words and with a code. */
export function refusalFrame(
  code: string,
  message: string,
  re: number | undefined,
  detail?: Readonly<Record<string, string | number>>,
): Buffer {
  return webFrame({
    type: "error",
    ...(re === undefined ? {} : { re }),
    code,
    message,
    ...(detail === undefined ? {} : { detail }),
  });
}

export function doneFrame(re: number): Buffer {
  return webFrame({ type: "done", re });
}

export interface WelcomeFacts {
  readonly server: string;
  readonly version: string;
  readonly you: UserRef;
  readonly online: number;
  readonly historyKept: boolean;
}

export function welcomeFrame(facts: WelcomeFacts): Buffer {
  return webFrame({
    type: "welcome",
    server: facts.server,
    version: facts.version,
    you: webUserOf(facts.you),
    online: facts.online,
    historyKept: facts.historyKept,
  });
}

export const SHUTDOWN_FRAME: Buffer = webFrame({ type: "shutdown" });

export function closeFrame(reason: string): Buffer {
  return webFrame({ type: "close", reason });
}

function memberJson(member: RoomMember): object {
  return {
    ...webUserOf(member.ref),
    operator: member.isOperator,
    voiced: member.isVoiced,
    away: member.away,
    serverOperator: member.isServerOperator,
  };
}

function onlineUserJson(user: OnlineUser): object {
  return {
    ...webUserOf(user.ref),
    rooms: user.rooms.map(({ room, isOperator, isVoiced }) => ({ room, operator: isOperator, voiced: isVoiced })),
    connectedAt: user.connectedAt,
    lastSpokeAt: user.lastSpokeAt,
    away: user.away,
    serverOperator: user.isServerOperator,
    // Only a server operator who asked is given it (the core leaves it null for anyone else).
    ...(user.address === null ? {} : { address: user.address }),
  };
}

/** A history item, a guest shown by its guest name as live events show it. */
function historyItemJson(item: HistoryItem): object {
  const { guestSender, guestWhere, ...shown } = item;
  return { ...shown, where: shownName(guestWhere ?? item.where), sender: shownName(guestSender ?? item.sender) };
}

/**
 * The core's reply, field for field, but as this protocol shows users: a user or a member
 * becomes a user object, a member list is listed, and an address appears only where a
 * server operator asked for one.
 */
export function replyJson(reply: Reply): object {
  switch (reply.kind) {
    case "who":
      return { ...reply, members: reply.members.map(memberJson) };
    case "invited":
      return { kind: reply.kind, target: webUserOf(reply.target), room: reply.room };
    case "topic":
      return { ...reply, by: reply.by === null ? null : shownName(reply.by) };
    case "joined": {
      // The page shows the room by its own name; what was typed stays out of the protocol.
      const { listMembers, asked: _asked, ...rest } = reply;
      return {
        ...rest,
        members: listMembers().map(memberJson),
        topicBy: reply.topicBy === null ? null : shownName(reply.topicBy),
      };
    }
    case "history":
    case "search":
      return { ...reply, items: reply.items.map(historyItemJson) };
    case "conversations":
      return { ...reply, conversations: reply.conversations.map((each) => ({ ...each, name: shownName(each.name) })) };
    case "users":
      return {
        kind: reply.kind,
        users: reply.users.map(({ asked, user }) => ({ asked, user: user === null ? null : onlineUserJson(user) })),
      };
    case "recipient-away":
      return { ...reply, name: shownName(reply.name) };
    case "masks":
      return { ...reply, masks: reply.masks.map((listed) => ({ ...listed, setBy: shownName(listed.setBy) })) };
    case "rooms":
    case "modes":
    case "renamed":
    case "left":
    case "registered":
    case "logged-in":
    case "logged-out":
    case "history-resumed":
    case "delivered-later":
    case "away":
    case "oper":
    case "paced":
      return reply;
  }
}
