import type { RoomEvent } from "../core/events.js";

/**
 * Carries room events from the process that accepted them to every process serving
 * the room's members, this one included. In-process by default; a shared bus lets
 * several processes serve the same rooms.
 */
export interface FanoutBus {
  publish(event: RoomEvent): void;
  /** The one consumer of events in this process (the hub). */
  subscribe(onEvent: (event: RoomEvent) => void): void;
  close(): Promise<void>;
}
