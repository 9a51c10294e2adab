/**
 * Frames the server sends (RFC 6455 §5.2). A server's frames are never masked (§5.1), so one
 * framed buffer can go to every recipient of an event as it is.
 */

const FIN = 0x80;
const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;

/** An unmasked, final text frame carrying `payload` (UTF-8 the caller vouches for). */
export function webSocketTextFrame(payload: Buffer): Buffer {
  return frame(OPCODE_TEXT, payload);
}

/** A close frame with `code` and a short reason (§5.5.1: at most 123 bytes of reason). */
export function webSocketCloseFrame(code: number, reason = ""): Buffer {
  const text = Buffer.from(reason);
  const body = Buffer.allocUnsafe(2 + Math.min(text.length, 123));
  body.writeUInt16BE(code, 0);
  text.copy(body, 2, 0, body.length - 2);
  return frame(OPCODE_CLOSE, body);
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  // §5.2: 7 bits up to 125, then 16 bits after 126, then 64 bits after 127.
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLength + length);
  out[0] = FIN | opcode;
  if (length < 126) {
    out[1] = length;
  } else if (length < 0x10000) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    out.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(out, headerLength);
  return out;
}
