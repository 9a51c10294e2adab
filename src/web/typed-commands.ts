import type { Command } from "../core/commands.js";
import { lineCommandHelp, parseLineCommand } from "../frontends/line/line-commands.js";
import type { ClientFrame } from "./protocol.js";

/**
 * What the person typed, as the page acts on it. Slash commands are the line protocol's own
 * (its parser is pure, so the page shares it rather than keeping a second spelling).
 */
export type TypedLine =
  | { readonly kind: "send"; readonly frame: ClientFrame }
  | { readonly kind: "help"; readonly lines: readonly string[] }
  | { readonly kind: "problem"; readonly text: string }
  | { readonly kind: "nothing" };

/** Where plain text goes: a room ("#...") or a person; null when no conversation is open. */
export type Conversation = string | null;

export function readTypedLine(line: string, current: Conversation, hasHistory: boolean): TypedLine {
  if (line.trim() === "") return { kind: "nothing" };
  // "//text" says "/text" rather than running a command, as IRC clients do.
  const isCommand = line.startsWith("/") && !line.startsWith("//");
  if (!isCommand) {
    const text = line.startsWith("//") ? line.slice(1) : line;
    if (current === null) return { kind: "problem", text: "Join a room first: /join #room" };
    return { kind: "send", frame: sayingTo(current, text, false) };
  }
  const room = current?.startsWith("#") ? current : null;
  if (/^\/me(\s|$)/i.test(line) && current !== null && room === null) {
    // A /me in a direct conversation goes to that person; the line protocol has no such place.
    const text = line.slice(3).trim();
    return text === ""
      ? { kind: "problem", text: "Usage: /me ACTION" }
      : { kind: "send", frame: sayingTo(current, text, true) };
  }
  const parsed = parseLineCommand(line, room);
  if (parsed === null) {
    return { kind: "help", lines: lineCommandHelp(hasHistory).map(({ usage, summary }) => `${usage}: ${summary}`) };
  }
  if (!("kind" in parsed)) return { kind: "problem", text: describeProblem(parsed) };
  const frame = frameOf(parsed);
  return frame === null ? { kind: "problem", text: "That command is not available here." } : { kind: "send", frame };
}

function sayingTo(conversation: string, text: string, action: boolean): ClientFrame {
  return conversation.startsWith("#")
    ? { type: "say", room: conversation, text, action }
    : { type: "direct", to: conversation, text, action };
}

function describeProblem(error: { code: string; detail?: Readonly<Record<string, string | number>> }): string {
  switch (error.code) {
    case "ERR_USAGE":
      return `Usage: ${error.detail?.usage ?? ""}`;
    case "ERR_UNKNOWN_COMMAND":
      return `Unknown command /${error.detail?.command ?? ""}; /help lists them.`;
    case "ERR_NOT_IN_ROOM":
      return "Open a room first, or name one: /join #room";
    default:
      return error.code;
  }
}

/** The core's command as the JSON protocol spells it; empty optional fields are left out. */
export function frameOf(command: Command): ClientFrame | null {
  switch (command.kind) {
    case "say":
      return { type: "say", room: command.room, text: command.text, action: command.isAction };
    case "direct":
      return { type: "direct", to: command.to, text: command.text, action: command.isAction };
    case "nick":
      return { type: "nick", name: command.name };
    case "join":
      return {
        type: "join",
        room: command.room,
        ...(command.key === "" ? {} : { key: command.key }),
        ...(command.replay < 0 ? {} : { replay: command.replay }),
      };
    case "part":
      return { type: "part", room: command.room, ...(command.reason === "" ? {} : { reason: command.reason }) };
    case "rooms":
      return { type: "rooms" };
    case "who":
      return { type: "who", room: command.room };
    case "topic":
      return { type: "topic", room: command.room, ...(command.topic === null ? {} : { topic: command.topic }) };
    case "mode":
      return {
        type: "mode",
        room: command.room,
        ...(command.changes === null
          ? {}
          : {
              changes: command.changes.map(({ mode, on, arg }) =>
                arg === undefined ? { mode, on } : { mode, on, arg },
              ),
            }),
      };
    case "kick":
      return { type: "kick", room: command.room, name: command.name, ...optionalReason(command.reason) };
    case "invite":
      return { type: "invite", name: command.name, room: command.room };
    case "register":
      return { type: "register", password: command.password };
    case "login":
      return { type: "login", name: command.name, password: command.password };
    case "logout":
      return { type: "logout" };
    case "history":
      return {
        type: "history",
        where: command.where,
        limit: command.limit,
        ...(command.before === "" ? {} : { before: command.before }),
        ...(command.after === "" ? {} : { after: command.after }),
      };
    case "search":
      return { type: "search", query: command.query, ...(command.before === "" ? {} : { before: command.before }) };
    case "whois":
      return { type: "whois", names: [...command.names] };
    case "away":
      return { type: "away", message: command.message };
    case "quit":
      return { type: "quit", ...optionalReason(command.reason) };
    case "oper":
      return { type: "oper", name: command.name, password: command.password };
    case "kill":
      return { type: "kill", name: command.name, ...optionalReason(command.reason) };
    case "wallops":
      return { type: "wallops", text: command.text };
    case "signal":
    case "conversations":
    case "everyone":
    case "real-name":
      return null;
    default:
      return unreachable(command);
  }
}

function optionalReason(reason: string): { reason?: string } {
  return reason === "" ? {} : { reason };
}

function unreachable(value: never): never {
  throw new Error(`unexpected command ${JSON.stringify(value)}`);
}
