import { Receiver } from "ws";
import type { CloseReason } from "./connection.js";
import type { Framer, MessageSink } from "./framer.js";
import { CloseCode, webSocketCloseFrame, webSocketPongFrame } from "./websocket-frame.js";

/** What a front end asks of WebSocket framing. */
export interface WebSocketFraming {
  /** Largest message accepted at all (RFC 6455 §7.4.1: 1009 past it). */
  readonly maxPayloadBytes: number;
  /** Largest message the front end takes; a longer one (up to maxPayloadBytes) is refused by the front end, in its protocol. */
  readonly maxMessageBytes: number;
  /** A message may end in CR LF or LF (IRC over WebSocket tolerates a client that sends them). */
  readonly trimsLineEnd: boolean;
}

/** Why the peer is closed, as a close code: the frame it gets says so. */
function closeCodeFor(reason: CloseReason): number {
  switch (reason) {
    case "server-shutdown":
      return CloseCode.goingAway;
    case "send-queue-full":
    case "flood":
      return CloseCode.policyViolation;
    case "line-overflow":
      return CloseCode.messageTooBig;
    case "internal-error":
      return CloseCode.internalError;
    case "protocol-error":
      return CloseCode.protocolError;
    case "peer-closed":
    case "reset":
    case "quit":
      return CloseCode.normal;
  }
}

/** `ws`'s error codes for frames it refuses, as close codes; anything else is a protocol error. */
const CLOSE_CODE_OF_ERROR: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCode.messageTooBig,
  WS_ERR_INVALID_UTF8: CloseCode.invalidPayload,
};

const FRAMER = Symbol("framer");
type ReceiverOfFramer = Receiver & { [FRAMER]: WebSocketFramer };

/**
 * RFC 6455 frames in, messages out: `ws`'s Receiver parses and checks each frame (masking,
 * control frames, fragments, UTF-8, the payload cap); this turns what it finds into one
 * `onMessage` per text message, answers pings, and chooses the close frame. No extension
 * is negotiated, so there is no per-message deflate to bound.
 */
export class WebSocketFramer implements Framer {
  readonly #sink: MessageSink;
  readonly #framing: WebSocketFraming;
  readonly #receiver: ReceiverOfFramer;
  /** Set when the peer or a violation chose the close code. */
  #closeCode: number | null = null;
  #closeText = "";
  #isClosingSent = false;
  #isStopped = false;

  constructor(framing: WebSocketFraming, sink: MessageSink) {
    this.#sink = sink;
    this.#framing = framing;
    const receiver = new Receiver({
      isServer: true,
      maxPayload: framing.maxPayloadBytes,
      allowSynchronousEvents: true,
    }) as ReceiverOfFramer;
    // Shared listeners find their framer on the receiver: no closures per connection.
    receiver[FRAMER] = this;
    receiver.on("message", WebSocketFramer.#onReceiverMessage);
    receiver.on("ping", WebSocketFramer.#onReceiverPing);
    receiver.on("conclude", WebSocketFramer.#onReceiverConclude);
    receiver.on("error", WebSocketFramer.#onReceiverError);
    this.#receiver = receiver;
  }

  static #onReceiverMessage(this: ReceiverOfFramer, data: Buffer, isBinary: boolean): void {
    // biome-ignore lint/complexity/noThisInStatic: the receiver calls a listener with itself as `this`.
    this[FRAMER].#onMessage(data, isBinary);
  }

  static #onReceiverPing(this: ReceiverOfFramer, data: Buffer): void {
    // biome-ignore lint/complexity/noThisInStatic: the receiver calls a listener with itself as `this`.
    this[FRAMER].#onPing(data);
  }

  static #onReceiverConclude(this: ReceiverOfFramer, code: number): void {
    // biome-ignore lint/complexity/noThisInStatic: the receiver calls a listener with itself as `this`.
    this[FRAMER].#onConclude(code);
  }

  static #onReceiverError(this: ReceiverOfFramer, error: Error & { code?: string }): void {
    // biome-ignore lint/complexity/noThisInStatic: the receiver calls a listener with itself as `this`.
    this[FRAMER].#onError(error);
  }

  push(chunk: Buffer): boolean {
    if (this.#isStopped) return false;
    this.#receiver.write(chunk);
    return !this.#isStopped;
  }

  /** A WebSocket message ends with its frame: bytes of an unfinished frame are no message. */
  endPartial(): void {}

  stop(): void {
    this.#isStopped = true;
  }

  closingBytes(reason: CloseReason): Buffer | undefined {
    if (this.#isClosingSent) return undefined;
    this.#isClosingSent = true;
    return webSocketCloseFrame(this.#closeCode ?? closeCodeFor(reason), this.#closeText || closeTextFor(reason));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.#isStopped) return;
    if (isBinary) {
      this.#fail(CloseCode.unsupportedData, "binary messages are not accepted");
      return;
    }
    let message = data;
    if (this.#framing.trimsLineEnd && message.length > 0 && message[message.length - 1] === 0x0a) {
      const end = message.length >= 2 && message[message.length - 2] === 0x0d ? message.length - 2 : message.length - 1;
      message = message.subarray(0, end);
    }
    if (message.length > this.#framing.maxMessageBytes) this.#sink.onMessageTooLong(message.length);
    else this.#sink.onMessage(message);
  }

  #onPing(data: Buffer): void {
    if (!this.#isStopped) this.#sink.sendControl?.(webSocketPongFrame(data));
  }

  /** RFC 6455 §5.5.1: the peer's close is answered with its own code, then the stream ends. */
  #onConclude(code: number): void {
    if (this.#isStopped) return;
    this.#isStopped = true;
    // 1005 means the close frame had no code: the answer then carries none either, as 1000.
    this.#closeCode = code === 1005 ? CloseCode.normal : code;
    this.#sink.onFramingEnd?.("peer-closed");
  }

  #onError(error: Error & { code?: string }): void {
    if (this.#isStopped) return;
    this.#fail(CLOSE_CODE_OF_ERROR[error.code ?? ""] ?? CloseCode.protocolError, error.message);
  }

  #fail(code: number, text: string): void {
    this.#isStopped = true;
    this.#closeCode = code;
    this.#closeText = text;
    this.#sink.onFramingEnd?.("protocol-error");
  }
}

function closeTextFor(reason: CloseReason): string {
  switch (reason) {
    case "send-queue-full":
      return "send queue full: reading too slowly";
    case "server-shutdown":
      return "server shutting down";
    case "flood":
      return "excess flood";
    default:
      return "";
  }
}
