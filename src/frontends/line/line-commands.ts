import { COMMAND_COSTS, type Command, type CommandKind } from "../../core/commands.js";
import { type ChatError, chatError } from "../../core/errors.js";
import { idFloorForTime } from "../../core/message-id.js";
import { parseModeChanges } from "../mode-string.js";
import type { LineError, ShownError } from "./line-errors.js";

/** How the line protocol spells each command, and how its arguments become a core command. */
interface LineCommand {
  readonly usage: string;
  readonly summary: string;
  /** The core command it becomes, for what it costs of the pacing budget; null for /help. */
  readonly kind: CommandKind | null;
  /** Needs history (and so accounts): left out of /help on a server that keeps none. */
  readonly needsHistory?: true;
  /** Null for /help, which the front end answers itself. */
  parse(args: string, currentRoom: string | null): Command | ShownError | null;
}

export const DEFAULT_HISTORY_LIMIT = 50;

const LINE_COMMANDS: Readonly<Record<string, LineCommand>> = {
  help: { kind: null, usage: "/help", summary: "list the commands", parse: () => null },
  nick: {
    kind: "nick",
    usage: "/nick NAME",
    summary: "choose the name others see",
    // The whole argument: "ali ce" is refused as a name, not quietly cut to "ali".
    parse: (args) => (args === "" ? usage("nick") : { kind: "nick", name: args.trim() }),
  },
  join: {
    kind: "join",
    usage: "/join #room [KEY]",
    summary: "join a room (created if new) and make it your current room",
    parse: (args) => {
      const [room, key] = splitFirst(args);
      // "/join #a #b" asks for two rooms, not for one with a key.
      if (room === "" || /\s/.test(key) || key.startsWith("#")) return usage("join");
      return { kind: "join", room, replay: -1, key };
    },
  },
  part: {
    kind: "part",
    usage: "/part [#room] [reason]",
    summary: "leave a room (your current one by default)",
    parse: (args, current) => {
      const [room, reason] = roomAndRest(args, current);
      return room === null ? notInRoom() : { kind: "part", room, reason };
    },
  },
  rooms: {
    kind: "rooms",
    usage: "/rooms",
    summary: "list rooms with their topics and members",
    parse: () => ({ kind: "rooms" }),
  },
  who: {
    kind: "who",
    usage: "/who [#room]",
    summary: "list who is in a room",
    parse: (args, current) => {
      const [room, rest] = roomAndRest(args, current);
      if (rest !== "") return usage("who");
      return room === null ? notInRoom() : { kind: "who", room };
    },
  },
  topic: {
    kind: "topic",
    usage: "/topic [#room] [TEXT|-delete]",
    summary: "show a room's topic, set it, or clear it",
    parse: (args, current) => {
      const [room, text] = roomAndRest(args, current);
      if (room === null) return notInRoom();
      // "-delete" clears, as in irssi and WeeChat.
      return { kind: "topic", room, topic: text === "" ? null : text === "-delete" ? "" : text };
    },
  },
  mode: {
    kind: "mode",
    usage: "/mode [#room] [CHANGES]",
    summary:
      "show a room's modes, list its bans (b) or exceptions (e, I), or change them (operators): +i -m +k KEY +l N +b MASK +e MASK +I MASK",
    parse: (args, current) => {
      const [room, rest] = roomAndRest(args, current);
      if (room === null) return notInRoom();
      if (rest === "") return { kind: "mode", room, changes: null };
      const [letters, ...modeArgs] = rest.split(/\s+/);
      const { changes, unused } = parseModeChanges(letters, modeArgs);
      return changes.length === 0 || unused > 0 ? usage("mode") : { kind: "mode", room, changes };
    },
  },
  op: standingCommand("op", "o", true, "make someone an operator of your current room"),
  deop: standingCommand("deop", "o", false, "take operator from someone"),
  voice: standingCommand("voice", "v", true, "let someone speak while the room is moderated"),
  devoice: standingCommand("devoice", "v", false, "take someone's voice"),
  kick: {
    kind: "kick",
    usage: "/kick NAME [REASON]",
    summary: "put someone out of your current room (operators)",
    parse: (args, current) => {
      const [name, reason] = splitFirst(args);
      if (name === "") return usage("kick");
      return current === null ? notInRoom() : { kind: "kick", room: current, name, reason };
    },
  },
  invite: {
    kind: "invite",
    usage: "/invite NAME [#room]",
    summary: "invite someone to a room (your current one by default)",
    parse: (args, current) => {
      const [name, rest] = splitFirst(args);
      const [room, extra] = splitFirst(rest);
      if (name === "" || extra !== "" || (room !== "" && !room.startsWith("#"))) return usage("invite");
      const where = room === "" ? current : room;
      return where === null ? notInRoom() : { kind: "invite", name, room: where };
    },
  },
  msg: {
    kind: "direct",
    usage: "/msg NAME TEXT",
    summary: "send a direct message",
    parse: (args) => {
      const [to, text] = splitFirst(args);
      return to === "" || text === "" ? usage("msg") : { kind: "direct", to, text, isAction: false };
    },
  },
  me: {
    kind: "say",
    usage: "/me ACTION",
    summary: "act in your current room (* name waves)",
    parse: (args, current) => {
      if (args === "") return usage("me");
      return current === null ? notInRoom() : { kind: "say", room: current, text: args, isAction: true };
    },
  },
  whois: {
    kind: "whois",
    usage: "/whois NAME",
    summary: "who someone is: their rooms, how long they have been here, whether they are away",
    parse: (args) => (args === "" ? usage("whois") : { kind: "whois", names: [args.trim()] }),
  },
  away: {
    kind: "away",
    usage: "/away [MESSAGE]",
    summary: "tell those who message you that you are away; without a message, that you are back",
    parse: (args) => ({ kind: "away", message: args === "" ? null : args }),
  },
  oper: {
    kind: "oper",
    usage: "/oper NAME PASSWORD",
    summary: "become a server operator",
    parse: (args) => {
      const [name, password] = splitFirst(args);
      return name === "" || password === "" ? usage("oper") : { kind: "oper", name, password };
    },
  },
  kill: {
    kind: "kill",
    usage: "/kill NAME [REASON]",
    summary: "(server operators) disconnect someone",
    parse: (args) => {
      const [name, reason] = splitFirst(args);
      return name === "" ? usage("kill") : { kind: "kill", name, reason };
    },
  },
  wallops: {
    kind: "wallops",
    usage: "/wallops TEXT",
    summary: "(server operators) message every server operator",
    parse: (args) => (args === "" ? usage("wallops") : { kind: "wallops", text: args }),
  },
  quit: {
    kind: "quit",
    usage: "/quit [REASON]",
    summary: "leave the chat",
    parse: (args) => ({ kind: "quit", reason: args }),
  },
  register: {
    kind: "register",
    needsHistory: true,
    usage: "/register PASSWORD",
    summary: "register your current name to you",
    parse: (args) => (args === "" ? usage("register") : { kind: "register", password: args }),
  },
  login: {
    kind: "login",
    needsHistory: true,
    usage: "/login NAME PASSWORD",
    summary: "log in: take your name, rejoin your rooms and see what you missed",
    parse: (args) => {
      const [name, password] = splitFirst(args);
      return name === "" || password === "" ? usage("login") : { kind: "login", name, password };
    },
  },
  logout: {
    kind: "logout",
    needsHistory: true,
    usage: "/logout",
    summary: "log out",
    parse: () => ({ kind: "logout" }),
  },
  history: {
    kind: "history",
    needsHistory: true,
    usage: "/history [WHERE] [N] [before|after ID|TIME]",
    summary: "the last N messages of a #room, with a NAME, or of all you can read (*), a page at a time",
    parse: (args, current) => {
      const words = args.split(/\s+/).filter((word) => word !== "");
      // Before a count, any word names where: a person may be called "before", "Infinity" or "42",
      // and the next-page requests the server prints always name where. Otherwise a first word
      // that reads as a number is the count ("-1" and "1.5" are bad counts, not names), as is
      // "before" or "after" with something after it; anything else names a room, a person
      // ("127.0.0.1:5555" is a guest) or "*".
      const isWhere =
        words.length > 0 && (/^\d+$/.test(words[1] ?? "") || (!readsAsNumber(words[0]) && !startsRange(words)));
      const where = isWhere ? words.shift() : current;
      const limit =
        words.length === 0 || startsRange(words) ? DEFAULT_HISTORY_LIMIT : historyCount(words.shift() ?? "");
      if (!Number.isInteger(limit) || limit < 1) return usage("history");
      const range = { before: "", after: "" };
      while (words.length > 0) {
        const side = words.shift()?.toLowerCase();
        const bound = takeBound(words);
        if ((side !== "before" && side !== "after") || bound === null || range[side] !== "") return usage("history");
        range[side] = bound;
      }
      if (where === undefined || where === null) return notInRoom();
      return { kind: "history", where, limit, ...range };
    },
  },
  search: {
    kind: "search",
    needsHistory: true,
    usage: "/search [before ID|TIME] TEXT",
    summary: "search the history of your rooms and your direct messages, newest first",
    parse: (args) => {
      const words = args.split(/\s+/).filter((word) => word !== "");
      if (words[0]?.toLowerCase() === "before") {
        const rest = words.slice(1);
        const before = takeBound(rest);
        if (before !== null && rest.length > 0) return { kind: "search", query: rest.join(" "), before };
      }
      return { kind: "search", query: args, before: "" };
    },
  },
};

