import { isUtf8 } from "node:buffer";
import type { Logger } from "pino";
import type { ChatError } from "../../core/errors.js";
import type { ChatEvent } from "../../core/events.js";
import type { Hub } from "../../core/hub.js";
import type { EventSink, Session } from "../../core/session.js";
import type { CloseReason, Connection, ConnectionHandler } from "../../net/connection.js";
import { renderError, renderRoomEvent, renderWelcome, SHUTDOWN_LINE } from "./codec.js";

export interface LineSessionOptions {
  defaultRoom: string;
  maxLineBytes: number;
  shutdownGraceMs: number;
}

/**
 * One line-protocol user: every line they type is a message to their room, as in the
 * original; what the core tells them is rendered in the original's words.
 */
export class LineSession implements ConnectionHandler, EventSink {
  readonly #connection: Connection;
  readonly #hub: Hub;
  readonly #log: Logger;
  readonly #options: LineSessionOptions;
  readonly #session: Session;
  #room: string;
  #isWelcomed = false;

  constructor(connection: Connection, hub: Hub, options: LineSessionOptions, log: Logger) {
    this.#connection = connection;
    this.#hub = hub;
    this.#log = log;
    this.#options = options;
    this.#room = options.defaultRoom;
    this.#session = hub.connect(connection.address, this);
    connection.attach(this);
    log.info({ event: "connect", frontend: "line", peer: connection.address }, "user connected");
    hub.execute(this.#session, { kind: "join", room: this.#room });
  }

  onLine(line: Buffer): void {
    if (line.length === 0) return;
    if (!isUtf8(line)) {
      this.#reject({ code: "ERR_INVALID_UTF8" });
      return;
    }
    const error = this.#hub.execute(this.#session, { kind: "say", room: this.#room, text: line.toString("utf8") });
    if (error !== null) this.#reject(error);
  }

  onLineTooLong(bytes: number): void {
    this.#reject({ code: "ERR_LINE_TOO_LONG", detail: { bytes, limit: this.#options.maxLineBytes } });
  }

  onClose(reason: CloseReason): void {
    this.#hub.disconnect(this.#session);
    this.#log.info({ event: "disconnect", frontend: "line", peer: this.#connection.address, reason }, "user left");
  }

  deliver(event: ChatEvent): void {
    switch (event.kind) {
      case "message":
        // The original never echoes a message to its sender.
        if (event.from.sessionId !== this.#session.sessionId) this.#connection.send(renderRoomEvent(event));
        return;
      case "joined":
        if (event.who.sessionId !== this.#session.sessionId) this.#connection.send(renderRoomEvent(event));
        else if (!this.#isWelcomed) {
          this.#isWelcomed = true;
          this.#connection.send(renderWelcome(event.members));
        }
        return;
      case "left":
        this.#connection.send(renderRoomEvent(event));
        return;
      case "shutdown":
        this.#connection.end("server-shutdown", this.#options.shutdownGraceMs, SHUTDOWN_LINE);
        return;
    }
  }

  #reject(error: ChatError): void {
    this.#connection.send(renderError(error));
  }
}
