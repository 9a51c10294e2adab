import type { Logger } from "pino";
import type { BusEvent } from "../bus/bus.js";
import { type HistoryEntry, type HistoryGap, type MessageStore, StoreWriteError } from "../store/store.js";
import { type Flushable, scheduleCommit } from "../turn-end.js";

/** How many ids of events not stored are remembered for `wasNotStored`; pauses are rare, and this bounds them. */
const NOT_STORED_IDS_KEPT = 10_000;

/** What the pipeline tells the hub when history stops and starts being kept. */
export interface HistoryPauseListener {
  /** History could not be written: from `since` on, events go out without being kept. */
  paused(pause: HistoryPause): void;
  /** History is kept again; `gap` is recorded in it. */
  resumed(gap: HistoryGap): void;
}

export interface HistoryPause {
  readonly since: number;
  readonly reason: HistoryGap["reason"];
}

/**
 * Events on their way out when there is history: each waits until its entry is stored, and
 * all go out in the order they were published. The entries of one event-loop turn are
 * committed as one batch at the end of the turn. A store that commits asynchronously (on
 * another thread or server) lets later turns be committed meanwhile; their events still
 * go out after the earlier turns', and only once their own batch is stored.
 *
 * When a batch cannot be stored (a full or failing disk), the chat goes on: history is
 * paused, the turn's events and every later one go out unstored, and every `retryMs` the
 * store is asked to record the gap. The first time it can, storing resumes.
 */
export class CommitPipeline implements Flushable {
  readonly #store: MessageStore;
  readonly #fanOut: (event: BusEvent) => void;
  readonly #listener: HistoryPauseListener;
  readonly #log: Pick<Logger, "error" | "info">;
  readonly #retryMs: number;
  #pendingEvents: BusEvent[] = [];
  #pendingEntries: HistoryEntry[] = [];
  #isScheduled = false;
  /** Waiting for what is pending now to be committed and fanned out. */
  #waiters: Array<() => void> = [];
  /** Turns handed to the store and not yet fanned out: while there are any, later turns queue behind them. */
  #turnsInFlight = 0;
  /** Settles once the last turn handed to the store has gone out; never rejects. */
  #lastTurnOut: Promise<void> = Promise.resolve();
  readonly #notStoredIds = new Set<string>();
  #pause: HistoryPause | null = null;
  #retryTimer: NodeJS.Timeout | undefined;
  #isProbing = false;

  constructor(
    store: MessageStore,
    fanOut: (event: BusEvent) => void,
    listener: HistoryPauseListener,
    log: Pick<Logger, "error" | "info">,
    retryMs: number,
  ) {
    this.#store = store;
    this.#fanOut = fanOut;
    this.#listener = listener;
    this.#log = log;
    this.#retryMs = retryMs;
  }

  /** Since when, and why, history is not being kept; null while it is. */
  get pause(): HistoryPause | null {
    return this.#pause;
  }

  /** Queues `event` for the end of the turn, with its history entries if it has any. */
  add(event: BusEvent, entries: HistoryEntry | readonly HistoryEntry[] | null): void {
    this.#pendingEvents.push(event);
    if (entries === null) {
      // Nothing to store.
    } else if ("id" in entries) this.#pendingEntries.push(entries);
    else this.#pendingEntries.push(...entries);
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    scheduleCommit(this);
  }

