/**
 * What the core tells front ends. Each front end renders these in its own protocol;
 * the core never formats protocol text.
 */

/** How a user appears to others. */
export interface UserRef {
  /** Stable for the life of the session; front ends compare identity with it. */
  readonly sessionId: number;
  /** The name others see: "IP:PORT" until the user picks a name. */
  readonly displayName: string;
}

/** A chat message the server accepted. `id` and `at` are what history and replay key on. */
export interface MessageEvent {
  readonly kind: "message";
  readonly id: string;
  /** Server time, milliseconds since the epoch. */
  readonly at: number;
  readonly room: string;
  readonly from: UserRef;
  readonly text: string;
}

export interface JoinedEvent {
  readonly kind: "joined";
  readonly room: string;
  readonly who: UserRef;
  /** Members of the room after the join. */
  readonly members: number;
}

export interface LeftEvent {
  readonly kind: "left";
  readonly room: string;
  readonly who: UserRef;
  /** Members of the room after the leave. */
  readonly members: number;
}

/** Events that go to every member of a room (through the bus, so to every process). */
export type RoomEvent = MessageEvent | JoinedEvent | LeftEvent;

/** The server is going down; sent to every session before it is closed. */
export interface ShutdownEvent {
  readonly kind: "shutdown";
}

export type ChatEvent = RoomEvent | ShutdownEvent;
