import { MAX_LINE_BODY_BYTES } from "./message.js";

/**
 * What Parley advertises in RPL_ISUPPORT (005). Each field is one token of the modern
 * document's "RPL_ISUPPORT Parameters" section; optional fields are left out when absent.
 */
export interface IsupportLimits {
  /** NETWORK: the network's name, shown by clients. */
  network: string;
  /** CASEMAPPING: how nicknames and channel names are folded. */
  caseMapping: "ascii" | "rfc1459" | "rfc1459-strict" | "rfc7613";
  /** CHANTYPES: the channel prefixes, e.g. "#". */
  channelTypes: string;
  /** CHANMODES: the channel modes by type A (lists), B (always a parameter), C (a parameter when set), D (none). */
  channelModes: { lists: string; alwaysParameter: string; parameterWhenSet: string; noParameter: string };
  /** EXCEPTS: the ban exception mode, absent when not offered. */
  exceptsMode?: string;
  /** INVEX: the invite exception mode, absent when not offered. */
  invexMode?: string;
  /** PREFIX: membership modes and their symbols, highest first, e.g. modes "ov", symbols "@+". */
  prefix: { modes: string; symbols: string };
  nickLength: number;
  channelLength: number;
  topicLength: number;
  kickLength: number;
  awayLength: number;
  /** CHANLIMIT: how many channels of these types one user may join; null for no limit. */
  channelLimit: { channelTypes: string; limit: number | null };
  /** MAXLIST: the most entries of these list modes a channel keeps, together per group; absent when not said. */
  maxList?: ReadonlyArray<{ modes: string; limit: number }>;
  /** TARGMAX: the most targets each command takes; null for no limit. */
  targetMax: ReadonlyArray<{ command: string; limit: number | null }>;
  /** MAXTARGETS: the older single limit on PRIVMSG/NOTICE targets. */
  maxTargets?: number;
  /** MODES: the most modes with a parameter in one MODE command. */
  modesPerCommand: number;
  /** UTF8ONLY: only UTF-8 is accepted or sent (IRCv3 utf8only). */
  isUtf8Only: boolean;
  /** STATUSMSG: the prefixes a message to a channel may carry to reach only its ops or voiced. */
  statusMessagePrefixes?: string;
  /** ELIST: the LIST search extensions, e.g. "CMNTU". */
  listExtensions?: string;
  /** WHOX: WHO with fields (IRCv3 WHOX). */
  hasWhox: boolean;
  /** MONITOR: the most nicknames one client may monitor; null for no limit; absent when not offered (IRCv3 monitor). */
  monitorLimit?: number | null;
  /** BOT: the user mode that marks a bot (IRCv3 bot-mode). */
  botMode?: string;
  /** LINELEN: the longest line without tags, with CR LF (modern document). */
  lineLength?: number;
  /** Tokens of other specs (e.g. CHATHISTORY=500), in order; true for a token without a value. */
  extraTokens?: ReadonlyArray<{ name: string; value: string | true }>;
}

/** The modern document, "RPL_ISUPPORT": 15 parameters at most, less the nickname and the trailing text. */
export const MAX_TOKENS_PER_LINE = 13;
const TRAILING_TEXT = "are supported by this server";

