import type { Logger } from "pino";
import type { Command } from "../../core/commands.js";
import type { ChatError } from "../../core/errors.js";
import type { DirectEvent, HistoryItem, RealNameEvent, Reply, SignalEvent, UserRef } from "../../core/events.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import type { DecidedOnItsTurn } from "../../core/session.js";
import type { Connection, CutOffReason } from "../../net/connection.js";
import type { OutputFraming } from "../../net/output-framing.js";
import type { SharedPart } from "../../net/shared-output.js";
import { FrontEndSession, type RenderedChatEvent } from "../front-end-session.js";
import type { PacingClock } from "../pacer.js";
import { fewerHistoryItems } from "../reply-trimming.js";
import { CapNegotiation } from "./caps.js";
import { IRC_COMMANDS } from "./commands/index.js";
import type { IrcFrontEnd } from "./irc-front-end.js";
import {
  formatLines,
  messageLines,
  splitIrcText,
  tagsFor,
  VARIANT_ACCOUNT_TAG,
  VARIANT_AWAY_NOTIFY,
  VARIANT_EXTENDED_JOIN,
  VARIANT_MESSAGE_TAGS,
  VARIANT_SERVER_TIME,
} from "./irc-render.js";
import { errorReply } from "./irc-replies.js";
import {
  batchEnds,
  formatIrcMessage,
  type IrcMessage,
  ircText,
  isIrcLineError,
  MAX_LINE_BODY_BYTES,
  PreparedIrcMessage,
  parseIrcLine,
} from "./message.js";
import * as N from "./numerics.js";

/** One request of the client: an IRC command, and what the core commands it started owe it. */
export interface IrcRequest {
  readonly id: number;
  /** The IRC command, uppercased. */
  readonly command: string;
  /** IRCv3 labeled-response: the client's label, or null. */
  readonly label: string | null;
  /** What the command was about (a channel or nick mask), for replies that name it. */
  target: string;
  /** What else its replies need of the command (CHATHISTORY's subcommand, WHO's WHOX fields); "" when nothing. */
  detail: string;
  /** Core commands started for it and not done yet. */
  outstanding: number;
  /** Output held back until the request is done, to send under its label; null when unlabeled. */
  lines: Buffer[] | null;
  /**
   * A labeled message waits for its own echo (IRCv3 echo-message), which is its labeled
   * response; the timer ends the wait if none comes (every target refused it).
   */
  echoWait: NodeJS.Timeout | null;
  isEchoed: boolean;
}

/** Commands whose labeled response, with echo-message, is the echo itself. */
const ECHOED_COMMANDS: ReadonlySet<string> = new Set(["PRIVMSG", "NOTICE", "TAGMSG"]);
/** How long a labeled message waits for its echo: past the store's commit, which an echo follows. */
const ECHO_WAIT_MS = 2000;

const NO_CHANNELS: readonly string[] = [];

/** The command word of a raw line, cheaply, for pacing: after tags and a source. */
function commandWordOf(line: Buffer): string {
  let start = 0;
  if (line[0] === 0x40) start = line.indexOf(0x20) + 1;
  while (line[start] === 0x20) start++;
  if (line[start] === 0x3a) {
    start = line.indexOf(0x20, start) + 1;
    while (line[start] === 0x20) start++;
  }
  if (start <= 0) return "";
  let end = line.indexOf(0x20, start);
  if (end === -1) end = line.length;
  return line.toString("latin1", start, Math.min(end, start + 16)).toUpperCase();
}

/** RFC 9112 §3: `method SP request-target SP HTTP-version`, as a first line no IRC client sends. */
const HTTP_REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d(\.\d)?\r?$/;

function isHttpRequestLine(line: Buffer): boolean {
  return line.length < 8192 && HTTP_REQUEST_LINE.test(line.toString("latin1"));
}

/**
 * One IRC client (RFC 1459/2812, the modern client protocol, IRCv3). It decodes each
 * line, runs the command's handler, and draws the core's events as IRC lines. What every
 * front end does (pacing, the close sequence, delivery place) is FrontEndSession's.
 */
