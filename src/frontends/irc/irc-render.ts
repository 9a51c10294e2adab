import type { BusEvent } from "../../bus/bus.js";
import type { ClientTags, ModeChange, RenamedEvent, UserRef } from "../../core/events.js";
import { OpenBatches, type SharedPart } from "../../net/shared-output.js";
import { formatModeChanges } from "../mode-string.js";
import type { IrcUsers } from "./irc-users.js";
import { ircText, isMiddleParam, MAX_LINE_BODY_BYTES, PreparedIrcMessage, utf8Prefix } from "./message.js";

/**
 * How one IRC client wants events drawn: which tags it takes and how JOIN looks. Clients
 * with the same variant get the same bytes, so an event is rendered once per variant in
 * use, never once per recipient.
 */
export const VARIANT_SERVER_TIME = 1;
export const VARIANT_MESSAGE_TAGS = 2;
export const VARIANT_ACCOUNT_TAG = 4;
export const VARIANT_EXTENDED_JOIN = 8;
/** IRCv3 away-notify: a JOIN of someone away is followed by their AWAY. */
export const VARIANT_AWAY_NOTIFY = 16;
/** Bits that change only how a JOIN looks. */
const JOIN_VARIANTS = VARIANT_EXTENDED_JOIN | VARIANT_AWAY_NOTIFY;
const VARIANTS = 32;

/**
 * RPL_ISUPPORT MODES: the most changes with an argument one MODE carries, from a client
 * (the rest are dropped) and to one (more go out in several lines).
 */
export const MODES_PER_COMMAND = 4;

/** Events every member of a room (or everyone sharing one with the user) sees alike. */
export type SharedIrcEvent = Exclude<BusEvent, { kind: "direct" | "invited" }>;
/** Those that are always one IRC line: a message may need several (`messageLines`), and so may mode changes (`modeLines`). */
type OneLineIrcEvent = Exclude<SharedIrcEvent, { kind: "message" | "mode" }>;

/** CTCP ACTION (the /me of IRC clients): the text between \x01ACTION and \x01. */
export function actionText(text: string): string {
  return `\x01ACTION ${text}\x01`;
}

/**
 * Renders the core's shared events as IRC lines. Fan-out asks once per recipient; the last
 * event's renderings are kept per variant, and each joins the open batch of its room and
 * variant, which its recipients share.
 */
export class IrcEventRenderer {
  readonly #users: IrcUsers;
  readonly #serverName: string;
  readonly #batches = new OpenBatches();
  #lastEvent: SharedIrcEvent | null = null;
  #body: PreparedIrcMessage | null = null;
  /** A message too long for one IRC line, or mode changes too many for one, as their lines. */
  #lines: PreparedIrcMessage[] | null = null;
  #extendedBody: PreparedIrcMessage | null = null;
  readonly #parts: Array<SharedPart | null> = new Array(VARIANTS).fill(null);
  #lastAccountEvent: RenamedEvent | null = null;
  readonly #accountParts: Array<SharedPart | null> = new Array(VARIANTS).fill(null);

  constructor(users: IrcUsers, serverName: string) {
    this.#users = users;
    this.#serverName = serverName;
  }

