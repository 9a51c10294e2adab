import { isUtf8 } from "node:buffer";
import { notation } from "../../text/terminal-text.js";

/**
 * One IRC message (RFC 1459 §2.3.1, RFC 2812 §2.3.1, IRCv3 message-tags). This is the only
 * parser and the only serializer of IRC lines: every line Parley reads from or writes to an
 * IRC client passes through `parseIrcLine` or `formatIrcMessage`.
 */
export interface IrcMessage {
  /** Tag values unescaped; a tag sent without a value has "". Null when the line had no "@" section. */
  tags: ReadonlyMap<string, string> | null;
  /** The ":source" prefix without its colon. A client's is read but sessions ignore it. */
  source: string | null;
  /** Uppercased: letters, or three digits for a numeric. */
  command: string;
  params: string[];
}

/**
 * Why a line is not a message. The session decides the answer:
 * - `empty`: nothing but spaces; ignored.
 * - `input-too-long`: over a limit below; 417 ERR_INPUTTOOLONG.
 * - `nul`: a NUL byte; never relayed (RFC 2812 §2.3.1 excludes it from every part of a message).
 * - `line-break`: a CR or LF inside the line (the framer split on LF; a lone CR would end the
 *   line for many clients, so relaying one forges a second line).
 * - `invalid-utf8`: `FAIL <command> INVALID_UTF8`; `command` is null when it cannot be read.
 * - `no-command`: tags or a source but no command; ignored.
 * - `bad-command`: a command that is neither letters nor three digits; 421 ERR_UNKNOWNCOMMAND.
 */
export type IrcLineError =
  | { kind: "empty" }
  | { kind: "input-too-long" }
  | { kind: "nul" }
  | { kind: "line-break" }
  | { kind: "invalid-utf8"; command: string | null }
  | { kind: "no-command" }
  | { kind: "bad-command"; command: string; tags: ReadonlyMap<string, string> | null };

/** IRCv3 message-tags: the tag section, from "@" through the space after it, is at most 8191 bytes. */
export const MAX_TAG_SECTION_BYTES = 8191;
/** RFC 1459 §2.3: 512 bytes with the CR LF, so 510 without; tags are counted apart (IRCv3 message-tags). */
export const MAX_LINE_BODY_BYTES = 510;
/** RFC 2812 §2.3.1: at most 15 parameters; the 15th takes the rest of the line, spaces included. */
export const MAX_PARAMS = 15;

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const AT = 0x40;
const COLON = 0x3a;

export function isIrcLineError(value: IrcMessage | IrcLineError): value is IrcLineError {
  return "kind" in value;
}

/**
 * A parameter kept long after its line (a nick, a real name), as a string of its own: a
 * parameter is a slice of its line, and a slice keeps the whole line, tags and all, alive.
 */
export function keptParam(param: string): string {
  return Buffer.from(param, "utf8").toString("utf8");
}
/**
 * Parses one line without its terminator. Limits come first, so a line over them costs no
 * more than finding its first space; then bytes that must never pass (NUL, CR, LF); then
 * UTF-8; then the grammar. Parsing is lenient where RFC 1459 clients differ (several spaces
 * between parameters, a trailing space, several stray CRs before the LF).
 */
export function parseIrcLine(line: Buffer): IrcMessage | IrcLineError {
  let end = line.length;
  while (end > 0 && line[end - 1] === CR) end--;
  const bytes = end === line.length ? line : line.subarray(0, end);

  if (isTooLong(bytes)) return { kind: "input-too-long" };
  if (bytes.indexOf(NUL) !== -1) return { kind: "nul" };
  if (bytes.indexOf(CR) !== -1 || bytes.indexOf(LF) !== -1) return { kind: "line-break" };
  if (isOnlySpaces(bytes)) return { kind: "empty" };
  if (!isUtf8(bytes)) {
    // The grammar's delimiters are ASCII, so a Latin-1 reading finds the same command.
    const unreadable = parseIrcText(bytes.toString("latin1"));
    const command = isIrcLineError(unreadable) ? null : unreadable.command;
    return { kind: "invalid-utf8", command };
  }
  return parseIrcText(bytes.toString("utf8"));
}

function isTooLong(bytes: Buffer): boolean {
  if (bytes.length === 0 || bytes[0] !== AT) return bytes.length > MAX_LINE_BODY_BYTES;
  const space = bytes.indexOf(SPACE);
  const tagSectionBytes = space === -1 ? bytes.length : space + 1;
  return tagSectionBytes > MAX_TAG_SECTION_BYTES || bytes.length - tagSectionBytes > MAX_LINE_BODY_BYTES;
}

function isOnlySpaces(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== SPACE) return false;
  return true;
}

