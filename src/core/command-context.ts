import { type ChatError, type ChatErrorCode, chatError } from "./errors.js";
import type { ChatEvent, Reply } from "./events.js";
import type { Hub } from "./hub.js";
import type { Session } from "./session.js";

/**
 * What a command handler works with: the core, the session it acts for, and the request it
 * answers. Every reply and error it sends carries the request's id (when the front end gave
 * one), so a front end can tell which of its requests an answer belongs to (an IRC NAMES
 * from a WHO, a labeled response), however long the command waited on the store.
 */
export class CommandContext {
  readonly hub: Hub;
  readonly session: Session;
  readonly requestId: number | undefined;

  constructor(hub: Hub, session: Session, requestId: number | undefined) {
    this.hub = hub;
    this.session = session;
    this.requestId = requestId;
  }

  reply(reply: Reply): void {
    this.#deliver(
      this.requestId === undefined ? { kind: "reply", reply } : { kind: "reply", reply, requestId: this.requestId },
    );
  }

  fail(code: ChatErrorCode, detail?: Record<string, string | number>): void {
    this.failWith(chatError(code, detail));
  }

  failWith(error: ChatError): void {
    this.#deliver(
      this.requestId === undefined ? { kind: "error", error } : { kind: "error", error, requestId: this.requestId },
    );
  }

  #deliver(event: ChatEvent): void {
    this.session.sink.deliver(event);
  }
}
