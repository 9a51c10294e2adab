import type { Writable } from "node:stream";
import type { Logger } from "pino";
import type { BusEvent } from "../../bus/bus.js";
import { type Flushable, scheduleFlush } from "../../turn-end.js";
import { renderQuitInRoom, renderRoomEvent } from "./codec.js";

/** Past this many unwritten bytes the console is not keeping up, and lines are dropped rather than held. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/**
 * The original server's console: every arrival, message and departure, printed in
 * the same words its users see (rooms other than the default one are named). Written once per event-loop turn, and never allowed
 * to hold unbounded memory when stdout is slow.
 */
export class ConsoleTranscript implements Flushable {
  readonly #out: Writable;
  readonly #log: Logger;
  #lines: Buffer[] = [];
  #bytes = 0;
  #isFlushScheduled = false;
  #droppedLines = 0;
  /** stdout failed (its reader went: EPIPE): the transcript stops, the chat goes on. */
  #isBroken = false;

  readonly #defaultRoom: string;

  constructor(out: Writable, defaultRoom: string, log: Logger) {
    this.#out = out;
    this.#defaultRoom = defaultRoom;
    this.#log = log;
    out.on("error", (error: NodeJS.ErrnoException) => {
      if (this.#isBroken) return;
      this.#isBroken = true;
      this.#lines = [];
      this.#bytes = 0;
      this.#log.warn({ event: "transcript-stopped", code: error.code }, "stdout failed: the console transcript stops");
    });
  }

  /** Direct messages are private: they never reach the console. */
  record(event: BusEvent): void {
    const kind = event.kind;
    if (kind === "direct" || kind === "away" || kind === "real-name" || kind === "signal" || kind === "invited") return;
    if (this.#isBroken) return;
    if (event.kind === "renamed" && event.from === event.to) return;
    if (event.kind === "joined" && event.isSilent === true) return;
    if (event.kind === "quit") {
      for (let i = 0; i < event.rooms.length; i++) {
        this.#add(renderQuitInRoom(event, i, event.rooms[i].room === this.#defaultRoom).bytes);
      }
    } else {
      this.#add(renderRoomEvent(event, event.kind === "renamed" || event.room === this.#defaultRoom).bytes);
    }
  }

  #add(line: Buffer): void {
    this.#lines.push(line);
    this.#bytes += line.length;
    if (this.#isFlushScheduled) return;
    this.#isFlushScheduled = true;
    scheduleFlush(this);
  }

  flush(): void {
    this.#isFlushScheduled = false;
    if (this.#lines.length === 0 || this.#isBroken) return;
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
