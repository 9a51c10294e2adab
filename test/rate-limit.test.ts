import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressKey, DEFAULT_LOGIN_LIMITS, LoginThrottle } from "../src/core/login-throttle.js";
import { FailureSlowdown, KeyedLimiter, RecentKeys, TokenBucket } from "../src/core/rate-limit.js";

const MINUTE = 60_000;

describe("a token bucket", () => {
  it("allows a burst, then one token per interval, and says how long to wait", () => {
    const bucket = new TokenBucket(3, 1, 0);
    assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0)], [0, 0, 0]);
    assert.equal(bucket.take(0), 1000);
    assert.equal(bucket.take(400), 600);
    assert.equal(bucket.take(1000), 0);
  });
});

describe("a bounded table of recent keys", () => {
  it("evicts the oldest entry when full, never all of them", () => {
    const table = new RecentKeys<number>(3, () => false);
    for (const [i, key] of ["a", "b", "c", "d"].entries()) table.set(key, i, 0);
    assert.equal(table.size, 3);
    assert.equal(table.peek("a"), undefined);
    assert.deepEqual(
      ["b", "c", "d"].map((key) => table.peek(key)),
      [1, 2, 3],
    );
  });

  it("keeps a recently used entry over older ones", () => {
    const table = new RecentKeys<number>(3, () => false);
    for (const [i, key] of ["a", "b", "c"].entries()) table.set(key, i, 0);
    table.touch("a");
    table.set("d", 3, 0);
    assert.equal(table.peek("b"), undefined);
    assert.equal(table.peek("a"), 0);
  });

  it("evicts an entry that holds nobody back before one that does", () => {
    const table = new RecentKeys<number>(3, (value) => value < 0);
    table.set("held", -1, 0);
    table.set("b", 1, 0);
    table.set("c", 2, 0);
    table.set("d", 3, 0);
    assert.equal(table.peek("held"), -1);
    assert.equal(table.peek("b"), undefined);
  });

  it("still makes room when every entry holds someone back", () => {
    const table = new RecentKeys<number>(20, () => true);
    for (let i = 0; i < 50; i++) table.set(`k${i}`, i, 0);
    assert.equal(table.size, 20);
  });
});

describe("a keyed limiter", () => {
  it("keeps a throttled key throttled after 100,000 made-up keys have been tried", () => {
    const limiter = new KeyedLimiter(5, 1 / 60);
    for (let i = 0; i < 5; i++) assert.equal(limiter.take("attacker", 0), 0);
    assert.ok(limiter.take("attacker", 0) > 0);
    for (let i = 0; i < 150_000; i++) limiter.take(`random-${i}`, 1);
    assert.ok(limiter.size <= 100_000, `${limiter.size} keys kept`);
    assert.ok(limiter.take("attacker", 2) > 0, "the throttle was not reset");
  });

  it("stays bounded, and remembers the newest keys", () => {
    const limiter = new KeyedLimiter(2, 1 / 60, 1000);
    for (let i = 0; i < 5000; i++) limiter.take(`key-${i}`, 0);
    assert.equal(limiter.size, 1000);
    // A remembered key has one token left; a forgotten one would start again with two.
    for (let i = 4000; i < 5000; i++) {
      assert.equal(limiter.take(`key-${i}`, 0), 0);
      assert.ok(limiter.take(`key-${i}`, 0) > 0, `key-${i} was forgotten`);
    }
    limiter.take("key-3999", 0);
    assert.equal(limiter.take("key-3999", 0), 0, "key-3999 was remembered");
    assert.equal(limiter.size, 1000);
  });

  it("forgets a key whose bucket a refund fills again", () => {
    const limiter = new KeyedLimiter(5, 1 / 60);
    limiter.take("owner", 0);
    limiter.refund("owner", 0);
    assert.equal(limiter.size, 0);
  });
});

