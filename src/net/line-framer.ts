/**
 * Splits a byte stream into lines. A line ends in "\n" or "\r\n"; the terminator is
 * not part of the line. Limits are checked where the bytes arrive, so a peer can never
 * make us buffer more than `maxLineBytes` of one line, nor scan forever for a newline.
 *
 * A peer that never sends terminators (the original client sends each message bare)
 * is served by `endPartial()`: the owner calls it after a short quiet, and whatever
 * is buffered becomes one line.
 */
export interface LineSink {
  /** A complete line within the limit. The buffer may be a view into a larger chunk: copy it to keep it. */
  onLine(line: Buffer): void;
  /** A line over the limit was dropped; `bytes` is its full length. */
  onLineTooLong(bytes: number): void;
  /** The peer sent more than `maxUnterminatedBytes` without ending the line: stop reading it. */
  onUnterminatedOverflow(bytes: number): void;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineFramer {
  readonly #maxLineBytes: number;
  readonly #maxUnterminatedBytes: number;
  readonly #sink: LineSink;
  /** Start of a line that has not ended yet; null when none. */
  #partial: Buffer[] | null = null;
  #partialBytes = 0;
  /** Bytes of an over-long line being skipped up to its terminator; -1 when not skipping. */
  #skippedBytes = -1;
  #overflowed = false;

  constructor(maxLineBytes: number, maxUnterminatedBytes: number, sink: LineSink) {
    this.#maxLineBytes = maxLineBytes;
    this.#maxUnterminatedBytes = Math.max(maxUnterminatedBytes, maxLineBytes + 2);
    this.#sink = sink;
  }

  get hasPartial(): boolean {
    return this.#partialBytes > 0 || this.#skippedBytes >= 0;
  }

  /** Feeds one chunk. Returns false once the peer has overflowed; later chunks are ignored. */
  push(chunk: Buffer): boolean {
    if (this.#overflowed) return false;
    const end = chunk.length;
    let start = 0;
    while (start < end) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) return this.#keep(chunk, start, end);
      this.#complete(chunk, start, newline);
      if (this.#overflowed) return false;
      start = newline + 1;
    }
    return true;
  }

  /** Takes whatever is buffered as a complete line (after a quiet, or at end of stream). */
  endPartial(): void {
    if (this.#skippedBytes >= 0) {
      const bytes = this.#skippedBytes;
      this.#skippedBytes = -1;
      this.#sink.onLineTooLong(bytes);
      return;
    }
    if (this.#partial === null) return;
    const line = this.#takePartial();
    this.#emit(line, 0, line.length);
  }

  #complete(chunk: Buffer, start: number, end: number): void {
    if (this.#skippedBytes >= 0) {
      const bytes = this.#skippedBytes + (end - start);
      this.#skippedBytes = -1;
      this.#sink.onLineTooLong(bytes);
      return;
    }
    if (this.#partial === null) {
      this.#emit(chunk, start, end);
      return;
    }
    if (this.#partialBytes + (end - start) > this.#maxLineBytes + 1) {
      const bytes = this.#partialBytes + (end - start);
      this.#dropPartial();
      this.#sink.onLineTooLong(bytes);
      return;
    }
    this.#partial.push(chunk.subarray(start, end));
    this.#partialBytes += end - start;
    const line = this.#takePartial();
    this.#emit(line, 0, line.length);
  }

  #emit(chunk: Buffer, start: number, end: number): void {
    const stop = end > start && chunk[end - 1] === CR ? end - 1 : end;
    if (stop - start > this.#maxLineBytes) this.#sink.onLineTooLong(stop - start);
    else this.#sink.onLine(chunk.subarray(start, stop));
  }

  #keep(chunk: Buffer, start: number, end: number): boolean {
    const bytes = end - start;
    if (this.#skippedBytes >= 0) {
      this.#skippedBytes += bytes;
      return this.#checkUnterminated(this.#skippedBytes);
    }
    // One byte of slack for a "\r" whose "\n" has not arrived yet.
    if (this.#partialBytes + bytes > this.#maxLineBytes + 1) {
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
    if (bytes <= this.#maxUnterminatedBytes) return true;
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
