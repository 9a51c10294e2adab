import type { Logger } from "pino";
import type { BusEvent } from "../bus/bus.js";
import type { HistoryEntry, MessageStore } from "../store/store.js";
import { type Flushable, scheduleCommit } from "../turn-end.js";

/** How many ids of dropped events are remembered for `wasDropped`; failures are rare, and this bounds them. */
const DROPPED_IDS_KEPT = 10_000;

/**
 * Events on their way out when there is history: each waits until its entry is stored, and
 * all go out in the order they were published. The entries of one event-loop turn are
 * committed as one batch at the end of the turn. A store that commits asynchronously (on
 * another thread or server) lets later turns be committed meanwhile; their events still
 * go out after the earlier turns', and only once their own batch is stored.
 */
export class CommitPipeline implements Flushable {
  readonly #store: MessageStore;
  readonly #fanOut: (event: BusEvent) => void;
  readonly #onCommitFailed: (events: readonly BusEvent[], error: unknown) => void;
  readonly #log: Pick<Logger, "error">;
  #pendingEvents: BusEvent[] = [];
  #pendingEntries: HistoryEntry[] = [];
  #isScheduled = false;
  /** Waiting for what is pending now to be committed and fanned out. */
  #waiters: Array<() => void> = [];
  /** Turns handed to the store and not yet fanned out: while there are any, later turns queue behind them. */
  #turnsInFlight = 0;
  /** Settles once the last turn handed to the store has gone out (or been dropped); never rejects. */
  #lastTurnOut: Promise<void> = Promise.resolve();
  readonly #droppedIds = new Set<string>();

  constructor(
    store: MessageStore,
    fanOut: (event: BusEvent) => void,
    onCommitFailed: (events: readonly BusEvent[], error: unknown) => void,
    log: Pick<Logger, "error">,
  ) {
    this.#store = store;
    this.#fanOut = fanOut;
    this.#onCommitFailed = onCommitFailed;
    this.#log = log;
  }

  /** Queues `event` for the end of the turn, with its history entry if it has one. */
  add(event: BusEvent, entry: HistoryEntry | null): void {
    this.#pendingEvents.push(event);
    if (entry !== null) this.#pendingEntries.push(entry);
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    scheduleCommit(this);
  }

  /** Resolves once everything added so far is stored and fanned out (or dropped). */
  settled(): Promise<void> {
    if (this.#pendingEvents.length > 0) return new Promise((resolve) => this.#waiters.push(resolve));
    return this.#turnsInFlight === 0 ? Promise.resolve() : this.#lastTurnOut;
  }

  /** Whether the event with this id was dropped because its batch could not be stored (asked after `settled`). */
  wasDropped(id: string): boolean {
    return this.#droppedIds.has(id);
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
    let committed: void | Promise<void>;
    try {
      committed = entries.length > 0 ? this.#store.appendBatch(entries) : undefined;
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
        if (failed === null) this.#fanOutTurn(events, waiters);
        else this.#dropTurn(events, waiters, failed.error);
      });
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

  #dropTurn(events: readonly BusEvent[], waiters: Array<() => void>, error: unknown): void {
    if (this.#droppedIds.size + events.length > DROPPED_IDS_KEPT) this.#droppedIds.clear();
    for (const event of events) if ("id" in event) this.#droppedIds.add(event.id);
    try {
      this.#onCommitFailed(events, error);
    } catch (failure) {
      // The turns after this one must still go out.
      this.#log.error({ event: "fanout-error", err: failure }, "reporting a failed commit failed");
    }
    for (const wake of waiters) wake();
  }
}
