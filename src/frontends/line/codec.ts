import { EVERYTHING_READABLE } from "../../core/commands.js";
import type {
  DirectEvent,
  HistoryItem,
  InvitedEvent,
  KickedEvent,
  ModeChange,
  OlderPage,
  QuitEvent,
  RenamedEvent,
  Reply,
  RoomEvent,
  RoomModesShown,
} from "../../core/events.js";
import type { CutOffReason } from "../../net/connection.js";
import { OpenBatches, type SharedPart } from "../../net/shared-output.js";
import type { RoomMaskList } from "../../store/store.js";
import { toTerminalText } from "../../text/terminal-text.js";
import type { ShownError } from "./line-errors.js";

/**
 * The original protocol's text, word for word: `> ` for arrivals, `< ` for departures,
 * `[name] text` for messages. What Parley adds is marked: `! ` for errors, `- ` for
 * replies to your commands, `~ ` for history, `#room ` before what happens in a room
 * other than your current one.
 */

/** "1 user online", "2 users online"; the original says "user" below 2, so also "0 user online". */
export function usersOnline(count: number): string {
  return count >= 2 ? `${count} users online` : `${count} user online`;
}

/** The same count in replies the original never had, where "0 users" reads right. */
function membersOnline(count: number): string {
  return count === 1 ? "1 user online" : `${count} users online`;
}

export function renderWelcome(members: number): Buffer {
  return Buffer.from(`> Connected to the chat server (${usersOnline(members)})\n`);
}

export const SHUTDOWN_LINE: Buffer = Buffer.from("! The server is shutting down.\n");

/** Why the server ended a connection against the user's will: the last line the user gets. */
export const CUT_OFF_LINES: Readonly<Record<CutOffReason, Buffer>> = {
  "send-queue-full": Buffer.from("! You were disconnected: you fell too far behind (send queue full).\n"),
  "line-overflow": Buffer.from("! Line too long without a newline: disconnected.\n"),
};

/** A room event rendered once for all its recipients, and its place in this turn's shared output. */
export type RenderedEvent = SharedPart;

/**
 * Room events as members see them: plain in their current room, prefixed elsewhere.
 * Fan-out asks for the same event once per recipient, so the last event's renderings
 * are kept: text is built and encoded once per event, not once per recipient. Each
 * rendering joins its room's open batch, which members share (SharedBatch).
 */
let lastEvent: RoomEvent | RenamedEvent | null = null;
let lastPlain: RenderedEvent | null = null;
let lastPrefixed: RenderedEvent | null = null;
/** The open batches, by variant and room. */
const openBatches = new OpenBatches();

export function renderRoomEvent(event: RoomEvent | RenamedEvent, isCurrentRoom: boolean): RenderedEvent {
  if (event !== lastEvent) {
    lastEvent = event;
    lastPlain = null;
    lastPrefixed = null;
  }
  const room = event.kind === "renamed" ? "" : event.room;
  if (isCurrentRoom) {
    lastPlain ??= joinTurnBatch(`=${room}`, Buffer.from(`${roomEventText(event)}\n`));
    return lastPlain;
  }
  lastPrefixed ??= joinTurnBatch(`#${room}`, Buffer.from(`${room === "" ? "" : `${room} `}${roomEventText(event)}\n`));
  return lastPrefixed;
}

function joinTurnBatch(key: string, bytes: Buffer): RenderedEvent {
  return openBatches.append(key, bytes);
}

function leftText(name: string, reason: string, members: number): string {
  return reason === ""
    ? `< The user ${shown(name)} left. (${usersOnline(members)})`
    : `< The user ${shown(name)} left: ${shown(reason)}. (${usersOnline(members)})`;
}

let lastQuit: QuitEvent | null = null;
/** The last quit's renderings, by room index and variant: members of several of its rooms get one line for each. */
const quitRenderings = new Map<string, RenderedEvent>();

/** A user who left the server, as the members of one of its rooms (`event.rooms[index]`) see it. */
export function renderQuitInRoom(event: QuitEvent, index: number, isCurrentRoom: boolean): RenderedEvent {
  if (event !== lastQuit) {
    lastQuit = event;
    quitRenderings.clear();
  }
  const key = `${isCurrentRoom ? "=" : "#"}${index}`;
  let rendered = quitRenderings.get(key);
  if (rendered === undefined) {
    const { room, members } = event.rooms[index];
    const text = leftText(event.who.displayName, event.reason, members);
    rendered = isCurrentRoom
      ? joinTurnBatch(`=${room}`, Buffer.from(`${text}\n`))
      : joinTurnBatch(`#${room}`, Buffer.from(`${room} ${text}\n`));
    quitRenderings.set(key, rendered);
  }
  return rendered;
}

