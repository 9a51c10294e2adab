import { LAZY_FLUSH_MS } from "../turn-end.js";

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

/** Rendered bytes and their place in a batch that recipients share. */
export interface SharedPart {
  readonly bytes: Buffer;
  readonly batch: SharedBatch;
  readonly index: number;
}

/**
 * The open batches of one front end, by key (a room and a rendering variant). A batch stays
 * open for LAZY_FLUSH_MS, not one turn: members flushed together (every turn for messages,
 * every lazy flush for notices) then ask for the same range of it and share one buffer.
 */
export class OpenBatches {
  readonly #batches = new Map<string, SharedBatch>();
  #isRotationScheduled = false;

  /** Appends `bytes` to the open batch for `key`, opening one if needed. */
  append(key: string, bytes: Buffer): SharedPart {
    let batch = this.#batches.get(key);
    if (batch === undefined) {
      if (!this.#isRotationScheduled) {
        this.#isRotationScheduled = true;
        setTimeout(() => this.#rotate(), LAZY_FLUSH_MS).unref();
      }
      batch = new SharedBatch();
      this.#batches.set(key, batch);
    }
    return { bytes, batch, index: batch.append(bytes) };
  }

  #rotate(): void {
    this.#isRotationScheduled = false;
    this.#batches.clear();
  }
}
