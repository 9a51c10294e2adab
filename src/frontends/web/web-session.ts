import type { Logger } from "pino";
import type { QuitEvent, Reply } from "../../core/events.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import type { Connection, CutOffReason } from "../../net/connection.js";
import type { SharedPart } from "../../net/shared-output.js";
import { FrontEndSession, type FrontEndSessionOptions, type RenderedChatEvent } from "../front-end-session.js";
import type { PacingClock } from "../pacer.js";
import { fewerHistoryItems, fewerSearchResults } from "../reply-trimming.js";
import { costOfRequest, type DecodedFrame, decodeWebFrame, type WebCommandLimits } from "./web-commands.js";
import {
  closeFrame,
  directFrame,
  doneFrame,
  errorFrame,
  invitedFrame,
  refusalFrame,
  replyFrame,
  SHUTDOWN_FRAME,
  type WebEventRenderer,
  wallopsFrame,
  welcomeFrame,
} from "./web-render.js";

export interface WebSessionOptions extends FrontEndSessionOptions, WebCommandLimits {
  /** The server's name and version, as the welcome says them. */
  readonly serverName: string;
  readonly version: string;
  /** The largest frame a client may send; over it the connection is closed with 1009. */
  readonly maxFrameBytes: number;
}

// The transport follows each of these with its close frame, whose code says why (RFC 6455
// §7.4.1): 1008 for a flood or a full send queue, 1009 for a frame too big, 1001 for a
// shutdown, 1000 for a quit.
const FLOOD_FAREWELL = refusalFrame(
  "flood",
  "Excess flood: you sent too much too fast, and were disconnected.",
  undefined,
);
const CUT_OFF_FAREWELLS: Readonly<Record<CutOffReason, Buffer>> = {
  "send-queue-full": refusalFrame(
    "send-queue-full",
    "You fell too far behind (send queue full): disconnected.",
    undefined,
  ),
  "line-overflow": refusalFrame("frame-too-long", "That frame was too big: disconnected.", undefined),
};

/**
 * One user of the JSON protocol on one WebSocket: each text frame is a request, decoded
 * and checked at the edge, carried out by the core with the request's id; each of the
 * core's events is one frame. Events many users see alike are rendered once and shared.
 */
export class WebChatSession extends FrontEndSession {
  readonly #options: WebSessionOptions;
  readonly #renderer: WebEventRenderer;
  /** The last frame decoded: pacing asks what a frame costs before it runs, and it is decoded once. */
  #lastPayload: Buffer | null = null;
  #lastDecoded: DecodedFrame | null = null;

  constructor(
    connection: Connection,
    hub: FrontEndHub,
    options: WebSessionOptions,
    renderer: WebEventRenderer,
    log: Logger,
    clock?: PacingClock,
  ) {
    super("web", connection, hub, options, log, clock);
    this.#options = options;
    this.#renderer = renderer;
    connection.send(
      welcomeFrame({
        server: options.serverName,
        version: options.version,
        you: this.session.ref,
        online: hub.sessionCount,
        historyKept: hub.hasHistory,
      }),
    );
    // Whoever arrives while nothing is kept is told, as those online were.
    const paused = hub.historyPausedError;
    if (paused !== null) connection.send(errorFrame(paused, undefined));
  }

  /** An empty frame is a request that is not JSON: answered, and paced as any other, so a flood of them is cut off. */
  protected override get ignoresEmptyMessages(): boolean {
    return false;
  }

  protected costOf(payload: Buffer): number {
    return costOfRequest(this.#decode(payload));
  }

  protected handle(payload: Buffer): void {
    const decoded = this.#decode(payload);
    this.#lastPayload = null;
    this.#lastDecoded = null;
    if (decoded.kind === "request") {
      this.hub.execute(this.session, decoded.command, decoded.id);
      return;
    }
    this.connection.send(refusalFrame(decoded.code, decoded.message, decoded.id));
    // A request with an id always ends with its "done", refused or not.
    if (decoded.id !== undefined) this.connection.send(doneFrame(decoded.id));
  }

  #decode(payload: Buffer): DecodedFrame {
    if (payload !== this.#lastPayload || this.#lastDecoded === null) {
      this.#lastPayload = payload;
      this.#lastDecoded = decodeWebFrame(payload.toString("utf8"), this.#options);
    }
    return this.#lastDecoded;
  }

