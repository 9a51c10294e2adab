import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { defaultServerConfig, LOG_LEVELS, type ServerConfig } from "./config.js";

/**
 * A command-line argument Parley refuses. Its message is one line naming the option and
 * what it accepts; `helpCommand` is the command whose `--help` says more.
 */
export class UsageError extends Error {
  readonly helpCommand: string;

  constructor(message: string, helpCommand = "parley") {
    super(message);
    this.helpCommand = helpCommand;
  }
}

/**
 * One command-line option of `parley server`: its name, argument, help and default are
 * written here once, and drive the parser, `--help` and the README's table (a test checks).
 */
export interface ServerOption {
  /** "--max-line". */
  readonly name: string;
  /** "BYTES"; null for a switch. */
  readonly argument: string | null;
  readonly help: string;
  /** The default as `--help` and the README show it. */
  readonly shownDefault: string;
  /** Parses the option's argument (true for a switch) into `config`; throws a UsageError naming what it accepts. */
  apply(config: ServerConfig, value: string | true): void;
}

/** Longest --max-line: a line the framer holds whole, and a relayed copy that fits any sane send queue. */
export const MAX_LINE_LIMIT = 64 * 1024;
const MIN_LINE_LIMIT = 64;
const MIN_SEND_QUEUE = 4096;

const SERVER_COMMAND = "parley server";

function refuse(message: string): never {
  throw new UsageError(message, SERVER_COMMAND);
}

/** Digits only, as a safe integer within [min, max]; `what` says what the value is for. */
function wholeNumber(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    refuse(`${what} must be a whole number ${range}, not "${text}"`);
  }
  return value;
}

/** `text` itself, unless it is empty: an empty address or directory is a slip, never a choice. */
export function nonEmpty(text: string, what: string): string {
  if (text.trim() === "") refuse(`${what} must not be empty`);
  return text;
}

/** A TCP port, from 0 (a free one) to 65535; `what` names the option or argument. */
export function parsePort(text: string, what: string, helpCommand: string): number {
  const port = portNumberOf(text);
  if (port === null) throw new UsageError(`${what} must be a port number from 0 to 65535, not "${text}"`, helpCommand);
  return port;
}

function portNumberOf(text: string): number | null {
  const port = Number(text);
  return /^\d+$/.test(text) && port <= 65535 ? port : null;
}

/** A front end's port, or null for `off`: that front end does not listen. */
export function parsePortOrOff(value: unknown, what: string): number | null {
  const text = String(value);
  if (text === "off") return null;
  const port = portNumberOf(text);
  if (port === null) {
    throw new UsageError(`${what} must be a port number from 0 to 65535, or off, not "${text}"`, SERVER_COMMAND);
  }
  return port;
}

/** `NAME SECRET` a line; blank lines and lines starting with "#" are skipped. */
function readOperators(file: string): { name: string; secret: string }[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    refuse(`--opers: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const operators: { name: string; secret: string }[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const [name, secret, extra] = trimmed.split(/\s+/);
    if (secret === undefined || extra !== undefined) {
      refuse(`--opers: line ${index + 1} of ${file} must be NAME PASSWORD-HASH`);
    }
    operators.push({ name: name as string, secret });
  }
  return operators;
}

/** "`a`, `b` or `c`". */
function wordList(words: readonly string[]): string {
  const quoted = words.map((word) => `\`${word}\``);
  return `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/**
 * "https://a.example, http://b.example:8080" as origins (scheme, host and port: RFC 6454
 * §6.1); a default port (`https://x:443`) is the origin without it, as browsers send it.
 */
function parseOrigins(text: string): string[] {
  return text.split(",").map((item) => {
    const trimmed = item.trim();
    let url: URL | null = null;
    try {
      url = new URL(trimmed);
    } catch {
      url = null;
    }
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
      refuse(
        `--allowed-origins must be origins such as https://chat.example.org (http or https), comma-separated, not "${trimmed}"`,
      );
    }
    if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      refuse(
        `--allowed-origins takes origins, a scheme, host and port only (an Origin header has no path, query or user), not "${trimmed}"`,
      );
    }
    return url.origin;
  });
}

/** Comma-separated IP addresses, each as the socket shows its peer. */
function parseProxies(text: string): string[] {
  return text.split(",").map((item) => {
    const trimmed = item.trim();
    if (isIP(trimmed) === 0) refuse(`--trust-proxy must be IP addresses, comma-separated, not "${trimmed}"`);
    return trimmed;
  });
}

function applyRate(config: ServerConfig, text: string): void {
  if (text === "off") {
    config.commandsPerSecond = Number.POSITIVE_INFINITY;
    config.commandBurst = Number.POSITIVE_INFINITY;
    return;
  }
  const match = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(text);
  const perSecond = Number(match?.[1]);
  const burst = match?.[2] === undefined ? Math.max(1, Math.ceil(perSecond * 2)) : Number(match[2]);
  if (match === null || !(perSecond > 0) || !Number.isSafeInteger(burst) || burst < 1) {
    refuse(`--rate must be N (lines a second, more than 0), N:BURST (BURST at least 1) or off, not "${text}"`);
  }
  config.commandsPerSecond = perSecond;
  config.commandBurst = burst;
}