export class IrcSession extends FrontEndSession {
  readonly frontEnd: IrcFrontEnd;
  /** Null until the client sends CAP: most never do, and an idle client should hold no negotiation of its own. */
  #caps: CapNegotiation | null = null;
  /** The nick the client believes it has (what it was last told); null before one is accepted. */
  shownNick: string | null = null;
  /** USER's parameters; null until sent. */
  userInfo: { userName: string; realName: string } | null = null;
  isRegistered = false;
  /** A NICK sent before registration that is a registered account's: it waits for SASL. */
  nickAwaitingLogin: string | null = null;
  /** The password PASS gave before registration, for NICK to log in with; null when none (or used). */
  passwordBeforeNick: string | null = null;
  /** SASL PLAIN in progress: the chunks of its payload so far; null when none is. */
  saslPayload: string | null = null;
  isSaslDone = false;
  /**
   * Channels this client has been shown joining, by the core's room name; null for none.
   * An array: most clients are in a few channels, where a Set's table costs more than a scan.
   */
  #channels: string[] | null = null;
  /** When a line last arrived, and whether a PING is waiting for an answer. */
  lastHeardAt = Date.now();
  isPingPending = false;
  /**
   * Requests the core still owes answers, oldest first; null when none (as nearly always:
   * a few at most are ever outstanding, and an idle client should hold no table for them).
   */
  #outstanding: IrcRequest[] | null = null;
  #nextRequestId = 1;
  /** The request whose output is being produced now. */
  #current: IrcRequest | null = null;
  #variant = 0;
  /** IRCv3 echo-message: the client sees its own messages come back. */
  #isEchoed = false;
  /** Rooms a login rejoined before registration ended, shown after the welcome. */
  #joinedBeforeWelcome: string[] | null = null;
  #repliesBeforeWelcome: Reply[] | null = null;
  #hasHandledALine = false;
  /** Lines that came before registration while the core still owed answers to an earlier one. */
  #waitingForAnswers: Buffer[] | null = null;
  /** Why the server itself closed this client, for its ERROR line. */
  #serverCloseReason: string | null = null;
  /** How lines go out on this client's transport (as they are on TCP, a frame each on WebSocket). */
  readonly #output: OutputFraming;

  constructor(
    connection: Connection,
    hub: FrontEndHub,
    frontEnd: IrcFrontEnd,
    output: OutputFraming,
    log: Logger,
    clock?: PacingClock,
  ) {
    super("irc", connection, hub, frontEnd.options, log, clock);
    this.frontEnd = frontEnd;
    this.#output = output;
    frontEnd.sessions.add(this);
  }

  // ---- what handlers use ----

  /** The capabilities negotiated; before any CAP, the front end's untouched negotiation (nothing enabled). */
  get caps(): CapNegotiation {
    return this.#caps ?? this.frontEnd.capsBeforeNegotiation;
  }

  /** This client's own negotiation, for a CAP command to change. */
  get negotiatingCaps(): CapNegotiation {
    this.#caps ??= new CapNegotiation(this.frontEnd.capabilities, this.frontEnd.options.serverName);
    return this.#caps;
  }

  /** The client's nick as replies address it: "*" before one is accepted. */
  get nick(): string {
    return this.shownNick ?? "*";
  }

  /** The channels this client has been shown joining, in that order. */
  get channels(): readonly string[] {
    return this.#channels ?? NO_CHANNELS;
  }

  isInChannel(room: string): boolean {
    return this.#channels?.includes(room) === true;
  }

