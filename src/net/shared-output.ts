/**
 * Output shared by many connections. Fan-out renders each event once and appends it to
 * a batch; every connection that receives a contiguous run of the batch queues the run,
 * not the bytes. At the end of the turn, connections that got the whole batch (in a big
 * room, nearly all of them) write one buffer, concatenated once for all of them.
 */
export class SharedBatch {
  readonly parts: Buffer[] = [];
  /** The range last asked for: members flushed at the same moment ask for the same one. */
  #cachedStart = 0;
  #cachedEnd = 0;
  #cached: Buffer | null = null;

  /** Adds rendered bytes; returns their index in the batch. */
  append(bytes: Buffer): number {
    this.parts.push(bytes);
    return this.parts.length - 1;
  }

  /** The bytes of parts [start, end), concatenated once for every connection asking for that range. */
  bytesOf(start: number, end: number): Buffer {
    if (end - start === 1) return this.parts[start];
    if (this.#cached === null || start !== this.#cachedStart || end !== this.#cachedEnd) {
      this.#cached = Buffer.concat(this.parts.slice(start, end));
      this.#cachedStart = start;
      this.#cachedEnd = end;
    }
    return this.#cached;
  }
}

/** A connection's share of a batch: parts [start, end). */
export class SharedRun {
  readonly batch: SharedBatch;
  readonly start: number;
  end: number;

  constructor(batch: SharedBatch, index: number) {
    this.batch = batch;
    this.start = index;
    this.end = index + 1;
  }

  toBuffer(): Buffer {
    return this.batch.bytesOf(this.start, this.end);
  }
}
