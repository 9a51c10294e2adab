import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MessageSink } from "../src/net/framer.js";
import { LineFramer, type QuietClock, type QuietFlush } from "../src/net/line-framer.js";

type Seen = { lines: string[]; raw: Buffer[]; tooLong: number[]; overflow: number[] };

function framer(
  maxLine = 16,
  maxUnterminated = 64,
  quietFlush: QuietFlush = "never",
  clock = new TestClock(),
): { framer: LineFramer; seen: Seen } {
  const seen: Seen = { lines: [], raw: [], tooLong: [], overflow: [] };
  const sink: MessageSink = {
    onMessage: (line) => {
      seen.lines.push(line.toString("utf8"));
      seen.raw.push(Buffer.from(line));
    },
    onMessageTooLong: (bytes) => seen.tooLong.push(bytes),
    onUnterminatedOverflow: (bytes) => seen.overflow.push(bytes),
  };
  const options = { maxLineBytes: maxLine, maxUnterminatedBytes: maxUnterminated, quietFlushMs: QUIET_MS, quietFlush };
  return { framer: new LineFramer(options, sink, clock), seen };
}

const QUIET_MS = 40;

/** Time that passes only when the test says so. */
class TestClock implements QuietClock {
  #now = 0;
  readonly #timers: Array<{ due: number; isArmed: boolean; onTimeout: () => void }> = [];
  #afterReads: Array<() => void> = [];

  startTimer(ms: number, onTimeout: () => void): { refresh(): void; clear(): void } {
    const timer = { due: this.#now + ms, isArmed: true, onTimeout };
    this.#timers.push(timer);
    return {
      refresh: () => {
        timer.due = this.#now + ms;
        timer.isArmed = true;
      },
      clear: () => {
        timer.isArmed = false;
      },
    };
  }

  afterPendingReads(then: () => void): void {
    this.#afterReads.push(then);
  }

  /** Lets `ms` pass with nothing arriving. */
  pass(ms: number): void {
    this.#now += ms;
    for (const timer of this.#timers) {
      if (!timer.isArmed || timer.due > this.#now) continue;
      timer.isArmed = false;
      timer.onTimeout();
    }
    const afterReads = this.#afterReads;
    this.#afterReads = [];
    for (const then of afterReads) then();
  }
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
    assert.deepEqual(seen.lines, [], "held until it ends");
    f.endPartial();
    assert.deepEqual(seen.lines, ["bare message"]);
    // Nothing is left held: ending again gives nothing, and the next bytes start a line of their own.
    f.endPartial();
    f.push(Buffer.from("next\n"));
    assert.deepEqual(seen.lines, ["bare message", "next"]);
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

describe("the quiet flush", () => {
  it("never ends a framed peer's line, whatever the pauses: a line split at every offset arrives whole", () => {
    const line = Buffer.from("/nick splitname café ✓");
    for (let cut = 1; cut < line.length; cut++) {
      const clock = new TestClock();
      const { framer: f, seen } = framer(64, 256, "until-framed", clock);
      f.push(Buffer.from("hello\n"));
      f.push(line.subarray(0, cut));
      // A retransmit on a lossy link: far longer than the quiet that ends a bare message.
      clock.pass(100);
      clock.pass(300);
      f.push(Buffer.concat([line.subarray(cut), Buffer.from("\n")]));
      assert.deepEqual(seen.lines, ["hello", line.toString("utf8")], `cut at ${cut}`);
    }
  });

  it("ends a bare message after a quiet, for a peer that has sent no newline yet", () => {
    const clock = new TestClock();
    const { framer: f, seen } = framer(64, 256, "until-framed", clock);
    f.push(Buffer.from("typed without enter"));
    clock.pass(QUIET_MS - 1);
    assert.deepEqual(seen.lines, []);
    clock.pass(1);
    f.push(Buffer.from("another"));
    clock.pass(QUIET_MS);
    assert.deepEqual(seen.lines, ["typed without enter", "another"]);
  });

  it("never ends a bare message inside a UTF-8 character, however long the quiet", () => {
    const message = Buffer.from("café au lait 🍵");
    for (let cut = 1; cut < message.length; cut++) {
      const clock = new TestClock();
      const { framer: f, seen } = framer(64, 256, "until-framed", clock);
      f.push(message.subarray(0, cut));
      clock.pass(1000);
      f.push(message.subarray(cut));
      clock.pass(QUIET_MS);
      // A cut between characters may end a bare message there, as the original's did; never one inside.
      assert.equal(seen.lines.join(""), message.toString("utf8"), `cut at ${cut}: ${seen.lines.join("|")}`);
    }
  });

  it("ends a bare message at a byte that begins no character, or once the rest of a character is long overdue", () => {
    const clock = new TestClock();
    const { framer: f, seen } = framer(64, 256, "until-framed", clock);
    // 0xC1 can begin no UTF-8 character: a quiet ends the message as for any other byte.
    f.push(Buffer.from("bad \xc1", "latin1"));
    clock.pass(QUIET_MS);
    assert.equal(seen.raw.length, 1);
    // A lone Latin-1 é (0xE9) looks like the start of a character whose rest never comes.
    f.push(Buffer.from("caf\xe9", "latin1"));
    for (let waited = 0; waited < 1900; waited += QUIET_MS) clock.pass(QUIET_MS);
    assert.equal(seen.raw.length, 1, "held while a retransmit could still bring the rest");
    for (let waited = 0; waited < 200; waited += QUIET_MS) clock.pass(QUIET_MS);
    assert.deepEqual(seen.raw.at(-1), Buffer.from("caf\xe9", "latin1"));
  });

  it("never lets a bare message whose character never completes swallow the next one", () => {
    const clock = new TestClock();
    const { framer: f, seen } = framer(64, 256, "until-framed", clock);
    f.push(Buffer.from("caf\xe9", "latin1"));
    clock.pass(QUIET_MS);
    f.push(Buffer.from("second message"));
    clock.pass(QUIET_MS);
    assert.deepEqual(seen.raw, [Buffer.from("caf\xe9", "latin1"), Buffer.from("second message")]);
  });

  it("ends a line at a quiet for every peer when asked to (a client of the original server)", () => {
    const clock = new TestClock();
    const { framer: f, seen } = framer(64, 256, "always", clock);
    f.push(Buffer.from("[1.2.3.4:5] from netcat\n"));
    f.push(Buffer.from("[1.2.3.4:6] bare"));
    clock.pass(QUIET_MS);
    assert.deepEqual(seen.lines, ["[1.2.3.4:5] from netcat", "[1.2.3.4:6] bare"]);
  });

  it("never ends a line at a quiet when the protocol has none, nor once stopped", () => {
    const clock = new TestClock();
    const never = framer(64, 256, "never", clock);
    never.framer.push(Buffer.from("PRIVMSG #a :hi"));
    clock.pass(1000);
    assert.deepEqual(never.seen.lines, []);
    const stopped = framer(64, 256, "until-framed", clock);
    stopped.framer.push(Buffer.from("bare"));
    stopped.framer.stop();
    clock.pass(1000);
    assert.deepEqual(stopped.seen.lines, []);
  });
});