/** The tokens, each as it goes on the wire ("NICKLEN=30", "UTF8ONLY"), values escaped. */
export function isupportTokens(limits: IsupportLimits): string[] {
  const tokens: string[] = [];
  const add = (name: string, value: string | number | true): void => {
    tokens.push(formatIsupportToken(name, value));
  };
  add("NETWORK", limits.network);
  add("CASEMAPPING", limits.caseMapping);
  add("CHANTYPES", limits.channelTypes);
  const modes = limits.channelModes;
  add("CHANMODES", `${modes.lists},${modes.alwaysParameter},${modes.parameterWhenSet},${modes.noParameter}`);
  if (limits.exceptsMode !== undefined) add("EXCEPTS", limits.exceptsMode);
  if (limits.invexMode !== undefined) add("INVEX", limits.invexMode);
  add("PREFIX", limits.prefix.modes.length === 0 ? "" : `(${limits.prefix.modes})${limits.prefix.symbols}`);
  add("NICKLEN", limits.nickLength);
  add("CHANNELLEN", limits.channelLength);
  add("TOPICLEN", limits.topicLength);
  add("KICKLEN", limits.kickLength);
  add("AWAYLEN", limits.awayLength);
  add("CHANLIMIT", `${limits.channelLimit.channelTypes}:${limits.channelLimit.limit ?? ""}`);
  if (limits.maxList !== undefined)
    add("MAXLIST", limits.maxList.map(({ modes, limit }) => `${modes}:${limit}`).join(","));
  add("TARGMAX", limits.targetMax.map(({ command, limit }) => `${command}:${limit ?? ""}`).join(","));
  if (limits.maxTargets !== undefined) add("MAXTARGETS", limits.maxTargets);
  add("MODES", limits.modesPerCommand);
  if (limits.isUtf8Only) add("UTF8ONLY", true);
  if (limits.statusMessagePrefixes !== undefined) add("STATUSMSG", limits.statusMessagePrefixes);
  if (limits.listExtensions !== undefined) add("ELIST", limits.listExtensions);
  if (limits.hasWhox) add("WHOX", true);
  if (limits.monitorLimit !== undefined) add("MONITOR", limits.monitorLimit ?? true);
  if (limits.botMode !== undefined) add("BOT", limits.botMode);
  if (limits.lineLength !== undefined) add("LINELEN", limits.lineLength);
  for (const { name, value } of limits.extraTokens ?? []) add(name, value);
  return tokens;
}

/**
 * One token. The modern document ("RPL_ISUPPORT", values): a value is printable ASCII;
 * space, "\" and "=", and every byte outside printable ASCII (each byte of a UTF-8
 * character), are written "\xHH". An empty value is written as "NAME=".
 */
export function formatIsupportToken(name: string, value: string | number | true): string {
  if (!/^[A-Z0-9]{1,20}$/.test(name)) throw new Error(`ISUPPORT token name cannot be written: ${name}`);
  if (value === true) return name;
  return `${name}=${escapeIsupportValue(String(value))}`;
}

export function escapeIsupportValue(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const isPlain = byte > 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x3d;
    out += isPlain ? String.fromCharCode(byte) : `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Reverses `escapeIsupportValue` (what a client does); a malformed escape is kept as written. */
export function unescapeIsupportValue(escaped: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const hex = escaped.slice(i + 2, i + 4);
    if (escaped.startsWith("\\x", i) && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(...Buffer.from(escaped[i] as string, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * The 005 replies, as parameter lists: the nickname, at most 13 tokens, then the trailing
 * text. A line also stays within 510 bytes counting ":serverName 005 ", so long values
 * (CHANMODES, TARGMAX) move a token to the next line rather than overflow it.
 */
export function isupportReplies(to: { nick: string; serverName: string }, limits: IsupportLimits): string[][] {
  const fixedBytes = Buffer.byteLength(`:${to.serverName} 005 ${to.nick}`) + Buffer.byteLength(` :${TRAILING_TEXT}`);
  const replies: string[][] = [];
  let tokens: string[] = [];
  let lineBytes = fixedBytes;
  for (const token of isupportTokens(limits)) {
    const tokenBytes = 1 + token.length;
    if (tokens.length > 0 && (tokens.length === MAX_TOKENS_PER_LINE || lineBytes + tokenBytes > MAX_LINE_BODY_BYTES)) {
      replies.push([to.nick, ...tokens, TRAILING_TEXT]);
      tokens = [];
      lineBytes = fixedBytes;
    }
    tokens.push(token);
    lineBytes += tokenBytes;
  }
  if (tokens.length > 0) replies.push([to.nick, ...tokens, TRAILING_TEXT]);
  return replies;
}
