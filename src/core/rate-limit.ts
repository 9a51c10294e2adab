/** A bucket's size and refill rate: one object per pace in use, shared by every bucket kept at it. */
interface BucketPace {
  readonly burst: number;
  readonly perMs: number;
}

/** Paces by burst, then by per-second rate: a few configured ones, so ten thousand buckets hold no copy of their own. */
const pacesByBurst = new Map<number, Map<number, BucketPace>>();

function paceFor(burst: number, perSecond: number): BucketPace {
  let byRate = pacesByBurst.get(burst);
  if (byRate === undefined) {
    byRate = new Map();
    pacesByBurst.set(burst, byRate);
  }
  let pace = byRate.get(perSecond);
  if (pace === undefined) {
    pace = { burst, perMs: perSecond / 1000 };
    byRate.set(perSecond, pace);
  }
  return pace;
}

/**
 * A token bucket: `burst` commands at once, then `perSecond` on average. Used to pace
 * each user's commands (a flooder is slowed first, and cut off only if it keeps on)
 * and to throttle password guessing.
 */
export class TokenBucket {
  readonly #pace: BucketPace;
  #tokens: number;
  #updatedAt: number;

  constructor(burst: number, perSecond: number, now: number = Date.now()) {
    this.#pace = paceFor(burst, perSecond);
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
    const needed = Math.min(cost, this.#pace.burst);
    if (this.#tokens >= needed) {
      this.#tokens -= cost;
      return 0;
    }
    return Math.ceil((needed - this.#tokens) / this.#pace.perMs);
  }

  /** Gives back a token taken for something that turned out not to count (a successful login). */
  refund(): void {
    this.#tokens = Math.min(this.#pace.burst, this.#tokens + 1);
  }

  /** Whether one more token could not be taken at `now`. */
  isEmptyAt(now: number): boolean {
    this.#refill(now);
    return this.#tokens < 1;
  }

  /** Whether the bucket is as a new one would be: forgetting it changes nothing. */
  isFullAt(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#pace.burst;
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#tokens = Math.min(this.#pace.burst, this.#tokens + elapsed * this.#pace.perMs);
    this.#updatedAt = now;
  }
}

/**
 * Entries by key, at most `capacity` of them, the least recently used first (a Map keeps
 * insertion order, and touching an entry moves it to the end). A full table evicts one old
 * entry per new one, never all: otherwise whoever can make up new keys (random names at
 * /login) could wipe what the table holds against them. Among the oldest few, an entry that
 * still holds someone back (`isHolding`) gets a second chance at the end of the queue, so
 * keys made up by the thousand, which hold nobody back, go first.
 */
export class RecentKeys<V> {
  readonly #capacity: number;
  readonly #isHolding: (value: V, now: number) => boolean;
  readonly #entries = new Map<string, V>();
  /**
   * Where eviction left off. A new iterator would start at the front of the Map, where
   * every entry evicted since the last rehash leaves a hole to step over: tens of µs an
   * eviction at 100,000 keys. A live one skips each hole once.
   */
  #oldest: MapIterator<[string, V]> = this.#entries.entries();

  constructor(capacity: number, isHolding: (value: V, now: number) => boolean) {
    this.#capacity = capacity;
    this.#isHolding = isHolding;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for `key`, now the most recently used; null when there is none. */
  touch(key: string): V | null {
    const value = this.#entries.get(key);
    if (value === undefined) return null;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  peek(key: string): V | undefined {
    return this.#entries.get(key);
  }

  /** Adds (or replaces) the entry for `key` as the most recently used, evicting an old one when full. */
  set(key: string, value: V, now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#capacity) this.#evictOne(now);
    this.#entries.set(key, value);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  #evictOne(now: number): void {
    for (let probe = 1; probe <= EVICTION_PROBES; probe++) {
      let oldest = this.#oldest.next();
      if (oldest.done === true) {
        // Finished iterators stay finished, even when entries are added after them.
        this.#oldest = this.#entries.entries();
        oldest = this.#oldest.next();
        if (oldest.done === true) return;
      }
      const [key, value] = oldest.value;
      this.#entries.delete(key);
      // After a few probes the oldest goes whatever it holds: eviction stays O(1).
      if (probe === EVICTION_PROBES || !this.#isHolding(value, now)) return;
      this.#entries.set(key, value);
    }
  }
}

/** How many of the oldest entries an eviction looks at for one that holds nobody back. */
const EVICTION_PROBES = 8;

/**
 * Most keys a limiter remembers: more than the addresses and accounts a busy server sees
 * guessing at once, and a bound on memory (a full table of token buckets is about 30 MB).
 */
export const DEFAULT_KEY_CAPACITY = 100_000;

/**
 * What login throttling needs of a store of counts by key. The in-process `KeyedLimiter` is
 * one; a store shared by several processes (Redis) can be another, which is why the
 * results may be promises. rate-limiter-flexible's Redis limiter would fit behind it: a
 * rejected `consume` carries the ms to wait, and `reward` is a refund.
 */
export interface KeyedThrottle {
  /** As TokenBucket.take, for `key`: 0 when allowed (and counted), else ms until it would be. */
  take(key: string, now: number): number | Promise<number>;
  refund(key: string): void | Promise<void>;
}

/**
 * Token buckets by key (an account, an address), in a bounded table. A full bucket is as
 * good as none: a refund that fills one forgets it, and a full table evicts those that
 * would let their key through before those that hold it back.
 *
 * Not rate-limiter-flexible's memory store: it keeps one entry and one timer per key with
 * no bound on how many (only their expiry limits them), so keys made up faster than they
 * expire grow it without end.
 */
export class KeyedLimiter implements KeyedThrottle {
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #buckets: RecentKeys<TokenBucket>;

  constructor(burst: number, perSecond: number, capacity = DEFAULT_KEY_CAPACITY) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    // A bucket that would refuse now holds someone back; one with tokens left is evicted first.
    this.#buckets = new RecentKeys(capacity, (bucket, now) => bucket.isEmptyAt(now));
  }

  get size(): number {
    return this.#buckets.size;
  }

  take(key: string, now: number = Date.now()): number {
    let bucket = this.#buckets.touch(key);
    if (bucket === null) {
      bucket = new TokenBucket(this.#burst, this.#perSecond, now);
      this.#buckets.set(key, bucket, now);
    }
    return bucket.take(now);
  }

  refund(key: string, now: number = Date.now()): void {
    const bucket = this.#buckets.peek(key);
    if (bucket === undefined) return;
    bucket.refund();
    if (bucket.isFullAt(now)) this.#buckets.delete(key);
  }
}

export interface SlowdownOptions {
  /** The wait after the first failure; each further one doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten after this long without one. */
  forgetAfterMs: number;
  capacity: number;
}

/**
 * Failures by key (an account), each answered a little later than the one before: a growing
 * delay, capped, never a refusal. Guessing one account's password from many addresses gets
 * slow, and its owner, who is never refused, only waits when mistyping.
 */
export class FailureSlowdown {
  readonly #options: SlowdownOptions;
  readonly #failures: RecentKeys<{ count: number; lastAt: number }>;

  constructor(options: SlowdownOptions) {
    this.#options = options;
    // An account failed once waits no more than a new one: only those failed more are worth keeping.
    this.#failures = new RecentKeys(
      options.capacity,
      (entry, now) => entry.count > 1 && !this.#isForgotten(entry, now),
    );
  }

  get size(): number {
    return this.#failures.size;
  }

  /** Counts a failure for `key`; returns how long to wait before answering it. */
  failed(key: string, now: number): number {
    const entry = this.#failures.touch(key);
    const count = entry === null || this.#isForgotten(entry, now) ? 1 : entry.count + 1;
    this.#failures.set(key, { count, lastAt: now }, now);
    return this.delayAfter(count);
  }

  /** The wait after `count` failures in a row. */
  delayAfter(count: number): number {
    const { firstDelayMs, maxDelayMs } = this.#options;
    // Past 2^30 the doubling has long reached any cap; the exponent stays bounded.
    return Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(count - 1, 30));
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }

  #isForgotten(entry: { lastAt: number }, now: number): boolean {
    return now - entry.lastAt > this.#options.forgetAfterMs;
  }
}
