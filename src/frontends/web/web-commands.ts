import { COMMAND_COSTS, type Command } from "../../core/commands.js";
import type { ModeChange } from "../../core/events.js";

/**
 * The JSON protocol's requests (docs/protocol.md), decoded at the edge: one text frame is
 * one JSON object naming a command by `type`, with an optional request `id` and the
 * command's fields. Every field is checked here, types and bounds, and anything the
 * table below does not name is refused, so the core gets a well-formed `Command` or
 * nothing at all.
 */

/** How big the parts of a request may be; the core checks what names and rooms may hold. */
export interface WebCommandLimits {
  /** Longest message text, reason, topic or away message, in UTF-8 bytes. */
  readonly maxTextBytes: number;
  /** Most history entries one request may ask for. */
  readonly maxHistoryRequest: number;
}

/** A request the server can carry out, with the id its replies will carry. */
export interface DecodedRequest {
  readonly kind: "request";
  readonly command: Command;
  readonly id: number | undefined;
}

/** A frame refused at the edge: the client is told why, and its connection lives on. */
export interface RefusedFrame {
  readonly kind: "refused";
  readonly code: "invalid-json" | "invalid-frame";
  readonly message: string;
  /** The frame's `id`, when it had a valid one: the error and a "done" carry it. */
  readonly id: number | undefined;
}

export type DecodedFrame = DecodedRequest | RefusedFrame;

/** Request ids: positive 31-bit integers, which every client language holds exactly. */
export const MAX_REQUEST_ID = 2 ** 31;
/** Long enough for any name or room the core accepts (32 and 64 characters), short enough to bound work. */
const MAX_NAME_CHARS = 128;
const MAX_PASSWORD_BYTES = 1024;
const MAX_QUERY_CHARS = 400;
/** Message ids are 16 characters; a little room for ids of a future format. */
const MAX_ID_CHARS = 64;
const MAX_WHOIS_NAMES = 16;
const MAX_MODE_CHANGES = 16;

/** With the "u" flag a pair is one code point: only a surrogate without its partner matches. */
const LONE_SURROGATE = /\p{Surrogate}/u;

class InvalidFrame extends Error {}

/**
 * The fields of one request, read once each with their type and bound checked; `finish`
 * then refuses any field no reader asked for.
 */
class RequestFields {
  readonly #object: Record<string, unknown>;
  readonly #limits: WebCommandLimits;
  readonly #read = new Set<string>(["type", "id"]);

  constructor(object: Record<string, unknown>, limits: WebCommandLimits) {
    this.#object = object;
    this.#limits = limits;
  }

  #take(field: string): unknown {
    this.#read.add(field);
    return Object.hasOwn(this.#object, field) ? this.#object[field] : undefined;
  }

  string(field: string, maxChars: number): string {
    const value = this.optionalString(field, maxChars);
    if (value === undefined) throw new InvalidFrame(`"${field}" is missing`);
    return value;
  }

  optionalString(field: string, maxChars: number): string | undefined {
    const value = this.#take(field);
    if (value === undefined) return undefined;
    return checkedString(field, value, maxChars);
  }

  /** Message text and the like: bounded in UTF-8 bytes, as every front end bounds a line. */
  text(field: string): string {
    const value = this.optionalText(field);
    if (value === undefined) throw new InvalidFrame(`"${field}" is missing`);
    return value;
  }

  optionalText(field: string): string | undefined {
    const value = this.#take(field);
    return value === undefined ? undefined : this.#checkedText(field, value);
  }

  #checkedText(field: string, value: unknown): string {
    const text = checkedString(field, value, this.#limits.maxTextBytes);
    if (Buffer.byteLength(text) > this.#limits.maxTextBytes) {
      throw new InvalidFrame(`"${field}" is longer than ${this.#limits.maxTextBytes} bytes`);
    }
    return text;
  }

  name(field: string): string {
    return this.string(field, MAX_NAME_CHARS);
  }

  password(field: string): string {
    const value = this.string(field, MAX_PASSWORD_BYTES);
    if (Buffer.byteLength(value) > MAX_PASSWORD_BYTES) {
      throw new InvalidFrame(`"${field}" is longer than ${MAX_PASSWORD_BYTES} bytes`);
    }
    return value;
  }

