import { isUtf8 } from "node:buffer";
import { CloseCode } from "./websocket-frame.js";

/**
 * Client-to-server WebSocket frames (RFC 6455 §5.2) in, messages out: an explicit state
 * machine over the byte stream, every limit checked where the bytes arrive. It finds what
 * `ws`'s Receiver finds, with the same close codes and reasons (a test feeds both the same
 * streams), without a Writable stream per connection: a whole frame in one chunk, the
 * common case, is parsed and unmasked in place and handed on as a view of the chunk.
 * No extension is negotiated, so RSV1 is always an error.
 */

/** What a receiver tells of the stream. */
export interface WebSocketReceiverSink {
  /** A whole message, its fragments joined; text is valid UTF-8. A view: copy it to keep it. */
  onMessage(data: Buffer, isBinary: boolean): void;
  onPing(data: Buffer): void;
  /** The peer's close frame, with its code (1005 when it gave none). Nothing after it is read. */
  onClose(code: number): void;
  /** The peer broke the protocol or a limit: close with `code`, giving `reason`. Nothing after it is read. */
  onViolation(code: number, reason: string): void;
}

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/** §5.5: a control frame's payload is at most 125 bytes. */
const MAX_CONTROL_PAYLOAD = 125;
/** A length over 2^53 - 1 has no exact number to hold it. */
const MAX_LENGTH_HIGH_WORD = 2 ** 21 - 1;

const EMPTY = Buffer.alloc(0);

/** The reason a violation is closed with: `ws`'s words, so a client sees what it saw before. */
function invalidFrame(what: string): string {
  return `Invalid WebSocket frame: ${what}`;
}

/** §7.4: codes a peer may send in a close frame. */
function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

export class WebSocketReceiver {
  readonly #maxPayloadBytes: number;
  readonly #sink: WebSocketReceiverSink;
  /** Bytes of a frame not yet whole, kept until `#needed` have arrived: joined once, not per chunk. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #needed = 0;
  /** The opcode of a fragmented message under way (text or binary), else 0; its fragments so far. */
  #fragmentedOpcode = 0;
  #fragments: Buffer[] = [];
  #messageBytes = 0;
  #isStopped = false;

  constructor(maxPayloadBytes: number, sink: WebSocketReceiverSink) {
    this.#maxPayloadBytes = maxPayloadBytes;
    this.#sink = sink;
  }

