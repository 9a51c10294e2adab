import { isUtf8 } from "node:buffer";
import type { Logger } from "pino";
import { COMMAND_COSTS, EVERYTHING_READABLE } from "../../core/commands.js";
import type { ChatError } from "../../core/errors.js";
import type { ChatEvent, HistoryItem, Reply } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import type { EventSink, Session } from "../../core/session.js";
import type { CloseReason, Connection, ConnectionHandler, CutOffReason } from "../../net/connection.js";
import { DeliveryPlace } from "../delivery-place.js";
import {
  CUT_OFF_LINES,
  type RenderedEvent,
  renderDirect,
  renderError,
  renderLeftCurrentRoom,
  renderReply,
  renderRoomEvent,
  renderWelcome,
  SHUTDOWN_LINE,
} from "./codec.js";
import { lineCommandHelp, linePacingCost, parseLineCommand } from "./line-commands.js";

const MOST_A_COMMAND_COSTS = Math.max(...Object.values(COMMAND_COSTS));

export interface LineSessionOptions {
  defaultRoom: string;
  /** Past messages of the default room shown on connect; 0 keeps the original transcript. */
  lobbyReplay: number;
  maxLineBytes: number;
  shutdownGraceMs: number;
  /** Lines held back while a user is being slowed down; past this the user is flooding and is cut off. */
  maxPacedLines: number;
  /** The connection's send queue: a history reply is kept to half of it, so asking for one never cuts the asker off. */
  sendQueueBytes: number;
}

const SLASH = 0x2f;
/**
 * Pacing that starts again this soon after it ended continues the same stretch: a flooder's
 * next lines are already waiting when its queue drains, a person's come later.
 */
const PACING_STRETCH_GAP_MS = 250;

/** A message costs 1; a command what the core says it costs (searches cost more). */
function pacingCost(line: Buffer): number {
  return line[0] === SLASH ? linePacingCost(line.toString("utf8")) : 1;
}

/**
 * One line-protocol user. A line starting with "/" is a command; any other line is a
 * message to the user's current room, exactly as in the original. What the core tells
 * the user is rendered in the original's words.
 */
export class LineSession implements ConnectionHandler, EventSink {
  readonly #connection: Connection;
  readonly #hub: Hub;
  readonly #log: Logger;
  readonly #options: LineSessionOptions;
  readonly #session: Session;
  /** Rooms in the order joined; the current room is where plain lines go. */
  #rooms: string[] = [];
  #currentRoom: string | null = null;
  #isWelcomed = false;
  /** The join on connect is the original's silent one: its reply is not shown. */
  #isAutoJoinPending = true;
  /** Replies that arrive before the welcome line (a lobby replay) wait for it. */
  #repliesBeforeWelcome: Reply[] | null = null;
  /** Lines waiting for the command bucket to refill; null when the user is not being paced. */
  #paced: Buffer[] | null = null;
  /** Set when the client closed while lines of its were still paced: it leaves after them. */
  #closedWith: CloseReason | null = null;
  /** When the current stretch of pacing began, and when pacing last ended (ms since the epoch). */
  #pacedSince = 0;
  #pacingEndedAt = 0;
  #closeReason = "";
  readonly #place: DeliveryPlace;