  /** A message id to page from; "" (no bound) when absent. */
  messageId(field: string): string {
    return this.optionalString(field, MAX_ID_CHARS) ?? "";
  }

  optionalBoolean(field: string): boolean | undefined {
    const value = this.#take(field);
    if (value === undefined || typeof value === "boolean") return value;
    throw new InvalidFrame(`"${field}" must be true or false`);
  }

  optionalInteger(field: string, min: number, max: number): number | undefined {
    const value = this.#take(field);
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidFrame(`"${field}" must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  /** A text, or null to clear it (an away message). */
  textOrNull(field: string): string | null {
    const value = this.#take(field);
    if (value === undefined) throw new InvalidFrame(`"${field}" is missing (null for none)`);
    return value === null ? null : this.#checkedText(field, value);
  }

  names(field: string): string[] {
    const value = this.#take(field);
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_WHOIS_NAMES) {
      throw new InvalidFrame(`"${field}" must be a list of 1 to ${MAX_WHOIS_NAMES} names`);
    }
    return value.map((name, index) => checkedString(`${field}[${index}]`, name, MAX_NAME_CHARS));
  }

  /** Absent: show the room's modes (null); otherwise each change as the core takes it. */
  modeChanges(field: string): ModeChange[] | null {
    const value = this.#take(field);
    if (value === undefined) return null;
    if (!Array.isArray(value) || value.length > MAX_MODE_CHANGES) {
      throw new InvalidFrame(`"${field}" must be a list of at most ${MAX_MODE_CHANGES} changes`);
    }
    return value.map((change, index) => this.#modeChange(`${field}[${index}]`, change));
  }

  #modeChange(where: string, change: unknown): ModeChange {
    if (!isPlainObject(change)) throw new InvalidFrame(`${where} must be an object {mode, on, arg?}`);
    for (const key of Object.keys(change)) {
      if (key !== "mode" && key !== "on" && key !== "arg")
        throw new InvalidFrame(`${where} has an unknown field "${key}"`);
    }
    const mode = checkedString(`${where}.mode`, change.mode, MAX_NAME_CHARS);
    if (mode.length !== 1) throw new InvalidFrame(`${where}.mode must be one letter`);
    if (typeof change.on !== "boolean") throw new InvalidFrame(`${where}.on must be true or false`);
    if (change.arg === undefined) return { mode, on: change.on };
    return { mode, on: change.on, arg: checkedString(`${where}.arg`, change.arg, MAX_NAME_CHARS) };
  }

  /** Refuses the first field nobody read: a misspelt field is a mistake to hear of, not to ignore. */
  finish(): void {
    for (const key of Object.keys(this.#object)) {
      if (!this.#read.has(key)) throw new InvalidFrame(`unknown field "${key}"`);
    }
  }

  get limits(): WebCommandLimits {
    return this.#limits;
  }
}

function checkedString(field: string, value: unknown, maxChars: number): string {
  if (typeof value !== "string") throw new InvalidFrame(`"${field}" must be a string`);
  if (value.length > maxChars) throw new InvalidFrame(`"${field}" is longer than ${maxChars} characters`);
  // A lone surrogate ("\ud800" in JSON) is no text: it cannot be sent on as UTF-8.
  if (LONE_SURROGATE.test(value)) throw new InvalidFrame(`"${field}" is not well-formed Unicode`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One reader per command: the table that says which fields each takes, and how they map to the core's. */
const COMMAND_READERS: Readonly<Record<string, (fields: RequestFields) => Command>> = {
  say: (f) => ({
    kind: "say",
    room: f.name("room"),
    text: f.text("text"),
    isAction: f.optionalBoolean("action") ?? false,
  }),
  direct: (f) => ({
    kind: "direct",
    to: f.name("to"),
    text: f.text("text"),
    isAction: f.optionalBoolean("action") ?? false,
  }),
  nick: (f) => ({ kind: "nick", name: f.name("name") }),
  join: (f) => ({
    kind: "join",
    room: f.name("room"),
    key: f.optionalString("key", MAX_NAME_CHARS) ?? "",
    // Absent: the server's default, which the core reads as a negative count.
    replay: f.optionalInteger("replay", 0, f.limits.maxHistoryRequest) ?? -1,
  }),
  part: (f) => ({ kind: "part", room: f.name("room"), reason: f.optionalText("reason") ?? "" }),
  rooms: () => ({ kind: "rooms" }),
  who: (f) => ({ kind: "who", room: f.name("room") }),
  topic: (f) => ({ kind: "topic", room: f.name("room"), topic: f.optionalText("topic") ?? null }),
  mode: (f) => ({ kind: "mode", room: f.name("room"), changes: f.modeChanges("changes") }),
  kick: (f) => ({ kind: "kick", room: f.name("room"), name: f.name("name"), reason: f.optionalText("reason") ?? "" }),
  invite: (f) => ({ kind: "invite", name: f.name("name"), room: f.name("room") }),
  register: (f) => ({ kind: "register", password: f.password("password") }),
  login: (f) => ({ kind: "login", name: f.name("name"), password: f.password("password") }),
  logout: () => ({ kind: "logout" }),
  history: (f) => ({
    kind: "history",
    where: f.name("where"),
    limit: f.optionalInteger("limit", 1, f.limits.maxHistoryRequest) ?? DEFAULT_HISTORY_LIMIT,
    before: f.messageId("before"),
    after: f.messageId("after"),
  }),
  search: (f) => ({ kind: "search", query: f.string("query", MAX_QUERY_CHARS), before: f.messageId("before") }),
  whois: (f) => ({ kind: "whois", names: f.names("names") }),
  away: (f) => ({ kind: "away", message: f.textOrNull("message") }),
  quit: (f) => ({ kind: "quit", reason: f.optionalText("reason") ?? "" }),
  oper: (f) => ({ kind: "oper", name: f.name("name"), password: f.password("password") }),
  kill: (f) => ({ kind: "kill", name: f.name("name"), reason: f.optionalText("reason") ?? "" }),
  wallops: (f) => ({ kind: "wallops", text: f.text("text") }),
};

/** Entries a history request shows when it names no limit, as on the other front ends. */
export const DEFAULT_HISTORY_LIMIT = 50;

/** The request types the protocol knows, for documentation and tests. */
export const WEB_COMMAND_TYPES: readonly string[] = Object.keys(COMMAND_READERS);

/** Decodes one text frame's payload. Never throws: anything wrong comes back as a refusal to tell the client. */
export function decodeWebFrame(payload: string, limits: WebCommandLimits): DecodedFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return { kind: "refused", code: "invalid-json", message: "the frame is not JSON", id: undefined };
  }
  if (!isPlainObject(parsed)) {
    return { kind: "refused", code: "invalid-frame", message: "a request is a JSON object", id: undefined };
  }
  const id = requestIdOf(parsed.id);
  const refuse = (message: string): RefusedFrame => ({ kind: "refused", code: "invalid-frame", message, id });
  if (parsed.id !== undefined && id === undefined) {
    return refuse(`"id" must be a whole number from 1 to ${MAX_REQUEST_ID}`);
  }
  const type = parsed.type;
  if (typeof type !== "string") return refuse('"type" is missing: it names the command');
  const read = Object.hasOwn(COMMAND_READERS, type) ? COMMAND_READERS[type] : undefined;
  if (read === undefined) return refuse(`unknown type "${type.slice(0, 32)}"`);
  const fields = new RequestFields(parsed, limits);
  try {
    const command = read(fields);
    fields.finish();
    return { kind: "request", command, id };
  } catch (error) {
    if (error instanceof InvalidFrame) return refuse(`${type}: ${error.message}`);
    throw error;
  }
}

function requestIdOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_REQUEST_ID
    ? value
    : undefined;
}

/** What a request costs of the user's pacing budget: what the core says its command costs. */
export function costOfRequest(decoded: DecodedFrame): number {
  return decoded.kind === "request" ? (COMMAND_COSTS[decoded.command.kind] ?? 1) : 1;
}