function roomEventText(event: RoomEvent | RenamedEvent): string {
  switch (event.kind) {
    case "message":
      return event.isAction
        ? `* ${shown(event.from.displayName)} ${shown(event.text)}`
        : `[${shown(event.from.displayName)}] ${shown(event.text)}`;
    case "joined":
      return `> New user ${shown(event.who.displayName)} entered. (${usersOnline(event.members)})`;
    case "left":
      return leftText(event.who.displayName, event.reason, event.members);
    case "topic":
      return event.topic === ""
        ? `> ${shown(event.who.displayName)} cleared the topic.`
        : `> ${shown(event.who.displayName)} set the topic: ${shown(event.topic)}`;
    case "renamed":
      return `> ${shown(event.from)} is now known as ${shown(event.to)}.`;
    case "mode":
      return `> ${shown(event.who.displayName)} ${event.changes.map(modeChangeText).join("; ")}.`;
    case "kicked":
      return event.reason === ""
        ? `< The user ${shown(event.target.displayName)} was kicked out by ${shown(event.who.displayName)}. (${usersOnline(event.members)})`
        : `< The user ${shown(event.target.displayName)} was kicked out by ${shown(event.who.displayName)}: ${shown(event.reason)}. (${usersOnline(event.members)})`;
  }
}

/** How each mask list reads when empty, and above its masks. */
const MASK_LIST_TEXT: Readonly<Record<RoomMaskList, { empty: string; heading: string }>> = {
  ban: { empty: "Nobody is banned from", heading: "Banned from" },
  "ban-exception": { empty: "No ban exceptions in", heading: "Let in despite bans, in" },
  "invite-exception": { empty: "No invite exceptions in", heading: "Let in without an invitation, in" },
};

/** One mode change in words: "made bob an operator", "made the room invite-only". */
function modeChangeText(change: ModeChange): string {
  const arg = shown(change.arg ?? "");
  switch (change.mode) {
    case "o":
      return change.on ? `made ${arg} an operator` : `took operator from ${arg}`;
    case "v":
      return change.on ? `gave ${arg} a voice` : `took the voice from ${arg}`;
    case "i":
      return change.on ? "made the room invite-only" : "opened the room to all";
    case "m":
      return change.on ? "moderated the room (only operators and voiced members speak)" : "ended moderation";
    case "t":
      return change.on ? "locked the topic to operators" : "let every member set the topic";
    case "s":
      return change.on ? "made the room secret" : "made the room visible";
    case "n":
      return change.on ? "closed the room to messages from outside" : "opened the room to messages from outside";
    case "k":
      return change.on ? "set a key on the room" : "removed the room's key";
    case "l":
      return change.on ? `limited the room to ${arg} members` : "removed the member limit";
    case "b":
      return change.on ? `banned ${arg}` : `lifted the ban on ${arg}`;
    case "e":
      return change.on ? `let ${arg} in despite bans` : `took back the ban exception for ${arg}`;
    case "I":
      return change.on ? `let ${arg} in without an invitation` : `took back the invite exception for ${arg}`;
    default:
      return `set mode ${change.on ? "+" : "-"}${shown(change.mode)}`;
  }
}

/** The kicked user's own line: the room is no longer theirs. */
export function renderKickedSelf(event: KickedEvent, nowCurrent: string | null): Buffer {
  const reason = event.reason === "" ? "" : `: ${shown(event.reason)}`;
  const next = nowCurrent === null ? "" : ` Your current room is now ${shown(nowCurrent)}.`;
  return Buffer.from(`! ${shown(event.who.displayName)} kicked you out of ${shown(event.room)}${reason}.${next}\n`);
}

export function renderInvited(event: InvitedEvent): Buffer {
  return Buffer.from(
    `- ${shown(event.who.displayName)} invites you to ${shown(event.room)}: /join ${shown(event.room)}\n`,
  );
}

/** "@" for an operator, "+" for a voiced member, as IRC clients show them. */
function standingMark(member: { isOperator: boolean; isVoiced: boolean }): string {
  return member.isOperator ? "@" : member.isVoiced ? "+" : "";
}