/** /op, /deop, /voice, /devoice: one mode change on the current room. */
function standingCommand(name: string, mode: "o" | "v", on: boolean, summary: string): LineCommand {
  return {
    kind: "mode",
    usage: `/${name} NAME`,
    summary,
    parse: (args, current) => {
      const [target, rest] = splitFirst(args);
      if (target === "" || rest !== "") return usage(name);
      return current === null ? notInRoom() : { kind: "mode", room: current, changes: [{ mode, on, arg: target }] };
    },
  };
}

/** "12", "-1", "1.5", "1e3", "0x10": a count, good or bad; "Infinity" and "127.0.0.1:5555" are names. */
function readsAsNumber(word: string): boolean {
  return /^[-+.]?\d/.test(word) && !Number.isNaN(Number(word));
}

type CommandHelp = readonly { usage: string; summary: string }[];

function helpOf(commands: LineCommand[]): CommandHelp {
  return commands.map(({ usage, summary }) => ({ usage, summary }));
}

const HELP_WITH_HISTORY = helpOf(Object.values(LINE_COMMANDS));
const HELP_WITHOUT_HISTORY = helpOf(Object.values(LINE_COMMANDS).filter((command) => !command.needsHistory));

/** The commands as /help lists them: on a server without history, only those that work there. */
export function lineCommandHelp(hasHistory: boolean): CommandHelp {
  return hasHistory ? HELP_WITH_HISTORY : HELP_WITHOUT_HISTORY;
}

