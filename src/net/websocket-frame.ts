/**
 * Server-to-client WebSocket frames (RFC 6455 §5.2). A server never masks its frames
 * (§5.1), so one framed buffer serves every recipient of the same bytes.
 */

const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
const OPCODE_PONG = 0xa;
const FIN = 0x80;

/** RFC 6455 §7.4.1: the close codes Parley sends. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;

/** §5.5: a control frame carries at most 125 bytes; a close reason at most 123 after its code. */
const MAX_CONTROL_PAYLOAD = 125;

function headerLengthOf(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 0x10000 ? 4 : 10;
}

function writeHeader(out: Buffer, opcode: number, length: number): void {
  out[0] = FIN | opcode;
  if (length < 126) {
    out[1] = length;
  } else if (length < 0x10000) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    out.writeUInt32BE(length >>> 0, 6);
  }
}

function frame(opcode: number, payload: Buffer): Buffer {
  const headerLength = headerLengthOf(payload.length);
  const out = Buffer.allocUnsafe(headerLength + payload.length);
  writeHeader(out, opcode, payload.length);
  payload.copy(out, headerLength);
  return out;
}

/** An unmasked, final text frame holding `payload` (which must be UTF-8). */
export function webSocketTextFrame(payload: Buffer): Buffer {
  return frame(OPCODE_TEXT, payload);
}

/**
 * An unmasked, final text frame holding `text`, encoded straight into the frame: one
 * allocation and one copy, where encoding first and framing after take two of each.
 */
export function webSocketTextFrameOf(text: string): Buffer {
  const length = Buffer.byteLength(text, "utf8");
  const headerLength = headerLengthOf(length);
  const out = Buffer.allocUnsafe(headerLength + length);
  writeHeader(out, OPCODE_TEXT, length);
  out.write(text, headerLength, "utf8");
  return out;
}

/** As webSocketTextFrameOf, for text known to be ASCII: its length is its byte count, and it is copied as it is. */
export function webSocketTextFrameOfAscii(text: string): Buffer {
  const headerLength = headerLengthOf(text.length);
  const out = Buffer.allocUnsafe(headerLength + text.length);
  writeHeader(out, OPCODE_TEXT, text.length);
  out.write(text, headerLength, "latin1");
  return out;
}

/** §5.5.3: a pong echoes its ping's payload. */
export function webSocketPongFrame(payload: Buffer): Buffer {
  return frame(OPCODE_PONG, payload.subarray(0, MAX_CONTROL_PAYLOAD));
}

/** §5.5.1: a close frame with `code` and a short UTF-8 reason, cut to fit without splitting a character. */
export function webSocketCloseFrame(code: number, reason = ""): Buffer {
  let text = Buffer.from(reason, "utf8");
  if (text.length > MAX_CONTROL_PAYLOAD - 2) {
    let end = MAX_CONTROL_PAYLOAD - 2;
    while (end > 0 && (text[end] & 0xc0) === 0x80) end--;
    text = text.subarray(0, end);
  }
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return frame(OPCODE_CLOSE, payload);
}
