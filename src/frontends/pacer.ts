import type { TokenBucket } from "../core/rate-limit.js";
import type { CommandRate } from "../core/session.js";

/** The time pacing runs on: Node's, or a test's. */
export interface PacingClock {
  now(): number;
  /** Calls `then` after `ms`; never keeps the process alive for it. */
  after(ms: number, then: () => void): void;
}

export const NODE_PACING_CLOCK: PacingClock = {
  now: () => Date.now(),
  after: (ms, then) => {
    setTimeout(then, ms).unref();
  },
};

/**
 * What the pacer asks of the session it paces: methods of the session itself, so that a
 * connection costs no object of closures for them.
 */
export interface PacedSession {
  /** What a message costs of the user's pacing budget. */
  costOfMessage(message: Buffer): number;
  /** Carries out one message; false when that ended the session (a quit), so the rest go nowhere. */
  runMessage(message: Buffer): boolean;
  /** Whether the session can still take messages. */
  isTakingMessages(): boolean;
  /** Stop reading the peer while messages wait (the kernel holds the rest); `releaseInput` resumes. */
  holdInput(): void;
  releaseInput(): void;
  /** Said once when a stretch of pacing begins, so nobody waits without a word. */
  pacingBegan(perSecond: number, waiting: number): void;
  /** The peer kept on flooding: cut it off. Called at most once. */
  flooded(): void;
  /** Every message that waited has run. */
  pacingDrained(): void;
}

export interface PacerOptions {
  /** Messages held back while a user is paced; past this the user is flooding. */
  maxPaced: number;
  /** The most any one message costs: a person who sends two of those in a row is no flooder. */
  mostAMessageCosts: number;
}

/**
 * Pacing that starts again this soon after it ended continues the same stretch: a flooder's
 * next lines are already waiting when its queue drains, a person's come later.
 */
const PACING_STRETCH_GAP_MS = 250;

/**
 * Fake lag, as IRC servers call it: every message a user sends costs tokens of a bucket
 * (`burst`, then `perSecond`). A user with tokens is served at once; one without has its
 * messages wait, in order, and its input held, so a paste goes out at the pace and a person
 * is never refused. A flooder is cut off: when more than `maxPaced` messages wait at once, or
 * when it has been slowed without a break for as long as releasing that many takes (a steady
 * flood never piles up here, because its input waits in the kernel).
 *
 * Every front end's session paces through this one class: it is where a message from the
 * network first reaches a session, so a front end cannot skip it.
 */
export class Pacer {
  readonly #bucket: TokenBucket;
  readonly #rate: CommandRate;
  readonly #options: PacerOptions;
  readonly #session: PacedSession;
  readonly #clock: PacingClock;
  /** Messages waiting for the bucket to refill; null when the user is not being paced. */
  #waiting: Buffer[] | null = null;
  /** When the current stretch of pacing began, and when pacing last ended (null: never paced, as most users are not). */
  #pacedSince = 0;
  #pacingEndedAt: number | null = null;

  constructor(
    bucket: TokenBucket,
    rate: CommandRate,
    options: PacerOptions,
    session: PacedSession,
    clock: PacingClock = NODE_PACING_CLOCK,
  ) {
    this.#bucket = bucket;
    this.#rate = rate;
    this.#options = options;
    this.#session = session;
    this.#clock = clock;
  }

  /** Messages waiting their turn (0 when not pacing). */
  get waiting(): number {
    return this.#waiting?.length ?? 0;
  }

  /** A message from the peer: run now, or queued behind the pace. */
  offer(message: Buffer): void {
    if (this.#waiting !== null) {
      this.#queue(message);
      return;
    }
    const now = this.#clock.now();
    const wait = this.#bucket.take(now, this.#session.costOfMessage(message));
    if (wait === 0) {
      this.#session.runMessage(message);
      return;
    }
    this.#waiting = [];
    this.#queue(message);
    if (this.#pacingEndedAt === null || now - this.#pacingEndedAt > PACING_STRETCH_GAP_MS) {
      this.#pacedSince = now;
      // Once the messages already read (the rest of a paste) have joined the queue.
      queueMicrotask(() => this.#tellPaced());
    }
    if (this.#waiting === null || this.#isFloodingAt(now)) return;
    this.#session.holdInput();
    this.#clock.after(wait, () => this.#release());
  }

  /** Drops whatever waits (the server is going down, or the session ended). */
  stop(): void {
    this.#waiting = null;
  }

  #queue(message: Buffer): void {
    const waiting = this.#waiting as Buffer[];
    // Copied: the framer's buffer may be a view into a read buffer that is reused.
    waiting.push(Buffer.from(message));
    if (waiting.length > this.#options.maxPaced) this.#flood();
  }

  #tellPaced(): void {
    if (this.#waiting === null) return;
    this.#session.pacingBegan(this.#rate.perSecond, this.#waiting.length);
  }

  /**
   * True (and the flooder cut off) when this stretch of pacing has gone on too long: longer
   * than releasing `maxPaced` messages after a burst takes, and never shorter than two waits
   * for the costliest message, so a person who searches twice in a row is not a flooder.
   */
  #isFloodingAt(now: number): boolean {
    const { burst, perSecond } = this.#rate;
    const messages = Math.max(this.#options.maxPaced + burst, 2 * this.#options.mostAMessageCosts);
    const longestMs = (messages / perSecond) * 1000;
    if (now - this.#pacedSince <= longestMs) return false;
    this.#flood();
    return true;
  }

  #flood(): void {
    if (this.#waiting === null) return;
    this.#waiting = null;
    this.#session.flooded();
  }

  #release(): void {
    const waiting = this.#waiting;
    if (waiting === null || !this.#session.isTakingMessages()) return;
    while (waiting.length > 0) {
      const now = this.#clock.now();
      const wait = this.#bucket.take(now, this.#session.costOfMessage(waiting[0]));
      if (wait > 0) {
        if (this.#isFloodingAt(now)) return;
        this.#clock.after(wait, () => this.#release());
        return;
      }
      const isStillOn = this.#session.runMessage(waiting.shift() as Buffer);
      if (!isStillOn || this.#waiting !== waiting) return;
    }
    this.#waiting = null;
    this.#pacingEndedAt = this.#clock.now();
    this.#session.pacingDrained();
  }
}
