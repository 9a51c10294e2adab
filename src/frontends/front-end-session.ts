import type { Logger } from "pino";
import { COMMAND_COSTS, type Command } from "../core/commands.js";
import type { ChatEvent, Reply } from "../core/events.js";
import type { FrontEndHub } from "../core/front-end-hub.js";
import type { DecidedOnItsTurn, EventSink, Session } from "../core/session.js";
import type { CloseReason, Connection, ConnectionHandler, CutOffReason } from "../net/connection.js";
import { DeliveryPlace } from "./delivery-place.js";
import { NODE_PACING_CLOCK, type PacedSession, Pacer, type PacerOptions, type PacingClock } from "./pacer.js";

const MOST_A_COMMAND_COSTS = Math.max(...Object.values(COMMAND_COSTS));

/** One pacer options object per front end's options, not one per connection. */
const pacerOptionsByOptions = new WeakMap<FrontEndSessionOptions, PacerOptions>();

function pacerOptionsFor(options: FrontEndSessionOptions): PacerOptions {
  let pacerOptions = pacerOptionsByOptions.get(options);
  if (pacerOptions === undefined) {
    pacerOptions = { maxPaced: options.maxPacedLines, mostAMessageCosts: MOST_A_COMMAND_COSTS };
    pacerOptionsByOptions.set(options, pacerOptions);
  }
  return pacerOptions;
}

/** What every front end's sessions share, whatever the protocol. */
export interface FrontEndSessionOptions {
  /** How long a closing session's queued output may take to go out before the socket is closed hard. */
  shutdownGraceMs: number;
  /** Messages held back while a user is being slowed down; past this the user is flooding and is cut off. */
  maxPacedLines: number;
  /** The connection's send queue: a history reply is kept to half of it, so asking for one never cuts the asker off. */
  sendQueueBytes: number;
}

/** Events a protocol renders; closing and shutting down are carried out here, the same for every front end. */
export type RenderedChatEvent = Exclude<ChatEvent, { kind: "close" } | { kind: "shutdown" }>;

/**
 * One user on one connection, whatever the protocol: what every front end's session does,
 * written once. Messages from the network are paced here before a protocol sees them; the
 * close sequence (paced messages first, then leave), where delivery stands (and so what a
 * login replays), and fitting history replies to the send queue live here too. A protocol
 * session is thin: it decodes a message, calls the core, and renders events.
 */
export abstract class FrontEndSession implements ConnectionHandler, EventSink, PacedSession {
  protected readonly connection: Connection;
  protected readonly hub: FrontEndHub;
  protected readonly session: Session;
  protected readonly log: Logger;
  readonly #frontend: string;
  readonly #options: FrontEndSessionOptions;
  readonly #pacer: Pacer;
  readonly #place: DeliveryPlace;
  /** Set when the client closed while messages of its were still paced: it leaves after them. */
  #closedWith: CloseReason | null = null;
  /** What the others are told the user left with. */
  #leaveReason = "";

  constructor(
    frontend: string,
    connection: Connection,
    hub: FrontEndHub,
    options: FrontEndSessionOptions,
    log: Logger,
    clock: PacingClock = NODE_PACING_CLOCK,
  ) {
    this.#frontend = frontend;
    this.connection = connection;
    this.hub = hub;
    this.log = log;
    this.#options = options;
    this.#place = new DeliveryPlace(connection, hub);
    this.session = hub.connect(connection.address, this);
    const session = this.session;
    this.#pacer = new Pacer(session.commandBucket, session.commandRate, pacerOptionsFor(options), this, clock);
    connection.attach(this);
    // The one place a hidden address and the guest name shown for it are seen together.
    log.info(
      {
        event: "connect",
        frontend,
        session: session.sessionId,
        peer: connection.address,
        guest: session.anonymousName,
      },
      "user connected",
    );
  }

  // ---- what a protocol session supplies ----

  /** Decodes and carries out one message from the peer; called at the pace the user may send. */
  protected abstract handle(message: Buffer): void;
  /** What a message costs of the user's pacing budget: 1 for a chat line, more for costly commands. */
  protected abstract costOf(message: Buffer): number;
  /** Shows the user one event of the core. */
  protected abstract render(event: RenderedChatEvent): void;
  /** Tells the user their messages are held back, `waiting` of them, going out at `perSecond`. */
  protected abstract tellPaced(perSecond: number, waiting: number): void;
  /** The peer sent a message over the framer's limit. */
  abstract onMessageTooLong(bytes: number): void;
  /** The last line a peer that is cut off gets: why, in the protocol. */
  abstract farewellFor(reason: CutOffReason): Buffer;
  /** The last line of a session closed for flooding, for a /quit, and when the server goes down. */
  protected abstract floodFarewell(): Buffer;
  protected abstract quitFarewell(reason: string): Buffer | undefined;
  protected abstract shutdownFarewell(): Buffer;

