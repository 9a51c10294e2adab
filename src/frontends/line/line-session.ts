import { isUtf8 } from "node:buffer";
import type { Logger } from "pino";
import type { Command } from "../../core/commands.js";
import type { KickedEvent, Reply } from "../../core/events.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import type { Connection, CutOffReason } from "../../net/connection.js";
import { FrontEndSession, type FrontEndSessionOptions, type RenderedChatEvent } from "../front-end-session.js";
import type { PacingClock } from "../pacer.js";
import { fewerHistoryItems, fewerSearchResults } from "../reply-trimming.js";
import {
  CUT_OFF_LINES,
  type RenderedEvent,
  renderDirect,
  renderError,
  renderHelp,
  renderInvited,
  renderKickedSelf,
  renderLeftCurrentRoom,
  renderQuitInRoom,
  renderReply,
  renderRoomEvent,
  renderWallops,
  renderWelcome,
  SHUTDOWN_LINE,
} from "./codec.js";
import { lineCommandHelp, linePacingCost, parseLineCommand } from "./line-commands.js";
import type { ShownError } from "./line-errors.js";

export interface LineSessionOptions extends FrontEndSessionOptions {
  defaultRoom: string;
  /** Past messages of the default room shown on connect; 0 keeps the original transcript. */
  lobbyReplay: number;
  maxLineBytes: number;
}

const SLASH = 0x2f;
const FLOOD_LINE = renderError({ code: "ERR_FLOOD" });

/**
 * One line-protocol user. A line starting with "/" is a command; any other line is a
 * message to the user's current room, exactly as in the original. What the core tells
 * the user is rendered in the original's words.
 */
export class LineSession extends FrontEndSession {
  readonly #options: LineSessionOptions;
  /** Rooms in the order joined; the current room is where plain lines go. */
  #rooms: string[] = [];
  #currentRoom: string | null = null;
  #isWelcomed = false;
  /** The join on connect is the original's silent one: its reply is not shown. */
  #isAutoJoinPending = true;
  /** Replies that arrive before the welcome line (a lobby replay) wait for it. */
  #repliesBeforeWelcome: Reply[] | null = null;

  constructor(connection: Connection, hub: FrontEndHub, options: LineSessionOptions, log: Logger, clock?: PacingClock) {
    super("line", connection, hub, options, log, clock);
    this.#options = options;
    this.execute({ kind: "join", room: options.defaultRoom, replay: options.lobbyReplay, key: "" });
  }

  /** A message costs 1; a command what the core says it costs (searches cost more). */
  protected costOf(line: Buffer): number {
    return line[0] === SLASH ? linePacingCost(line.toString("utf8")) : 1;
  }

  onMessageTooLong(bytes: number): void {
    this.#reject({ code: "ERR_LINE_TOO_LONG", detail: { bytes, limit: this.#options.maxLineBytes } });
  }

  farewellFor(reason: CutOffReason): Buffer {
    return CUT_OFF_LINES[reason];
  }

  protected floodFarewell(): Buffer {
    return FLOOD_LINE;
  }

  protected quitFarewell(): undefined {
    return undefined;
  }

  protected shutdownFarewell(): Buffer {
    return SHUTDOWN_LINE;
  }

  protected tellPaced(perSecond: number, waiting: number): void {
    this.#onReply({ kind: "paced", perSecond, waiting });
  }

  protected render(event: RenderedChatEvent): void {
    const self = this.session;
    switch (event.kind) {
      case "message":
        // The original never echoes a message to its sender.
        if (event.from.sessionId !== self.sessionId) this.#sendRoomEvent(event, event.room);
        return;
      case "joined":
        if (event.who.sessionId !== self.sessionId) this.#sendRoomEvent(event, event.room, false);
        else this.#onOwnJoin(event.room, event.members);
        return;
      case "left":
        // A login that made this session one with another of its account: its former self left.
        if (event.who.sessionId !== self.sessionId) this.#sendRoomEvent(event, event.room, false);
        return;
      case "quit":
        for (let i = 0; i < event.rooms.length; i++) {
          const { room } = event.rooms[i];
          if (this.#rooms.includes(room)) {
            this.#sendRendered(renderQuitInRoom(event, i, room === this.#currentRoom), false);
          }
        }
        return;
      case "topic":
      case "mode":
        this.#sendRoomEvent(event, event.room);
        return;
      case "kicked":
        if (event.target.sessionId === self.sessionId) this.#onKicked(event);
        else this.#sendRoomEvent(event, event.room);
        return;
      case "invited":
        // Operators are told of others' invitations for IRC's invite-notify; a line user only of its own.
        if (event.target.sessionId === self.sessionId) this.connection.send(renderInvited(event));
        return;
      case "renamed":
        if (event.who.sessionId !== self.sessionId && event.from !== event.to) {
          this.#sendRendered(renderRoomEvent(event, true));
        }
        return;
      case "direct":
        // By identity, not by session: the sender's other sessions (same account) see it as sent.
        this.connection.send(renderDirect(event, event.fromKey !== self.identityKey));
        return;
      case "reply":
        this.#onReply(event.reply);
        return;
      case "error":
        this.#reject(event.error);
        return;
      case "wallops":
        this.connection.send(renderWallops(event.from.displayName, event.text));
        return;
      case "done":
      case "away":
      case "real-name":
      case "signal":
        return;
    }
  }

