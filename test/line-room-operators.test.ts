import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ask, startChat } from "./helpers/chat-fixture.js";

const isError = (line: string): boolean => line.startsWith("! ");

describe("room operators on the line protocol", () => {
  it("/op and /voice are announced in words, and /who marks operators and voiced members", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ask(alice, "/join #ops", (line) => line.startsWith("- You joined #ops"));
    await ask(bob, "/join #ops", (line) => line.startsWith("- You joined #ops"));
    assert.deepEqual(await ask(bob, "/op bob", isError), ["! Only operators of #ops may do that."]);
    bob.send("/who\n");
    await bob.waitFor("- #ops (2 users online): @alice, bob");
    alice.send("/voice bob\n");
    await bob.waitFor("> alice gave bob a voice.");
    alice.send("/mode +m\n");
    await bob.waitFor("> alice moderated the room (only operators and voiced members speak).");
    assert.deepEqual(await ask(bob, "/who", (line) => line.startsWith("- #ops")), [
      "- #ops (2 users online): @alice, +bob",
    ]);
    alice.send("/devoice bob\n");
    await bob.waitFor("> alice took the voice from bob.");
    assert.deepEqual(await ask(bob, "can I speak?", isError), [
      "! #ops is moderated: only operators and voiced members speak.",
    ]);
    assert.deepEqual(await ask(alice, "/mode", (line) => line.startsWith("- #ops:")), [
      "- #ops: open to all, moderated, topic set by any member.",
    ]);
  });

  it("/kick puts a member out, who is told and is back in their previous room", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ask(alice, "/join #ops", (line) => line.startsWith("- You joined #ops"));
    await ask(bob, "/join #ops", (line) => line.startsWith("- You joined #ops"));
    alice.send("/kick bob spamming\n");
    await alice.waitFor("< The user bob was kicked out by alice: spamming. (1 user online)");
    await bob.waitFor("! alice kicked you out of #ops: spamming. Your current room is now #lobby.");
    assert.deepEqual(await ask(alice, "/kick nobody", isError), ["! nobody is not in #ops."]);
  });

  it("/invite opens an invite-only room once; a key and bans keep others out, with the reason", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const carol = await connect("carol");
    await ask(alice, "/join #ops", (line) => line.startsWith("- You joined #ops"));
    alice.send("/mode #ops +i\n");
    await alice.waitFor("> alice made the room invite-only.");
    assert.deepEqual(await ask(carol, "/join #ops", isError), [
      "! You cannot join #ops: it is invite-only, and you have not been invited.",
    ]);
    assert.deepEqual(await ask(alice, "/invite carol", (line) => line.startsWith("- You invited")), [
      "- You invited carol to #ops.",
    ]);
    await carol.waitFor("- alice invites you to #ops: /join #ops");
    await ask(carol, "/join #ops", (line) => line.startsWith("- You joined #ops"));
    await ask(carol, "/part", (line) => line.startsWith("- You left"));
    alice.send("/mode #ops -i+k beer\n");
    await alice.waitFor("> alice opened the room to all; set a key on the room.");
    assert.deepEqual(await ask(carol, "/join #ops wine", isError), [
      "! You cannot join #ops: it needs a key (/join #room KEY).",
    ]);
    await ask(carol, "/join #ops beer", (line) => line.startsWith("- You joined #ops"));
    alice.send("/mode +b carol\n");
    await alice.waitFor("> alice banned carol!*@*.");
    const bans = await ask(alice, "/mode b", (line) => line.startsWith("-   "));
    assert.equal(bans[0], "- Banned from #ops:");
    assert.match(bans[1], /^- {3}carol!\*@\* \(by alice \d{4}-\d{2}-\d{2} \d{2}:\d{2}Z\)$/);
    alice.send("/mode +e carol!*@*\n");
    await alice.waitFor("> alice let carol!*@* in despite bans.");
    const exceptions = await ask(alice, "/mode e", (line) => line.startsWith("-   "));
    assert.equal(exceptions[0], "- Let in despite bans, in #ops:");
    alice.send("/mode +I dave\n");
    await alice.waitFor("> alice let dave!*@* in without an invitation.");
    assert.deepEqual(await ask(alice, "/mode -I dave", "> alice took back the invite exception for dave!*@*."), [
      "> alice took back the invite exception for dave!*@*.",
    ]);
    assert.deepEqual(await ask(alice, "/mode I", (line) => line.startsWith("- No invite")), [
      "- No invite exceptions in #ops.",
    ]);
  });
});
