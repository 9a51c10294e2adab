import type { RoomEvent } from "../core/events.js";
import type { FanoutBus } from "./bus.js";

/** One process: publishing is delivering, synchronously, with no copy. */
export class LocalBus implements FanoutBus {
  #onEvent: (event: RoomEvent) => void = () => {};

  publish(event: RoomEvent): void {
    this.#onEvent(event);
  }

  subscribe(onEvent: (event: RoomEvent) => void): void {
    this.#onEvent = onEvent;
  }

  async close(): Promise<void> {}
}
