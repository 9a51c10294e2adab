import { closeSync } from "node:fs";
import { isatty } from "node:tty";
import { type Logger, pino } from "pino";

/**
 * Structured logs, one JSON event a line, on stderr: stdout belongs to the console
 * transcript, as in the original.
 *
 * A stderr that fails (a closed terminal answers EIO, a closed pipe EPIPE) ends logging
 * rather than the server: an unhandled stream error would kill it, and the flush pino makes
 * at exit retries a failing write forever, so a server whose terminal closed would never exit.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: 2, sync: false });
  destination.on("error", () => silence(destination));
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** The standard descriptors that were a terminal at start: a hung-up one no longer says it is. */
const STANDARD_TERMINALS = [0, 1, 2].filter((fd) => isatty(fd));

function silence(destination: object): void {
  const silent = (): void => {};
  const flush = (done?: (error?: Error) => void): void => done?.();
  Object.assign(destination, { write: () => true, flush, flushSync: silent, end: silent });
}

/** What this module needs of pino's destination (sonic-boom) beyond its public events. */
interface LogDestination {
  readonly _writing?: boolean;
  once(event: "drain" | "error", listener: () => void): void;
}

/**
 * Calls `done` once the log has handed every line to stderr, or after `maxMs` on a stderr that
 * takes nothing. sonic-boom's own `flush(cb)` answers at once when it holds nothing back by size
 * (as here), even with a write under way: an exit then lost the lines a stop had just logged.
 * With nothing held back, its writing flag is set exactly while lines wait, and "drain" ends
 * each such stretch.
 */
export function whenLogDrained(log: Logger, maxMs: number, done: () => void): void {
  const destination = (log as unknown as Record<symbol, LogDestination>)[pino.symbols.streamSym];
  if (destination._writing !== true) {
    done();
    return;
  }
  let isDone = false;
  const finish = (): void => {
    if (isDone) return;
    isDone = true;
    clearTimeout(timer);
    done();
  };
  const timer = setTimeout(finish, maxMs);
  destination.once("drain", finish);
  destination.once("error", finish);
}

/**
 * Lets go of the terminal just before the process exits. Node 20 restores each standard
 * stream's terminal settings at exit and aborts when that fails, as it does on a terminal
 * that has been closed (SIGHUP); it leaves alone a descriptor that is closed. The server
 * never changes those settings, so nothing is lost. The log writes nothing after this.
 */
export function releaseTerminal(log: Logger): void {
  silence((log as unknown as Record<symbol, object>)[pino.symbols.streamSym]);
  for (const fd of STANDARD_TERMINALS) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing to let go of.
    }
  }
}
