import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import { LineClient } from "./helpers/line-client.js";
import { startTestServer } from "./helpers/server.js";

describe("framing and input bounds", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let alice: LineClient;
  let bob: LineClient;
  before(async () => {
    server = await startTestServer({ maxLineBytes: 4096 });
  });
  after(() => server.stop());

  async function pair(): Promise<void> {
    alice = await LineClient.join(server.port);
    bob = await LineClient.join(server.port);
    await alice.waitFor((line) => line.includes(bob.address));
  }
  async function closePair(): Promise<void> {
    await Promise.all([alice.close(), bob.close()]);
  }

  it("never merges two quick messages sent in one write", async () => {
    await pair();
    alice.send("first\nsecond\r\nthird\n");
    await bob.waitFor(`[${alice.address}] third`);
    assert.deepEqual(bob.lines.slice(-3), [
      `[${alice.address}] first`,
      `[${alice.address}] second`,
      `[${alice.address}] third`,
    ]);
    await closePair();
  });

  it("never splits a long message that arrives in many pieces", async () => {
    await pair();
    const text = "0123456789".repeat(400);
    for (let i = 0; i < text.length; i += 333) alice.send(text.slice(i, i + 333));
    alice.send("\n");
    const line = await bob.waitFor((l) => l.startsWith(`[${alice.address}]`));
    assert.equal(line, `[${alice.address}] ${text}`);
    await closePair();
  });

  it("answers an over-long line with an error, relays nothing, and keeps the connection", async () => {
    await pair();
    alice.send(`${"x".repeat(5000)}\n`);
    assert.equal(
      await alice.waitFor((line) => line.startsWith("! ")),
      "! Line too long (5000 bytes; the limit is 4096): it was not sent.",
    );
    alice.send("still here\n");
    await bob.waitFor(`[${alice.address}] still here`);
    assert.equal(
      bob.lines.some((line) => line.includes("xxxx")),
      false,
    );
    await closePair();
  });

  it("disconnects at once a peer that sends far past the limit without a newline", async () => {
    await pair();
    const started = process.cpuUsage();
    alice.send(Buffer.alloc(1024 * 1024, 0x41));
    await alice.waitForClose(2000);
    const used = process.cpuUsage(started);
    await bob.waitFor(`< The user ${alice.address} left. (1 user online)`);
    assert.equal(
      bob.lines.some((line) => line.includes("AAAA")),
      false,
    );
    // Sanity bound, not a benchmark: discarding must not scan the same bytes over and over.
    assert.ok(used.user + used.system < 2_000_000, `used ${used.user + used.system} µs of CPU`);
    await bob.close();
  });

  it("tells a peer that sends 2 MB without a newline why it is disconnected, then closes with a FIN", async () => {
    await pair();
    let error: NodeJS.ErrnoException | null = null;
    alice.socket.on("error", (failure: NodeJS.ErrnoException) => {
      error = failure;
    });
    let hasEnded = false;
    alice.socket.once("end", () => {
      hasEnded = true;
    });
    alice.send(Buffer.alloc(2 * 1024 * 1024, 0x42));
    await alice.waitForClose();
    assert.equal(error, null, "no reset");
    assert.equal(hasEnded, true, "the server's side ended with a FIN");
    assert.equal(alice.lines.at(-1), "! Line too long without a newline: disconnected.");
    assert.equal(alice.unterminated, "");
    await bob.waitFor(`< The user ${alice.address} left. (1 user online)`);
    await bob.close();
  });

  it("rejects invalid UTF-8 with an error and never relays it", async () => {
    await pair();
    for (const bad of [Buffer.from([0x68, 0x69, 0xaa]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])]) {
      const errorsBefore = alice.lines.filter((line) => line.startsWith("! ")).length;
      alice.send(Buffer.concat([bad, Buffer.from("\n")]));
      await alice.waitFor(() => alice.lines.filter((line) => line.startsWith("! ")).length > errorsBefore);
    }
    assert.equal(alice.lines.at(-1), "! That line was not valid UTF-8: it was not sent.");
    alice.send("valid ünïcödé ✓\n");
    await bob.waitFor(`[${alice.address}] valid ünïcödé ✓`);
    assert.equal(bob.lines.filter((line) => line.startsWith(`[${alice.address}]`)).length, 1);
    await closePair();
  });

  it("never relays terminal control sequences: ESC, C0 and C1 controls are shown, not obeyed", async () => {
    await pair();
    alice.send("\x1b]0;pwned\x07\x1b[2J\u009b31m red\tend\x7f\n");
    const line = await bob.waitFor((l) => l.startsWith(`[${alice.address}]`));
    assert.equal(line, `[${alice.address}] ^[]0;pwned^G^[[2J^[[31m red\tend^?`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: proving no control character got through.
    assert.doesNotMatch(line, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    await closePair();
  });

  it("refuses a line with a carriage return or a NUL inside, which could end a line for an IRC client", async () => {
    await pair();
    for (const bad of ["one\rtwo", "one\u0000two"]) {
      alice.send(`${bad}\n`);
      assert.equal(
        await alice.waitFor((line) => line.startsWith("! ")),
        "! That line has a carriage return or a NUL in it, which could end a line for others: it was not sent.",
      );
      alice.lines.length = 0;
    }
    alice.send("clean\r\n");
    await bob.waitFor(`[${alice.address}] clean`);
    assert.equal(bob.lines.filter((line) => line.includes("one") || line.includes("two")).length, 0);
    await closePair();
  });

  it("takes bytes followed by a short quiet as one message, as the original client sends them", async () => {
    await pair();
    alice.send("typed without enter");
    await bob.waitFor(`[${alice.address}] typed without enter`);
    alice.send("another one");
    await bob.waitFor(`[${alice.address}] another one`);
    await closePair();
  });

  /** Longer than the quiet that ends a bare message: what a retransmit on a lossy link does to a line. */
  const LINK_PAUSE_MS = 100;

  it("never splits a line of a peer that sends newlines, split at any byte with a pause between the pieces", async () => {
    const watcher = await LineClient.join(server.port);
    const line = Buffer.from("hello wörld, café ✓");
    // One connection per split position, all at once: the pauses overlap instead of adding up.
    const senders = await Promise.all(Array.from({ length: line.length - 1 }, () => LineClient.join(server.port)));
    for (const sender of senders) sender.send("framed\n");
    await Promise.all(senders.map((sender) => watcher.waitFor(`[${sender.address}] framed`)));
    senders.forEach((sender, i) => {
      sender.send(line.subarray(0, i + 1));
    });
    await pause(LINK_PAUSE_MS);
    senders.forEach((sender, i) => {
      sender.send(Buffer.concat([line.subarray(i + 1), Buffer.from("\n")]));
    });
    await Promise.all(senders.map((sender) => watcher.waitFor(`[${sender.address}] ${line}`)));
    for (const sender of senders) {
      const relayed = watcher.lines.filter((seen) => seen.startsWith(`[${sender.address}] `));
      assert.deepEqual(relayed, [`[${sender.address}] framed`, `[${sender.address}] ${line}`]);
      assert.equal(sender.lines.filter((seen) => seen.startsWith("! ")).length, 0);
    }
    await Promise.all([watcher, ...senders].map((client) => client.close()));
  });

  it("never takes a paused command for two lines", async () => {
    await pair();
    alice.send("framed\n");
    alice.send("/nick spl");
    await pause(LINK_PAUSE_MS);
    alice.send("itname\n");
    await bob.waitFor(`> ${alice.address} is now known as splitname.`);
    assert.equal(
      bob.lines.some((seen) => seen.includes("itname") && !seen.includes("splitname")),
      false,
    );
    await closePair();
  });

  it("never ends a bare message inside a UTF-8 character, however long the pause", async () => {
    await pair();
    alice.send(Buffer.from([0x63, 0x61, 0x66, 0xc3]));
    await pause(LINK_PAUSE_MS);
    alice.send(Buffer.from([0xa9, ...Buffer.from(" au lait")]));
    await bob.waitFor(`[${alice.address}] café au lait`);
    assert.equal(
      alice.lines.some((seen) => seen.startsWith("! ")),
      false,
    );
    await closePair();
  });
});
