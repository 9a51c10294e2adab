import type { SharedChatEvent } from "../core/events.js";

/** What travels between processes: everything that more than one session may need to see. */
export type BusEvent = SharedChatEvent;

/**
 * Carries events from the process that accepted them to every process serving their
 * recipients, this one included. In-process by default; a shared bus lets several
 * processes serve the same rooms.
 */
export interface FanoutBus {
  publish(event: BusEvent): void;
  /** The one consumer of events in this process (the hub). */
  subscribe(onEvent: (event: BusEvent) => void): void;
  close(): Promise<void>;
}