function skipSpaces(text: string, from: number): number {
  let at = from;
  while (at < text.length && text.charCodeAt(at) === SPACE) at++;
  return at;
}

function parseIrcText(text: string): IrcMessage | IrcLineError {
  let at = 0;
  let tags: Map<string, string> | null = null;
  if (text.charCodeAt(0) === AT) {
    const space = text.indexOf(" ");
    if (space === -1) return { kind: "no-command" };
    tags = parseTags(text.slice(1, space));
    at = space;
  }
  at = skipSpaces(text, at);

  let source: string | null = null;
  if (text.charCodeAt(at) === COLON) {
    const space = text.indexOf(" ", at);
    if (space === -1) return { kind: "no-command" };
    source = space > at + 1 ? text.slice(at + 1, space) : null;
    at = skipSpaces(text, space);
  }
  if (at >= text.length) return { kind: "no-command" };

  const commandEnd = endOfWord(text, at);
  const command = text.slice(at, commandEnd);
  // Its tags are kept: a labeled request is answered under its label even when refused.
  if (!isCommandWord(command)) return { kind: "bad-command", command, tags };

  return { tags, source, command: command.toUpperCase(), params: parseParams(text, commandEnd) };
}

function endOfWord(text: string, from: number): number {
  const space = text.indexOf(" ", from);
  return space === -1 ? text.length : space;
}

function parseParams(text: string, from: number): string[] {
  const params: string[] = [];
  let at = skipSpaces(text, from);
  while (at < text.length) {
    const isTrailing = text.charCodeAt(at) === COLON;
    if (isTrailing || params.length === MAX_PARAMS - 1) {
      // RFC 2812 §2.3.1: "14 ( SPACE middle ) [ SPACE [ ":" ] trailing ]": the 15th parameter
      // is the rest of the line, so a client sending more loses none of its text.
      params.push(text.slice(isTrailing ? at + 1 : at));
      break;
    }
    const wordEnd = endOfWord(text, at);
    params.push(text.slice(at, wordEnd));
    at = skipSpaces(text, wordEnd);
  }
  return params;
}

/** Letters (any case) or exactly three digits (RFC 2812 §2.3.1 `command`). */
function isCommandWord(word: string): boolean {
  if (word.length === 0) return false;
  if (word.length === 3 && isDigit(word.charCodeAt(0)) && isDigit(word.charCodeAt(1)) && isDigit(word.charCodeAt(2))) {
    return true;
  }
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i) | 0x20;
    if (code < 0x61 || code > 0x7a) return false;
  }
  return true;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** IRCv3 message-tags: ";"-separated; empty items are skipped; a repeated key keeps its last value. */
function parseTags(section: string): Map<string, string> {
  const tags = new Map<string, string>();
  let at = 0;
  while (at <= section.length) {
    let itemEnd = section.indexOf(";", at);
    if (itemEnd === -1) itemEnd = section.length;
    const equals = section.indexOf("=", at);
    const hasValue = equals !== -1 && equals < itemEnd;
    const key = section.slice(at, hasValue ? equals : itemEnd);
    if (key.length > 0) tags.set(key, hasValue ? unescapeTagValue(section.slice(equals + 1, itemEnd)) : "");
    at = itemEnd + 1;
  }
  return tags;
}

/** IRCv3 message-tags, "Escaping values": an unknown escape drops its "\", a lone final "\" is dropped. */
export function unescapeTagValue(escaped: string): string {
  if (escaped.indexOf("\\") === -1) return escaped;
  let out = "";
  let runStart = 0;
  for (let i = 0; i < escaped.length; i++) {
    if (escaped.charCodeAt(i) !== 0x5c) continue;
    out += escaped.slice(runStart, i);
    i++;
    if (i < escaped.length) out += unescapedCharacter(escaped[i] as string);
    runStart = i + 1;
  }
  return runStart < escaped.length ? out + escaped.slice(runStart) : out;
}

function unescapedCharacter(escaped: string): string {
  switch (escaped) {
    case ":":
      return ";";
    case "s":
      return " ";
    case "r":
      return "\r";
    case "n":
      return "\n";
    default:
      return escaped;
  }
}

/**
 * Thrown when text would end the line it is written on. CR, LF and NUL can never be
 * written, escaped or not: this is what keeps one user's text from becoming another
 * line, with a forged source, for the client that reads it (the injection Ergo fixed in
 * ergochat/ergo#610). Whoever builds a message from user input removes them first.
 */
export class UnsafeIrcText extends Error {
  constructor(readonly field: string) {
    super(`IRC ${field} contains CR, LF or NUL`);
    this.name = "UnsafeIrcText";
  }
}

/** Returns whether `text` may be written into an IRC line: it has no CR, LF or NUL. */
export function isSafeIrcText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= CR && (code === CR || code === LF || code === NUL)) return false;
  }
  return true;
}