/** A direct message as its recipient (`incoming`) or its sender's sessions see it. */
export function renderDirect(event: DirectEvent, isIncoming: boolean): Buffer {
  const peer = isIncoming ? event.from.displayName : event.to;
  return Buffer.from(`${directLine(peer, event.text, event.isAction, isIncoming)}\n`);
}

/** "[ann -> you] hi", "[you -> ann] hi", "* ann waves (to you)", "* you wave (to ann)": live and in history alike. */
function directLine(peer: string, text: string, isAction: boolean, isIncoming: boolean): string {
  const who = shown(peer);
  if (isIncoming) return isAction ? `* ${who} ${shown(text)} (to you)` : `[${who} -> you] ${shown(text)}`;
  return isAction ? `* you ${shown(text)} (to ${who})` : `[you -> ${who}] ${shown(text)}`;
}

/** Leaving the room plain lines go to: where they go now. */
export function renderLeftCurrentRoom(room: string, nowCurrent: string | null): Buffer {
  const next =
    nowCurrent === null
      ? "you are in no room now: /join #room to talk"
      : `your current room is now ${shown(nowCurrent)}`;
  return Buffer.from(`- You left ${shown(room)}; ${next}.\n`);
}

/** A server operator's message to every operator. */
export function renderWallops(from: string, text: string): Buffer {
  return Buffer.from(`- Operators' notice from ${shown(from)}: ${shown(text)}\n`);
}

export function renderReply(reply: Reply): Buffer {
  return Buffer.from(`${replyLines(reply).join("\n")}\n`);
}

/** /help: the line protocol's own commands, their usage lined up. */
export function renderHelp(commands: readonly { usage: string; summary: string }[]): Buffer {
  const width = Math.max(...commands.map((command) => command.usage.length));
  const lines = [
    "- Commands (any other line is a message to your current room; // starts one with /):",
    ...commands.map((command) => `-   ${command.usage.padEnd(width)}  ${command.summary}`),
  ];
  return Buffer.from(`${lines.join("\n")}\n`);
}

function replyLines(reply: Reply): string[] {
  switch (reply.kind) {
    case "rooms":
      if (reply.rooms.length === 0) return ["- There are no rooms yet: /join #name creates one."];
      return [
        `- ${reply.rooms.length} room${reply.rooms.length === 1 ? "" : "s"}:`,
        ...reply.rooms.map(
          (room) =>
            `-   ${shown(room.name)} (${membersOnline(room.members)})${room.topic === "" ? "" : `: ${shown(room.topic)}`}`,
        ),
      ];
    case "who":
      return [
        `- ${shown(reply.room)} (${membersOnline(reply.members.length)}): ${reply.members.map((member) => `${standingMark(member)}${shown(member.ref.displayName)}`).join(", ")}`,
      ];
    case "modes":
      return [`- ${shown(reply.room)}: ${modesText(reply.modes)}.`];
    case "masks": {
      const { empty, heading } = MASK_LIST_TEXT[reply.list];
      if (reply.masks.length === 0) return [`- ${empty} ${shown(reply.room)}.`];
      return [
        `- ${heading} ${shown(reply.room)}:`,
        ...reply.masks.map((listed) => `-   ${shown(listed.mask)} (by ${shown(listed.setBy)} ${timeOf(listed.setAt)})`),
      ];
    }
    case "invited":
      return [`- You invited ${shown(reply.target.displayName)} to ${shown(reply.room)}.`];
    case "topic":
      return reply.topic === ""
        ? [`- ${shown(reply.room)} has no topic.`]
        : [
            `- Topic of ${shown(reply.room)}: ${shown(reply.topic)} (set by ${reply.by === null ? "a guest" : shown(reply.by)} ${timeOf(reply.at)})`,
          ];
    case "renamed":
      return [`- You are ${reply.unchanged ? "already" : "now"} known as ${shown(reply.name)}.`];
    case "joined":
      if (reply.wasMember) return [`- You are already in ${shown(reply.room)}; it is now your current room.`];
      return [
        `- You joined ${shown(reply.room)} (${membersOnline(reply.members)}); it is now your current room.`,
        ...(reply.topic === "" ? [] : [`- Topic: ${shown(reply.topic)}`]),
      ];
    case "left":
      return [`- You left ${shown(reply.room)}.`];
    case "registered":
      return [`- The name ${shown(reply.name)} is now yours. Next time: /login ${shown(reply.name)} PASSWORD`];
    case "logged-in":
      return [
        `- Logged in as ${shown(reply.name)}.${reply.rooms.length === 0 ? "" : ` Your rooms: ${reply.rooms.map(shown).join(", ")}.`}`,
      ];
    case "logged-out":
      return [`- Logged out of ${shown(reply.name)}.`];
    case "history":
      return historyLines(reply);
    case "search":
      return [
        searchTitle(reply),
        ...reply.items.map(historyItemLine),
        ...(reply.older === null ? [] : [`- More: /search before ${reply.older} ${shown(reply.query)}`]),
      ];
    case "delivered-later":
      return [`- ${shown(reply.name)} is not online, and will see it on logging in.`];
    case "users":
      return reply.users.map(({ asked, user }) => {
        if (user === null) return `- Nobody called ${shown(asked)} is online.`;
        const rooms =
          user.rooms.length === 0 ? "in no room" : `in ${user.rooms.map(({ room }) => shown(room)).join(", ")}`;
        const account = user.ref.account === null ? "" : ", logged in";
        const away = user.away === null ? "" : `; away: ${shown(user.away)}`;
        return `- ${shown(user.ref.displayName)}: online since ${timeOf(user.connectedAt)}${account}, ${rooms}${away}.`;
      });
    case "away":
      return [reply.isAway ? "- You are marked as away." : "- You are no longer marked as away."];
    case "oper":
      return [`- You are a server operator (${shown(reply.name)}).`];
    case "recipient-away":
      return [`- ${shown(reply.name)} is away: ${shown(reply.message)}`];
    case "paced":
      return [
        `- Slow down: your lines are held back and go out at ${perSecondText(reply.perSecond)} a second (${reply.waiting} waiting).`,
      ];
    case "history-resumed":
      return [
        `- History is kept again; what was said from ${timeOfGap(reply.gap.from)} to ${timeOfGap(reply.gap.to)} was not kept.`,
      ];
    case "conversations":
      return reply.conversations.map(({ name, lastAt }) => `- ${shown(name)}: last ${timeOfGap(lastAt)}`);
  }
}

