import type { Command } from "../../../core/commands.js";
import { idFloorForTime } from "../../../core/message-id.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";

/**
 * A message reference of IRCv3 chathistory ("Message references"): a msgid, or a time.
 * Both are bounds that exclude what they name: `above` is the `after` of a range starting
 * past it, `below` the `before` of one ending before it, `at` where AROUND centres.
 */
interface MessageReference {
  readonly above: string;
  readonly below: string;
  readonly at: string;
}

const SUBCOMMANDS = new Set(["LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS"]);

/**
 * IRCv3 draft/chathistory: `CHATHISTORY <subcommand> <target> <reference...> <limit>`, served
 * from the core's history. Replies come as a `chathistory` batch (see irc-history.ts).
 */
export function chathistory(session: IrcSession, message: IrcMessage): void {
  const [word = "", ...params] = message.params;
  const subcommand = word.toUpperCase();
  const request = session.request;
  if (request !== null) request.detail = subcommand;
  if (!SUBCOMMANDS.has(subcommand)) {
    session.fail("CHATHISTORY", "INVALID_PARAMS", [word], "Unknown subcommand");
    return;
  }
  const command = subcommand === "TARGETS" ? targetsCommand(params) : historyCommand(session, subcommand, params);
  if (typeof command === "string") {
    session.fail("CHATHISTORY", "INVALID_PARAMS", [subcommand], command);
    return;
  }
  if (command.kind === "history") {
    if (request !== null) request.target = params[0] as string;
    // "*" as a target is the CHATHISTORY TARGETS listing, never everything at once.
    if (command.where === "*" || command.where === "") {
      session.fail("CHATHISTORY", "INVALID_TARGET", [subcommand, command.where], "No such target");
      return;
    }
  }
  session.run(command);
}

/** The command for LATEST, BEFORE, AFTER, AROUND and BETWEEN; a string says what is wrong. */
function historyCommand(session: IrcSession, subcommand: string, params: string[]): Command | string {
  const isBetween = subcommand === "BETWEEN";
  if (params.length < (isBetween ? 4 : 3)) return "Not enough parameters";
  const where = params[0] as string;
  const limit = limitOf(session, params[isBetween ? 3 : 2] as string);
  if (limit === null) return "The limit must be a whole number";
  // Without event-playback only messages are shown, so the limit counts those alone.
  const kinds = session.caps.isEnabled("draft/event-playback") ? "everything" : "said";
  const base = { kind: "history", where, limit, before: "", after: "", kinds } as const;
  if (subcommand === "LATEST") {
    if (params[1] === "*") return base;
    const from = referenceOf(params[1] as string);
    return from === null ? "Invalid message reference" : { ...base, after: from.above };
  }
  const reference = referenceOf(params[1] as string);
  if (reference === null) return "Invalid message reference";
  switch (subcommand) {
    case "BEFORE":
      return { ...base, before: reference.below };
    case "AFTER":
      return { ...base, after: reference.above, reading: "forward" };
    case "AROUND":
      return { ...base, around: reference.at };
    default: {
      const other = referenceOf(params[2] as string);
      if (other === null) return "Invalid message reference";
      // BETWEEN reads from its first reference towards its second, whichever is older.
      const isForward = reference.at <= other.at;
      const [low, high] = isForward ? [reference, other] : [other, reference];
      return { ...base, after: low.above, before: high.below, reading: isForward ? "forward" : "backward" };
    }
  }
}

/** `TARGETS <timestamp> <timestamp> <limit>`: the conversations with something said between them. */
function targetsCommand(params: string[]): Command | string {
  if (params.length < 3) return "Not enough parameters";
  const [first, second, limitText] = params as [string, string, string];
  if (!first.startsWith("timestamp=") || !second.startsWith("timestamp=")) return "TARGETS takes timestamps";
  const a = referenceOf(first);
  const b = referenceOf(second);
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : null;
  if (a === null || b === null || limit === null) return "Invalid parameters";
  const [low, high] = a.at <= b.at ? [a, b] : [b, a];
  return { kind: "conversations", after: low.above, before: high.below, limit: limit === 0 ? 1_000 : limit };
}

/** The limit asked for, at most what the server gives (0 asks for that much); null when it is no number. */
function limitOf(session: IrcSession, text: string): number | null {
  if (!/^\d{1,9}$/.test(text)) return null;
  const max = session.frontEnd.options.maxHistoryRequest;
  const limit = Number(text);
  return limit === 0 ? max : Math.min(limit, max);
}

/** `msgid=ID` or `timestamp=YYYY-MM-DDThh:mm:ss.sssZ`; null when neither. */
export function referenceOf(text: string): MessageReference | null {
  const equals = text.indexOf("=");
  if (equals === -1) return null;
  const kind = text.slice(0, equals);
  const value = text.slice(equals + 1);
  if (kind === "msgid") {
    if (!/^[0-9a-z]{1,64}$/.test(value)) return null;
    return { above: value, below: value, at: value };
  }
  if (kind === "timestamp") {
    const ms = Date.parse(value);
    if (!Number.isFinite(ms) || !value.includes("T")) return null;
    // Ids of one millisecond all start with its floor: past `ms` is from the next one on.
    const floor = idFloorForTime(ms);
    return { above: idFloorForTime(ms + 1), below: floor, at: floor };
  }
  return null;
}