  /** Resolves once everything added so far is stored (or not, while paused) and fanned out. */
  settled(): Promise<void> {
    if (this.#pendingEvents.length > 0) return new Promise((resolve) => this.#waiters.push(resolve));
    return this.#turnsInFlight === 0 ? Promise.resolve() : this.#lastTurnOut;
  }

  /** Whether the event with this id went out without being stored (asked after `settled`). */
  wasNotStored(id: string): boolean {
    return this.#notStoredIds.has(id);
  }

  /** Commits this turn's entries in one batch, then fans the turn's events out. */
  flush(): void {
    this.#isScheduled = false;
    const events = this.#pendingEvents;
    const entries = this.#pendingEntries;
    if (events.length === 0) return;
    this.#pendingEvents = [];
    this.#pendingEntries = [];
    const waiters = this.#waiters;
    this.#waiters = [];
    if (this.#pause !== null && this.#turnsInFlight === 0) {
      this.#noteNotStored(events);
      this.#fanOutTurn(events, waiters);
      return;
    }
    let committed: void | Promise<void>;
    try {
      committed = entries.length > 0 && this.#pause === null ? this.#store.appendBatch(entries) : undefined;
    } catch (error) {
      committed = Promise.reject(error);
    }
    if (committed === undefined && this.#turnsInFlight === 0) {
      this.#fanOutTurn(events, waiters);
      return;
    }
    // Handled now, not when the turns before are out: a failure meanwhile must not go unhandled.
    const failure = Promise.resolve(committed).then(
      () => null,
      (error: unknown) => ({ error }),
    );
    this.#turnsInFlight++;
    this.#lastTurnOut = this.#lastTurnOut
      .then(() => failure)
      .then((failed) => {
        this.#turnsInFlight--;
        if (failed !== null) this.#pauseHistory(entries, failed.error);
        if (failed !== null || this.#pause !== null) this.#noteNotStored(events);
        this.#fanOutTurn(events, waiters);
      });
  }

  /** Stops retrying; a gap still open is recorded if the store can take it now. */
  async stop(): Promise<void> {
    clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#pause !== null) await this.#probe();
  }

  /** Every event of the turn goes out even if delivering one throws (a bug, logged); then its waiters wake. */
  #fanOutTurn(events: readonly BusEvent[], waiters: Array<() => void>): void {
    for (let i = 0; i < events.length; i++) {
      try {
        this.#fanOut(events[i]);
      } catch (error) {
        this.#log.error({ event: "fanout-error", err: error, kind: events[i].kind }, "fan-out failed");
      }
    }
    for (const wake of waiters) wake();
  }

  #noteNotStored(events: readonly BusEvent[]): void {
    if (this.#notStoredIds.size + events.length > NOT_STORED_IDS_KEPT) this.#notStoredIds.clear();
    for (const event of events) if ("id" in event) this.#notStoredIds.add(event.id);
  }

  /** The chat goes on without history: said once to the log and (by the listener) to everyone. */
  #pauseHistory(entries: readonly HistoryEntry[], error: unknown): void {
    if (this.#pause !== null) return;
    const reason = error instanceof StoreWriteError ? error.reason : "store-error";
    const since = entries.length > 0 ? entries[0].at : Date.now();
    this.#pause = { since, reason };
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    this.#log.error(
      { event: "history-paused", reason, code, err: error },
      "history could not be stored; it is paused, and the chat goes on",
    );
    this.#retryTimer = setInterval(() => void this.#probe(), this.#retryMs);
    this.#retryTimer.unref();
    try {
      this.#listener.paused(this.#pause);
    } catch (failure) {
      this.#log.error({ event: "fanout-error", err: failure }, "telling users history is paused failed");
    }
  }

  /** Recording the gap is the probe: the first write that succeeds ends the pause. */
  async #probe(): Promise<void> {
    const pause = this.#pause;
    if (pause === null || this.#isProbing) return;
    this.#isProbing = true;
    const gap: HistoryGap = { from: pause.since, to: Date.now(), reason: pause.reason };
    try {
      await this.#store.recordHistoryGap(gap);
    } catch {
      return;
    } finally {
      this.#isProbing = false;
    }
    clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#pause = null;
    this.#log.info({ event: "history-resumed", from: gap.from, to: gap.to }, "history is stored again");
    try {
      this.#listener.resumed(gap);
    } catch (failure) {
      this.#log.error({ event: "fanout-error", err: failure }, "telling users history resumed failed");
    }
  }
}