  protected handle(line: Buffer): void {
    if (!this.session.isBusy) {
      const command = this.#decode(line);
      if (command !== null) this.execute(command);
      return;
    }
    // A command still running (a join waiting on the store) may change the current room,
    // where a plain line goes and what a command without a room means: this line is read
    // when its turn comes. The framer's buffer is reused, so the line is copied.
    const kept = Buffer.from(line);
    this.hub.execute(this.session, () => this.#decode(kept));
  }

  /** The line as a command to run; null when it was answered here (help, an error). */
  #decode(line: Buffer): Command | null {
    if (!isUtf8(line)) {
      this.#reject({ code: "ERR_INVALID_UTF8" });
      return null;
    }
    const text = line.toString("utf8");
    // "//" sends a line that starts with "/", as IRC clients do.
    const isCommand = text.charCodeAt(0) === SLASH && text.charCodeAt(1) !== SLASH;
    if (!isCommand) {
      const said = text.charCodeAt(0) === SLASH ? text.slice(1) : text;
      if (this.#currentRoom !== null) return { kind: "say", room: this.#currentRoom, text: said, isAction: false };
      this.#reject({ code: "ERR_NOT_IN_ROOM", detail: { room: "any room" } });
      return null;
    }
    const command = parseLineCommand(text, this.#currentRoom);
    if (command === null) {
      this.connection.send(renderHelp(lineCommandHelp(this.hub.hasHistory)));
      return null;
    }
    if ("code" in command) {
      this.#reject(command);
      return null;
    }
    return command;
  }

  /** Arrivals and departures are not urgent: in a burst of them, each user gets one write, not one each. */
  #sendRoomEvent(event: Parameters<typeof renderRoomEvent>[0], room: string, isUrgent = true): void {
    this.#sendRendered(renderRoomEvent(event, room === this.#currentRoom), isUrgent);
  }

  #sendRendered(rendered: RenderedEvent, isUrgent = true): void {
    this.connection.sendShared(rendered.batch, rendered.index, isUrgent);
  }

  #onKicked(event: KickedEvent): void {
    this.#rooms = this.#rooms.filter((room) => room !== event.room);
    if (this.#currentRoom === event.room) this.#currentRoom = this.#rooms.at(-1) ?? null;
    this.connection.send(renderKickedSelf(event, this.#currentRoom));
  }

  #onOwnJoin(room: string, members: number): void {
    // A literal for the first: pushing onto an empty array reserves room for sixteen.
    if (this.#rooms.length === 0) this.#rooms = [room];
    else if (!this.#rooms.includes(room)) this.#rooms.push(room);
    if (this.#isWelcomed) return;
    this.#isWelcomed = true;
    this.#currentRoom = room;
    this.connection.send(renderWelcome(members));
    for (const reply of this.#repliesBeforeWelcome ?? []) this.connection.send(this.#render(reply));
    this.#repliesBeforeWelcome = null;
    // Whoever arrives while nothing is kept is told, as those online were.
    const paused = this.hub.historyPausedError;
    if (paused !== null) this.#reject(paused);
  }

  #onReply(reply: Reply): void {
    if (reply.kind === "history" && reply.after !== undefined) this.catchingUp(reply.after);
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
      this.connection.send(rendered ?? this.#render(reply));
      return;
    }
    this.#repliesBeforeWelcome ??= [];
    this.#repliesBeforeWelcome.push(reply);
  }

  #render(reply: Reply): Buffer {
    if (reply.kind === "history") return this.withinSendQueue(reply, renderReply, fewerHistoryItems);
    if (reply.kind === "search") return this.withinSendQueue(reply, renderReply, fewerSearchResults);
    return renderReply(reply);
  }

  #reject(error: ShownError): void {
    this.connection.send(renderError(error));
  }
}
