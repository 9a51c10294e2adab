import type { RoomEvent } from "../core/events.js";

/**
 * Where accepted events are kept for history and replay. The hub hands every room
 * event to the store before it is fanned out.
 */
export interface MessageStore {
  append(event: RoomEvent): void;
  close(): Promise<void>;
}