/**
 * Control characters IRC clients draw rather than pass to the terminal, and so pass as
 * sent: CTCP's \x01 (ACTION, VERSION), the formatting codes (bold \x02, colour \x03, hex
 * colour \x04, reset \x0f, monospace \x11, reverse \x16, italic \x1d, strikethrough \x1e,
 * underline \x1f; the modern document's "Formatting") and TAB. A bit per C0 code.
 */
const DRAWN_BY_IRC_CLIENTS =
  (1 << 0x01) |
  (1 << 0x02) |
  (1 << 0x03) |
  (1 << 0x04) |
  (1 << 0x09) |
  (1 << 0x0f) |
  (1 << 0x11) |
  (1 << 0x16) |
  (1 << 0x1d) |
  (1 << 0x1e) |
  (1 << 0x1f);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const NOT_DRAWN = /[\u0000\u0005-\u0008\u000a-\u000e\u0010\u0012-\u0015\u0017-\u001c\u007f-\u009f]/g;

function isIrcDrawable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 ? (DRAWN_BY_IRC_CLIENTS & (1 << code)) === 0 : code >= 0x7f && code <= 0x9f) return false;
  }
  return true;
}

/**
 * Text others wrote (a message, a topic, a reason, a real name), made writable into one IRC
 * line and safe for the terminal an IRC client may run in. Each CR, LF or NUL becomes a
 * space: other front ends may let a lone CR through, and on IRC it would end the line for
 * many clients; a space keeps the words apart, as the sender saw them. ESC, DEL, the C1
 * controls and the other C0 controls but those IRC clients draw could move, repaint or
 * retitle the screen of a client that writes text to its terminal as it comes (CWE-150):
 * they are shown in caret notation ("^[", "^[[" for CSI), as the line protocol shows them.
 * IRC servers relay them untouched (Ergo; InspIRCd strips only formatting, and only where a
 * channel asks with +S); Parley also relays text from users of other front ends, who never
 * saw IRC's conventions, so it draws them here, once per event, whoever wrote them.
 */
export function ircText(text: string): string {
  return isIrcDrawable(text) ? text : text.replace(NOT_DRAWN, shownOnIrc);
}

function shownOnIrc(character: string): string {
  const code = character.charCodeAt(0);
  return code === 0x0d || code === 0x0a || code === 0x00 ? " " : notation(character);
}

function assertSafe(text: string, field: string): void {
  if (!isSafeIrcText(text)) throw new UnsafeIrcText(field);
}

/**
 * Renders one message as its line with the final CR LF. It throws `UnsafeIrcText` for CR,
 * LF or NUL in any tag value, source or parameter, and a plain Error for a message the
 * grammar cannot carry (a middle parameter that is empty, has a space or starts with ":";
 * more than 15 parameters; a bad command, source or tag key): both are bugs in the caller.
 *
 * It builds one string and encodes it once, so a message rendered once per event and
 * written to every recipient costs one pass over its text.
 */
export function formatIrcMessage(message: IrcMessage): Buffer {
  return Buffer.from(formatIrcLine(message), "utf8");
}

/** As `formatIrcMessage`, as a string with the final CR LF. */
export function formatIrcLine(message: IrcMessage): string {
  return formatTagSection(message.tags) + formatBody(message);
}

/**
 * A message without its tags, checked and written once. One event goes to recipients that
 * differ only in the tags their capabilities ask for (server-time, msgid, account), so the
 * session prepares the rest once and adds each variant's tags in front: the text of the
 * message is scanned once per event, not once per variant.
 */
export class PreparedIrcMessage {
  /** The line after its tag section, with the final CR LF. */
  readonly body: string;

  constructor(message: Omit<IrcMessage, "tags">) {
    this.body = formatBody(message);
  }

  format(tags: ReadonlyMap<string, string> | null): Buffer {
    return Buffer.from(formatTagSection(tags) + this.body, "utf8");
  }
}

function formatTagSection(tags: ReadonlyMap<string, string> | null): string {
  return tags !== null && tags.size > 0 ? `@${formatTags(tags)} ` : "";
}

