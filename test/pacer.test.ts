import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultServerConfig } from "../src/config.js";
import { TokenBucket } from "../src/core/rate-limit.js";
import { Pacer, type PacingClock } from "../src/frontends/pacer.js";

/** A clock that moves only when the test says, running timers in order. */
class TestClock implements PacingClock {
  time = 1_000_000;
  #timers: { at: number; then: () => void }[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, then: () => void): void {
    this.#timers.push({ at: this.time + ms, then });
  }

  /** Moves time forward by `ms`, running every timer due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.time = next.at;
      next.then();
    }
    this.time = end;
  }
}

const RATE = { burst: 3, perSecond: 2 };

function pacerFor(
  options: { maxPaced?: number; costs?: Record<string, number>; rate?: { burst: number; perSecond: number } } = {},
) {
  const rate = options.rate ?? RATE;
  const clock = new TestClock();
  const ran: string[] = [];
  const said: string[] = [];
  let isOnline = true;
  let isHeld = false;
  const pacer = new Pacer(
    new TokenBucket(rate.burst, rate.perSecond, clock.now()),
    rate,
    { maxPaced: options.maxPaced ?? 5, mostAMessageCosts: 10 },
    {
      costOfMessage: (message) => options.costs?.[message.toString()] ?? 1,
      runMessage: (message) => {
        ran.push(message.toString());
        if (message.toString() === "/quit") isOnline = false;
        return isOnline;
      },
      isTakingMessages: () => isOnline,
      holdInput: () => {
        isHeld = true;
      },
      releaseInput: () => {
        isHeld = false;
        said.push("released");
      },
      pacingBegan: (perSecond, waiting) => said.push(`paced ${perSecond}/s, ${waiting} waiting`),
      flooded: () => said.push("flooded"),
      pacingDrained: () => {
        said.push("drained");
        isHeld = false;
      },
    },
    clock,
  );
  const offer = (...messages: string[]): void => {
    for (const message of messages) pacer.offer(Buffer.from(message));
  };
  return { clock, pacer, ran, said, offer, isHeld: () => isHeld };
}

/** Lets the queued "you are being paced" notice run. */
const microtasks = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe("Pacer (fake lag)", () => {
  it("runs a burst at once, then one message per token, in order", async () => {
    const { clock, pacer, ran, said, offer, isHeld } = pacerFor();
    offer("a", "b", "c", "d", "e");
    assert.deepEqual(ran, ["a", "b", "c"], "the burst runs at once");
    assert.equal(pacer.waiting, 2);
    assert.equal(isHeld(), true, "input waits in the kernel while messages are paced");
    await microtasks();
    assert.deepEqual(said, ["paced 2/s, 2 waiting"], "told once, with the rest of the paste counted");
    clock.advance(499);
    assert.deepEqual(ran, ["a", "b", "c"]);
    clock.advance(1);
    assert.deepEqual(ran, ["a", "b", "c", "d"], "one token every 500 ms");
    clock.advance(500);
    assert.deepEqual(ran, ["a", "b", "c", "d", "e"]);
    assert.equal(said.at(-1), "drained");
    assert.equal(pacer.waiting, 0);
  });

  it("charges costly messages more", () => {
    const { clock, ran, offer } = pacerFor({ costs: { "/search": 3 } });
    offer("/search", "x");
    assert.deepEqual(ran, ["/search"], "a search takes the whole burst");
    clock.advance(500);
    assert.deepEqual(ran, ["/search", "x"]);
  });

  it("cuts off a flooder once more than maxPaced messages wait, and runs none of them", async () => {
    const { clock, ran, said, offer } = pacerFor({ maxPaced: 5 });
    offer("1", "2", "3", "4", "5", "6", "7", "8", "9");
    assert.deepEqual(said, ["flooded"]);
    assert.deepEqual(ran, ["1", "2", "3"]);
    await microtasks();
    clock.advance(10_000);
    assert.deepEqual(ran, ["1", "2", "3"], "what waited when the flooder was cut off goes nowhere");
    assert.deepEqual(said, ["flooded"], "no pacing notice after the cut-off");
  });

  it("cuts off a steady flood that never piles up, once it has been slowed for too long", () => {
    const { clock, ran, said, offer } = pacerFor({ maxPaced: 5 });
    offer("1", "2", "3");
    // One message every 400 ms against a pace of one every 500: the queue stays short.
    let sent = 3;
    while (!said.includes("flooded") && sent < 200) {
      clock.advance(400);
      offer(String(++sent));
    }
    assert.ok(said.includes("flooded"), "the steady flooder was cut off");
    // Slowed without a break longer than releasing maxPaced + burst (8 messages at 2/s, 4 s) takes.
    assert.ok(clock.time - 1_000_000 > 4000);
    assert.ok(ran.length < sent);
  });

  it("does not call a person who sends two costly commands in a row a flooder", () => {
    const { clock, ran, said, offer } = pacerFor({ costs: { "/search": 10 } });
    offer("/search", "/search");
    clock.advance(10_000);
    assert.deepEqual(ran, ["/search", "/search"]);
    assert.ok(!said.includes("flooded"));
  });

  it("carries out nothing after a message that ended the session", () => {
    const { clock, ran, offer } = pacerFor();
    offer("a", "b", "c", "/quit", "after");
    clock.advance(5000);
    assert.deepEqual(ran, ["a", "b", "c", "/quit"]);
  });

  it("drops what waits when stopped", () => {
    const { clock, pacer, ran, said, offer } = pacerFor();
    offer("a", "b", "c", "d");
    pacer.stop();
    clock.advance(5000);
    assert.deepEqual(ran, ["a", "b", "c"]);
    assert.ok(!said.includes("drained"));
  });

  it("counts pacing that starts again at once as the same stretch: told once", async () => {
    const { clock, said, offer } = pacerFor();
    offer("a", "b", "c", "d");
    await microtasks();
    clock.advance(500);
    offer("e");
    await microtasks();
    assert.equal(said.filter((line) => line.startsWith("paced")).length, 1);
    clock.advance(60_000);
    offer("f", "g", "h", "i");
    await microtasks();
    assert.equal(said.filter((line) => line.startsWith("paced")).length, 2, "a new stretch later is told again");
  });

  it("never holds back a person at 4 messages a second under the shipped rate, however unevenly they come", async () => {
    const rate = { burst: defaultServerConfig.commandBurst, perSecond: defaultServerConfig.commandsPerSecond };
    const { clock, pacer, ran, said, offer } = pacerFor({ rate });
    // Three in quick succession, then a pause: 4 a second on average, never evenly spaced.
    const offsetsMs = [0, 15, 30, 700];
    let offered = 0;
    for (let second = 0; second < 600; second++) {
      let at = 0;
      for (const offset of offsetsMs) {
        clock.advance(offset - at);
        at = offset;
        offer(`m${offered++}`);
        assert.equal(ran.length, offered, `message ${offered} ran at once`);
      }
      clock.advance(1000 - at);
    }
    await microtasks();
    assert.equal(pacer.waiting, 0);
    assert.deepEqual(said, [], "never told it is being paced");
  });
});
