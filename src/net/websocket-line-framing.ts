import type { OutputFraming } from "./output-framing.js";
import { SharedBatch } from "./shared-output.js";
import { webSocketTextFrame } from "./websocket-frame.js";

/**
 * CR LF-terminated lines out as WebSocket text frames, one line a frame without its CR LF
 * (IRCv3 WebSocket: the `text.ircv3.net` subprotocol). One per front end, shared by its
 * WebSocket sessions: a shared part is framed once, by the first recipient that sends it.
 */
export class WebSocketLineFraming implements OutputFraming {
  /** Each rendered batch's framed twin; a batch rotates out after a moment, and its twin with it. */
  readonly #framedBatches = new WeakMap<SharedBatch, SharedBatch>();
  /** The batch asked for last, and its twin: the recipients of one event ask one after another. */
  #lastBatch: SharedBatch | null = null;
  #lastFramed: SharedBatch | null = null;

  frame(bytes: Buffer): Buffer {
    const first = bytes.indexOf("\r\n");
    if (first !== -1 && first === bytes.length - 2) return webSocketTextFrame(bytes.subarray(0, first));
    const frames: Buffer[] = [];
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.indexOf("\r\n", start);
      if (end === -1) end = bytes.length;
      frames.push(webSocketTextFrame(bytes.subarray(start, end)));
      start = end + 2;
    }
    return frames.length === 1 ? frames[0] : Buffer.concat(frames);
  }

  batchOf(batch: SharedBatch, index: number): SharedBatch {
    let framed = batch === this.#lastBatch ? this.#lastFramed : this.#framedBatches.get(batch);
    if (framed === undefined || framed === null) {
      framed = new SharedBatch();
      this.#framedBatches.set(batch, framed);
    }
    this.#lastBatch = batch;
    this.#lastFramed = framed;
    // Parts are framed in order, so indexes match; a part no WebSocket recipient needed costs one framing.
    for (let next = framed.parts.length; next <= index; next++) framed.append(this.frame(batch.parts[next]));
    return framed;
  }
}
