import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineFramer, type LineSink } from "../src/net/line-framer.js";

type Seen = { lines: string[]; tooLong: number[]; overflow: number[] };

function framer(maxLine = 16, maxUnterminated = 64): { framer: LineFramer; seen: Seen } {
  const seen: Seen = { lines: [], tooLong: [], overflow: [] };
  const sink: LineSink = {
    onLine: (line) => seen.lines.push(line.toString("utf8")),
    onLineTooLong: (bytes) => seen.tooLong.push(bytes),
    onUnterminatedOverflow: (bytes) => seen.overflow.push(bytes),
  };
  return { framer: new LineFramer(maxLine, maxUnterminated, sink), seen };
}

describe("line framing", () => {
  it("splits one chunk holding several lines, LF and CRLF alike", () => {
    const { framer: f, seen } = framer();
    f.push(Buffer.from("one\ntwo\r\nthree\n"));
    assert.deepEqual(seen.lines, ["one", "two", "three"]);
  });

  it("reassembles a stream cut at every possible offset", () => {
    const stream = Buffer.from("alpha\r\nbeta\n\ngamma delta\r\n");
    for (let cut = 1; cut < stream.length; cut++) {
      const { framer: f, seen } = framer();
      f.push(stream.subarray(0, cut));
      f.push(stream.subarray(cut));
      assert.deepEqual(seen.lines, ["alpha", "beta", "", "gamma delta"], `cut at ${cut}`);
    }
  });

  it("reassembles a stream sent one byte at a time", () => {
    const { framer: f, seen } = framer();
    for (const byte of Buffer.from("héllo\r\nworld\n")) f.push(Buffer.from([byte]));
    assert.deepEqual(seen.lines, ["héllo", "world"]);
  });

  it("takes buffered bytes as one line when the owner ends the partial", () => {
    const { framer: f, seen } = framer();
    f.push(Buffer.from("bare message"));
    assert.equal(f.hasPartial, true);
    f.endPartial();
    assert.deepEqual(seen.lines, ["bare message"]);
    assert.equal(f.hasPartial, false);
  });

  it("accepts a line of exactly the limit and reports one byte over it", () => {
    const { framer: f, seen } = framer(16);
    f.push(Buffer.from(`${"a".repeat(16)}\r\n${"b".repeat(17)}\n`));
    assert.deepEqual(seen.lines, ["a".repeat(16)]);
    assert.deepEqual(seen.tooLong, [17]);
  });

  it("skips an over-long line arriving in pieces, then frames the next line normally", () => {
    const { framer: f, seen } = framer(16, 64);
    f.push(Buffer.from("x".repeat(10)));
    f.push(Buffer.from("x".repeat(10)));
    f.push(Buffer.from(`${"x".repeat(10)}\nnext\n`));
    assert.deepEqual(seen.tooLong, [30]);
    assert.deepEqual(seen.lines, ["next"]);
  });

  it("gives up on a peer that sends past the unterminated cap, and ignores it afterwards", () => {
    const { framer: f, seen } = framer(16, 64);
    assert.equal(f.push(Buffer.from("y".repeat(50))), true);
    assert.equal(f.push(Buffer.from("y".repeat(50))), false);
    assert.deepEqual(seen.overflow, [100]);
    assert.equal(f.push(Buffer.from("z\n")), false);
    assert.deepEqual(seen.lines, []);
  });

  it("reports an over-long unterminated partial as too long when it is ended", () => {
    const { framer: f, seen } = framer(16, 64);
    f.push(Buffer.from("q".repeat(40)));
    f.endPartial();
    assert.deepEqual(seen.tooLong, [40]);
    assert.deepEqual(seen.lines, []);
  });
});
