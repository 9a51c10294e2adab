import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Receiver } from "ws";
import { WebSocketReceiver } from "../src/net/websocket-receiver.js";

/**
 * Our receiver against `ws`'s, the parser it replaced: the same byte streams, split at
 * the same random points, must give the same messages, pings and closes, and the same
 * close code and reason for the first violation.
 */

type Found = ["message", boolean, string] | ["ping", string] | ["close", number] | ["violation", number, string];

/** A small cap, so random messages cross it. */
const MAX_PAYLOAD = 200;

function foundByOurs(chunks: readonly Uint8Array[]): Found[] {
  const found: Found[] = [];
  const receiver = new WebSocketReceiver(MAX_PAYLOAD, {
    onMessage: (data, isBinary) => found.push(["message", isBinary, data.toString("hex")]),
    onPing: (data) => found.push(["ping", data.toString("hex")]),
    onClose: (code) => found.push(["close", code]),
    onViolation: (code, reason) => found.push(["violation", code, reason]),
  });
  // Copies: both parsers unmask in place.
  for (const chunk of chunks) receiver.push(Buffer.from(chunk));
  return found;
}

function statusCodeOf(error: Error): number {
  const symbol = Object.getOwnPropertySymbols(error).find((each) => each.description === "status-code");
  return symbol === undefined ? 0 : (error as unknown as Record<symbol, number>)[symbol];
}

async function foundByWs(chunks: readonly Uint8Array[]): Promise<Found[]> {
  const found: Found[] = [];
  let isOver = false;
  const receiver = new Receiver({ isServer: true, maxPayload: MAX_PAYLOAD, allowSynchronousEvents: true });
  const record = (each: Found) => {
    if (!isOver) found.push(each);
  };
  receiver.on("message", (data: Buffer, isBinary: boolean) => record(["message", isBinary, data.toString("hex")]));
  receiver.on("ping", (data: Buffer) => record(["ping", data.toString("hex")]));
  receiver.on("conclude", (code: number) => {
    record(["close", code]);
    isOver = true;
  });
  receiver.on("error", (error: Error) => {
    record(["violation", statusCodeOf(error), error.message]);
    isOver = true;
  });
  for (const chunk of chunks) {
    if (receiver.destroyed || receiver.writableEnded) break;
    receiver.write(Buffer.from(chunk));
  }
  // A violation is told as the stream's 'error', a tick later.
  await new Promise((resolve) => setImmediate(resolve));
  return found;
}

interface FrameSpec {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  mask: Uint8Array;
  payload: Uint8Array;
  /** How the length is written: the shortest way, or 16 or 64 bits whatever it is. */
  lengthForm: "shortest" | "16" | "64" | "huge";
}

function encodeFrame(frame: FrameSpec): Uint8Array {
  const length = frame.payload.length;
  const head = [(frame.fin ? 0x80 : 0) | frame.rsv | frame.opcode];
  const maskBit = frame.masked ? 0x80 : 0;
  if (frame.lengthForm === "huge") {
    // A length past 2^53 - 1, or past the cap: never followed by that many bytes.
    head.push(maskBit | 127, 0x00, 0x40, 0, 0, 0, 0, 0, length);
  } else if (frame.lengthForm === "64") {
    head.push(maskBit | 127, 0, 0, 0, 0, 0, 0, length >> 8, length & 0xff);
  } else if (frame.lengthForm === "16" || length >= 126) {
    head.push(maskBit | 126, length >> 8, length & 0xff);
  } else {
    head.push(maskBit | length);
  }
  const payload = Uint8Array.from(frame.payload, (byte, i) => (frame.masked ? byte ^ frame.mask[i & 3] : byte));
  return Uint8Array.from([...head, ...(frame.masked ? frame.mask : []), ...payload]);
}

const textBytes = fc.string({ unit: "binary", maxLength: 80 }).map((text) => new Uint8Array(Buffer.from(text)));
const closeBody = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc
    .tuple(fc.oneof(fc.constantFrom(1000, 1001, 1005, 1006, 1015, 2999, 3000, 4999, 5000), fc.nat(65535)), textBytes)
    .map(([code, reason]) => Uint8Array.from([code >> 8, code & 0xff, ...reason.subarray(0, 100)])),
);

