/**
 * A token bucket: `burst` commands at once, then `perSecond` on average. Used to pace
 * each user's commands (a flooder is slowed first, and cut off only if it keeps on)
 * and to throttle password guessing.
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(burst: number, perSecond: number, now: number = Date.now()) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#updatedAt = now;
  }

  /**
   * Takes `cost` tokens and returns 0 when there are enough, else returns how many ms until
   * there will be. A cost above the burst needs only a full bucket and leaves it in debt,
   * so what follows waits for the rest: it is paced, never refused for good.
   */
  take(now: number = Date.now(), cost = 1): number {
    this.#refill(now);
    const needed = Math.min(cost, this.#burst);
    if (this.#tokens >= needed) {
      this.#tokens -= cost;
      return 0;
    }
    return Math.ceil((needed - this.#tokens) / this.#perMs);
  }

  /** Gives back a token taken for something that turned out not to count (a successful login). */
  refund(): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
    this.#updatedAt = now;
  }
}

/** Token buckets by key (an account, an address), forgotten when full again so memory stays bounded. */
export class KeyedLimiter {
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#perSecond = perSecond;
  }

  /** As TokenBucket.take, for `key`. */
  take(key: string, now: number = Date.now()): number {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size > 100_000) this.#buckets.clear();
      bucket = new TokenBucket(this.#burst, this.#perSecond, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  refund(key: string): void {
    this.#buckets.get(key)?.refund();
  }
}
