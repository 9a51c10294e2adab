/** How long a test waits for something it expects, unless it says otherwise. */
export const DEFAULT_WAIT_MS = 5000;

/**
 * Callbacks of pending waits, each run once at the next `wakeAll()`: the source (a socket,
 * a process) calls it whenever what those waits look at may have changed.
 */
export class Wakeups {
  #pending: Array<() => void> = [];

  add(wake: () => void): void {
    this.#pending.push(wake);
  }

  wakeAll(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const wake of pending) wake();
  }
}

export interface Wait {
  /** What is awaited, for the error: "a line matching ...". */
  what: string;
  wakeups: Wakeups;
  timeoutMs: number;
  /** What arrived instead, appended to the error so that a failure shows it. */
  seen: () => string;
  /**
   * For a source that can end (a closed socket, an exited program): once `hasEnded()` holds,
   * nothing more can arrive, so the wait fails then rather than at the timeout.
   */
  end?: { hasEnded: () => boolean; description: string };
}

/**
 * Resolves with the first value `probe` returns, probing again at each wakeup; rejects
 * once the source has ended without one, or after `timeoutMs`.
 */
export function waitUntil<T>(probe: () => T | undefined, wait: Wait): Promise<T> {
  return new Promise((resolve, reject) => {
    let isTimedOut = false;
    const fail = (why: string): void => reject(new Error(`${why} while waiting for ${wait.what}; ${wait.seen()}`));
    const timer = setTimeout(() => {
      isTimedOut = true;
      fail(`timed out after ${wait.timeoutMs} ms`);
    }, wait.timeoutMs);
    const check = (): void => {
      if (isTimedOut) return;
      let value: T | undefined;
      try {
        value = probe();
      } catch (error) {
        // Woken from a stream's event handler, a throw would escape the test as an uncaught exception.
        clearTimeout(timer);
        reject(error);
        return;
      }
      if (value !== undefined) {
        clearTimeout(timer);
        resolve(value);
      } else if (wait.end?.hasEnded()) {
        clearTimeout(timer);
        fail(wait.end.description);
      } else {
        wait.wakeups.add(check);
      }
    };
    check();
  });
}

/** An expected line: exactly this text, any line the pattern finds a match in, or any line the function accepts. */
export type LineMatch = string | RegExp | ((line: string) => boolean);

export function toLinePredicate(match: LineMatch): (line: string) => boolean {
  if (typeof match === "string") return (line) => line === match;
  if (match instanceof RegExp) {
    // A global or sticky pattern keeps its position between tests; a copy without those flags does not.
    const pattern = new RegExp(match.source, match.flags.replace(/[gy]/g, ""));
    return (line) => pattern.test(line);
  }
  return match;
}

export function describeLineMatch(match: LineMatch): string {
  return typeof match === "string" ? JSON.stringify(match) : `a line matching ${String(match)}`;
}
