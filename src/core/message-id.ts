/**
 * Message ids: unique and ordered by the time the server accepted the message.
 * 9 base-36 digits of milliseconds, then a per-millisecond counter, then a
 * per-process tag so that several processes never mint the same id.
 */
const COUNTER_DIGITS = 4;
const COUNTER_LIMIT = 36 ** COUNTER_DIGITS;

export class MessageIdGenerator {
  readonly #processTag: string;
  #lastMs = 0;
  #counter = 0;
  /** `#lastMs` in its 9 digits: many ids share a millisecond, and a timestamp is slow to write in base 36. */
  #lastMsDigits = "000000000";

  constructor(processTag: string = randomTag()) {
    this.#processTag = processTag;
  }

  /** A new id; `lastAt` is then the server timestamp it encodes. */
  next(now: number = Date.now()): string {
    if (now > this.#lastMs) {
      this.#setMs(now);
      this.#counter = 0;
    } else if (++this.#counter === COUNTER_LIMIT) {
      // More ids in one millisecond than the counter holds: borrow the next millisecond.
      this.#setMs(this.#lastMs + 1);
      this.#counter = 0;
    }
    return this.#lastMsDigits + this.#counter.toString(36).padStart(COUNTER_DIGITS, "0") + this.#processTag;
  }

  #setMs(ms: number): void {
    this.#lastMs = ms;
    this.#lastMsDigits = ms.toString(36).padStart(9, "0");
  }

  /** The time the last id was minted at (never behind an earlier one). */
  get lastAt(): number {
    return this.#lastMs;
  }
}

/** A string below every id minted at `ms` or later and above every id minted before: ids sort by time. */
export function idFloorForTime(ms: number): string {
  return Math.max(0, Math.floor(ms)).toString(36).padStart(9, "0");
}

/**
 * The highest bound below `id` that every smaller id stays below: the same string with its
 * last character lowered by one and "~" (above every id character) after it. `id > bound`
 * then means `id >= id`, for ranges whose lower end is exclusive.
 */
export function boundJustBelow(id: string): string {
  if (id === "") return "";
  return `${id.slice(0, -1)}${String.fromCharCode(id.charCodeAt(id.length - 1) - 1)}~`;
}

/** The time an id was minted at (its leading digits); 0 for "" or anything else that is not an id. */
export function timeOfId(id: string): number {
  const ms = Number.parseInt(id.slice(0, 9), 36);
  return Number.isFinite(ms) ? ms : 0;
}

function randomTag(): string {
  return Math.floor(Math.random() * 36 ** 3)
    .toString(36)
    .padStart(3, "0");
}