  /** The event as a client of `variant` sees it, shared with the others of that variant. */
  render(event: SharedIrcEvent, variant: number): SharedPart {
    if (event !== this.#lastEvent) {
      this.#lastEvent = event;
      this.#body = null;
      this.#lines = null;
      this.#extendedBody = null;
      this.#parts.fill(null);
    }
    const effective = event.kind === "joined" ? variant : variant & ~JOIN_VARIANTS;
    let part = this.#parts[effective];
    if (part === null) {
      let bytes: Buffer;
      if (event.kind === "message") {
        this.#lines ??= messageLines(this.#users.maskOf(event.from), event, event.room);
        bytes = formatLines(this.#lines, tagsFor(event, effective));
      } else if (event.kind === "mode") {
        this.#lines ??= modeLines(this.#users, event);
        bytes = formatLines(this.#lines, tagsFor(event, effective));
      } else {
        const body = this.#bodyFor(event, (effective & VARIANT_EXTENDED_JOIN) !== 0);
        bytes = body.format(tagsFor(event, effective));
      }
      if (event.kind === "joined" && event.away !== null && (effective & VARIANT_AWAY_NOTIFY) !== 0) {
        const away = new PreparedIrcMessage({
          source: this.#users.maskOf(event.who),
          command: "AWAY",
          params: [ircText(event.away)],
        });
        // The msgid is the JOIN's alone.
        bytes = Buffer.concat([bytes, away.format(tagsFor(event, effective & ~VARIANT_MESSAGE_TAGS))]);
      }
      part = this.#batches.append(`${batchKeyOf(event)}|${effective}`, bytes);
      this.#parts[effective] = part;
    }
    return part;
  }

  #bodyFor(event: OneLineIrcEvent, isExtendedJoin: boolean): PreparedIrcMessage {
    if (isExtendedJoin) {
      this.#extendedBody ??= this.#prepare(event, true);
      return this.#extendedBody;
    }
    this.#body ??= this.#prepare(event, false);
    return this.#body;
  }

  #prepare(event: OneLineIrcEvent, isExtendedJoin: boolean): PreparedIrcMessage {
    const users = this.#users;
    switch (event.kind) {
      case "joined":
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "JOIN",
          // IRCv3 extended-join: the account ("*" for none) and the real name.
          params: isExtendedJoin ? [event.room, event.who.account ?? "*", users.realNameOf(event.who)] : [event.room],
        });
      case "left":
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "PART",
          params: event.reason === "" ? [event.room] : [event.room, ircText(event.reason)],
        });
      case "quit":
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "QUIT",
          params: [event.reason === "" ? "Quit" : ircText(`Quit: ${event.reason}`)],
        });
      case "topic":
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "TOPIC",
          params: [event.room, ircText(event.topic)],
        });
      case "renamed":
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "NICK",
          params: [users.nickOf(event.now)],
        });
      case "signal":
        return new PreparedIrcMessage({
          source: users.maskOf(event.from),
          command: "TAGMSG",
          params: [event.room ?? event.to],
        });
      case "away":
        // IRCv3 away-notify: AWAY with the message, or bare when back.
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "AWAY",
          params: event.message === null ? [] : [ircText(event.message)],
        });
      case "real-name":
        // IRCv3 setname.
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "SETNAME",
          params: [ircText(event.realName)],
        });
      case "kicked":
        return new PreparedIrcMessage({
          source: users.maskOf(event.who),
          command: "KICK",
          // RFC 2812 §3.2.8: without a comment, the kicker's nick is the default.
          params: [
            event.room,
            users.nickOf(event.target),
            event.reason === "" ? users.nickOf(event.who) : ircText(event.reason),
          ],
        });
    }
  }

  /**
   * IRCv3 account-notify: `ACCOUNT <name>` (or `*`) from the user as it is now, after the
   * NICK its login or logout also caused. Kept per variant as `render` keeps its parts.
   */
  renderAccountChange(event: RenamedEvent, variant: number): SharedPart {
    if (event !== this.#lastAccountEvent) {
      this.#lastAccountEvent = event;
      this.#accountParts.fill(null);
    }
    const effective = variant & ~JOIN_VARIANTS;
    let part = this.#accountParts[effective];
    if (part === null) {
      const body = new PreparedIrcMessage({
        source: this.#users.maskOf(event.now),
        command: "ACCOUNT",
        params: [event.now.account ?? "*"],
      });
      part = this.#batches.append(`|${effective}`, body.format(tagsFor({ kind: "account" }, effective, event.now)));
      this.#accountParts[effective] = part;
    }
    return part;
  }

  /** A line from the server itself, with no tags: `:server COMMAND params`. */
  serverLine(command: string, params: string[]): Buffer {
    return new PreparedIrcMessage({ source: this.#serverName, command, params }).format(null);
  }
}

/** Events of a room share that room's batches; a quit or a rename, everyone's. */
function batchKeyOf(event: SharedIrcEvent): string {
  if ("room" in event) return event.room ?? "";
  return "";
}

/** IRCv3 server-time, message-ids, account-tag and the sender's client-only tags, as the variant asks. */
export function tagsFor(
  event: { readonly id?: string; readonly at?: number; readonly kind: string; readonly clientTags?: ClientTags },
  variant: number,
  who?: UserRef,
): Map<string, string> | null {
  if ((variant & (VARIANT_SERVER_TIME | VARIANT_MESSAGE_TAGS | VARIANT_ACCOUNT_TAG)) === 0) return null;
  const tags = new Map<string, string>();
  if ((variant & VARIANT_MESSAGE_TAGS) !== 0 && event.clientTags !== undefined) {
    for (const key in event.clientTags) tags.set(key, event.clientTags[key] as string);
  }
  if ((variant & VARIANT_SERVER_TIME) !== 0 && event.at !== undefined)
    tags.set("time", new Date(event.at).toISOString());
  if ((variant & VARIANT_MESSAGE_TAGS) !== 0 && event.id !== undefined) tags.set("msgid", event.id);
  const sender = who ?? senderOf(event);
  if ((variant & VARIANT_ACCOUNT_TAG) !== 0 && sender?.account) tags.set("account", sender.account);
  return tags.size === 0 ? null : tags;
}

function senderOf(event: object): UserRef | undefined {
  if ("from" in event) return event.from as UserRef;
  if ("who" in event) return event.who as UserRef;
  return undefined;
}

/** RFC 1459 §2.3: a line is at most 512 bytes with its CR LF (tags apart). */
const MAX_IRC_LINE_BYTES = MAX_LINE_BODY_BYTES + 2;

/**
 * A message as the PRIVMSG (or NOTICE) lines an IRC client can take: text longer than one
 * line allows (a line user may send 4 KiB) goes out in several, split between characters,
 * at a space where one is near, each a whole action when it is one.
 */
export function messageLines(
  source: string,
  message: { readonly text: string; readonly isAction: boolean; readonly isNotice?: boolean },
  target: string,
): PreparedIrcMessage[] {
  const command = message.isNotice === true ? "NOTICE" : "PRIVMSG";
  const text = ircText(message.text);
  const line = (chunk: string): PreparedIrcMessage =>
    new PreparedIrcMessage({ source, command, params: [target, message.isAction ? actionText(chunk) : chunk] });
  if (fitsWhole(source, message, target, text)) return [line(text)];
  return splitIrcText(text, Math.max(64, textBytesPerLine(source, message, target))).map(line);
}

/**
 * Mode changes as MODE lines of at most MODES_PER_COMMAND arguments each, as an IRC client
 * may send them: a line user's /mode may set twenty bans at once, and their masks would not
 * fit one line.
 */
function modeLines(users: IrcUsers, event: Extract<SharedIrcEvent, { kind: "mode" }>): PreparedIrcMessage[] {
  const source = users.maskOf(event.who);
  const argOf = (change: ModeChange): string | undefined =>
    change.member === undefined ? change.arg : users.nickOf(change.member);
  const groups: ModeChange[][] = [[]];
  let withArgs = 0;
  for (const change of event.changes) {
    const hasArg = argOf(change) !== undefined;
    if (hasArg && withArgs === MODES_PER_COMMAND) {
      groups.push([]);
      withArgs = 0;
    }
    (groups[groups.length - 1] as ModeChange[]).push(change);
    if (hasArg) withArgs++;
  }
  return groups.map(
    (changes) =>
      new PreparedIrcMessage({ source, command: "MODE", params: [event.room, ...formatModeChanges(changes, argOf)] }),
  );
}

/** A line's bytes besides its source, target and text, at most: ":", " PRIVMSG ", " :", CR LF, a CTCP ACTION's 9. */
const LINE_OVERHEAD_BYTES = 1 + 9 + 2 + 2 + 9;

/** Nearly every message fits, and is known to without counting bytes: a UTF-16 unit is at most 3 bytes of UTF-8. */
function surelyFitsOneLine(source: string, text: string, target: string): boolean {
  return (source.length + target.length + text.length) * 3 + LINE_OVERHEAD_BYTES <= MAX_IRC_LINE_BYTES;
}

/** How many bytes of a message's text one PRIVMSG (or NOTICE) line from `source` to `target` carries, ":" counted. */
function textBytesPerLine(
  source: string,
  message: { readonly isAction: boolean; readonly isNotice?: boolean },
  target: string,
): number {
  const command = message.isNotice === true ? "NOTICE" : "PRIVMSG";
  const overhead = Buffer.byteLength(`:${source} ${command} ${target} :\r\n`) + (message.isAction ? 9 : 0);
  return MAX_IRC_LINE_BYTES - overhead;
}

/** Whether `text` (already ircText) goes out whole: one word is written without the ":" (formatBody), a byte fewer. */
function fitsWhole(
  source: string,
  message: { readonly isAction: boolean; readonly isNotice?: boolean },
  target: string,
  text: string,
): boolean {
  if (surelyFitsOneLine(source, text, target)) return true;
  const withoutColon = !message.isAction && isMiddleParam(text) ? 1 : 0;
  return Buffer.byteLength(text) <= textBytesPerLine(source, message, target) + withoutColon;
}

/** Whether the message goes out to IRC clients as one line, `source` and `target` written in. */
export function fitsOneIrcLine(
  source: string,
  message: { readonly text: string; readonly isAction: boolean; readonly isNotice?: boolean },
  target: string,
): boolean {
  return fitsWhole(source, message, target, ircText(message.text));
}

/** The lines with the same tags, but for msgid: each line is its own message, "ID", "ID-2", ... */
export function formatLines(lines: readonly PreparedIrcMessage[], tags: Map<string, string> | null): Buffer {
  if (lines.length === 1) return (lines[0] as PreparedIrcMessage).format(tags);
  const msgid = tags?.get("msgid");
  return Buffer.concat(
    lines.map((line, index) => {
      if (index === 0 || tags === null || msgid === undefined) return line.format(tags);
      return line.format(new Map([...tags, ["msgid", `${msgid}-${index + 1}`]]));
    }),
  );
}

/** `text` in pieces of at most `maxBytes` of UTF-8, never inside a character, at a space when one is in the last third. */
export function splitIrcText(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (Buffer.byteLength(rest) > maxBytes) {
    const end = utf8Prefix(rest, maxBytes).length;
    const space = rest.lastIndexOf(" ", end - 1);
    const cut = space > (end * 2) / 3 ? space + 1 : end;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== "") pieces.push(rest);
  return pieces;
}