  /** Whether the client is in one of `rooms` (names, or a quit's rooms with their counts). */
  #isInAnyChannel(rooms: readonly (string | { readonly room: string })[]): boolean {
    for (const each of rooms) if (this.isInChannel(typeof each === "string" ? each : each.room)) return true;
    return false;
  }

  /** The client was shown joining `room`. */
  joinedChannel(room: string): void {
    if (this.#channels === null) this.#channels = [room];
    else if (!this.#channels.includes(room)) this.#channels.push(room);
  }

  /** The client was shown leaving `room` (a part, a kick). */
  leftChannel(room: string): void {
    const channels = this.#channels;
    if (channels === null) return;
    const index = channels.indexOf(room);
    if (index === -1) return;
    if (channels.length === 1) this.#channels = null;
    else channels.splice(index, 1);
  }

  get ref(): UserRef {
    return this.session.ref;
  }

  get coreSession() {
    return this.session;
  }

  get isLoggedIn(): boolean {
    return this.session.account !== null;
  }

  /** How this client wants shared events drawn (see irc-render); worked out when its capabilities change, not per event. */
  get variant(): number {
    return this.#variant;
  }

  /** The capabilities changed (CAP REQ): how events are drawn for this client follows. */
  capabilitiesChanged(): void {
    const caps = this.caps;
    this.#variant =
      (caps.isEnabled("server-time") ? VARIANT_SERVER_TIME : 0) |
      (caps.isEnabled("message-tags") ? VARIANT_MESSAGE_TAGS : 0) |
      (caps.isEnabled("account-tag") ? VARIANT_ACCOUNT_TAG : 0) |
      (caps.isEnabled("extended-join") ? VARIANT_EXTENDED_JOIN : 0) |
      (caps.isEnabled("away-notify") ? VARIANT_AWAY_NOTIFY : 0);
    this.#isEchoed = caps.isEnabled("echo-message");
  }

  /** The current request (while a handler or its replies run). */
  get request(): IrcRequest | null {
    return this.#current;
  }

  /** A numeric to this client: `:server NNN nick params...`. */
  numeric(code: string, ...params: string[]): void {
    this.sendLine(this.frontEnd.options.serverName, code, [this.nick, ...params]);
  }

  /**
   * A numeric whose last parameter is a list of words (NAMES' nicks, WHOIS's channels), in
   * as many lines as the words need: each line at most 512 bytes, no word cut or lost.
   */
  numericWords(code: string, params: readonly string[], words: readonly string[]): void {
    const serverName = this.frontEnd.options.serverName;
    const head = Buffer.byteLength(`:${serverName} ${code} ${this.nick} ${params.join(" ")} :\r\n`);
    const budget = MAX_LINE_BODY_BYTES + 2 - head;
    let line = "";
    let bytes = 0;
    for (const word of words) {
      const size = Buffer.byteLength(word);
      if (line !== "" && bytes + 1 + size > budget) {
        this.numeric(code, ...params, line);
        line = "";
      }
      if (line === "") {
        line = word;
        bytes = size;
      } else {
        line += ` ${word}`;
        bytes += 1 + size;
      }
    }
    if (line !== "") this.numeric(code, ...params, line);
  }

  /** A line from `source` (null: no source) to this client, tagged with the request's label when it has one. */
  sendLine(source: string | null, command: string, params: string[], tags: Map<string, string> | null = null): void {
    const message: IrcMessage = { tags, source, command, params };
    this.#out(formatIrcMessage(message));
  }

  /** A line from the server itself. */
  serverLine(command: string, params: string[]): void {
    this.sendLine(this.frontEnd.options.serverName, command, params);
  }

  /** IRCv3 standard replies: `FAIL <command> <code> [context...] :description`. */
  fail(command: string, code: string, context: string[], description: string): void {
    this.serverLine("FAIL", [command, code, ...context, description]);
  }

  /** A NOTICE from the server to this client. */
  notice(text: string): void {
    this.serverLine("NOTICE", [this.nick, text]);
  }

  /** Runs a core command for the current request; its replies come back tagged with it. */
  run(command: Command | DecidedOnItsTurn): void {
    const request = this.#current;
    if (request === null) {
      this.execute(command);
      return;
    }
    request.outstanding++;
    if (this.#outstanding === null) this.#outstanding = [request];
    else if (!this.#outstanding.includes(request)) this.#outstanding.push(request);
    this.hub.execute(this.session, command, request.id);
  }

  /** Registration is complete when a nick is accepted, USER was sent, and CAP negotiation ended. */
  tryCompleteRegistration(): void {
    if (this.isRegistered || this.userInfo === null) return;
    if (this.caps.isHoldingRegistration || this.saslPayload !== null) return;
    if (this.shownNick === null) {
      // A registered name asked for while SASL could still follow: it did not, so it is refused now.
      const awaiting = this.nickAwaitingLogin;
      this.nickAwaitingLogin = null;
      if (awaiting !== null) {
        this.numeric(
          N.ERR_NICKNAMEINUSE,
          awaiting,
          `Nickname is registered: log in with SASL, or /msg NickServ IDENTIFY ${awaiting} PASSWORD`,
        );
      }
      return;
    }
    this.isRegistered = true;
    this.passwordBeforeNick = null;
    this.frontEnd.welcome(this);
    // Rooms a login before registration rejoined are shown now, after the welcome.
    const joined = this.#joinedBeforeWelcome;
    this.#joinedBeforeWelcome = null;
    for (const room of joined ?? []) this.showJoined(room);
    const replies = this.#repliesBeforeWelcome;
    this.#repliesBeforeWelcome = null;
    for (const reply of replies ?? []) this.frontEnd.replies.draw(this, reply);
  }

  /** Tells the client its nick changed, when the core renamed it (NICK, a login, a logout). */
  syncNick(): void {
    const now = this.frontEnd.users.nickOf(this.session.ref);
    if (this.shownNick === now) return;
    if (this.shownNick !== null && this.isRegistered) {
      const mask = `${this.shownNick}!${this.frontEnd.users.userNameOf(this.ref)}@${this.frontEnd.users.hostOf(this.ref)}`;
      this.sendLine(mask, "NICK", [now]);
    }
    this.shownNick = now;
  }

  /** Closes the connection with an ERROR line (a ping timeout, a registration that never ended). */
  closeWithError(reason: string): void {
    this.#serverCloseReason = reason;
    this.execute({ kind: "quit", reason });
  }

  // ---- FrontEndSession ----

  protected costOf(line: Buffer): number {
    return this.frontEnd.costOf(commandWordOf(line));
  }

  onMessageTooLong(): void {
    this.numeric(N.ERR_INPUTTOOLONG, "Input line was too long");
  }

  farewellFor(reason: CutOffReason): Buffer {
    const text = reason === "send-queue-full" ? "SendQ exceeded" : "Input line too long without a newline";
    return this.#output.frame(
      formatIrcMessage({ tags: null, source: null, command: "ERROR", params: [`Closing Link: ${text}`] }),
    );
  }

  protected floodFarewell(): Buffer {
    return this.#output.frame(
      formatIrcMessage({ tags: null, source: null, command: "ERROR", params: ["Excess Flood"] }),
    );
  }

  protected quitFarewell(reason: string): Buffer {
    const why = this.#serverCloseReason ?? (reason === "" ? "Quit" : `Quit: ${reason}`);
    return this.#output.frame(
      formatIrcMessage({
        tags: null,
        source: null,
        command: "ERROR",
        params: [`Closing Link: ${this.frontEnd.options.serverName} (${why})`],
      }),
    );
  }

  protected shutdownFarewell(): Buffer {
    return this.#output.frame(
      formatIrcMessage({ tags: null, source: null, command: "ERROR", params: ["Server shutting down"] }),
    );
  }

  protected tellPaced(): void {
    // Fake lag is silent on IRC, as on other servers: clients expect their lines to be slowed.
  }

  protected handle(line: Buffer): void {
    this.lastHeardAt = Date.now();
    this.isPingPending = false;
    // Lines are answered in the order sent: one waits until the core has answered the one
    // before it (a client may send NICK, USER and JOIN at once, and whether the JOIN comes
    // from a registered client depends on the answer to NICK; a PING after an OPER must not
    // be answered before the OPER).
    if (this.#outstanding !== null || this.#waitingForAnswers !== null) {
      this.#waitingForAnswers ??= [];
      this.#waitingForAnswers.push(line);
      return;
    }
    this.#handleNow(line);
  }

  #handleNow(line: Buffer): void {
    const isFirstLine = !this.#hasHandledALine;
    this.#hasHandledALine = true;
    if (isFirstLine && isHttpRequestLine(line)) {
      // A browser or a web client pointed at the IRC port: one line that says where it is, then the close.
      this.closeWithError("This is an IRC port, not a web server");
      return;
    }
    const parsed = parseIrcLine(line);
    if (isIrcLineError(parsed)) {
      this.#refuseLine(parsed);
      return;
    }
    const label = this.caps.isEnabled("labeled-response") ? (parsed.tags?.get("label") ?? null) : null;
    const request: IrcRequest = {
      id: this.#nextRequestId++,
      command: parsed.command,
      label,
      target: "",
      detail: "",
      outstanding: 0,
      lines: label === null ? null : [],
      echoWait: null,
      isEchoed: false,
    };
    this.#current = request;
    try {
      this.#dispatch(parsed);
    } finally {
      this.#current = null;
    }
    if (request.outstanding === 0) this.#complete(request);
  }

  #dispatch(parsed: IrcMessage): void {
    const spec = IRC_COMMANDS.get(parsed.command);
    if (spec === undefined) {
      if (this.isRegistered) this.numeric(N.ERR_UNKNOWNCOMMAND, parsed.command, "Unknown command");
      else this.numeric(N.ERR_NOTREGISTERED, "You have not registered");
      return;
    }
    if (!this.isRegistered && !spec.beforeRegistration) {
      this.numeric(N.ERR_NOTREGISTERED, "You have not registered");
      return;
    }
    if (parsed.params.length < spec.minParams) {
      this.numeric(N.ERR_NEEDMOREPARAMS, parsed.command, "Not enough parameters");
      return;
    }
    spec.handle(this, parsed);
  }

  /** The core is done with a request: its answer goes out, unless a labeled message waits for its echo. */
  #complete(request: IrcRequest): void {
    const isWaitingForEcho =
      request.label !== null && this.#isEchoed && ECHOED_COMMANDS.has(request.command) && request.lines?.length === 0;
    if (!isWaitingForEcho || request.echoWait !== null) {
      this.#finish(request);
      return;
    }
    request.echoWait = setTimeout(() => this.#finish(request), ECHO_WAIT_MS);
    request.echoWait.unref();
  }

  /** The echo of the client's own message: under its request's label when one waits for it. */
  #echo(bytes: Buffer): void {
    const request = this.#outstanding?.find((each) => each.echoWait !== null);
    if (request === undefined || request.lines === null) {
      this.#send(bytes);
      return;
    }
    request.lines.push(bytes);
    if (request.isEchoed) return;
    request.isEchoed = true;
    // Every echo of one message (one per target) goes out in the same fan-out: then it is done.
    queueMicrotask(() => this.#finish(request));
  }

  protected render(event: RenderedChatEvent): void {
    switch (event.kind) {
      case "message":
        // The hot path: a flag and a compare per recipient, nothing more. Fan-out reaches only
        // members, and a member is shown its channels once registered.
        if (!this.isRegistered) return;
        if (event.from.sessionId === this.session.sessionId) {
          if (this.#isEchoed) this.#echo(this.frontEnd.renderer.render(event, this.#variant).bytes);
          return;
        }
        this.#sendShared(event, true);
        return;
      case "joined":
        if (event.who.sessionId === this.session.sessionId) this.showJoined(event.room);
        else if (this.isInChannel(event.room)) this.#sendShared(event, false);
        return;
      case "left":
        // A login that made this session one with another of its account: its former self left.
        if (event.who.sessionId === this.session.sessionId) return;
        if (this.isInChannel(event.room)) this.#sendShared(event, false);
        return;
      case "topic":
      case "mode":
        if (this.isInChannel(event.room)) this.#sendShared(event, true);
        return;
      case "kicked":
        if (!this.isInChannel(event.room)) return;
        this.#sendShared(event, true);
        if (event.target.sessionId === this.session.sessionId) this.leftChannel(event.room);
        return;
      case "invited":
        if (event.target.sessionId === this.session.sessionId) {
          this.sendLine(this.frontEnd.users.maskOf(event.who), "INVITE", [this.nick, event.room]);
        } else if (this.caps.isEnabled("invite-notify")) {
          // IRCv3 invite-notify: the core tells a room's operators; a client that asked is shown.
          const target = this.frontEnd.users.nickOf(event.target);
          this.sendLine(this.frontEnd.users.maskOf(event.who), "INVITE", [target, event.room]);
        }
        return;
      case "quit":
        if (this.#isInAnyChannel(event.rooms)) this.#sendShared(event, false);
        return;
      case "renamed":
        if (event.who.sessionId === this.session.sessionId) {
          this.syncNick();
          return;
        }
        if (event.from !== event.to) this.#sendShared(event, true);
        if (event.who.account !== event.now.account && this.caps.isEnabled("account-notify")) {
          this.sendPart(this.frontEnd.renderer.renderAccountChange(event, this.variant), true);
        }
        return;
      case "away":
        if (event.who.sessionId === this.session.sessionId || !this.caps.isEnabled("away-notify")) return;
        if (this.#isInAnyChannel(event.rooms)) this.#sendShared(event, false);
        return;
      case "real-name":
        // IRCv3 setname: the user's own change comes back as its confirmation.
        if (!this.caps.isEnabled("setname")) return;
        if (event.who.sessionId === this.session.sessionId) this.#confirmRealName(event);
        else if (this.#isInAnyChannel(event.rooms)) this.#sendShared(event, false);
        return;
      case "direct":
        this.#onDirect(event);
        return;
      case "wallops": {
        // A line user's 4 KiB goes out in several lines, as its messages do.
        const source = this.frontEnd.users.maskOf(event.from);
        const budget = MAX_LINE_BODY_BYTES - Buffer.byteLength(`:${source} WALLOPS :`);
        for (const piece of splitIrcText(ircText(event.text), budget)) this.sendLine(source, "WALLOPS", [piece]);
        return;
      }
      case "signal":
        // IRCv3 message-tags: TAGMSG only to clients that take tags.
        if (!this.caps.isEnabled("message-tags")) return;
        if (event.room === null) this.#onDirectSignal(event);
        else if (event.from.sessionId === this.session.sessionId) {
          if (this.#isEchoed) this.#echo(this.frontEnd.renderer.render(event, this.#variant).bytes);
        } else if (this.isInChannel(event.room)) this.#sendShared(event, false);
        return;
      case "reply":
        this.#onReplyWithin(event.requestId, event.reply);
        return;
      case "error":
        this.#onErrorWithin(event.requestId, event.error);
        return;
      case "done": {
        const request = this.#outstandingRequest(event.requestId);
        if (request === undefined) return;
        request.outstanding--;
        if (request.outstanding <= 0 && this.#current !== request) this.#complete(request);
        return;
      }
    }
  }

  override onClose(reason: Parameters<FrontEndSession["onClose"]>[0]): void {
    // Its user information goes when its quit has been seen (for WHOWAS): see IrcFrontEnd.
    this.frontEnd.sessions.delete(this);
    this.frontEnd.monitors.clear(this);
    super.onClose(reason);
  }

  // ---- output ----

  #out(bytes: Buffer): void {
    const lines = this.#current?.lines;
    if (lines) lines.push(bytes);
    else this.#send(bytes);
  }

  #sendShared(event: Parameters<IrcFrontEnd["renderer"]["render"]>[0], isUrgent: boolean): void {
    this.sendPart(this.frontEnd.renderer.render(event, this.variant), isUrgent);
  }

  /** Sends a part of a rendering shared with other clients (see irc-render). */
  sendPart(part: SharedPart, isUrgent: boolean): void {
    this.connection.sendShared(this.#output.batchOf(part.batch, part.index), part.index, isUrgent);
  }

  #send(bytes: Buffer): void {
    this.connection.send(this.#output.frame(bytes));
  }

  // No closure may be written in `render` itself: V8 would then allocate a context on every
  // call of it, each delivery of every message included. The closures live out here.
  #onReplyWithin(requestId: number | undefined, reply: Reply): void {
    this.#within(requestId, () => this.#onReply(reply));
  }

  #onErrorWithin(requestId: number | undefined, error: ChatError): void {
    this.#within(requestId, () => this.#onError(error));
  }

  #within(requestId: number | undefined, draw: () => void): void {
    const request = requestId === undefined ? undefined : this.#outstandingRequest(requestId);
    const outer = this.#current;
    this.#current = request ?? null;
    try {
      draw();
    } finally {
      this.#current = outer;
    }
  }

  /** A request is done: its held output goes out under its label (IRCv3 labeled-response). */
  #finish(request: IrcRequest): void {
    if (!this.#outstanding?.includes(request) && request.echoWait !== null) return;
    if (request.echoWait !== null) clearTimeout(request.echoWait);
    this.#forget(request);
    this.#sendLabeled(request);
    // Its answer is out: the lines that waited for it go on.
    this.#handleWaitingLines();
  }

  #sendLabeled(request: IrcRequest): void {
    const lines = request.lines;
    if (lines === null || request.label === null) return;
    const server = this.frontEnd.options.serverName;
    const label = new Map([["label", request.label]]);
    if (lines.length === 0) {
      this.#send(formatIrcMessage({ tags: label, source: server, command: "ACK", params: [] }));
      return;
    }
    if (lines.length === 1) {
      this.#send(withTags(lines[0], label));
      return;
    }
    const batchId = `l${request.id}`;
    const { open, close } = batchEnds(server, batchId, "labeled-response", [], label);
    const inBatch = new Map([["batch", batchId]]);
    this.#send(Buffer.concat([open, ...lines.map((line) => withTags(line, inBatch)), close]));
  }

  #handleWaitingLines(): void {
    while (this.#outstanding === null && this.#waitingForAnswers !== null) {
      const line = this.#waitingForAnswers.shift() as Buffer;
      if (this.#waitingForAnswers.length === 0) this.#waitingForAnswers = null;
      if (!this.hub.isOnline(this.session)) return;
      this.#handleNow(line);
    }
  }

  #outstandingRequest(id: number): IrcRequest | undefined {
    const outstanding = this.#outstanding;
    if (outstanding === null) return undefined;
    for (let i = 0; i < outstanding.length; i++) if (outstanding[i].id === id) return outstanding[i];
    return undefined;
  }

  #forget(request: IrcRequest): void {
    const outstanding = this.#outstanding;
    if (outstanding === null) return;
    const index = outstanding.indexOf(request);
    if (index === -1) return;
    if (outstanding.length === 1) this.#outstanding = null;
    else outstanding.splice(index, 1);
  }

  #refuseLine(error: Exclude<ReturnType<typeof parseIrcLine>, IrcMessage>): void {
    switch (error.kind) {
      case "input-too-long":
        this.numeric(N.ERR_INPUTTOOLONG, "Input line was too long");
        return;
      case "invalid-utf8":
        this.fail(error.command ?? "*", "INVALID_UTF8", [], "Message rejected: it was not valid UTF-8");
        return;
      case "nul":
      case "line-break":
        this.fail("*", "INVALID_CHARACTERS", [], "Message rejected: it had a NUL or a line break inside");
        return;
      case "bad-command": {
        const label = this.caps.isEnabled("labeled-response") ? error.tags?.get("label") : undefined;
        this.#send(
          formatIrcMessage({
            tags: label === undefined ? null : new Map([["label", label]]),
            source: this.frontEnd.options.serverName,
            command: N.ERR_UNKNOWNCOMMAND,
            params: [this.nick, error.command, "Unknown command"],
          }),
        );
        return;
      }
      case "empty":
      case "no-command":
        return;
    }
  }

  // ---- the core's events ----

  /**
   * Shows the client a join it did not ask for (a login rejoins the account's rooms; without
   * history the core's own event can come before the JOIN's reply): JOIN, the topic and the
   * names, as a JOIN it asked for would have.
   */
  showJoined(room: string): void {
    if (this.isInChannel(room)) return;
    if (!this.isRegistered) {
      this.#joinedBeforeWelcome ??= [];
      this.#joinedBeforeWelcome.push(room);
      return;
    }
    this.joinedChannel(room);
    this.sendLine(this.frontEnd.users.maskOf(this.ref), "JOIN", this.#joinParams(room), this.#ownTags());
    this.run({ kind: "topic", room, topic: null });
    this.run({ kind: "who", room });
  }

  #joinParams(room: string): string[] {
    if (!this.caps.isEnabled("extended-join")) return [room];
    return [room, this.ref.account ?? "*", this.frontEnd.users.realNameOf(this.ref)];
  }

  #ownTags(): Map<string, string> | null {
    return tagsFor({ kind: "own", at: Date.now() }, this.variant & ~VARIANT_MESSAGE_TAGS);
  }

  #onDirect(event: DirectEvent): void {
    const isIncoming = event.fromKey !== this.session.identityKey;
    const isOwnEcho = event.from.sessionId === this.session.sessionId;
    // A message to oneself arrives as any message does, and, with echo-message, is echoed too.
    const isToSelf = event.toKey === this.session.nameKey || event.toSessionId === this.session.sessionId;
    if (isOwnEcho && !this.#isEchoed && !isToSelf) return;
    const users = this.frontEnd.users;
    const target = isIncoming ? this.nick : event.to;
    const lines = messageLines(users.maskOf(event.from), event, target);
    const bytes = formatLines(lines, tagsFor(event, this.variant, event.from));
    if (isOwnEcho && isToSelf) this.#send(bytes);
    if (isOwnEcho && this.#isEchoed) this.#echo(bytes);
    else if (!isOwnEcho) this.#send(bytes);
  }

  /** The user's own SETNAME comes back as the answer to it (under its label, when it has one). */
  #confirmRealName(event: RealNameEvent): void {
    const bytes = this.frontEnd.renderer.render(event, this.#variant).bytes;
    const request = this.#outstanding?.find((each) => each.command === "SETNAME");
    this.#within(request?.id, () => this.#out(bytes));
  }

  #onDirectSignal(event: SignalEvent): void {
    const target = event.fromKey !== this.session.identityKey ? this.nick : event.to;
    const message = new PreparedIrcMessage({
      source: this.frontEnd.users.maskOf(event.from),
      command: "TAGMSG",
      params: [target],
    });
    const bytes = message.format(tagsFor(event, this.variant, event.from));
    const isOwnEcho = event.from.sessionId === this.session.sessionId;
    // As a message to oneself: it arrives, and with echo-message it is echoed too.
    const isToSelf = event.toKey === this.session.nameKey || event.toSessionId === this.session.sessionId;
    if (isOwnEcho && isToSelf) this.#send(bytes);
    if (isOwnEcho && this.#isEchoed) this.#echo(bytes);
    else if (!isOwnEcho) this.#send(bytes);
  }

  #onReply(reply: Reply): void {
    // A login before registration replays what the account missed: after the welcome.
    if (!this.isRegistered && reply.kind === "history") {
      this.#repliesBeforeWelcome ??= [];
      this.#repliesBeforeWelcome.push(reply);
      return;
    }
    this.frontEnd.replies.draw(this, reply);
  }

  #onError(error: ChatError): void {
    errorReply(this, error);
  }

  /** A history reply, as big as half the send queue allows. */
  historyWithinQueue(reply: HistoryReply, render: (reply: HistoryReply) => Buffer): Buffer {
    return this.withinSendQueue(reply, render, fewerHistoryItems);
  }

  /** Sends bytes drawn elsewhere (a history batch) as part of the current request's output. */
  sendBytes(bytes: Buffer): void {
    this.#out(bytes);
  }

  /** For replay: marks the catch-up's place (see FrontEndSession). */
  noteCatchUp(after: string): void {
    this.catchingUp(after);
  }

  /** A history item's sender as a source mask: the nick (a guest's never its address), with the server as its host. */
  historySource(item: HistoryItem): string {
    return `${item.guestSender ?? item.sender}!~u@${this.frontEnd.options.serverName}`;
  }
}

type HistoryReply = Extract<Reply, { kind: "history" }>;

/** `line` with `tags` put in front of (or merged into) its tag section. */
function withTags(line: Buffer, tags: ReadonlyMap<string, string>): Buffer {
  const added = [...tags].map(([key, value]) => `${key}=${value}`).join(";");
  if (line[0] === 0x40) return Buffer.concat([Buffer.from(`@${added};`), line.subarray(1)]);
  return Buffer.concat([Buffer.from(`@${added} `), line]);
}
