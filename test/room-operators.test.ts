import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import type { Command } from "../src/core/commands.js";
import type { ChatEvent, ModeChange, Reply } from "../src/core/events.js";
import { SqliteStore } from "../src/store/sqlite-store.js";
import { connectUser, type HubUser, newHub } from "./helpers/hub-fixture.js";

const join = (room: string, key = ""): Command => ({ kind: "join", room, replay: 0, key });
const mode = (room: string, ...changes: ModeChange[]): Command => ({ kind: "mode", room, changes });
const say = (room: string, text: string): Command => ({ kind: "say", room, text, isAction: false });

const lastError = (user: HubUser): { code: string; detail?: unknown } | undefined => {
  const errors = user.events.filter((event) => event.kind === "error");
  const last = errors.at(-1);
  return last?.kind === "error" ? last.error : undefined;
};

const repliesOf = <K extends Reply["kind"]>(user: HubUser, kind: K): Extract<Reply, { kind: K }>[] =>
  user.events.flatMap((event) =>
    event.kind === "reply" && event.reply.kind === kind ? [event.reply as Extract<Reply, { kind: K }>] : [],
  );

const eventsOf = <K extends ChatEvent["kind"]>(user: HubUser, kind: K): Extract<ChatEvent, { kind: K }>[] =>
  user.events.filter((event): event is Extract<ChatEvent, { kind: K }> => event.kind === kind);

/** A hub with alice, who created #ops, and bob, who joined it after her. */
async function roomOfAlice(): Promise<{ hub: ReturnType<typeof newHub>; alice: HubUser; bob: HubUser }> {
  const hub = newHub();
  const alice = connectUser(hub, "10.0.0.1:1");
  const bob = connectUser(hub, "10.0.0.2:2");
  await alice.run({ kind: "nick", name: "alice" });
  await bob.run({ kind: "nick", name: "bob" });
  await alice.run(join("#ops"));
  await bob.run(join("#ops"));
  return { hub, alice, bob };
}