export const SERVER_OPTIONS: readonly ServerOption[] = [
  {
    name: "--host",
    argument: "HOST",
    help: "address to listen on",
    shownDefault: "every address",
    apply: (config, value) => {
      config.host = nonEmpty(String(value), "--host");
    },
  },
  {
    name: "--port",
    argument: "PORT",
    help: "line-protocol port (netcat, the terminal client); `0` takes a free port (the start line and the log say which); `off`: no line protocol",
    shownDefault: String(defaultServerConfig.port),
    apply: (config, value) => {
      config.port = parsePortOrOff(value, "--port");
    },
  },
  {
    name: "--irc-port",
    argument: "PORT",
    help: "IRC port (irssi, WeeChat, HexChat); `0` takes a free port (the log says which); `off`: no IRC",
    shownDefault: String(defaultServerConfig.ircPort),
    apply: (config, value) => {
      config.ircPort = parsePortOrOff(value, "--irc-port");
    },
  },
  {
    name: "--http-port",
    argument: "PORT",
    help: "web port: the chat page, its WebSocket (`/ws`) and IRC over WebSocket (`/irc`); `0` takes a free port (the log says which); `off`: none",
    shownDefault: String(defaultServerConfig.httpPort),
    apply: (config, value) => {
      config.httpPort = parsePortOrOff(value, "--http-port");
    },
  },
  {
    name: "--allowed-origins",
    argument: "LIST",
    help: "comma-separated origins (`https://chat.example.org`) of other sites whose pages may open WebSockets here; the page's own origin always may",
    shownDefault: "same origin only",
    apply: (config, value) => {
      config.allowedOrigins = parseOrigins(nonEmpty(String(value), "--allowed-origins"));
    },
  },
  {
    name: "--web-connections-per-address",
    argument: "N",
    help: "simultaneous WebSockets (chat tabs, IRC clients) one address may hold, an IPv6 /64 counting as one; more get 503",
    shownDefault: String(defaultServerConfig.maxWebConnectionsPerAddress),
    apply: (config, value) => {
      config.maxWebConnectionsPerAddress = wholeNumber(String(value), "--web-connections-per-address", 1);
    },
  },
  {
    name: "--trust-proxy",
    argument: "LIST",
    help: "comma-separated addresses of reverse proxies before the web port: from them, the client's address is the right-most `X-Forwarded-For` entry that is no proxy (for caps, throttles, cloaks and logs), its scheme `X-Forwarded-Proto`",
    shownDefault: "none",
    apply: (config, value) => {
      config.trustedProxies = parseProxies(nonEmpty(String(value), "--trust-proxy"));
    },
  },
  {
    name: "--server-name",
    argument: "NAME",
    help: "this server's name, as IRC clients see it (the source of its replies, WHOIS)",
    shownDefault: defaultServerConfig.ircServerName,
    apply: (config, value) => {
      const name = nonEmpty(String(value), "--server-name");
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(name)) {
        refuse(`--server-name must be a host-like name (letters, digits, dots and dashes), not "${name}"`);
      }
      config.ircServerName = name;
    },
  },
  {
    name: "--opers",
    argument: "FILE",
    help: "server operators, a line each: `NAME PASSWORD-HASH` (an scrypt hash as accounts keep; a plain password works too)",
    shownDefault: "none",
    apply: (config, value) => {
      config.operators = readOperators(nonEmpty(String(value), "--opers"));
    },
  },
  {
    name: "--max-line",
    argument: "BYTES",
    help: `longest accepted line, ${MIN_LINE_LIMIT} to ${MAX_LINE_LIMIT}; a longer one gets an error and is not relayed`,
    shownDefault: String(defaultServerConfig.maxLineBytes),
    apply: (config, value) => {
      config.maxLineBytes = wholeNumber(String(value), "--max-line", MIN_LINE_LIMIT, MAX_LINE_LIMIT);
      config.maxUnterminatedBytes = Math.max(defaultServerConfig.maxUnterminatedBytes, config.maxLineBytes * 4);
    },
  },
  {
    name: "--sendq",
    argument: "BYTES",
    help: `per-connection send queue, at least ${MIN_SEND_QUEUE} and twice \`--max-line\`; a reader that falls further behind is disconnected`,
    shownDefault: String(defaultServerConfig.sendQueueBytes),
    apply: (config, value) => {
      config.sendQueueBytes = wholeNumber(String(value), "--sendq", MIN_SEND_QUEUE);
    },
  },
  {
    name: "--data-dir",
    argument: "DIR",
    help: "where history and accounts are kept (one SQLite file, `parley.db`, created and migrated at start)",
    shownDefault: defaultServerConfig.dataDir,
    apply: (config, value) => {
      config.dataDir = nonEmpty(String(value), "--data-dir");
    },
  },
  {
    name: "--history",
    argument: "on/off",
    help: "`off` keeps no history (and so no accounts, replay or search)",
    shownDefault: defaultServerConfig.history ? "on" : "off",
    apply: (config, value) => {
      if (value !== "on" && value !== "off") refuse(`--history must be on or off, not "${value}"`);
      config.history = value === "on";
    },
  },
  {
    name: "--check-db",
    argument: null,
    help: "read every page of the database at start to check it (done anyway after an unclean shutdown)",
    shownDefault: "off",
    apply: (config) => {
      config.checkDatabase = true;
    },
  },
  {
    name: "--retention-days",
    argument: "N",
    help: "delete history older than N days, in the background; `0` keeps it forever",
    shownDefault: String(defaultServerConfig.retentionDays),
    apply: (config, value) => {
      config.retentionDays = wholeNumber(String(value), "--retention-days", 0);
    },
  },
  {
    name: "--retention-per-room",
    argument: "N",
    help: "keep the newest N messages and topic changes of each room, and at most its newest N arrivals and departures; `0` keeps all",
    shownDefault: String(defaultServerConfig.retentionPerRoom),
    apply: (config, value) => {
      config.retentionPerRoom = wholeNumber(String(value), "--retention-per-room", 0);
    },
  },
  {
    name: "--lobby-replay",
    argument: "N",
    help: `show the last N messages of \`${defaultServerConfig.defaultRoom}\` on connect, at most ${defaultServerConfig.maxHistoryRequest} (as many as \`/history\` gives; \`0\` keeps the original transcript)`,
    shownDefault: String(defaultServerConfig.lobbyReplay),
    apply: (config, value) => {
      config.lobbyReplay = wholeNumber(String(value), "--lobby-replay", 0, config.maxHistoryRequest);
    },
  },
  {
    name: "--join-replay",
    argument: "N",
    help: `show the last N messages of a room on joining it, at most ${defaultServerConfig.maxHistoryRequest} (IRC clients without draft/chathistory too); \`0\`: none`,
    shownDefault: String(defaultServerConfig.joinReplay),
    apply: (config, value) => {
      config.joinReplay = wholeNumber(String(value), "--join-replay", 0, config.maxHistoryRequest);
    },
  },
  {
    name: "--hide-addresses",
    argument: null,
    help: "show guest names (`guest-7f3a…`) to others instead of `IP:PORT`, in history too; the log pairs each address with its name",
    shownDefault: "addresses shown",
    apply: (config) => {
      config.hideAddresses = true;
    },
  },
  {
    name: "--keepalive",
    argument: "SECONDS",
    help: "probe a connection silent this long (TCP keepalive): a vanished peer leaves 10 s later, 2 minutes by default; `off` or `0`: never",
    shownDefault: String(defaultServerConfig.keepaliveSeconds),
    apply: (config, value) => {
      // Linux takes at most 32,767 s before the first probe (MAX_TCP_KEEPIDLE).
      if (value === "off") config.keepaliveSeconds = 0;
      else if (/^\d+$/.test(String(value)) && Number(value) <= 32767) config.keepaliveSeconds = Number(value);
      else
        refuse(`--keepalive must be a whole number of seconds from 0 to 32767, or off (0 is off too), not "${value}"`);
    },
  },
  {
    name: "--rate",
    argument: "N[:BURST]",
    help: "lines a user may send per second after a burst, or `off` (`/search` counts 10, `/history` 5); floods slowed, then cut",
    shownDefault: `${defaultServerConfig.commandsPerSecond}:${defaultServerConfig.commandBurst}`,
    apply: (config, value) => applyRate(config, String(value)),
  },
  {
    name: "--quiet",
    argument: null,
    help: "do not print the chat transcript on stdout",
    shownDefault: "transcript on",
    apply: (config) => {
      config.transcript = false;
    },
  },
  {
    name: "--log-level",
    argument: "LEVEL",
    help: `${wordList(LOG_LEVELS)}; \`debug\` adds each command received and each fan-out`,
    shownDefault: defaultServerConfig.logLevel,
    apply: (config, value) => {
      const level = LOG_LEVELS.find((known) => known === value);
      if (level === undefined) refuse(`--log-level must be one of ${LOG_LEVELS.join(", ")}, not "${value}"`);
      config.logLevel = level;
    },
  },
];

/**
 * What no single option can check. A line relayed to a reader whose send queue it overfills
 * disconnects that reader: with `--sendq` below twice `--max-line`, one long line would
 * disconnect everyone who receives it.
 */
export function refuseConflicts(config: ServerConfig): void {
  if (config.port === null && config.ircPort === null && config.httpPort === null) {
    refuse("--port, --irc-port and --http-port are all off: the server would serve no one");
  }
  if (config.sendQueueBytes < 2 * config.maxLineBytes) {
    refuse(
      `--sendq must be at least twice --max-line (${2 * config.maxLineBytes} for a --max-line of ${config.maxLineBytes}), not ${config.sendQueueBytes}`,
    );
  }
}
