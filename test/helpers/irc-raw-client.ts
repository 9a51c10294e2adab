import { LineClient, type LineClientOptions } from "./line-client.js";
import { DEFAULT_WAIT_MS, type LineMatch, toLinePredicate } from "./wait-until.js";

/** What `register()` sends besides NICK: all optional. */
export interface IrcRegistration {
  /** USER's first parameter; the nick by default. */
  readonly user?: string;
  /** USER's last parameter. */
  readonly realname?: string;
  /** Sent as PASS before NICK and USER (RFC 2812 §3.1.1). */
  readonly password?: string;
  /** Capabilities to request; when given, registration is held by CAP LS 302 until CAP END. */
  readonly caps?: readonly string[];
}

export interface IrcRawClientOptions extends LineClientOptions {
  /** Answer each PING with a PONG (the default), as every real client does. */
  readonly answerPings?: boolean;
}

/** Replies that end a registration attempt: bad or taken nick (RFC 2812 §5.2), bad password, a ban. */
const REGISTRATION_REFUSALS = new Set(["432", "433", "436", "437", "464", "465", "ERROR"]);

/**
 * A received line's command and parameters, tags (IRCv3 message-tags) and source (RFC 2812
 * §2.3.1) skipped: enough for a test to check a reply without trusting the parser under test.
 */
