import type { Framer, MessageSink } from "./framer.js";

/**
 * Whom a quiet ends a line for: nobody (a protocol whose every line ends in a newline), a
 * peer that has not sent a newline yet (the line protocol: the original client sends bare
 * messages, everyone else newlines), or any peer (a client of the original server, which
 * relays bare messages and, from netcat users, newlines too).
 */
export type QuietFlush = "never" | "until-framed" | "always";

export interface LineFramerOptions {
  maxLineBytes: number;
  maxUnterminatedBytes: number;
  /** How long a quiet ends a line (for the peers `quietFlush` says); 0 never. */
  quietFlushMs: number;
  quietFlush: QuietFlush;
}

/** The timers the quiet flush runs on: Node's, or a test's. */
export interface QuietClock {
  /** Calls `onTimeout` after `ms`; `refresh` starts the wait again. */
  startTimer(ms: number, onTimeout: () => void): { refresh(): void; clear(): void };
  /** Calls `then` once bytes already waiting for us have been read. */
  afterPendingReads(then: () => void): void;
}

export const NODE_CLOCK: QuietClock = {
  startTimer(ms, onTimeout) {
    const timer = setTimeout(onTimeout, ms);
    timer.unref();
    return { refresh: () => timer.refresh(), clear: () => clearTimeout(timer) };
  },
  // setImmediate runs after the next poll: bytes waiting in the kernel are read first, so
  // a line is never cut merely because we were busy.
  afterPendingReads: (then) => setImmediate(then),
};

const LF = 0x0a;
const CR = 0x0d;
/**
 * How long a bare message that ends inside a UTF-8 character waits for the rest of it: a
 * retransmit takes a few hundred ms; a lone Latin-1 byte (é is 0xE9) never gets the rest.
 */
const CHARACTER_WAIT_MS = 2000;

/**
 * Splits a byte stream into lines. A line ends in "\n" or "\r\n"; the terminator is
 * not part of the line. Limits are checked where the bytes arrive, so a peer can never
 * make us buffer more than `maxLineBytes` of one line, nor scan forever for a newline.
 *
 * A peer that never sends terminators (the original client sends each message bare) is
 * served by the quiet flush: what is buffered after a short quiet becomes one line. Only
 * such a peer gets it. TCP splits a line wherever it likes, and a retransmit on a lossy
 * link pauses it for 200 ms or more, so for a peer that has sent a newline a quiet means
 * nothing: from then on only a newline ends its lines.
 */
export class LineFramer implements Framer {
  /** Shared by a listener's framers: read from there, not copied into each connection's. */
  readonly #options: LineFramerOptions;
  readonly #sink: MessageSink;
  readonly #clock: QuietClock;
  /** Start of a line that has not ended yet; null when none. */
  #partial: Buffer[] | null = null;
  #partialBytes = 0;
  /** Bytes of an over-long line being skipped up to its terminator; -1 when not skipping. */
  #skippedBytes = -1;
  #overflowed = false;
  /** The peer has sent a newline. */
  #isFramed = false;
  #quietTimer: { refresh(): void; clear(): void } | null = null;
  #isQuietCheckPending = false;
  #isStopped = false;
  /** Bytes pushed so far: a quiet check that finds more than when it began stands down. */
  #bytesPushed = 0;
  /** Quiets waited through so far for the rest of a character a bare message ends inside. */
  #characterWaits = 0;

  constructor(options: LineFramerOptions, sink: MessageSink, clock: QuietClock = NODE_CLOCK) {
    this.#options = options;
    this.#sink = sink;
    this.#clock = clock;
  }

