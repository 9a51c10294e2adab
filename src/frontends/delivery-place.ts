import { earlierId } from "../core/delivery-cursors.js";
import type { CloseReason, Connection } from "../net/connection.js";
import { DeliveryMarks, KERNEL_BUFFER_BYTES } from "../net/delivery-marks.js";

/** Where the hub's delivery stands: the id of the last event it delivered. */
export interface HubPosition {
  readonly lastDeliveredId: string;
}

/** Ends after which what the kernel had taken may never have reached the peer. */
const LOST_KERNEL_BUFFERS: ReadonlySet<CloseReason> = new Set([
  "reset",
  "send-queue-full",
  "line-overflow",
  "internal-error",
]);

/**
 * Where delivery to one connection's user stands, as a front end tells the core
 * (`EventSink.deliveredThrough`): nothing to say while everything sent has reached the
 * kernel; otherwise the hub's position the last time it had. A catch-up of missed messages
 * counts only once it is out, and after a reset or a cut-off the place goes back a kernel's
 * worth of output, since what the kernel held may have been thrown away.
 */
export class DeliveryPlace {
  readonly #connection: Connection;
  readonly #hub: HubPosition;
  /** The hub's position the last time everything sent had reached the kernel. */
  #writtenThrough: string;
  /** Where delivery stood when the client went: nothing fanned out after that reaches it. */
  #atClose: string | null = null;
  /** A catch-up of missed messages is queued and not yet all taken by the kernel. */
  #isCatchUpPending = false;
  readonly #marks: DeliveryMarks;

  constructor(connection: Connection, hub: HubPosition) {
    this.#connection = connection;
    this.#hub = hub;
    const start = hub.lastDeliveredId;
    this.#writtenThrough = start;
    this.#marks = new DeliveryMarks(start);
  }

  /** Null while the connection is not behind; see the class comment. */
  get deliveredThrough(): string | null {
    if (this.#atClose !== null) return this.#atClose;
    return this.#connection.isBehind || this.#isCatchUpPending ? this.#writtenThrough : null;
  }

  /** Everything sent so far has been taken by the kernel (once per write, not per message). */
  allWritten(): void {
    const position = this.#hub.lastDeliveredId;
    this.#writtenThrough = position;
    this.#isCatchUpPending = false;
    this.#marks.record(this.#connection.bytesTaken, position);
  }

  /** A catch-up of what came after `after` is being sent: until it is out, that is where delivery stands. */
  catchingUp(after: string): void {
    this.#writtenThrough = earlierId(this.#writtenThrough, after);
    this.#marks.lowerTo(after);
    this.#isCatchUpPending = true;
  }

  /** The connection ended for `reason`: the place is fixed now. */
  closed(reason: CloseReason): void {
    const place = this.deliveredThrough ?? this.#hub.lastDeliveredId;
    const kernelHeld = LOST_KERNEL_BUFFERS.has(reason)
      ? this.#marks.positionAt(this.#connection.bytesTaken - KERNEL_BUFFER_BYTES)
      : undefined;
    this.#atClose = earlierId(place, kernelHeld);
  }
}
