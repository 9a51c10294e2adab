import type { ChatEvent, UserRef } from "./events.js";
import type { Room } from "./room.js";

/** A front end's side of a session: where the core's events for one user go. */
export interface EventSink {
  deliver(event: ChatEvent): void;
}

/** One connected user, whatever the front end. */
export class Session {
  readonly sessionId: number;
  /** "IP:PORT" of the user's connection. */
  readonly address: string;
  /**
   * How events show this user. Replaced, never mutated, when the name changes, so an
   * event keeps the name its sender had when it was sent.
   */
  ref: UserRef;
  readonly sink: EventSink;
  readonly rooms = new Set<Room>();

  constructor(sessionId: number, address: string, sink: EventSink) {
    this.sessionId = sessionId;
    this.address = address;
    this.ref = Object.freeze({ sessionId, displayName: address });
    this.sink = sink;
  }
}
