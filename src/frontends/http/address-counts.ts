import type { Socket } from "node:net";

const COUNTED = Symbol("counted address");
type CountedSocket = Socket & { [COUNTED]?: string };

/**
 * Open web connections by peer address, so that one address cannot hold every socket the
 * process can have: past the cap, its new requests are refused.
 */
export class AddressCounts {
  readonly #max: number;
  readonly #counts = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts an accepted socket until it closes. */
  add(socket: Socket): void {
    const address = socket.remoteAddress ?? "";
    (socket as CountedSocket)[COUNTED] = address;
    this.#counts.set(address, (this.#counts.get(address) ?? 0) + 1);
    socket.once("close", () => this.#release(address));
  }

  /** Whether this socket's address holds more sockets than the cap (this one included). */
  isOverCap(socket: Socket): boolean {
    const address = (socket as CountedSocket)[COUNTED];
    return address !== undefined && (this.#counts.get(address) ?? 0) > this.#max;
  }

  #release(address: string): void {
    const count = (this.#counts.get(address) ?? 1) - 1;
    if (count === 0) this.#counts.delete(address);
    else this.#counts.set(address, count);
  }
}