function modesText(modes: RoomModesShown): string {
  const words = [
    modes.isInviteOnly ? "invite-only" : "open to all",
    ...(modes.isModerated ? ["moderated"] : []),
    modes.isTopicLocked ? "topic set by operators" : "topic set by any member",
    ...(modes.isSecret ? ["secret"] : []),
    ...(modes.isMembersOnly ? [] : ["open to messages from outside"]),
    ...(modes.key !== null ? [`key ${shown(modes.key)}`] : modes.hasKey ? ["a key is needed"] : []),
    ...(modes.limit === null ? [] : [`at most ${modes.limit} members`]),
  ];
  return words.join(", ");
}

/** "50", "5", "0.5", "0.02": a rate as people write it. */
function perSecondText(perSecond: number): string {
  return String(perSecond >= 10 ? Math.round(perSecond) : Number(perSecond.toPrecision(2)));
}

function searchTitle(reply: Extract<Reply, { kind: "search" }>): string {
  const query = `"${shown(reply.query)}"`;
  const count = reply.items.length;
  if (count === 0) return `- Nothing found for ${query}.`;
  return `- ${count} result${count === 1 ? "" : "s"} for ${query}, newest first:`;
}

function historyLines(reply: Extract<Reply, { kind: "history" }>): string[] {
  const where = shown(reply.where);
  // A room's history, a conversation with one person, or everything the user may read.
  const isRoom = reply.where.startsWith("#");
  const title =
    reply.reason === "missed"
      ? "- While you were away:"
      : reply.where === EVERYTHING_READABLE
        ? reply.items.length === 0
          ? "- No history."
          : "- History of your rooms and direct messages:"
        : reply.items.length === 0
          ? `- No history ${isRoom ? "in" : "with"} ${where}.`
          : `- History ${isRoom ? "of" : "with"} ${where}:`;
  const lines = [title, ...reply.items.map(historyItemLine)];
  // The last line names the request for the page before this one, so every entry can be reached.
  if (reply.older !== null) {
    const count = reply.more > 0 ? `${reply.more} older` : "older";
    lines.push(`- End of history; ${count}: ${olderPageCommand(reply.older)}`);
  } else if (reply.items.length > 0) {
    lines.push("- End of history.");
  }
  return lines;
}