export function parseReceived(line: string): { command: string; params: string[] } {
  let rest = line;
  const skipWord = (): void => {
    const space = rest.indexOf(" ");
    rest = space === -1 ? "" : rest.slice(space + 1).replace(/^ +/, "");
  };
  if (rest.startsWith("@")) skipWord();
  if (rest.startsWith(":")) skipWord();
  const params: string[] = [];
  while (rest !== "") {
    if (rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(" ");
    params.push(space === -1 ? rest : rest.slice(0, space));
    rest = space === -1 ? "" : rest.slice(space + 1).replace(/^ +/, "");
  }
  const command = (params.shift() ?? "").toUpperCase();
  return { command, params };
}

/** The command of a received line: "PRIVMSG", "001", ... */
export function commandOf(line: string): string {
  return parseReceived(line).command;
}

/** A line predicate for `waitFor`: the line's command is `command` ("JOIN", "433", ...). */
export function isCommand(command: string): (line: string) => boolean {
  const wanted = command.toUpperCase();
  return (line) => commandOf(line) === wanted;
}

/**
 * A raw IRC peer for tests over a real socket: it sends exactly the lines it is given, with
 * CRLF, and collects every line received (without CR/LF) so a test can wait for the one it
 * expects. At connect it sends nothing by itself. `register()` sends, in this order:
 * `CAP LS 302` (only when caps are asked for), `PASS` (only with a password), `NICK`, `USER`,
 * then `CAP REQ` and `CAP END` once the server has listed its caps, and waits for 001.
 * Each PING is answered, at any time, with a PONG carrying its token (RFC 2812 §3.7.2, §3.7.3).
 *
 *   const alice = await IrcRawClient.connect(port, "alice");
 *   alice.send("JOIN #lobby");
 *   await alice.waitFor(/ JOIN :?#lobby$/);
 */
export class IrcRawClient {
  readonly #connection: LineClient;
  /** Lines before this index have been looked at for PINGs. */
  #pingsCheckedUpTo = 0;
  /** Caps the server acknowledged during `register()`. */
  enabledCaps: readonly string[] = [];

  private constructor(connection: LineClient, answerPings: boolean) {
    this.#connection = connection;
    if (answerPings) connection.socket.on("data", () => this.#answerPings());
  }

  static async open(port: number, host = "127.0.0.1", options: IrcRawClientOptions = {}): Promise<IrcRawClient> {
    const { answerPings = true, ...lineOptions } = options;
    return new IrcRawClient(await LineClient.open(port, host, lineOptions), answerPings);
  }

  /** Opens a client and registers it as `nick`. */
  static async connect(
    port: number,
    nick: string,
    registration: IrcRegistration = {},
    host = "127.0.0.1",
  ): Promise<IrcRawClient> {
    const client = await IrcRawClient.open(port, host);
    try {
      await client.register(nick, registration);
    } catch (error) {
      client.socket.destroy();
      throw error;
    }
    return client;
  }

  get socket(): LineClient["socket"] {
    return this.#connection.socket;
  }

  /** Every complete line received, in order, without CR/LF. */
  get lines(): string[] {
    return this.#connection.lines.map(withoutCR);
  }

  /** How many lines have arrived: pass it as `from` to wait only for what comes next. */
  get lineCount(): number {
    return this.#connection.lines.length;
  }

  get isClosed(): boolean {
    return this.#connection.isClosed;
  }

  get closed(): Promise<void> {
    return this.#connection.closed;
  }

  /** Sends one line; CRLF is added. A CR or LF inside would make two lines, so it throws: use `sendRaw`. */
  send(line: string): void {
    if (/[\r\n]/.test(line)) throw new Error(`send() takes one line, got ${JSON.stringify(line)}; use sendRaw()`);
    this.#connection.send(`${line}\r\n`);
  }

  /** Sends bytes exactly as given: split lines, bare LF, invalid UTF-8, floods. */
  sendRaw(bytes: string | Buffer): void {
    this.#connection.send(bytes);
  }

  /** Waits until a line at index `from` or later (CR/LF removed) matches; returns it. */
  async waitFor(match: LineMatch, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<string> {
    const isMatch = toLinePredicate(match);
    const isMatchWithoutCR = (line: string): boolean => isMatch(withoutCR(line));
    // What a failed wait says it waited for.
    isMatchWithoutCR.toString = () => (typeof match === "string" ? JSON.stringify(match) : String(match));
    return withoutCR(await this.#connection.waitFor(isMatchWithoutCR, timeoutMs, from));
  }

  /** Waits for a line whose command is `command` ("PRIVMSG", "353", ...), at index `from` or later. */
  waitForCommand(command: string, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<string> {
    return this.waitFor(isCommand(command), timeoutMs, from);
  }

  /**
   * Registers as `nick` (see the class comment for what is sent) and resolves with the 001
   * line; rejects at once on a refusal (432, 433, 436, 437, 464, 465, ERROR) or a CAP NAK.
   */
  async register(nick: string, registration: IrcRegistration = {}, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const from = this.lineCount;
    const caps = registration.caps ?? [];
    if (caps.length > 0) this.send("CAP LS 302");
    if (registration.password !== undefined) this.send(`PASS ${registration.password}`);
    this.send(`NICK ${nick}`);
    this.send(`USER ${registration.user ?? nick} 0 * :${registration.realname ?? nick}`);
    if (caps.length > 0) {
      // CAP LS 302 may span lines; all but the last carry "*" before the list (IRCv3 capability negotiation).
      await this.waitFor((line) => refuseRegistration(line) || isCapReply(line, "LS", true), timeoutMs, from);
      const requestedFrom = this.lineCount;
      this.send(`CAP REQ :${caps.join(" ")}`);
      const answer = await this.waitFor(
        (line) => refuseRegistration(line) || isCapReply(line, "ACK") || isCapReply(line, "NAK"),
        timeoutMs,
        requestedFrom,
      );
      if (isCapReply(answer, "NAK")) throw new Error(`the server refused the caps: ${answer}`);
      this.enabledCaps = caps;
      this.send("CAP END");
    }
    return this.waitFor((line) => refuseRegistration(line) || commandOf(line) === "001", timeoutMs, from);
  }

  /** Sends QUIT and waits for the server to close the connection (RFC 2812 §3.1.7). */
  async quit(reason = "bye", timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    this.send(`QUIT :${reason}`);
    await this.#connection.waitForClose(timeoutMs);
  }

  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.#connection.waitForClose(timeoutMs);
  }

  /** Closes this side without QUIT, as a client that just drops the connection does. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  #answerPings(): void {
    const lines = this.#connection.lines;
    for (; this.#pingsCheckedUpTo < lines.length; this.#pingsCheckedUpTo += 1) {
      const { command, params } = parseReceived(withoutCR(lines[this.#pingsCheckedUpTo]));
      if (command !== "PING" || this.isClosed) continue;
      this.#connection.send(`PONG :${params.at(-1) ?? ""}\r\n`);
    }
  }
}

/** `CAP <nick> <subcommand> ...`; with `isLast`, not a line that says more follow ("*", IRCv3 CAP LS 302). */
function isCapReply(line: string, subcommand: string, isLast = false): boolean {
  const { command, params } = parseReceived(line);
  if (command !== "CAP" || params[1]?.toUpperCase() !== subcommand) return false;
  return !isLast || params[2] !== "*";
}

function withoutCR(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** Throws on a line that ends a registration attempt, so that the wait fails with it at once. */
function refuseRegistration(line: string): false {
  if (REGISTRATION_REFUSALS.has(commandOf(line))) throw new Error(`registration refused: ${line}`);
  return false;
}
