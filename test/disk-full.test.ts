import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { ask, historyBlock, startChat } from "./helpers/chat-fixture.js";
import { skipUnless } from "./helpers/environment.js";
import type { LineClient } from "./helpers/line-client.js";

const PAUSED = "! History is paused: the server's disk is full. Chat goes on; what is said now is not kept.";
const isResumed = (line: string): boolean => line.startsWith("- History is kept again; what was said from ");
const GAP =
  /^~ history was not kept from \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z to \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z \(disk full\)$/;

/** A 2 MB tmpfs of the test's own, unmounted when it ends; null (with the test skipped) where none can be mounted. */
function mountSmallDisk(t: TestContext): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-full-disk-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir], { encoding: "utf8" });
  const skip = skipUnless(mounted.status === 0, `mounting a tmpfs (needs root; ${mounted.stderr?.trim()})`);
  if (skip !== null) {
    fs.rmdirSync(dir);
    t.skip(skip);
    return null;
  }
  t.after(() => {
    spawnSync("umount", ["-l", dir]);
    fs.rmdirSync(dir);
  });
  return dir;
}

/** Writes a file until the disk has no room left. */
function fillDisk(file: string): void {
  const handle = fs.openSync(file, "w");
  const chunk = Buffer.alloc(4096, 0x61);
  try {
    for (;;) fs.writeSync(handle, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    fs.closeSync(handle);
  }
}

/** Talks until the store runs out of room (what SQLite already holds takes a while to use up). */
async function talkUntilPaused(talker: LineClient, listener: LineClient): Promise<void> {
  const padding = "x".repeat(400);
  for (let round = 0; round < 100; round++) {
    const from = listener.lines.length;
    for (let i = 0; i < 50; i++) talker.send(`filling ${round}.${i} ${padding}\n`);
    await listener.waitFor((line) => line.endsWith(`filling ${round}.49 ${padding}`), 10_000, from);
    if (listener.lines.includes(PAUSED)) return;
  }
  assert.fail("history was never paused");
}

describe("a full disk", () => {
  it("pauses history while the chat goes on, and resumes it, with the gap shown, when space returns", async (t) => {
    const dataDir = mountSmallDisk(t);
    if (dataDir === null) return;
    const chat = await startChat(t, { dataDir, historyRetryMs: 100 });
    const alice = await chat.connect("alice");
    const bob = await chat.connect("bob");
    const dave = await chat.connect("dave");
    await ask(dave, "/register password1", (line) => line.startsWith("- The name dave is now yours."));
    dave.send("/quit\n");
    await bob.waitFor((line) => line.startsWith("< The user dave left."));
    alice.send("before the disk filled\n");
    await bob.waitFor("[alice] before the disk filled");

    const filler = path.join(dataDir, "filler");
    fillDisk(filler);
    await talkUntilPaused(alice, bob);
    await alice.waitFor(PAUSED);

    // People still chat, and a new account is refused with a reason, not a crash.
    alice.send("said while full\n");
    await bob.waitFor("[alice] said while full");
    assert.deepEqual(await ask(alice, "/msg dave are you there", (line) => line.startsWith("! ")), [
      "[you -> dave] are you there",
      "! dave is not online, and history is paused: they will not see it on logging in.",
    ]);
    // What the failed writes left in the log takes a few small writes (accounts) before they fail too.
    // Whoever arrives meanwhile is told too, once welcomed.
    const newcomer = await chat.connect();
    await newcomer.waitFor(PAUSED);
    assert.ok(newcomer.lines.indexOf(PAUSED) > 0, "after the welcome line");
    let refusal: string | undefined;
    for (let i = 0; refusal === undefined && i < 500; i++) {
      const [answer] = await ask(newcomer, `/nick carol${i}`, (line) => line.startsWith("- You are now known as "));
      assert.ok(answer !== undefined);
      const [registered] = await ask(newcomer, "/register password1", (line) => /^(! |- The name )/.test(line));
      if (registered.startsWith("! ")) refusal = registered;
      else await ask(newcomer, "/logout", (line) => line.startsWith("- Logged out"));
    }
    assert.equal(refusal, "! The server could not save that (/register): the server's disk is full. Try again later.");

    fs.rmSync(filler);
    await bob.waitFor(isResumed, 10_000);
    await alice.waitFor(isResumed);
    assert.equal(bob.lines.filter((line) => line === PAUSED).length, 1, "told once");
    alice.send("after space returned\n");
    await bob.waitFor("[alice] after space returned");

    const answer = await ask(alice, "/history #lobby 500", "- End of history.");
    const shown = historyBlock(answer, "- History of #lobby:");
    const gapAt = shown.findIndex((line) => GAP.test(line));
    assert.ok(gapAt !== -1, shown.join("\n"));
    assert.ok(shown.slice(0, gapAt).some((line) => line.endsWith("[alice] before the disk filled")));
    assert.ok(shown.slice(gapAt).some((line) => line.endsWith("[alice] after space returned")));
    assert.ok(!shown.some((line) => line.endsWith("said while full")), "what was said while full is not kept");

    // A login catching up over the span says so too.
    const back = await chat.connect();
    const caughtUp = await ask(back, "/login dave password1", "- End of history.");
    const missed = historyBlock(caughtUp, "- While you were away:");
    assert.ok(
      missed.some((line) => GAP.test(line)),
      missed.join("\n"),
    );
    assert.ok(missed.some((line) => line.endsWith("[alice] after space returned")));
  });
});