function formatBody({ source, command, params }: Omit<IrcMessage, "tags">): string {
  let line = "";
  if (source !== null) {
    assertSafe(source, "source");
    if (source.length === 0 || source.indexOf(" ") !== -1) throw new Error(`IRC source cannot be written: ${source}`);
    line = `:${source} `;
  }
  if (!isCommandWord(command)) throw new Error(`IRC command cannot be written: ${command}`);
  line += command;
  if (params.length > MAX_PARAMS) throw new Error(`IRC message has ${params.length} parameters; at most 15`);
  const last = params.length - 1;
  for (let i = 0; i < last; i++) {
    const param = params[i] as string;
    assertSafe(param, "parameter");
    if (!isMiddleParam(param)) throw new Error(`IRC middle parameter cannot be written: "${param}"`);
    line += ` ${param}`;
  }
  if (last >= 0) {
    const param = params[last] as string;
    assertSafe(param, "parameter");
    const written = isMiddleParam(param) ? ` ${param}` : ` :${param}`;
    // A UTF-16 unit is at most 3 bytes: nearly every line is known to fit without counting.
    if ((line.length + written.length) * 3 > MAX_LINE_BODY_BYTES) {
      const head = Buffer.byteLength(line);
      // Cut after " :", when the parameters before the last leave room for it.
      if (head + Buffer.byteLength(written) > MAX_LINE_BODY_BYTES && head + 2 < MAX_LINE_BODY_BYTES) {
        return `${line} :${utf8Prefix(param, MAX_LINE_BODY_BYTES - head - 2)}\r\n`;
      }
    }
    line += written;
  }
  return `${line}\r\n`;
}

/** Characters as a reader sees them (a flag, a letter and its accents, a family emoji). */
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * The longest start of `text` that is at most `maxBytes` of UTF-8, ended between characters
 * as a reader sees them: never inside a flag, between a letter and its accent, or after a
 * joiner.
 *
 * Text from elsewhere can make a line longer than IRC clients take (RFC 1459 §2.3: 512
 * bytes with CR LF, tags apart): a line user's 4 KiB PART reason, a topic of 390 characters
 * of 4 bytes each, an IRC client's 500-byte QUIT behind "Quit: ". So every line's last
 * parameter is cut to fit as it is written, as Ergo cuts the lines it sends; messages are
 * split into several lines before that (`messageLines`), and lose nothing.
 */
export function utf8Prefix(text: string, maxBytes: number): string {
  let end = 0;
  let bytes = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    const size = Buffer.byteLength(segment);
    if (bytes + size > maxBytes) {
      // One character longer than the line (a letter under hundreds of marks) is cut between code points.
      return end === 0 ? codePointPrefix(text, maxBytes) : text.slice(0, end);
    }
    bytes += size;
    end += segment.length;
  }
  return text;
}

function codePointPrefix(text: string, maxBytes: number): string {
  let end = 0;
  let bytes = 0;
  for (const codePoint of text) {
    const size = Buffer.byteLength(codePoint);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += codePoint.length;
  }
  return text.slice(0, end);
}

/** RFC 2812 §2.3.1 `middle`: not empty, no space, not starting with ":". */
export function isMiddleParam(param: string): boolean {
  return param.length > 0 && param.charCodeAt(0) !== COLON && param.indexOf(" ") === -1;
}

function formatTags(tags: ReadonlyMap<string, string>): string {
  let section = "";
  for (const [key, value] of tags) {
    if (!isTagKey(key)) throw new Error(`IRC tag key cannot be written: ${key}`);
    assertSafe(value, "tag value");
    if (section.length > 0) section += ";";
    // IRCv3 message-tags: an empty value is written as a bare key.
    section += value.length === 0 ? key : `${key}=${escapeTagValue(value)}`;
  }
  return section;
}

/** IRCv3 message-tags: a key is not empty and has no "=", ";", space, CR, LF or NUL. */
function isTagKey(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 0x3d || code === 0x3b || code === SPACE || code === CR || code === LF || code === NUL) return false;
  }
  return true;
}

/** IRCv3 message-tags, "Escaping values". CR and LF never get here: they are refused as unsafe. */
export function escapeTagValue(value: string): string {
  let out = "";
  let runStart = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    let escaped: string;
    if (code === 0x3b) escaped = "\\:";
    else if (code === SPACE) escaped = "\\s";
    else if (code === 0x5c) escaped = "\\\\";
    else continue;
    out += value.slice(runStart, i) + escaped;
    runStart = i + 1;
  }
  return runStart === 0 ? value : out + value.slice(runStart);
}

/**
 * IRCv3 batch: the lines that open and close batch `id` of `type` (with its parameters),
 * from `source`; the opening line may carry tags (a labeled response's label).
 */
export function batchEnds(
  source: string,
  id: string,
  type: string,
  params: readonly string[] = [],
  tags: ReadonlyMap<string, string> | null = null,
): { open: Buffer; close: Buffer } {
  return {
    open: formatIrcMessage({ tags, source, command: "BATCH", params: [`+${id}`, type, ...params] }),
    close: batchClose(source, id),
  };
}

/** The line that closes batch `id`. */
export function batchClose(source: string, id: string): Buffer {
  return formatIrcMessage({ tags: null, source, command: "BATCH", params: [`-${id}`] });
}