const frameSpec: fc.Arbitrary<FrameSpec> = fc
  .record({
    fin: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    rsv: fc.oneof(
      { weight: 12, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constantFrom(0x40, 0x20, 0x10) },
    ),
    opcode: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(0x0, 0x1) },
      { weight: 3, arbitrary: fc.constantFrom(0x2, 0x8, 0x9, 0xa) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
    ),
    masked: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    mask: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    text: textBytes,
    bytes: fc.uint8Array({ maxLength: 300 }),
    close: closeBody,
    isBytes: fc.boolean(),
    lengthForm: fc.oneof(
      { weight: 12, arbitrary: fc.constant("shortest" as const) },
      { weight: 1, arbitrary: fc.constantFrom("16" as const, "64" as const, "huge" as const) },
    ),
  })
  .map(({ text, bytes, close, isBytes, ...frame }) => ({
    ...frame,
    payload: frame.opcode === 0x8 && !isBytes ? close : isBytes ? bytes : text,
  }));

/** Frames, now and then a stray byte, as one stream cut into chunks at random places. */
const splitStream = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 20, arbitrary: frameSpec.map(encodeFrame) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3 }) },
      ),
      {
        maxLength: 12,
      },
    ),
    fc.array(fc.nat(), { maxLength: 8 }),
  )
  .map(([parts, cuts]) => {
    const stream = Uint8Array.from(parts.flatMap((part) => [...part]));
    const at = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let start = 0;
    for (const end of [...at, stream.length]) {
      if (end > start) chunks.push(stream.subarray(start, end));
      start = end;
    }
    return chunks;
  });

describe("WebSocketReceiver", () => {
  it("finds in any stream, however it is cut, what ws's Receiver finds", async () => {
    await fc.assert(
      fc.asyncProperty(splitStream, async (chunks) => {
        assert.deepEqual(foundByOurs(chunks), await foundByWs(chunks));
      }),
      { numRuns: 3000 },
    );
  });

  it("joins a fragmented text message, a character split across fragments, with pings between", () => {
    const mask = Uint8Array.from([1, 2, 3, 4]);
    const text = Buffer.from("héllo wörld");
    const frames = [
      encodeFrame({
        fin: false,
        rsv: 0,
        opcode: 1,
        masked: true,
        mask,
        payload: text.subarray(0, 2),
        lengthForm: "shortest",
      }),
      encodeFrame({
        fin: true,
        rsv: 0,
        opcode: 9,
        masked: true,
        mask,
        payload: Buffer.from("p"),
        lengthForm: "shortest",
      }),
      encodeFrame({ fin: true, rsv: 0, opcode: 0, masked: true, mask, payload: text.subarray(2), lengthForm: "16" }),
    ];
    assert.deepEqual(foundByOurs(frames), [
      ["ping", Buffer.from("p").toString("hex")],
      ["message", false, text.toString("hex")],
    ]);
  });

  it("refuses a message over the cap as soon as its header says so", () => {
    const header = Uint8Array.from([0x81, 0x80 | 126, 0, MAX_PAYLOAD + 1]);
    assert.deepEqual(foundByOurs([header]), [["violation", 1009, "Max payload size exceeded"]]);
  });

  it("reads nothing after a close", () => {
    const mask = Uint8Array.from([0, 0, 0, 0]);
    const close = encodeFrame({
      fin: true,
      rsv: 0,
      opcode: 8,
      masked: true,
      mask,
      payload: Uint8Array.from([3, 232]),
      lengthForm: "shortest",
    });
    const text = encodeFrame({
      fin: true,
      rsv: 0,
      opcode: 1,
      masked: true,
      mask,
      payload: Buffer.from("late"),
      lengthForm: "shortest",
    });
    assert.deepEqual(foundByOurs([close, text]), [["close", 1000]]);
  });
});
