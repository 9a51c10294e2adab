import type { BusEvent, FanoutBus } from "./bus.js";

/** One process: publishing is delivering, synchronously, with no copy. */
export class LocalBus implements FanoutBus {
  #onEvent: (event: BusEvent) => void = () => {};

  publish(event: BusEvent): void {
    this.#onEvent(event);
  }

  subscribe(onEvent: (event: BusEvent) => void): void {
    this.#onEvent = onEvent;
  }

  async close(): Promise<void> {}
}