  constructor(connection: Connection, hub: Hub, options: LineSessionOptions, log: Logger) {
    this.#connection = connection;
    this.#hub = hub;
    this.#log = log;
    this.#options = options;
    this.#place = new DeliveryPlace(connection, () => hub.lastDeliveredId);
    this.#session = hub.connect(connection.address, this);
    connection.attach(this);
    // The one place a hidden address and the guest name shown for it are seen together.
    const guest = this.#session.anonymousName;
    const session = this.#session.sessionId;
    log.info({ event: "connect", frontend: "line", session, peer: connection.address, guest }, "user connected");
    hub.execute(this.#session, { kind: "join", room: options.defaultRoom, replay: options.lobbyReplay });
  }

  onLine(line: Buffer): void {
    // Lines still arriving from a read after the session was cut off or quit go nowhere.
    if (line.length === 0 || !this.#hub.isOnline(this.#session)) return;
    if (this.#paced !== null) {
      this.#pace(Buffer.from(line));
      return;
    }
    const now = Date.now();
    const wait = this.#session.commandBucket.take(now, pacingCost(line));
    if (wait > 0) {
      this.#paced = [];
      this.#pace(Buffer.from(line));
      if (now - this.#pacingEndedAt > PACING_STRETCH_GAP_MS) {
        this.#pacedSince = now;
        // Once the lines already read (the rest of a paste) have joined the queue.
        queueMicrotask(() => this.#tellPaced());
      }
      if (this.#paced === null || this.#isFloodingFor(now)) return;
      this.#connection.holdInput();
      setTimeout(() => this.#releasePaced(), wait).unref();
      return;
    }
    this.#handle(line);
  }

  onLineTooLong(bytes: number): void {
    this.#reject({ code: "ERR_LINE_TOO_LONG", detail: { bytes, limit: this.#options.maxLineBytes } });
  }

  farewellFor(reason: CutOffReason): Buffer {
    return CUT_OFF_LINES[reason];
  }

  onClose(reason: CloseReason): void {
    this.#place.closed(reason);
    this.#session.isClientGone = true;
    // A client that sent its lines and closed (`cat notes | nc host port`) has them all
    // relayed, at the pace anyone's are; the user leaves after the last one.
    if (reason === "peer-closed" && this.#paced !== null && this.#paced.length > 0) {
      this.#closedWith = reason;
      return;
    }
    this.#disconnect(reason);
  }

  #disconnect(reason: CloseReason): void {
    // A client that closed has what it sent carried out first; any other end is immediate.
    if (reason === "peer-closed") this.#hub.disconnectAfterCommands(this.#session, this.#closeReason);
    else this.#hub.disconnect(this.#session, this.#closeReason);
    const session = this.#session.sessionId;
    this.#log.info(
      { event: "disconnect", frontend: "line", session, peer: this.#connection.address, reason },
      "user left",
    );
  }

  onAllWritten(): void {
    this.#place.allWritten();
  }

  deliveredThrough(): string | null {
    return this.#place.deliveredThrough;
  }

  deliver(event: ChatEvent): void {
    switch (event.kind) {
      case "message":
        // The original never echoes a message to its sender.
        if (event.from.sessionId !== this.#session.sessionId) this.#sendRoomEvent(event, event.room);
        return;
      case "joined":
        if (event.who.sessionId !== this.#session.sessionId) this.#sendRoomEvent(event, event.room, false);
        else this.#onOwnJoin(event.room, event.members);
        return;
      case "left":
        this.#sendRoomEvent(event, event.room, false);
        return;
      case "topic":
        this.#sendRoomEvent(event, event.room);
        return;
      case "renamed":
        if (event.who.sessionId !== this.#session.sessionId) this.#sendRendered(renderRoomEvent(event, true));
        return;
      case "direct":
        // By identity, not by session: the sender's other sessions (same account) see it as sent.
        this.#connection.send(renderDirect(event, event.fromKey !== this.#session.identityKey));
        return;
      case "reply":
        this.#onReply(event.reply);
        return;
      case "error":
        this.#reject(event.error);
        return;
      case "close":
        this.#closeReason = event.reason;
        this.#connection.end("quit", this.#options.shutdownGraceMs);
        // A client that already closed gets its end logged here; it will not close again.
        if (this.#closedWith !== null) this.#disconnect(this.#closedWith);
        else this.#leaveNow();
        return;
      case "shutdown":
        this.#connection.end("server-shutdown", this.#options.shutdownGraceMs, SHUTDOWN_LINE);
        // Lines still paced go no further; a client that already closed leaves now.
        this.#paced = null;
        if (this.#closedWith !== null) this.#disconnect("server-shutdown");
        return;
    }
  }

  #handle(line: Buffer): void {
    if (!isUtf8(line)) {
      this.#reject({ code: "ERR_INVALID_UTF8" });
      return;
    }
    const text = line.toString("utf8");
    // "//" sends a line that starts with "/", as IRC clients do.
    const isCommand = text.charCodeAt(0) === SLASH && text.charCodeAt(1) !== SLASH;
    if (!isCommand) {
      const said = text.charCodeAt(0) === SLASH ? text.slice(1) : text;
      if (this.#currentRoom === null) this.#reject({ code: "ERR_NOT_IN_ROOM", detail: { room: "any room" } });
      else this.#hub.execute(this.#session, { kind: "say", room: this.#currentRoom, text: said, isAction: false });
      return;
    }
    const command = parseLineCommand(text, this.#currentRoom);
    if (command === null) {
      this.#connection.send(renderReply({ kind: "help", commands: lineCommandHelp(this.#hub.store !== null) }));
    } else if ("code" in command) this.#reject(command);
    else this.#hub.execute(this.#session, command);
  }

  /** Arrivals and departures are not urgent: in a burst of them, each user gets one write, not one each. */
  #sendRoomEvent(event: Parameters<typeof renderRoomEvent>[0], room: string, isUrgent = true): void {
    this.#sendRendered(renderRoomEvent(event, room === this.#currentRoom), isUrgent);
  }

  #sendRendered(rendered: RenderedEvent, isUrgent = true): void {
    this.#connection.sendShared(rendered.batch, rendered.index, isUrgent);
  }

  #onOwnJoin(room: string, members: number): void {
    if (!this.#rooms.includes(room)) this.#rooms.push(room);
    if (this.#isWelcomed) return;
    this.#isWelcomed = true;
    this.#currentRoom = room;
    this.#connection.send(renderWelcome(members));
    for (const reply of this.#repliesBeforeWelcome ?? []) this.#connection.send(this.#render(reply));
    this.#repliesBeforeWelcome = null;
    // Whoever arrives while nothing is kept is told, as those online were.
    const paused = this.#hub.historyPausedError;
    if (paused !== null) this.#reject(paused);
  }

  #onReply(reply: Reply): void {
    if (reply.kind === "history" && reply.after !== undefined) this.#place.catchingUp(reply.after);
    if (reply.kind === "joined") {
      this.#currentRoom = reply.room;
      if (this.#isAutoJoinPending) {
        this.#isAutoJoinPending = false;
        return;
      }
    }
    let rendered: Buffer | undefined;
    if (reply.kind === "left") {
      this.#rooms = this.#rooms.filter((room) => room !== reply.room);
      if (this.#currentRoom === reply.room) {
        this.#currentRoom = this.#rooms.at(-1) ?? null;
        rendered = renderLeftCurrentRoom(reply.room, this.#currentRoom);
      }
    }
    if (this.#isWelcomed) {
      this.#connection.send(rendered ?? this.#render(reply));
      return;
    }
    this.#repliesBeforeWelcome ??= [];
    this.#repliesBeforeWelcome.push(reply);
  }

  /**
   * A flooder is slowed first: its lines wait for the bucket. One that keeps on is cut off:
   * when more than `maxPacedLines` lines wait at once, or when it has been slowed without
   * a break for as long as releasing that many takes (a steady flood that never piles up
   * here, because its input waits in the kernel).
   */
  #pace(line: Buffer): void {
    const paced = this.#paced as Buffer[];
    paced.push(line);
    if (paced.length > this.#options.maxPacedLines) this.#cutOffFlooder();
  }

  /**
   * True (and the flooder cut off) when this stretch of pacing has gone on too long: longer
   * than releasing `maxPacedLines` lines after a burst takes, and never shorter than two
   * waits for the costliest command, so a person who searches twice in a row is not a flooder.
   */
  #isFloodingFor(now: number): boolean {
    const { burst, perSecond } = this.#session.commandRate;
    const lines = Math.max(this.#options.maxPacedLines + burst, 2 * MOST_A_COMMAND_COSTS);
    const longestMs = (lines / perSecond) * 1000;
    if (now - this.#pacedSince <= longestMs) return false;
    this.#cutOffFlooder();
    return true;
  }

  /** Tells the user, once a stretch, that their lines are held back and how fast they go. */
  #tellPaced(): void {
    if (this.#paced === null || this.#session.isClientGone) return;
    const { perSecond } = this.#session.commandRate;
    this.#onReply({ kind: "paced", perSecond, waiting: this.#paced.length });
  }

  #cutOffFlooder(): void {
    if (this.#paced === null) return;
    this.#paced = null;
    this.#log.warn({ event: "flood", peer: this.#connection.address }, "disconnecting a flooder");
    this.#closeReason = "Excess flood";
    this.#connection.end("flood", this.#options.shutdownGraceMs, renderError({ code: "ERR_FLOOD" }));
    // A client that already closed is not closed again: its end is logged here.
    if (this.#closedWith !== null) this.#disconnect("flood");
    else this.#leaveNow();
  }

  /**
   * A session that is being closed leaves now, not when its client gets round to closing
   * the socket: the others hear of it at once, and its delivery cursor stops here, so
   * nothing said meanwhile counts as seen by it.
   */
  #leaveNow(): void {
    this.#hub.disconnect(this.#session, this.#closeReason);
  }

  #releasePaced(): void {
    const paced = this.#paced;
    if (paced === null || !this.#hub.isOnline(this.#session)) return;
    while (paced.length > 0) {
      const now = Date.now();
      const wait = this.#session.commandBucket.take(now, pacingCost(paced[0]));
      if (wait > 0) {
        if (this.#isFloodingFor(now)) return;
        setTimeout(() => this.#releasePaced(), wait).unref();
        return;
      }
      this.#handle(paced.shift() as Buffer);
      // That line may have ended the session (/quit): the rest go nowhere.
      if (!this.#hub.isOnline(this.#session)) return;
    }
    this.#paced = null;
    this.#pacingEndedAt = Date.now();
    if (this.#closedWith !== null) this.#disconnect(this.#closedWith);
    else this.#connection.releaseInput();
  }

  #render(reply: Reply): Buffer {
    if (reply.kind === "history") return this.#renderWithinQueue(reply, fewerHistoryItems);
    if (reply.kind === "search") return this.#renderWithinQueue(reply, fewerSearchResults);
    return renderReply(reply);
  }

  /**
   * The reply, made smaller by `shrink` until it fits half the send queue: a user who asks
   * for much is shown less, and how to ask for the rest, never cut off for asking.
   */
  #renderWithinQueue<R extends Reply>(reply: R, shrink: (reply: R) => R | null): Buffer {
    const budget = this.#options.sendQueueBytes / 2;
    let fitted: R | null = reply;
    let rendered = renderReply(reply);
    while (rendered.length > budget) {
      fitted = shrink(fitted);
      if (fitted === null) break;
      rendered = renderReply(fitted);
    }
    return rendered;
  }

  #reject(error: ChatError): void {
    this.#connection.send(renderError(error));
  }
}

type HistoryReply = Extract<Reply, { kind: "history" }>;
type SearchReply = Extract<Reply, { kind: "search" }>;

/**
 * A history reply without a quarter of its oldest items; null when one is left. Its request
 * for older items then starts before the first item shown, a page of as many as are left;
 * left-out items are counted where the reply counted them.
 */
function fewerHistoryItems(reply: HistoryReply): HistoryReply | null {
  const isGap = (item: HistoryItem): boolean => item.kind === "gap";
  let kept = reply.items.length - Math.ceil(reply.items.length / 4);
  // A gap in history has no id to page from, and the older page, which reaches up to the
  // entry after it, shows it again: it goes with what is left out.
  while (kept > 0 && isGap(reply.items[reply.items.length - kept])) kept--;
  if (reply.items.length <= 1 || kept === 0) return null;
  const items = reply.items.slice(reply.items.length - kept);
  const dropped = reply.items.slice(0, reply.items.length - kept).filter((item) => !isGap(item)).length;
  const isCounted = reply.older === null || reply.more > 0;
  const older = {
    where: reply.older?.where ?? (reply.reason === "missed" ? EVERYTHING_READABLE : reply.where),
    limit: items.filter((item) => !isGap(item)).length,
    before: items[0].id,
    after: reply.older?.after ?? reply.after ?? "",
  };
  return { ...reply, items, more: isCounted ? reply.more + dropped : 0, older };
}

/** Search results, newest first, without a quarter of the oldest; the next page starts below the last shown. */
function fewerSearchResults(reply: SearchReply): SearchReply | null {
  if (reply.items.length <= 1) return null;
  const items = reply.items.slice(0, reply.items.length - Math.ceil(reply.items.length / 4));
  return { ...reply, items, older: items[items.length - 1].id };
}
