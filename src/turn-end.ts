/**
 * The end of each event-loop turn, in two steps: first what must be made durable
 * (history commits), then every connection with output queued during the turn is
 * flushed once. So a socket gets one write per turn however many messages reached it,
 * and nothing is shown to anyone before it is stored.
 */
export interface Flushable {
  flush(): void;
}

let commits: Flushable[] = [];
let writes: Flushable[] = [];
let isScheduled = false;

function runTurnEnd(): void {
  try {
    // A commit publishes events, which queue writes; so commits go first, until both are done.
    while (commits.length > 0 || writes.length > 0) {
      const commitBatch = commits;
      commits = [];
      for (let i = 0; i < commitBatch.length; i++) commitBatch[i].flush();
      const writeBatch = writes;
      writes = [];
      for (let i = 0; i < writeBatch.length; i++) writeBatch[i].flush();
    }
  } finally {
    isScheduled = false;
    // Whatever a throwing flush left behind still runs, next turn.
    if (commits.length > 0 || writes.length > 0) schedule();
  }
}

function schedule(): void {
  if (isScheduled) return;
  isScheduled = true;
  setImmediate(runTurnEnd);
}

/** Runs `target.flush()` at the end of this turn, after commits. */
export function scheduleFlush(target: Flushable): void {
  writes.push(target);
  schedule();
}

/** Runs `target.flush()` at the end of this turn, before any write. */
export function scheduleCommit(target: Flushable): void {
  commits.push(target);
  schedule();
}

/**
 * How long output nobody is waiting for (arrival and departure notices) may wait to be
 * written together with more: in a burst of connects, each member gets one write per
 * interval instead of one per newcomer. Anything urgent queued meanwhile flushes it all.
 */
export const LAZY_FLUSH_MS = 20;

let lazyWrites: Flushable[] = [];
let lazyTimer: NodeJS.Timeout | null = null;

function runLazyWrites(): void {
  lazyTimer = null;
  const batch = lazyWrites;
  lazyWrites = [];
  for (let i = 0; i < batch.length; i++) scheduleFlush(batch[i]);
}

/** Runs `target.flush()` at the end of a turn at most LAZY_FLUSH_MS from now. */
export function scheduleLazyFlush(target: Flushable): void {
  lazyWrites.push(target);
  if (lazyTimer === null) lazyTimer = setTimeout(runLazyWrites, LAZY_FLUSH_MS);
}
