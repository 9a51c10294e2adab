import type { CloseReason } from "./connection.js";
import type { Framer, MessageSink } from "./framer.js";
import { CloseCode, webSocketCloseFrame, webSocketPongFrame } from "./websocket-frame.js";
import { WebSocketReceiver, type WebSocketReceiverSink } from "./websocket-receiver.js";

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

/**
 * RFC 6455 frames in, messages out: the receiver parses and checks each frame (masking,
 * control frames, fragments, UTF-8, the payload cap); this turns what it finds into one
 * `onMessage` per text message, answers pings, and chooses the close frame. No extension
 * is negotiated, so there is no per-message deflate to bound.
 */
export class WebSocketFramer implements Framer, WebSocketReceiverSink {
  readonly #sink: MessageSink;
  readonly #framing: WebSocketFraming;
  readonly #receiver: WebSocketReceiver;
  /** Set when the peer or a violation chose the close code. */
  #closeCode: number | null = null;
  #closeText = "";
  #isClosingSent = false;
  #isStopped = false;

  constructor(framing: WebSocketFraming, sink: MessageSink) {
    this.#sink = sink;
    this.#framing = framing;
    this.#receiver = new WebSocketReceiver(framing.maxPayloadBytes, this);
  }

  push(chunk: Buffer): boolean {
    if (this.#isStopped) return false;
    this.#receiver.push(chunk);
    return !this.#isStopped;
  }

  /** A WebSocket message ends with its frame: bytes of an unfinished frame are no message. */
  endPartial(): void {}

  stop(): void {
    this.#isStopped = true;
    this.#receiver.stop();
  }

  closingBytes(reason: CloseReason): Buffer | undefined {
    if (this.#isClosingSent) return undefined;
    this.#isClosingSent = true;
    return webSocketCloseFrame(this.#closeCode ?? closeCodeFor(reason), this.#closeText || closeTextFor(reason));
  }

  onMessage(data: Buffer, isBinary: boolean): void {
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

  onPing(data: Buffer): void {
    if (!this.#isStopped) this.#sink.sendControl?.(webSocketPongFrame(data));
  }

  /** RFC 6455 §5.5.1: the peer's close is answered with its own code, then the stream ends. */
  onClose(code: number): void {
    if (this.#isStopped) return;
    this.#isStopped = true;
    // 1005 means the close frame had no code: the answer then carries none either, as 1000.
    this.#closeCode = code === 1005 ? CloseCode.normal : code;
    this.#sink.onFramingEnd?.("peer-closed");
  }

  onViolation(code: number, reason: string): void {
    if (!this.#isStopped) this.#fail(code, reason);
  }

  #fail(code: number, text: string): void {
    this.#isStopped = true;
    this.#receiver.stop();
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