/**
 * Parses a line starting with "/". Returns the core command, an error value, or null
 * for /help. `currentRoom` is where commands without a room apply.
 */
export function parseLineCommand(line: string, currentRoom: string | null): Command | ShownError | null {
  const [word, args] = splitFirst(line.slice(1));
  const command = lineCommandNamed(word);
  if (command === undefined) return { code: "ERR_UNKNOWN_COMMAND", detail: { command: word } };
  return command.parse(args, currentRoom);
}

/** What a line starting with "/" costs of the pacing budget: its command's cost, else 1. */
export function linePacingCost(line: string): number {
  const kind = lineCommandNamed(splitFirst(line.slice(1))[0])?.kind;
  return (kind && COMMAND_COSTS[kind]) ?? 1;
}

function lineCommandNamed(word: string): LineCommand | undefined {
  const name = word.toLowerCase();
  return Object.hasOwn(LINE_COMMANDS, name) ? LINE_COMMANDS[name] : undefined;
}

function usage(name: string): LineError {
  return { code: "ERR_USAGE", detail: { usage: LINE_COMMANDS[name].usage } };
}

function notInRoom(): ChatError {
  return chatError("ERR_NOT_IN_ROOM", { room: "any room" });
}

/** "word rest of it" → ["word", "rest of it"]. */
function splitFirst(text: string): [string, string] {
  const trimmed = text.trimStart();
  const space = trimmed.search(/\s/);
  if (space === -1) return [trimmed, ""];
  return [trimmed.slice(0, space), trimmed.slice(space + 1).trim()];
}

/** An optional leading "#room" (else the current room), then the rest. */
function roomAndRest(args: string, currentRoom: string | null): [string | null, string] {
  const [first, rest] = splitFirst(args);
  if (first.startsWith("#")) return [first, rest];
  return [currentRoom, args.trim()];
}

/** Digits only: "1e3" and "0x10" are numbers to JavaScript, not counts to a person. NaN when not a count. */
function historyCount(word: string): number {
  return /^\d+$/.test(word) ? Number(word) : Number.NaN;
}

/** "before X" or "after X" with an X: the start of a range, not a name or a count. */
function startsRange(words: readonly string[]): boolean {
  const side = words[0]?.toLowerCase();
  return (side === "before" || side === "after") && words.length > 1;
}

/**
 * A message id as replies show it (see message-id.ts: 16 letters and digits, the first nine
 * a time; an account's place may be the nine alone), which bounds a range as it is. The
 * digit keeps a long word in a search a word.
 */
const MESSAGE_ID = /^(?=.*\d)[0-9a-z]{9,16}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_OF_DAY = /^\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z?$/;

/**
 * Takes a range's bound off the front of `words`: a message id, or a UTC time, ISO-8601
 * ("2026-12-06T15:04:05Z", "2026-12-06") or as history lines show it ("2026-12-06 15:04Z",
 * two words), which becomes the lowest id that time could have. Null when it is neither.
 */
function takeBound(words: string[]): string | null {
  const first = words[0] ?? "";
  if (MESSAGE_ID.test(first)) return words.shift() ?? null;
  let date = first;
  let time = "";
  const t = first.indexOf("T");
  if (t !== -1) {
    date = first.slice(0, t);
    time = first.slice(t + 1);
  } else if (words.length > 1 && TIME_OF_DAY.test(words[1])) {
    time = words[1];
  }
  if (!DATE.test(date) || (time !== "" && !TIME_OF_DAY.test(time))) return null;
  // Times are UTC, as history shows them, whether or not they say so.
  const ms = Date.parse(time === "" ? date : `${date}T${time.endsWith("Z") ? time : `${time}Z`}`);
  if (Number.isNaN(ms)) return null;
  words.splice(0, t === -1 && time !== "" ? 2 : 1);
  return idFloorForTime(ms);
}