  onMessageTooLong(bytes: number): void {
    this.log.info({ event: "frame-too-long", peer: this.connection.address, bytes }, "closing: frame too big");
    this.connection.end(
      "line-overflow",
      this.#options.shutdownGraceMs,
      refusalFrame("frame-too-long", `Frames are at most ${this.#options.maxFrameBytes} bytes.`, undefined),
    );
  }

  farewellFor(reason: CutOffReason): Buffer {
    return CUT_OFF_FAREWELLS[reason];
  }

  protected floodFarewell(): Buffer {
    return FLOOD_FAREWELL;
  }

  protected quitFarewell(reason: string): Buffer {
    return closeFrame(reason);
  }

  protected shutdownFarewell(): Buffer {
    return SHUTDOWN_FRAME;
  }

  protected tellPaced(perSecond: number, waiting: number): void {
    this.connection.send(replyFrame({ kind: "paced", perSecond, waiting }, undefined));
  }

  protected render(event: RenderedChatEvent): void {
    switch (event.kind) {
      case "message":
        // The hot path: one shared frame, the sender's own copy included (it carries the id and time).
        this.#sendShared(this.#renderer.render(event), true);
        return;
      case "left":
        // Its own leaving is told by the reply; a "left" of its own is a former self of a login.
        if (event.who.sessionId !== this.session.sessionId) this.#sendShared(this.#renderer.render(event), false);
        return;
      case "joined":
      case "away":
        this.#sendShared(this.#renderer.render(event), false);
        return;
      case "topic":
      case "mode":
      case "kicked":
      case "renamed":
        this.#sendShared(this.#renderer.render(event), true);
        return;
      case "quit":
        this.#sendShared(this.#renderQuit(event), false);
        return;
      case "invited":
        // Operators are told of others' invitations for IRC's invite-notify; the page only of its own.
        if (event.target.sessionId === this.session.sessionId) this.connection.send(invitedFrame(event));
        return;
      case "direct":
        // By identity, not by session: the sender's other sessions (same account) see it as sent.
        this.connection.send(directFrame(event, event.fromKey === this.session.identityKey));
        return;
      case "wallops":
        this.connection.send(wallopsFrame(event.from, event.text));
        return;
      case "reply":
        this.#onReply(event.reply, event.requestId);
        return;
      case "error":
        this.connection.send(errorFrame(event.error, event.requestId));
        return;
      case "done":
        this.connection.send(doneFrame(event.requestId));
        return;
      case "signal":
      case "real-name":
        return;
    }
  }

  /** The quit as this user sees it: with the rooms it shares with the one who left, and no others. */
  #renderQuit(event: QuitEvent): SharedPart {
    const rooms = this.session.rooms;
    let sharedCount = 0;
    for (const room of rooms) if (event.rooms.some((each) => each.room === room.name)) sharedCount++;
    if (sharedCount === event.rooms.length) return this.#renderer.render(event);
    const shared: number[] = [];
    for (let i = 0; i < event.rooms.length; i++) {
      for (const room of rooms) {
        if (room.name === event.rooms[i].room) {
          shared.push(i);
          break;
        }
      }
    }
    return this.#renderer.renderQuit(event, shared);
  }

  #sendShared(part: SharedPart, isUrgent: boolean): void {
    this.connection.sendShared(part.batch, part.index, isUrgent);
  }

  #onReply(reply: Reply, re: number | undefined): void {
    if (reply.kind === "history" && reply.after !== undefined) this.catchingUp(reply.after);
    const render = (fitted: Reply): Buffer => replyFrame(fitted, re);
    if (reply.kind === "history") this.connection.send(this.withinSendQueue(reply, render, fewerHistoryItems));
    else if (reply.kind === "search") this.connection.send(this.withinSendQueue(reply, render, fewerSearchResults));
    else this.connection.send(replyFrame(reply, re));
  }
}