/** "/history #rust 50 before 0mk3…", "/history * 500 before 0mk3… after 0mj2…". */
export function olderPageCommand(page: OlderPage): string {
  const after = page.after === "" ? "" : ` after ${page.after}`;
  return `/history ${shown(page.where)} ${page.limit} before ${page.before}${after}`;
}

/**
 * "~ 2026-11-25 14:05Z #room [name] text": marked as history, with when and where. A direct
 * message reads as it did live: "~ 2026-11-25 14:05Z [ann -> you] text".
 */
function historyItemLine(item: HistoryItem): string {
  if (item.sentByViewer !== null) {
    const line = directLine(item.where, item.text, item.kind === "action", !item.sentByViewer);
    return `~ ${timeOf(item.at)} ${line}`;
  }
  if (item.kind === "gap") return `~ ${gapText(item.at, item.until ?? item.at, item.text)}`;
  const head = `~ ${timeOf(item.at)} ${shown(item.where)}`;
  const sender = shown(item.sender);
  const text = shown(item.text);
  switch (item.kind) {
    case "message":
      return `${head} [${sender}] ${text}`;
    case "action":
      return `${head} * ${sender} ${text}`;
    case "joined":
      return `${head} > ${sender} entered.`;
    case "left":
      return `${head} < ${sender} left.`;
    case "topic":
      return text === "" ? `${head} > ${sender} cleared the topic.` : `${head} > ${sender} set the topic: ${text}`;
  }
}

/** "history was not kept from 2026-12-06 15:40:07Z to 2026-12-06 15:42:31Z (disk full)" */
function gapText(from: number, to: number, reason: string): string {
  return `history was not kept from ${timeOfGap(from)} to ${timeOfGap(to)} (${reason.replace("-", " ")})`;
}

/** To the second: a gap is often shorter than a minute. */
function timeOfGap(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace("T", " ")}Z`;
}

function joinRefusalText(reason: string): string {
  switch (reason) {
    case "banned":
      return "you are banned from it";
    case "invite-only":
      return "it is invite-only, and you have not been invited";
    case "key":
      return "it needs a key (/join #room KEY)";
    default:
      return "it is full";
  }
}

/** Why the server cannot keep history, as the end of "History is paused: …". */
function storeTrouble(reason: string): string {
  switch (reason) {
    case "disk-full":
      return "the server's disk is full";
    case "disk-error":
      return "the server's disk is failing";
    case "read-only":
      return "the server's history is read-only";
    default:
      return "the server cannot write its history";
  }
}

/** UTC, to the minute: the server does not know the reader's time zone. */
function timeOf(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")}Z`;
}

function shown(text: string): string {
  return toTerminalText(text);
}

export function renderError(error: ShownError): Buffer {
  return Buffer.from(`! ${errorText(error)}\n`);
}

