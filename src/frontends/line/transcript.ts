import type { Writable } from "node:stream";
import type { Logger } from "pino";
import type { RoomEvent } from "../../core/events.js";
import { type Flushable, scheduleFlush } from "../../net/write-batch.js";
import { renderRoomEvent } from "./codec.js";

/** Past this many unwritten bytes the console is not keeping up, and lines are dropped rather than held. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/**
 * The original server's console: every arrival, message and departure, printed in
 * the same words its users see. Written once per event-loop turn, and never allowed
 * to hold unbounded memory when stdout is slow.
 */
export class ConsoleTranscript implements Flushable {
  readonly #out: Writable;
  readonly #log: Logger;
  #lines: Buffer[] = [];
  #bytes = 0;
  #isFlushScheduled = false;
  #droppedLines = 0;

  constructor(out: Writable, log: Logger) {
    this.#out = out;
    this.#log = log;
  }

  record(event: RoomEvent): void {
    const line = renderRoomEvent(event);
    this.#lines.push(line);
    this.#bytes += line.length;
    if (this.#isFlushScheduled) return;
    this.#isFlushScheduled = true;
    scheduleFlush(this);
  }

  flush(): void {
    this.#isFlushScheduled = false;
    if (this.#lines.length === 0) return;
    const out = this.#lines.length === 1 ? this.#lines[0] : Buffer.concat(this.#lines, this.#bytes);
    this.#lines = [];
    this.#bytes = 0;
    if (this.#out.writableLength > MAX_BACKLOG_BYTES) {
      if (this.#droppedLines === 0)
        this.#log.warn({ event: "transcript-dropping" }, "stdout is not keeping up: dropping transcript lines");
      this.#droppedLines += 1;
      return;
    }
    this.#out.write(out);
  }
}
