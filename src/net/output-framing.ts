import type { SharedBatch } from "./shared-output.js";

/**
 * How a front end's rendered bytes go out on the transport a connection came by: as they
 * are (TCP), or re-framed (one WebSocket frame a line). A front end renders once for its
 * protocol; the framing converts direct sends per send, and shared parts once per part.
 */
export interface OutputFraming {
  /** `bytes` as this transport sends them. */
  frame(bytes: Buffer): Buffer;
  /** The batch whose part `index` is part `index` of `batch` as this transport sends it, framed once for every recipient. */
  batchOf(batch: SharedBatch, index: number): SharedBatch;
}

/** Bytes go out as rendered: the stream transports. */
export const UNFRAMED: OutputFraming = {
  frame: (bytes) => bytes,
  batchOf: (batch) => batch,
};