function errorText(error: ShownError): string {
  const detail = error.detail ?? {};
  switch (error.code) {
    case "ERR_LINE_TOO_LONG":
      return `Line too long (${detail.bytes} bytes; the limit is ${detail.limit}): it was not sent.`;
    case "ERR_INVALID_UTF8":
      return "That line was not valid UTF-8: it was not sent.";
    case "ERR_UNKNOWN_COMMAND":
      return `Unknown command /${shown(String(detail.command))}. Type /help for the list.`;
    case "ERR_USAGE":
      return `Usage: ${detail.usage}`;
    case "ERR_LINE_BREAK_IN_TEXT":
      return "That line has a carriage return or a NUL in it, which could end a line for others: it was not sent.";
    case "ERR_EMPTY_MESSAGE":
      return "Empty message: nothing was sent.";
    case "ERR_NOT_IN_ROOM":
      return detail.room === "any room"
        ? "You are not in any room: /join #room first."
        : `You are not in ${shown(String(detail.room))}.`;
    case "ERR_NO_SUCH_ROOM":
      return `There is no room ${shown(String(detail.room))}.`;
    case "ERR_NO_SUCH_USER":
      return `Nobody is called ${shown(String(detail.name))}.`;
    case "ERR_BAD_NAME":
      return `"${shown(String(detail.name))}" cannot be a name: ${detail.reason}.`;
    case "ERR_MIXED_SCRIPTS":
      return `"${shown(String(detail.name))}" cannot be a ${detail.what}: it mixes ${detail.scripts} letters, so it could pass for another; keep to one script.`;
    case "ERR_NAME_IN_USE":
      return `The name ${shown(String(detail.name))} is in use (or looks too much like one that is).`;
    case "ERR_NAME_REGISTERED":
      return `The name ${shown(String(detail.name))} is registered: /login ${shown(String(detail.name))} PASSWORD to use it.`;
    case "ERR_BAD_ROOM_NAME":
      return `"${shown(String(detail.room))}" cannot be a room name: ${detail.reason}.`;
    case "ERR_TOO_MANY_ROOMS":
      return `You are in ${detail.limit} rooms, the most allowed: /part one first.`;
    case "ERR_KILLED":
      return detail.reason === ""
        ? `You were disconnected by the server operator ${shown(String(detail.by))}.`
        : `You were disconnected by the server operator ${shown(String(detail.by))}: ${shown(String(detail.reason))}`;
    case "ERR_BAD_OPER":
      return "Wrong operator name or password.";
    case "ERR_NOT_SERVER_OPERATOR":
      return "Only server operators may do that (/oper NAME PASSWORD).";
    case "ERR_HISTORY_TOO_MANY":
      return `/history shows at most ${detail.limit} messages at a time: before ID|TIME shows older ones.`;
    case "ERR_TOPIC_TOO_LONG":
      return `Topic too long (the limit is ${detail.limit} characters).`;
    case "ERR_NEED_NAME":
      return "Choose a name with /nick NAME first.";
    case "ERR_ALREADY_REGISTERED":
      return `The name ${shown(String(detail.name))} is already registered.`;
    case "ERR_ALREADY_LOGGED_IN":
      return `You are logged in as ${shown(String(detail.name))}: /logout first.`;
    case "ERR_NOT_LOGGED_IN":
      return "You are not logged in.";
    case "ERR_BAD_LOGIN":
      return "Wrong name or password.";
    case "ERR_LOGIN_THROTTLED":
      return `Too many login attempts: try again in ${detail.seconds} s.`;
    case "ERR_PASSWORD_TOO_SHORT":
      return `Passwords need at least ${detail.minimum} characters.`;
    case "ERR_SEARCH_EMPTY":
      return "Search for at least one word: /search TEXT";
    case "ERR_HISTORY_OFF":
      return `This server keeps no history, so it has no ${detail.what}.`;
    case "ERR_FLOOD":
      return "Excess flood: you sent too much too fast, and were disconnected.";
    case "ERR_INTERNAL":
      return `Something went wrong on the server (${detail.what}); it has been logged.`;
    case "ERR_HISTORY_PAUSED":
      return `History is paused: ${storeTrouble(String(detail.reason))}. Chat goes on; what is said now is not kept.`;
    case "ERR_STORE_UNAVAILABLE":
      return `The server could not save that (/${detail.what}): ${storeTrouble(String(detail.reason))}. Try again later.`;
    case "ERR_NOT_OPERATOR":
      return `Only operators of ${shown(String(detail.room))} may do that.`;
    case "ERR_USER_NOT_IN_ROOM":
      return `${shown(String(detail.name))} is not in ${shown(String(detail.room))}.`;
    case "ERR_ALREADY_IN_ROOM":
      return `${shown(String(detail.name))} is already in ${shown(String(detail.room))}.`;
    case "ERR_UNKNOWN_MODE":
      return `There is no mode "${shown(String(detail.mode))}": modes are o v i m t s k l b.`;
    case "ERR_BAD_MODE_ARG":
      return `Mode ${shown(String(detail.mode))} not set: ${detail.reason}.`;
    case "ERR_KEY_SET":
      return `${shown(String(detail.room))} has a key already: remove it with /mode ${shown(String(detail.room))} -k first.`;
    case "ERR_CANNOT_JOIN":
      return `You cannot join ${shown(String(detail.room))}: ${joinRefusalText(String(detail.reason))}.`;
    case "ERR_CANNOT_SPEAK":
      return detail.reason === "banned"
        ? `You are banned from ${shown(String(detail.room))}: nothing was sent.`
        : `${shown(String(detail.room))} is moderated: only operators and voiced members speak.`;
    case "ERR_NOT_KEPT_FOR_LATER":
      return `${shown(String(detail.name))} is not online, and history is paused: they will not see it on logging in.`;
  }
}
