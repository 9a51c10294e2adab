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
  destination.on("error", () => {
    const silent = (): void => {};
    const flush = (done?: (error?: Error) => void): void => done?.();
    Object.assign(destination, { write: () => true, flush, flushSync: silent, end: silent });
  });
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
