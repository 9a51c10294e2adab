import type { CloseReason } from "./connection.js";

/**
 * How a stream becomes messages. `Connection` knows bytes, queues and timeouts; a framer
 * knows where one message ends: a line (the line protocol, IRC), or a frame (WebSocket).
 * Limits are checked where the bytes arrive, so a peer can never make us buffer more than
 * one message's worth, nor scan forever for its end.
 */
export interface MessageSink {
  /** A complete message within the limit. The buffer may be a view into a larger chunk: copy it to keep it. */
  onMessage(message: Buffer): void;
  /** A message over the limit was dropped; `bytes` is its full length. */
  onMessageTooLong(bytes: number): void;
  /** The peer sent more than its receive cap without ending a message: stop reading it. */
  onUnterminatedOverflow(bytes: number): void;
  /** Bytes the framer answers with itself (a WebSocket pong), queued behind what is already queued. */
  sendControl?(bytes: Buffer): void;
  /** The framing protocol ended the stream: the peer closed it (a WebSocket close), or broke the protocol. */
  onFramingEnd?(reason: Extract<CloseReason, "peer-closed" | "protocol-error">): void;
}

export interface Framer {
  /** Feeds one chunk. Returns false once the peer has overflowed; later chunks are ignored. */
  push(chunk: Buffer): boolean;
  /** The peer finished sending: whatever is buffered is taken as its last message. */
  endPartial(): void;
  /** No more input will be framed (the stream is ending or gone): timers stop. */
  stop(): void;
  /**
   * The transport's last bytes before the stream ends for `reason` (a WebSocket close frame),
   * asked for once; absent for transports that end with the stream (lines).
   */
  closingBytes?(reason: CloseReason): Buffer | undefined;
}

/** Each connection gets its own framer, made by its front end's listener. */
export type FramerFactory = (sink: MessageSink) => Framer;