describe("room operators", () => {
  it("makes whoever creates a room its operator, and nobody else", async () => {
    const { alice, bob } = await roomOfAlice();
    await bob.run({ kind: "who", room: "#ops" });
    const [who] = repliesOf(bob, "who");
    assert.deepEqual(
      who.members.map((member) => [member.ref.displayName, member.isOperator, member.isVoiced]),
      [
        ["alice", true, false],
        ["bob", false, false],
      ],
    );
    await bob.run(mode("#ops", { mode: "m", on: true }));
    assert.equal(lastError(bob)?.code, "ERR_NOT_OPERATOR");
    assert.equal(eventsOf(alice, "mode").length, 0, "a refused change is announced to nobody");
  });

  it("announces only the changes that changed something, once, to every member", async () => {
    const { alice, bob } = await roomOfAlice();
    await alice.run(
      mode("#ops", { mode: "o", on: true, arg: "bob" }, { mode: "t", on: true }, { mode: "n", on: true }),
    );
    const [change] = eventsOf(bob, "mode");
    assert.deepEqual(
      change.changes.map(({ mode: letter, on, arg }) => ({ mode: letter, on, arg })),
      [
        { mode: "o", on: true, arg: "bob" },
        { mode: "t", on: true, arg: undefined },
      ],
      "+n is on already",
    );
    assert.equal(change.who.displayName, "alice");
    assert.equal(eventsOf(alice, "mode").length, 1);
    await bob.run(mode("#ops", { mode: "o", on: false, arg: "alice" }));
    assert.deepEqual(
      eventsOf(alice, "mode")[1].changes.map(({ mode: letter, on }) => `${on ? "+" : "-"}${letter}`),
      ["-o"],
      "an operator made by another can take operator from the creator",
    );
  });

  it("names precise errors: unknown mode, no such user, not in the room, bad key or limit, key already set", async () => {
    const { hub, alice } = await roomOfAlice();
    connectUser(hub, "10.0.0.3:3");
    const carol = connectUser(hub, "10.0.0.4:4");
    await carol.run({ kind: "nick", name: "carol" });
    const cases: [ModeChange, string][] = [
      [{ mode: "z", on: true }, "ERR_UNKNOWN_MODE"],
      [{ mode: "o", on: true, arg: "nobody" }, "ERR_NO_SUCH_USER"],
      [{ mode: "o", on: true, arg: "carol" }, "ERR_USER_NOT_IN_ROOM"],
      [{ mode: "k", on: true, arg: "two words" }, "ERR_BAD_MODE_ARG"],
      [{ mode: "k", on: true, arg: "x".repeat(24) }, "ERR_BAD_MODE_ARG"],
      [{ mode: "l", on: true, arg: "0" }, "ERR_BAD_MODE_ARG"],
      [{ mode: "l", on: true, arg: "ten" }, "ERR_BAD_MODE_ARG"],
    ];
    for (const [change, code] of cases) {
      await alice.run(mode("#ops", change));
      assert.equal(lastError(alice)?.code, code, JSON.stringify(change));
    }
    await alice.run(mode("#ops", { mode: "k", on: true, arg: "beer" }));
    await alice.run(mode("#ops", { mode: "k", on: true, arg: "wine" }));
    assert.equal(lastError(alice)?.code, "ERR_KEY_SET");
    await alice.run(mode("#nowhere", { mode: "i", on: true }));
    assert.equal(lastError(alice)?.code, "ERR_NO_SUCH_ROOM");
  });

  it("shows the modes, with the key to members only, and the bans", async () => {
    const { hub, alice } = await roomOfAlice();
    await alice.run(mode("#ops", { mode: "k", on: true, arg: "beer" }, { mode: "l", on: true, arg: "5" }));
    await alice.run(mode("#ops", { mode: "b", on: true, arg: "mallory" }));
    await alice.run({ kind: "mode", room: "#ops", changes: null });
    const [modes] = repliesOf(alice, "modes");
    assert.deepEqual(modes.modes, {
      isInviteOnly: false,
      isModerated: false,
      isTopicLocked: false,
      isSecret: false,
      isMembersOnly: true,
      hasKey: true,
      key: "beer",
      limit: 5,
    });
    const outsider = connectUser(hub, "10.0.0.9:9");
    await outsider.run({ kind: "mode", room: "#ops", changes: null });
    assert.equal(repliesOf(outsider, "modes")[0].modes.key, null, "a non-member is not told the key");
    await outsider.run(mode("#ops", { mode: "b", on: true }));
    assert.deepEqual(
      repliesOf(outsider, "masks")[0].masks.map((ban) => [ban.mask, ban.setBy]),
      [["mallory!*@*", "alice"]],
      "a ban on a bare name is completed to a full mask",
    );
  });

  it("refuses joins with the reason: key, limit, invite-only, ban; an invitation lets one in once", async () => {
    const { hub, alice } = await roomOfAlice();
    const carol = connectUser(hub, "10.0.0.3:3");
    await carol.run({ kind: "nick", name: "carol" });
    const refusal = async (key = ""): Promise<unknown> => {
      await carol.run(join("#ops", key));
      const error = lastError(carol);
      carol.events.length = 0;
      return error?.code === "ERR_CANNOT_JOIN" ? (error.detail as { reason: string }).reason : error?.code;
    };
    await alice.run(mode("#ops", { mode: "k", on: true, arg: "beer" }));
    assert.equal(await refusal(), "key");
    assert.equal(await refusal("bees"), "key");
    await alice.run(mode("#ops", { mode: "k", on: false }, { mode: "l", on: true, arg: "2" }));
    assert.equal(await refusal(), "full");
    await alice.run(mode("#ops", { mode: "l", on: false }, { mode: "i", on: true }));
    assert.equal(await refusal(), "invite-only");
    await alice.run(mode("#ops", { mode: "i", on: false }, { mode: "b", on: true, arg: "car*!*@*" }));
    assert.equal(await refusal(), "banned");
    await alice.run(mode("#ops", { mode: "i", on: true }));
    await alice.run({ kind: "invite", name: "carol", room: "#ops" });
    const [invited] = eventsOf(carol, "invited");
    assert.equal(invited.room, "#ops");
    assert.equal(invited.who.displayName, "alice");
    assert.equal(repliesOf(alice, "invited")[0].target.displayName, "carol");
    carol.events.length = 0;
    assert.equal(await refusal(), undefined, "the invitation opens an invite-only room and lifts the ban");
    await carol.run({ kind: "part", room: "#ops", reason: "" });
    assert.equal(await refusal(), "banned", "once");
  });

  it("lets only operators and voiced members speak in a moderated room, and quiets a banned member", async () => {
    const { alice, bob } = await roomOfAlice();
    await alice.run(mode("#ops", { mode: "m", on: true }));
    await bob.run(say("#ops", "may I?"));
    assert.deepEqual(lastError(bob), { code: "ERR_CANNOT_SPEAK", detail: { room: "#ops", reason: "moderated" } });
    await alice.run(mode("#ops", { mode: "v", on: true, arg: "bob" }));
    await bob.run(say("#ops", "thank you"));
    await alice.run(mode("#ops", { mode: "m", on: false }, { mode: "v", on: false, arg: "bob" }));
    await alice.run(mode("#ops", { mode: "b", on: true, arg: "*!*@10.0.0.2" }));
    await bob.run(say("#ops", "still here"));
    assert.deepEqual(lastError(bob), { code: "ERR_CANNOT_SPEAK", detail: { room: "#ops", reason: "banned" } });
    assert.deepEqual(
      eventsOf(alice, "message").map((message) => message.text),
      ["thank you"],
    );
  });

  it("lets every member set the topic (the default) until an operator locks it", async () => {
    const { alice, bob } = await roomOfAlice();
    await bob.run({ kind: "topic", room: "#ops", topic: "ours" });
    assert.equal(eventsOf(alice, "topic").at(-1)?.topic, "ours");
    await alice.run(mode("#ops", { mode: "t", on: true }));
    await bob.run({ kind: "topic", room: "#ops", topic: "mine" });
    assert.equal(lastError(bob)?.code, "ERR_NOT_OPERATOR");
    assert.equal(eventsOf(alice, "topic").at(-1)?.topic, "ours");
  });

  it("kicks: the members and the kicked user are told, and the kicked user is out of the room", async () => {
    const { hub, alice, bob } = await roomOfAlice();
    await bob.run({ kind: "kick", room: "#ops", name: "alice", reason: "" });
    assert.equal(lastError(bob)?.code, "ERR_NOT_OPERATOR");
    await alice.run({ kind: "kick", room: "#ops", name: "nobody", reason: "" });
    assert.equal(lastError(alice)?.code, "ERR_USER_NOT_IN_ROOM");
    await alice.run({ kind: "kick", room: "#ops", name: "bob", reason: "enough" });
    for (const user of [alice, bob]) {
      const [kicked] = eventsOf(user, "kicked");
      assert.equal(kicked.who.displayName, "alice");
      assert.equal(kicked.target.displayName, "bob");
      assert.equal(kicked.reason, "enough");
      assert.equal(kicked.members, 1);
    }
    assert.equal(hub.findRoom("#ops")?.members.has(bob.session), false);
    await bob.run(say("#ops", "back?"));
    assert.equal(lastError(bob)?.code, "ERR_NOT_IN_ROOM");
  });

  it("invites: only members, only operators to an invite-only room, not someone already in", async () => {
    const { hub, alice, bob } = await roomOfAlice();
    const carol = connectUser(hub, "10.0.0.3:3");
    await carol.run({ kind: "nick", name: "carol" });
    await carol.run({ kind: "invite", name: "bob", room: "#ops" });
    assert.equal(lastError(carol)?.code, "ERR_NOT_IN_ROOM");
    await alice.run({ kind: "invite", name: "bob", room: "#ops" });
    assert.equal(lastError(alice)?.code, "ERR_ALREADY_IN_ROOM");
    await alice.run({ kind: "invite", name: "nobody", room: "#ops" });
    assert.equal(lastError(alice)?.code, "ERR_NO_SUCH_USER");
    await alice.run(mode("#ops", { mode: "i", on: true }));
    await bob.run({ kind: "invite", name: "carol", room: "#ops" });
    assert.equal(lastError(bob)?.code, "ERR_NOT_OPERATOR");
    assert.equal(eventsOf(carol, "invited").length, 0);
  });

  it("hides a secret room from the room list and from non-members' who", async () => {
    const { hub, alice } = await roomOfAlice();
    await alice.run(mode("#ops", { mode: "s", on: true }));
    const outsider = connectUser(hub, "10.0.0.9:9");
    await outsider.run({ kind: "rooms" });
    assert.deepEqual(repliesOf(outsider, "rooms")[0].rooms, []);
    await outsider.run({ kind: "who", room: "#ops" });
    assert.equal(lastError(outsider)?.code, "ERR_NO_SUCH_ROOM");
    await alice.run({ kind: "rooms" });
    assert.deepEqual(
      repliesOf(alice, "rooms")[0].rooms.map((room) => room.name),
      ["#ops"],
    );
  });

  it("gives operator back to the account that created the room when it rejoins", async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-rooms-"));
    const store = SqliteStore.open(dataDir);
    t.after(async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const hub = newHub(store);
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    await alice.complete({ kind: "nick", name: "alice" });
    await alice.complete({ kind: "register", password: "password1" });
    assert.notEqual(alice.session.account, null, "registered");
    await alice.complete(join("#ops"));
    await bob.complete(join("#ops"));
    await alice.complete({ kind: "part", room: "#ops", reason: "" });
    await alice.complete(join("#ops"));
    assert.equal(hub.findRoom("#ops")?.isOperator(alice.session), true, "the founding account holds it again");
    assert.equal(
      hub.findRoom("#ops")?.isOperator(bob.session),
      false,
      "staying while the operator was away made bob none",
    );
  });
});

