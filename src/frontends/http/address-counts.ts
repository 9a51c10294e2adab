import type { Socket } from "node:net";
import { addressKey } from "../../core/login-throttle.js";

/**
 * Open WebSockets by client address (an IPv6 /64 counting as one, as the login throttle
 * counts guessers), so that one address cannot hold every socket the process can have.
 * Page and asset requests are not counted: they are short, bounded by the server's
 * timeouts, and a cap on them would count every tab's reloads against its chat.
 */
export class AddressCounts {
  readonly #max: number;
  readonly #counts = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Whether `address` ("IP:PORT") may open one more. */
  hasRoomFor(address: string): boolean {
    return (this.#counts.get(addressKey(address)) ?? 0) < this.#max;
  }

  /** Counts a WebSocket of `address` until its socket closes. */
  add(address: string, socket: Socket): void {
    const key = addressKey(address);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    socket.once("close", () => this.#release(key));
  }

  #release(key: string): void {
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count === 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }
}