describe("a failure slowdown", () => {
  const options = { firstDelayMs: 250, maxDelayMs: 4000, forgetAfterMs: 15 * MINUTE, capacity: 1000 };

  it("answers each failure later than the one before, up to a cap, and never refuses", () => {
    const slowdown = new FailureSlowdown(options);
    const delays = Array.from({ length: 8 }, (_, i) => slowdown.failed("alice", i * 10));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
    assert.equal(slowdown.delayAfter(1e9), 4000);
  });

  it("starts again after a success, or after a quiet while", () => {
    const slowdown = new FailureSlowdown(options);
    slowdown.failed("alice", 0);
    slowdown.failed("alice", 0);
    slowdown.succeeded("alice");
    assert.equal(slowdown.failed("alice", 0), 250);
    assert.equal(slowdown.failed("alice", 0), 500);
    assert.equal(slowdown.failed("alice", 16 * MINUTE), 250);
  });

  it("keeps an account under attack slowed while made-up names fill the table", () => {
    const slowdown = new FailureSlowdown(options);
    for (let i = 0; i < 4; i++) slowdown.failed("alice", 0);
    for (let i = 0; i < 5000; i++) slowdown.failed(`random-${i}`, 1);
    assert.ok(slowdown.size <= 1000);
    assert.equal(slowdown.failed("alice", 2), 4000);
  });
});

describe("the login throttle", () => {
  it("refuses an address guessing at one account, not the account from elsewhere", async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 5; i++) assert.equal(await throttle.admit("127.0.0.2:4000", "alice", 0), 0);
    for (let i = 0; i < 15; i++) assert.ok((await throttle.admit("127.0.0.2:4000", "alice", 0)) > 0);
    assert.equal(await throttle.admit("127.0.0.3:4000", "alice", 0), 0);
  });

  it("refuses an address guessing at many accounts; a refused try costs nothing", async () => {
    const throttle = new LoginThrottle();
    const { burst } = DEFAULT_LOGIN_LIMITS.perAddress;
    for (let i = 0; i < burst; i++) assert.equal(await throttle.admit("10.0.0.1:1", `user${i}`, 0), 0);
    const waits = [];
    for (let i = 0; i < 100; i++) waits.push(await throttle.admit("10.0.0.1:1", `other${i}`, 0));
    assert.ok(waits.every((wait) => wait > 0));
    // One token back after its interval, however many were refused meanwhile.
    const interval = 1000 / DEFAULT_LOGIN_LIMITS.perAddress.perSecond;
    assert.equal(await throttle.admit("10.0.0.1:1", "someone", interval), 0);
  });

  it("gives back what a successful login took", async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 20; i++) {
      assert.equal(await throttle.admit("10.0.0.1:1", "alice", 0), 0);
      await throttle.succeeded("10.0.0.1:1", "alice");
    }
  });

  it("does not keep a name longer than any name can be", async () => {
    const throttle = new LoginThrottle();
    const long = "x".repeat(4000);
    for (let i = 0; i < 10; i++) assert.equal(await throttle.admit(`10.0.0.${i}:1`, long, 0), 0);
    assert.equal(throttle.failed(long, 0), 250);
    assert.equal(throttle.failed(long, 0), 250);
  });
});

describe("the address a guesser is throttled as", () => {
  it("is the IPv4 address, or the IPv6 /64", () => {
    assert.equal(addressKey("127.0.0.2:5000"), "127.0.0.2");
    assert.equal(addressKey("[2001:db8:1:2:3:4:5:6]:5000"), "2001:db8:1:2::/64");
    assert.equal(addressKey("[2001:db8:1:2::ffff]:5000"), "2001:db8:1:2::/64");
    assert.equal(addressKey("[2001:0DB8::1]:5000"), "2001:db8:0:0::/64");
    assert.equal(addressKey("[::1]:5000"), "0:0:0:0::/64");
    assert.equal(addressKey("[fe80::1%eth0]:5000"), "fe80:0:0:0::/64");
    assert.equal(addressKey("[64:ff9b::192.0.2.1]:5000"), "64:ff9b:0:0::/64");
  });
});