  // ---- for protocol sessions ----

  protected execute(command: Command | DecidedOnItsTurn): void {
    this.hub.execute(this.session, command);
  }

  /** A catch-up of what came after `after` is being sent: until it is out, that is where delivery stands. */
  protected catchingUp(after: string): void {
    this.#place.catchingUp(after);
  }

  /**
   * The reply, made smaller by `shrink` until it fits half the send queue: a user who asks
   * for much is shown less, and how to ask for the rest, never cut off for asking.
   */
  protected withinSendQueue<R extends Reply>(
    reply: R,
    render: (reply: R) => Buffer,
    shrink: (reply: R) => R | null,
  ): Buffer {
    const budget = this.#options.sendQueueBytes / 2;
    let fitted: R | null = reply;
    let rendered = render(reply);
    while (rendered.length > budget) {
      fitted = shrink(fitted);
      if (fitted === null) break;
      rendered = render(fitted);
    }
    return rendered;
  }

  // ---- the pacer's side (PacedSession) ----

  costOfMessage(message: Buffer): number {
    return this.costOf(message);
  }

  runMessage(message: Buffer): boolean {
    this.handle(message);
    return this.hub.isOnline(this.session);
  }

  isTakingMessages(): boolean {
    return this.hub.isOnline(this.session);
  }

  holdInput(): void {
    this.connection.holdInput();
  }

  releaseInput(): void {
    this.connection.releaseInput();
  }

  pacingBegan(perSecond: number, waiting: number): void {
    if (!this.session.isClientGone) this.tellPaced(perSecond, waiting);
  }

  flooded(): void {
    this.#cutOffFlooder();
  }

  pacingDrained(): void {
    if (this.#closedWith !== null) this.#disconnect(this.#closedWith);
    else this.connection.releaseInput();
  }

  // ---- the connection's side ----

  /** Whether an empty message means nothing (a blank line) rather than a request to answer. */
  protected get ignoresEmptyMessages(): boolean {
    return true;
  }

  onMessage(message: Buffer): void {
    // Messages still arriving from a read after the session was cut off or quit go nowhere.
    if ((message.length === 0 && this.ignoresEmptyMessages) || !this.hub.isOnline(this.session)) return;
    this.#pacer.offer(message);
  }

  onClose(reason: CloseReason): void {
    this.#place.closed(reason);
    this.session.isClientGone = true;
    // A client that sent its messages and closed (`cat notes | nc host port`) has them all
    // carried out, at the pace anyone's are; the user leaves after the last one.
    if (reason === "peer-closed" && this.#pacer.waiting > 0) {
      this.#closedWith = reason;
      return;
    }
    this.#disconnect(reason);
  }

  onAllWritten(): void {
    this.#place.allWritten();
  }

  deliveredThrough(): string | null {
    return this.#place.deliveredThrough;
  }

  deliver(event: ChatEvent): void {
    switch (event.kind) {
      case "close":
        this.#leaveReason = event.reason;
        this.connection.end("quit", this.#options.shutdownGraceMs, this.quitFarewell(event.reason));
        this.#endSession(this.#closedWith ?? "quit");
        return;
      case "shutdown":
        this.connection.end("server-shutdown", this.#options.shutdownGraceMs, this.shutdownFarewell());
        // Messages still paced go no further; a client that already closed leaves now.
        this.#pacer.stop();
        if (this.#closedWith !== null) this.#disconnect("server-shutdown");
        return;
      default:
        this.render(event);
    }
  }

  #cutOffFlooder(): void {
    this.log.warn({ event: "flood", peer: this.connection.address }, "disconnecting a flooder");
    this.#leaveReason = "Excess flood";
    this.connection.end("flood", this.#options.shutdownGraceMs, this.floodFarewell());
    this.#endSession("flood");
  }

  /**
   * A session that is being closed leaves now, not when its client gets round to closing
   * the socket: the others hear of it at once, and its delivery place stops here, so
   * nothing said meanwhile counts as seen by it. A client that already closed is not
   * closed again: its end is logged here.
   */
  #endSession(reason: CloseReason): void {
    if (this.#closedWith !== null) this.#disconnect(reason);
    else this.hub.disconnect(this.session, this.#leaveReason);
  }

  #disconnect(reason: CloseReason): void {
    // A client that closed has what it sent carried out first; any other end is immediate.
    if (reason === "peer-closed") this.hub.disconnectAfterCommands(this.session, this.#leaveReason);
    else this.hub.disconnect(this.session, this.#leaveReason);
    this.log.info(
      {
        event: "disconnect",
        frontend: this.#frontend,
        session: this.session.sessionId,
        peer: this.connection.address,
        reason,
      },
      "user left",
    );
  }
}