describe("departures told after what came before them", () => {
  it("a member kicked second in one go still sees the first kick, and each kicked user its own", async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-rooms-"));
    const store = SqliteStore.open(dataDir);
    t.after(async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    // With a store, events go out once stored: after both kicks have taken effect.
    const hub = newHub(store);
    const users = ["foo", "bar", "baz"].map((name, index) => ({ name, user: connectUser(hub, `10.0.0.${index}:1`) }));
    for (const { name, user } of users) await user.complete({ kind: "nick", name });
    const [foo, bar, baz] = users.map(({ user }) => user);
    for (const user of [foo, bar, baz]) await user.complete(join("#chan"));
    await foo.complete(mode("#chan", { mode: "o", on: true, arg: "baz" }));
    hub.execute(baz.session, { kind: "kick", room: "#chan", name: "bar", reason: "" });
    hub.execute(baz.session, { kind: "kick", room: "#chan", name: "foo", reason: "" });
    await hub.settled();
    const kicksSeenBy = (user: HubUser): string[] => eventsOf(user, "kicked").map((kick) => kick.target.displayName);
    assert.deepEqual(kicksSeenBy(foo), ["bar", "foo"]);
    assert.deepEqual(kicksSeenBy(bar), ["bar"], "what came after its own kick is not for the kicked user");
    assert.deepEqual(kicksSeenBy(baz), ["bar", "foo"]);
    assert.equal(hub.findRoom("#chan")?.departing.size, 0, "nobody is kept once told");
  });

  it("one who parts and comes back before the part is told gets each event once", async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-rooms-"));
    const store = SqliteStore.open(dataDir);
    t.after(async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const hub = newHub(store);
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    await alice.complete(join("#chan"));
    await bob.complete(join("#chan"));
    hub.execute(alice.session, say("#chan", "before"));
    hub.execute(bob.session, { kind: "part", room: "#chan", reason: "" });
    hub.execute(bob.session, join("#chan"));
    await hub.settled();
    assert.deepEqual(
      eventsOf(bob, "message").map((message) => message.text),
      ["before"],
    );
  });
});
