/**
 * Coalesces writes: a connection with output queued during this event-loop turn is
 * flushed once, after every read of the turn has been handled, so a socket gets one
 * write per turn however many messages reached it.
 */
export interface Flushable {
  flush(): void;
}

let pending: Flushable[] = [];
let isScheduled = false;

function flushPending(): void {
  isScheduled = false;
  const batch = pending;
  pending = [];
  for (let i = 0; i < batch.length; i++) batch[i].flush();
}

export function scheduleFlush(target: Flushable): void {
  pending.push(target);
  if (isScheduled) return;
  isScheduled = true;
  setImmediate(flushPending);
}