  /** Feeds one chunk. Returns false once the peer has overflowed; later chunks are ignored. */
  push(chunk: Buffer): boolean {
    if (this.#overflowed) return false;
    this.#bytesPushed += chunk.length;
    this.#characterWaits = 0;
    // What a held bare message was waiting for did not come: it was a message of its own,
    // ill-formed, and must not swallow the next one.
    if (
      chunk.length > 0 &&
      !isContinuationByte(chunk[0]) &&
      this.#takesQuietFlush &&
      this.#partial !== null &&
      endsInsideUtf8Character(this.#partial)
    ) {
      this.endPartial();
    }
    const end = chunk.length;
    let start = 0;
    while (start < end) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        if (!this.#keep(chunk, start, end)) return false;
        this.#awaitQuiet();
        return true;
      }
      this.#isFramed = true;
      this.#complete(chunk, start, newline);
      if (this.#overflowed) return false;
      start = newline + 1;
    }
    return true;
  }

  /** No more quiet flushes: the stream is ending or gone. */
  stop(): void {
    this.#isStopped = true;
    this.#quietTimer?.clear();
    this.#quietTimer = null;
  }

  /** Takes whatever is buffered as a complete line (at the end of the stream). */
  endPartial(): void {
    if (this.#skippedBytes >= 0) {
      const bytes = this.#skippedBytes;
      this.#skippedBytes = -1;
      this.#sink.onMessageTooLong(bytes);
      return;
    }
    if (this.#partial === null) return;
    const line = this.#takePartial();
    this.#emit(line, 0, line.length);
  }

  get #takesQuietFlush(): boolean {
    if (this.#options.quietFlushMs <= 0 || this.#isStopped) return false;
    return this.#options.quietFlush === "always" || (this.#options.quietFlush === "until-framed" && !this.#isFramed);
  }

  #awaitQuiet(): void {
    if (!this.#takesQuietFlush) return;
    if (this.#quietTimer === null) {
      this.#quietTimer = this.#clock.startTimer(this.#options.quietFlushMs, () => this.#onQuiet());
    } else {
      this.#quietTimer.refresh();
    }
  }

  #onQuiet(): void {
    if (this.#isQuietCheckPending) return;
    this.#isQuietCheckPending = true;
    const bytesBefore = this.#bytesPushed;
    this.#clock.afterPendingReads(() => {
      this.#isQuietCheckPending = false;
      // More arrived meanwhile: the wait began again with it.
      if (this.#bytesPushed !== bytesBefore || !this.#takesQuietFlush) return;
      // A character cut in two is no end of a message: wait a while for the rest of it.
      const isCharacterCut = this.#partial !== null && endsInsideUtf8Character(this.#partial);
      if (isCharacterCut && ++this.#characterWaits * this.#options.quietFlushMs < CHARACTER_WAIT_MS) {
        this.#quietTimer?.refresh();
        return;
      }
      this.endPartial();
    });
  }

  #complete(chunk: Buffer, start: number, end: number): void {
    if (this.#skippedBytes >= 0) {
      const bytes = this.#skippedBytes + (end - start);
      this.#skippedBytes = -1;
      this.#sink.onMessageTooLong(bytes);
      return;
    }
    if (this.#partial === null) {
      this.#emit(chunk, start, end);
      return;
    }
    if (this.#partialBytes + (end - start) > this.#options.maxLineBytes + 1) {
      const bytes = this.#partialBytes + (end - start);
      this.#dropPartial();
      this.#sink.onMessageTooLong(bytes);
      return;
    }
    this.#partial.push(chunk.subarray(start, end));
    this.#partialBytes += end - start;
    const line = this.#takePartial();
    this.#emit(line, 0, line.length);
  }

  #emit(chunk: Buffer, start: number, end: number): void {
    const stop = end > start && chunk[end - 1] === CR ? end - 1 : end;
    if (stop - start > this.#options.maxLineBytes) this.#sink.onMessageTooLong(stop - start);
    else this.#sink.onMessage(chunk.subarray(start, stop));
  }

  #keep(chunk: Buffer, start: number, end: number): boolean {
    const bytes = end - start;
    if (this.#skippedBytes >= 0) {
      this.#skippedBytes += bytes;
      return this.#checkUnterminated(this.#skippedBytes);
    }
    // One byte of slack for a "\r" whose "\n" has not arrived yet.
    if (this.#partialBytes + bytes > this.#options.maxLineBytes + 1) {
      this.#skippedBytes = this.#partialBytes + bytes;
      this.#dropPartial();
      return this.#checkUnterminated(this.#skippedBytes);
    }
    // Copied: the chunk may be a large read buffer that we must not pin.
    const kept = Buffer.from(chunk.subarray(start, end));
    if (this.#partial === null) this.#partial = [kept];
    else this.#partial.push(kept);
    this.#partialBytes += bytes;
    return true;
  }

  #checkUnterminated(bytes: number): boolean {
    const { maxUnterminatedBytes, maxLineBytes } = this.#options;
    if (bytes <= Math.max(maxUnterminatedBytes, maxLineBytes + 2)) return true;
    this.#overflowed = true;
    this.#sink.onUnterminatedOverflow(bytes);
    return false;
  }

  #takePartial(): Buffer {
    const parts = this.#partial ?? [];
    const line = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.#partialBytes);
    this.#dropPartial();
    return line;
  }

  #dropPartial(): void {
    this.#partial = null;
    this.#partialBytes = 0;
  }
}

function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** Whether the bytes end with the lead of a UTF-8 character whose continuation bytes have not all arrived. */
function endsInsideUtf8Character(parts: Buffer[]): boolean {
  let seen = 0;
  for (let p = parts.length - 1; p >= 0; p--) {
    const part = parts[p];
    for (let i = part.length - 1; i >= 0; i--) {
      const byte = part[i];
      seen++;
      if (isContinuationByte(byte)) {
        if (seen === 3) return false;
        continue;
      }
      // 0xC0, 0xC1 and 0xF5 up begin no character at all: nothing more is coming for them.
      if (byte < 0xc2 || byte > 0xf4) return false;
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return seen < length;
    }
  }
  return false;
}
