import type { ClientTags } from "../../../core/events.js";
import { identityKey } from "../../../core/names.js";
import { MAX_TARGETS } from "../irc-front-end.js";
import { fitsOneIrcLine } from "../irc-render.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";
import { askNickServ, isNickServ } from "./nickserv.js";

const ACTION_PREFIX = "\x01ACTION ";

/** RFC 2812 §3.3.1: to channels (the core's rooms) and to users, several targets at once. */
export function privmsg(session: IrcSession, message: IrcMessage): void {
  send(session, message, false);
}

/**
 * RFC 2812 §3.3.2: as PRIVMSG, but no error ever answers it, so two programs can never
 * answer each other's failures forever.
 */
export function notice(session: IrcSession, message: IrcMessage): void {
  send(session, message, true);
}

function send(session: IrcSession, message: IrcMessage, isNotice: boolean): void {
  const [targets, text] = message.params;
  if (targets === undefined || targets === "") {
    if (!isNotice) session.numeric(N.ERR_NORECIPIENT, `No recipient given (${message.command})`);
    return;
  }
  if (text === undefined || text === "") {
    if (!isNotice) session.numeric(N.ERR_NOTEXTTOSEND, "No text to send");
    return;
  }
  // One target is the rule: it is taken as sent, with no list made of it.
  const list = targets.indexOf(",") === -1 ? [targets] : targets.split(",").filter((target) => target !== "");
  if (list.length > MAX_TARGETS) {
    if (!isNotice) session.numeric(N.ERR_TOOMANYTARGETS, targets, `Too many targets; at most ${MAX_TARGETS}`);
    return;
  }
  // CTCP ACTION is /me: the core keeps it as an action, and line users see "* name text".
  const isAction = text.startsWith(ACTION_PREFIX);
  const said = isAction ? actionBody(text) : text;
  const clientTags = clientTagsOf(session, message);
  if (clientTags === null) return;
  // RFC 1459 §2.3: the relayed line, with the sender's mask in front, is at most 512 bytes. A
  // longer one would reach the others as two messages (and come back as two echoes), so it is
  // refused whole (ERR_INPUTTOOLONG), as Ergo does with allow-truncation off: nothing is relayed cut.
  const mask = session.frontEnd.users.maskOf(session.ref);
  const relayed = { text: said, isAction, isNotice };
  for (const target of list) {
    if (isNickServ(target) || fitsOneIrcLine(mask, relayed, writtenTarget(session, target))) continue;
    if (!isNotice) session.numeric(N.ERR_INPUTTOOLONG, "Input line was too long to relay with your address added");
    return;
  }
  for (const target of list) {
    const request = session.request;
    if (request !== null) request.target = target;
    if (isNickServ(target)) {
      // Services never answer a NOTICE (RFC 2812 §3.3.2), and a password must not go on as a message.
      if (!isNotice && !isAction) askNickServ(session, said);
    } else if (target.startsWith("#"))
      session.run({ kind: "say", room: target, text: said, isAction, isNotice, clientTags });
    else session.run({ kind: "direct", to: target, text: said, isAction, isNotice, clientTags });
  }
}

/**
 * The target as the relay will write it: a room by its own name ("#Café" for "#cafe"), a
 * user by the nick shown. Found among the client's channels and the users online by name;
 * otherwise as typed.
 */
function writtenTarget(session: IrcSession, target: string): string {
  if (!target.startsWith("#")) return session.frontEnd.monitors.onlineAs(target)?.name ?? target;
  const channels = session.channels;
  if (channels.includes(target)) return target;
  const key = identityKey(target);
  return channels.find((channel) => identityKey(channel) === key) ?? target;
}

/** The text of a CTCP ACTION, without its wrapping (the closing \x01 is optional in practice). */
function actionBody(text: string): string {
  const end = text.endsWith("\x01") ? text.length - 1 : text.length;
  return text.slice(ACTION_PREFIX.length, Math.max(ACTION_PREFIX.length, end));
}

/** IRCv3 message-tags: TAGMSG, a message of client-only tags alone, to channels and users. */
export function tagmsg(session: IrcSession, message: IrcMessage): void {
  const targets = (message.params[0] ?? "").split(",").filter((target) => target !== "");
  if (targets.length === 0) {
    session.numeric(N.ERR_NORECIPIENT, "No recipient given (TAGMSG)");
    return;
  }
  const clientTags = clientTagsOf(session, message);
  // Nothing for other clients: nothing to send.
  if (clientTags === null || clientTags === undefined) return;
  for (const target of targets.slice(0, MAX_TARGETS)) {
    const request = session.request;
    if (request !== null) request.target = target;
    session.run({ kind: "signal", to: target, clientTags });
  }
}

/** The tags a client sends are at most 4094 bytes, client-only or not (IRCv3 message-tags, "Size limit"). */
const MAX_CLIENT_TAG_BYTES = 4094;

/**
 * The message's client-only tags ("+name") for its recipients; undefined when it has none,
 * null when its tags are too long (the client is told). A value with a line break is
 * dropped: no recipient could be sent it as one line.
 */
function clientTagsOf(session: IrcSession, message: IrcMessage): ClientTags | undefined | null {
  const tags = message.tags;
  if (tags === null) return undefined;
  if (tagSectionBytes(tags) > MAX_CLIENT_TAG_BYTES) {
    session.numeric(N.ERR_INPUTTOOLONG, "Input line was too long");
    return null;
  }
  if (!session.caps.isEnabled("message-tags")) return undefined;
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of tags) {
    if (!key.startsWith("+") || /[\r\n\0]/.test(value)) continue;
    kept[key] = value;
    count++;
  }
  return count === 0 ? undefined : kept;
}

/** The tag section as sent, between "@" and the space: each value escaped again ("Escaping values"). */
function tagSectionBytes(tags: ReadonlyMap<string, string>): number {
  let bytes = tags.size - 1;
  for (const [key, value] of tags) {
    bytes += Buffer.byteLength(key);
    if (value === "") continue;
    const escapes = value.match(/[; \\\r\n]/g)?.length ?? 0;
    bytes += 1 + Buffer.byteLength(value) + escapes;
  }
  return bytes;
}