  push(chunk: Buffer): void {
    if (this.#isStopped) return;
    let data = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#needed) return;
      data = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let offset = 0;
    while (offset < data.length && !this.#isStopped) {
      const used = this.#frameAt(data, offset);
      if (used === 0) break;
      offset += used;
    }
    if (offset < data.length && !this.#isStopped) {
      this.#pending.push(data.subarray(offset));
      this.#pendingBytes = data.length - offset;
    }
  }

  /** Stops reading: later bytes are ignored. */
  stop(): void {
    this.#isStopped = true;
    this.#pending = [];
    this.#fragments = [];
  }

  /**
   * Reads the frame at `offset`: the bytes it took, or 0 when it is not whole yet (`#needed`
   * then says how many bytes from `offset` it takes to read further). Checks come in the
   * order the bytes do, and in `ws`'s order, so the first violation is the one reported.
   */
  #frameAt(data: Buffer, offset: number): number {
    const available = data.length - offset;
    if (available < 2) return this.#need(2);
    const first = data[offset];
    const second = data[offset + 1];
    if ((first & 0x30) !== 0)
      return this.#violate(CloseCode.protocolError, invalidFrame("RSV2 and RSV3 must be clear"));
    if ((first & 0x40) !== 0) return this.#violate(CloseCode.protocolError, invalidFrame("RSV1 must be clear"));
    const isFinal = (first & 0x80) !== 0;
    let opcode = first & 0x0f;
    let length = second & 0x7f;
    if (opcode === OPCODE_CONTINUATION) {
      if (this.#fragmentedOpcode === 0) return this.#violate(CloseCode.protocolError, invalidFrame("invalid opcode 0"));
      opcode = this.#fragmentedOpcode;
    } else if (opcode === OPCODE_TEXT || opcode === OPCODE_BINARY) {
      if (this.#fragmentedOpcode !== 0) {
        return this.#violate(CloseCode.protocolError, invalidFrame(`invalid opcode ${opcode}`));
      }
    } else if (opcode === OPCODE_CLOSE || opcode === OPCODE_PING || opcode === OPCODE_PONG) {
      // §5.5: control frames are never fragmented and carry at most 125 bytes; a close's code takes two.
      if (!isFinal) return this.#violate(CloseCode.protocolError, invalidFrame("FIN must be set"));
      if (length > MAX_CONTROL_PAYLOAD || (opcode === OPCODE_CLOSE && length === 1)) {
        return this.#violate(CloseCode.protocolError, invalidFrame(`invalid payload length ${length}`));
      }
    } else {
      return this.#violate(CloseCode.protocolError, invalidFrame(`invalid opcode ${opcode}`));
    }
    const isFirstFragment = !isFinal && this.#fragmentedOpcode === 0;
    // §5.1: a client masks every frame.
    if ((second & 0x80) === 0) return this.#violate(CloseCode.protocolError, invalidFrame("MASK must be set"));
    let headerLength = 2;
    if (length === 126) {
      if (available < 4) return this.#need(4);
      length = data.readUInt16BE(offset + 2);
      headerLength = 4;
    } else if (length === 127) {
      if (available < 10) return this.#need(10);
      const high = data.readUInt32BE(offset + 2);
      if (high > MAX_LENGTH_HIGH_WORD) {
        return this.#violate(CloseCode.messageTooBig, "Unsupported WebSocket frame: payload length > 2^53 - 1");
      }
      length = high * 2 ** 32 + data.readUInt32BE(offset + 6);
      headerLength = 10;
    }
    // The cap holds for the whole message, checked before its bytes are waited for.
    if (length > 0 && opcode < OPCODE_CLOSE && this.#messageBytes + length > this.#maxPayloadBytes) {
      return this.#violate(CloseCode.messageTooBig, "Max payload size exceeded");
    }
    const maskAt = offset + headerLength;
    const payloadAt = maskAt + 4;
    const frameLength = headerLength + 4 + length;
    if (available < frameLength) return this.#need(frameLength);
    // Only now is the frame taken: one that is not whole is read again from its start.
    if (isFirstFragment) this.#fragmentedOpcode = opcode;
    const payload = length === 0 ? EMPTY : data.subarray(payloadAt, payloadAt + length);
    unmask(payload, data, maskAt);
    if (opcode >= OPCODE_CLOSE) this.#control(opcode, payload);
    else this.#dataFrame(opcode, isFinal, payload);
    return frameLength;
  }

  #dataFrame(opcode: number, isFinal: boolean, payload: Buffer): void {
    if (payload.length > 0) {
      this.#fragments.push(payload);
      this.#messageBytes += payload.length;
    }
    if (!isFinal) return;
    const fragments = this.#fragments;
    const message =
      fragments.length === 0
        ? EMPTY
        : fragments.length === 1
          ? fragments[0]
          : Buffer.concat(fragments, this.#messageBytes);
    this.#fragments = [];
    this.#messageBytes = 0;
    this.#fragmentedOpcode = 0;
    if (opcode === OPCODE_BINARY) {
      this.#sink.onMessage(message, true);
      return;
    }
    // §8.1: a text message is UTF-8 as a whole; a character may span fragments.
    if (!isUtf8(message)) {
      this.#violate(CloseCode.invalidPayload, invalidFrame("invalid UTF-8 sequence"));
      return;
    }
    this.#sink.onMessage(message, false);
  }

  #control(opcode: number, payload: Buffer): void {
    if (opcode === OPCODE_PING) {
      this.#sink.onPing(payload);
      return;
    }
    if (opcode === OPCODE_PONG) return;
    // §5.5.1: a close frame's body, when it has one, is a code and a UTF-8 reason.
    if (payload.length === 0) {
      this.#closed(1005);
      return;
    }
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) {
      this.#violate(CloseCode.protocolError, invalidFrame(`invalid status code ${code}`));
      return;
    }
    if (!isUtf8(payload.subarray(2))) {
      this.#violate(CloseCode.invalidPayload, invalidFrame("invalid UTF-8 sequence"));
      return;
    }
    this.#closed(code);
  }

  #closed(code: number): void {
    this.stop();
    this.#sink.onClose(code);
  }

  #need(bytes: number): 0 {
    this.#needed = bytes;
    return 0;
  }

  #violate(code: number, reason: string): 0 {
    this.stop();
    this.#sink.onViolation(code, reason);
    return 0;
  }
}

/** §5.3: each payload byte is XORed with the mask's bytes in turn. */
function unmask(payload: Buffer, data: Buffer, maskAt: number): void {
  const m0 = data[maskAt];
  const m1 = data[maskAt + 1];
  const m2 = data[maskAt + 2];
  const m3 = data[maskAt + 3];
  if ((m0 | m1 | m2 | m3) === 0) return;
  const length = payload.length;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    payload[i] ^= m0;
    payload[i + 1] ^= m1;
    payload[i + 2] ^= m2;
    payload[i + 3] ^= m3;
  }
  if (i < length) payload[i] ^= m0;
  if (i + 1 < length) payload[i + 1] ^= m1;
  if (i + 2 < length) payload[i + 2] ^= m2;
}
