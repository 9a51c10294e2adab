import { type Logger, pino } from "pino";

/**
 * Structured logs, one JSON event a line, on stderr: stdout belongs to the console
 * transcript, as in the original.
 */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 2, sync: false }),
  );
}
