/**
 * Output shared by many connections. Fan-out renders each event once and appends it to
 * a batch; every connection that receives a contiguous run of the batch queues the run,
 * not the bytes. At the end of the turn, connections that got the whole batch (in a big
 * room, nearly all of them) write one buffer, concatenated once for all of them.
 */
export class SharedBatch {
  readonly parts: Buffer[] = [];
  #whole: Buffer | null = null;
  #wholeParts = 0;
  #bytes = 0;

  /** Adds rendered bytes; returns their index in the batch. */
  append(bytes: Buffer): number {
    this.parts.push(bytes);
    this.#bytes += bytes.length;
    return this.parts.length - 1;
  }

  /** The bytes of parts [start, end), concatenated at most once for the whole batch. */
  bytesOf(start: number, end: number): Buffer {
    if (end - start === 1) return this.parts[start];
    if (start === 0 && end === this.parts.length) {
      if (this.#wholeParts !== end) {
        this.#whole = Buffer.concat(this.parts, this.#bytes);
        this.#wholeParts = end;
      }
      return this.#whole as Buffer;
    }
    return Buffer.concat(this.parts.slice(start, end));
  }
}

/** A connection's share of a batch: parts [start, end). */
export class SharedRun {
  readonly batch: SharedBatch;
  readonly start: number;
  end: number;
  bytes: number;

  constructor(batch: SharedBatch, index: number) {
    this.batch = batch;
    this.start = index;
    this.end = index + 1;
    this.bytes = batch.parts[index].length;
  }

  toBuffer(): Buffer {
    return this.batch.bytesOf(this.start, this.end);
  }
}
