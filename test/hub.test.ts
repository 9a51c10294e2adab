import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import type { Command } from "../src/core/commands.js";
import type { ChatEvent } from "../src/core/events.js";
import type { Hub } from "../src/core/hub.js";
import { MessageIdGenerator } from "../src/core/message-id.js";
import { SqliteStore } from "../src/store/sqlite-store.js";
import type { MessageStore } from "../src/store/store.js";
import { connectUser, newHub } from "./helpers/hub-fixture.js";

/** The texts of the messages `user` was sent, in order. */
const heardBy = (user: { events: ChatEvent[] }): string[] =>
  user.events.flatMap((event) => (event.kind === "message" ? [event.text] : []));

const say = (room: string, text: string): Command => ({ kind: "say", room, text, isAction: false });
const join = (room: string, key = ""): Command => ({ kind: "join", room, replay: 0, key });

describe("hub", () => {
  it("tells every member of a room about joins, messages and leaves, with room counts", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    await alice.run(join("#lobby"));
    await bob.run(join("#lobby"));
    await alice.run(say("#lobby", "hi"));
    hub.disconnect(alice.session);

    const seen = bob.events.filter((event) => event.kind !== "reply");
    assert.deepEqual(
      seen.map((event) => [event.kind, "members" in event ? event.members : null]),
      [
        ["joined", 2],
        ["message", null],
        ["quit", null],
      ],
    );
    const quit = seen[2];
    assert.ok(quit.kind === "quit");
    assert.deepEqual(quit.rooms, [{ room: "#lobby", members: 1 }], "one event names every room left, with its count");
    const message = seen[1];
    assert.ok(message.kind === "message");
    assert.equal(message.text, "hi");
    assert.equal(message.from.displayName, "10.0.0.1:1");
    assert.match(message.id, /^[0-9a-z]{16}$/);
    assert.ok(Math.abs(message.at - Date.now()) < 5000);
  });

  it("answers a message to a room the user is not in with an error to that user only", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    await alice.run(say("#nowhere", "hi"));
    assert.deepEqual(alice.events, [
      { kind: "error", error: { code: "ERR_NOT_IN_ROOM", detail: { room: "#nowhere" } } },
    ]);
  });

  it("keeps names unique across case, width and look-alike letters", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    await alice.run({ kind: "nick", name: "Alice" });
    assert.deepEqual(alice.events.at(-1), {
      kind: "reply",
      reply: { kind: "renamed", name: "Alice", unchanged: false },
    });
    const impostor = connectUser(hub, "10.0.0.2:2");
    // Cyrillic а, і and ї, Greek ι, dotless ı, Latin alpha ɑ, Cherokee Ꭺ, Latin e.
    const lookAlikes = ["аlice", "al\u0456ce", "al\u0457ce", "al\u03b9ce", "al\u0131ce", "\u0251lice", "\u13aalice"];
    for (const name of ["alice", "ALICE", ...lookAlikes, "ａｌｉｃｅ", "AIice", "alicе"]) {
      await impostor.run({ kind: "nick", name });
      const last = impostor.events.at(-1);
      assert.ok(last?.kind === "error", `${name} was accepted`);
      assert.equal(last.error.code, "ERR_NAME_IN_USE", name);
    }
    for (const name of [
      "ali ce",
      "alice\u200b",
      "#alice",
      "a!b",
      "a:b",
      "server",
      "NickServ",
      "adm\u0456n",
      "n\u0456ckserv",
      "guest-1234",
      "guest_7f3a1",
      "Guest",
      "",
      "x".repeat(33),
    ]) {
      await impostor.run({ kind: "nick", name });
      const last = impostor.events.at(-1);
      assert.ok(last?.kind === "error" && last.error.code === "ERR_BAD_NAME", `${JSON.stringify(name)} was accepted`);
    }
  });

  it("refuses Greek and Cyrillic capitals that spell a name in use, and joins the room they spell", async () => {
    const hub = newHub();
    const owners = ["TOM", "HEX", "YES", "PAYPAL"].map((name, index) => {
      const owner = connectUser(hub, `10.0.0.${index + 1}:1`);
      return { name, owner };
    });
    for (const { name, owner } of owners) await owner.run({ kind: "nick", name });
    await owners[0].owner.run(join("#TOM"));
    const impostor = connectUser(hub, "10.0.0.9:9");
    for (const name of [
      "\u03a4\u039f\u039c",
      "\u0397\u0395\u03a7",
      "\u03a5\u0395\u0405",
      "\u03a1\u0391\u03a5\u03a1\u0391L",
    ]) {
      await impostor.run({ kind: "nick", name });
      const last = impostor.events.at(-1);
      assert.ok(last?.kind === "error" && last.error.code === "ERR_NAME_IN_USE", `${name} was accepted`);
    }
    await impostor.run(join("#\u03a4\u039f\u039c"));
    const joined = impostor.events.filter((event) => event.kind === "joined").map((event) => event.room);
    assert.deepEqual(joined, ["#TOM"]);
  });

  it("treats look-alike rooms as one room, and a name made of look-alike letter pairs as the same name", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    await alice.run(join("#Mixed"));
    await alice.run({ kind: "nick", name: "mike" });
    const other = connectUser(hub, "10.0.0.2:2");
    await other.run(join("#m\u0456xed"));
    assert.deepEqual(
      other.events.filter((event) => event.kind === "joined").map((event) => event.room),
      ["#Mixed"],
    );
    for (const name of ["rnike", "m\u0456ke"]) {
      await other.run({ kind: "nick", name });
      const last = other.events.at(-1);
      assert.ok(last?.kind === "error" && last.error.code === "ERR_NAME_IN_USE", `${name} was accepted`);
    }
  });

  it("refuses a name or a new room mixing scripts, but tells a look-alike of a name in use that it is in use", async () => {
    const hub = newHub();
    const victor = connectUser(hub, "10.0.0.1:1");
    await victor.run({ kind: "nick", name: "victor" });
    await victor.run(join("#rust"));
    const impostor = connectUser(hub, "10.0.0.2:2");
    const lastError = () => {
      const last = impostor.events.at(-1);
      return last?.kind === "error" ? last.error : null;
    };
    // Greek ν is keyed as the small Ν, so νictor is no look-alike of victor by key.
    await impostor.run({ kind: "nick", name: "\u03bdictor" });
    assert.deepEqual(lastError(), {
      code: "ERR_MIXED_SCRIPTS",
      detail: { name: "\u03bdictor", what: "name", scripts: "Greek and Latin" },
    });
    await impostor.run({ kind: "nick", name: "v\u0456ctor" });
    assert.equal(lastError()?.code, "ERR_NAME_IN_USE");
    await impostor.run(join("#r\u03c5st"));
    assert.deepEqual(lastError(), {
      code: "ERR_MIXED_SCRIPTS",
      detail: { name: "#r\u03c5st", what: "room name", scripts: "Latin and Greek" },
    });
    // A room that exists is joined by any look-alike of its name.
    await impostor.run(join("#ru\u0455t"));
    const joined = impostor.events.filter((event) => event.kind === "joined").map((event) => event.room);
    assert.deepEqual(joined, ["#rust"]);
    await impostor.run({ kind: "nick", name: "\u0392\u03af\u03ba\u03c4\u03c9\u03c1" });
    assert.deepEqual(impostor.events.at(-1), {
      kind: "reply",
      reply: { kind: "renamed", name: "\u0392\u03af\u03ba\u03c4\u03c9\u03c1", unchanged: false },
    });
    assert.equal(impostor.session.rooms.size, 1);
  });

  it("tells everyone who shares a room about a new name, once each", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    for (const room of ["#a", "#b"]) {
      await alice.run(join(room));
      await bob.run(join(room));
    }
    await alice.run({ kind: "nick", name: "alice" });
    const renames = bob.events.filter((event) => event.kind === "renamed");
    assert.equal(renames.length, 1);
    assert.ok(renames[0].kind === "renamed");
    assert.equal(renames[0].from, "10.0.0.1:1");
    assert.equal(renames[0].to, "alice");
  });

  it("delivers a direct message to its recipient and its sender only", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    const carol = connectUser(hub, "10.0.0.3:3");
    await alice.run({ kind: "nick", name: "alice" });
    await bob.run({ kind: "nick", name: "bob" });
    await alice.run({ kind: "direct", to: "BOB", text: "psst", isAction: false });
    for (const user of [alice, bob]) {
      const direct = user.events.find((event) => event.kind === "direct");
      assert.ok(direct?.kind === "direct");
      assert.equal(direct.text, "psst");
      assert.equal(direct.to, "bob");
    }
    assert.equal(carol.events.length, 0);
    await alice.run({ kind: "direct", to: "nobody", text: "hello?", isAction: false });
    const last = alice.events.at(-1);
    assert.ok(last?.kind === "error" && last.error.code === "ERR_NO_SUCH_USER");
  });

  it("bounds the rooms one user may be in", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    for (const room of ["#1", "#2", "#3", "#4"]) await alice.run(join(room));
    const last = alice.events.at(-1);
    assert.ok(last?.kind === "error" && last.error.code === "ERR_TOO_MANY_ROOMS");
    assert.equal(alice.session.rooms.size, 3);
  });

  it("keeps a user's rooms right after leaving every one and joining again", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    assert.deepEqual(alice.session.roomNames(), []);
    await alice.run(join("#a"));
    await alice.run(join("#b"));
    await alice.run({ kind: "part", room: "#a", reason: "" });
    await alice.run({ kind: "part", room: "#b", reason: "" });
    assert.deepEqual(alice.session.roomNames(), []);
    await bob.run(join("#b"));
    await alice.run(join("#b"));
    assert.deepEqual(alice.session.roomNames(), ["#b"]);
    await bob.run(say("#b", "back?"));
    assert.deepEqual(heardBy(alice), ["back?"]);
  });

  it("treats room names case-insensitively, keeping the first spelling", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    await alice.run(join("#Rust"));
    await bob.run(join("#rust"));
    const last = bob.events.at(-1);
    assert.ok(last?.kind === "reply" && last.reply.kind === "joined");
    const { listMembers, ...joined } = last.reply;
    assert.deepEqual(joined, {
      kind: "joined",
      room: "#Rust",
      members: 2,
      topic: "",
      topicBy: "",
      topicAt: 0,
      isSecret: false,
      wasMember: false,
      asked: "#rust",
    });
    assert.deepEqual(
      listMembers().map((member) => member.ref.displayName),
      ["10.0.0.1:1", "10.0.0.2:2"],
      "the join reply lists the members, the joiner included",
    );
  });

  it("tells of a user who leaves the server once, naming every room it was in, and stores a leave per room", async () => {
    const hub = newHub();
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    for (const room of ["#a", "#b"]) {
      await alice.run(join(room));
      await bob.run(join(room));
    }
    hub.disconnect(alice.session, "bye");
    await new Promise((resolve) => setImmediate(resolve));
    const quits = bob.events.filter((event) => event.kind === "quit");
    assert.equal(quits.length, 1, "one quit for a user in two shared rooms");
    assert.ok(quits[0].kind === "quit");
    assert.equal(quits[0].reason, "bye");
    assert.deepEqual(quits[0].rooms, [
      { room: "#a", members: 1 },
      { room: "#b", members: 1 },
    ]);
    assert.equal(bob.events.filter((event) => event.kind === "left").length, 0);
  });

  it("delivers a shutdown to every session and announces no leaves during it", () => {
    const hub = newHub();
    const users = [connectUser(hub, "a:1"), connectUser(hub, "b:2"), connectUser(hub, "c:3")];
    for (const user of users) hub.execute(user.session, join("#lobby"));
    hub.shutdown();
    for (const user of users) hub.disconnect(user.session);
    for (const user of users) assert.deepEqual(user.events.at(-1), { kind: "shutdown" });
    assert.equal(hub.sessionCount, 0);
  });
});

describe("hub with a store that commits asynchronously (as a remote one would)", () => {
  /**
   * The real store, reached over a slow link: a batch holding a text in `slowFor` takes
   * that many ms, one holding a text in `failing` fails. `stored` lists texts as they land.
   */
  function remoteStore(t: TestContext, slowFor: Record<string, number>, failing: readonly string[] = []) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-hub-"));
    const sqlite = SqliteStore.open(dataDir);
    t.after(async () => {
      await sqlite.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const stored: string[] = [];
    const store: MessageStore = Object.create(sqlite, {
      appendBatch: {
        value: async (entries: Parameters<MessageStore["appendBatch"]>[0]) => {
          const delayMs = Math.max(0, ...entries.map((entry) => slowFor[entry.text] ?? 0));
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          if (entries.some((entry) => failing.includes(entry.text))) throw new Error("the link went down");
          await sqlite.appendBatch(entries);
          for (const entry of entries) if (entry.text !== "") stored.push(entry.text);
        },
      },
    });
    return { store, sqlite, stored };
  }

  async function aliceAndBobInLobby(hub: Hub) {
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    await alice.run(join("#lobby"));
    await bob.run(join("#lobby"));
    return { alice, bob };
  }

  it("fans each turn out only once it is stored, in the order of the turns, and settled() waits for them", async (t) => {
    const { store, sqlite, stored } = remoteStore(t, { first: 50 });
    const hub = newHub(store);
    const { alice, bob } = await aliceAndBobInLobby(hub);
    // Each run ends a turn, so "first" and "second" are committed as two batches.
    await alice.run(say("#lobby", "first"));
    await alice.run(say("#lobby", "second"));
    assert.deepEqual(heardBy(bob), [], "nothing goes out before it is stored");

    await hub.settled();
    assert.deepEqual(stored, ["second", "first"], "the later batch was stored first");
    assert.deepEqual(heardBy(bob), ["first", "second"]);
    const history = await sqlite.historyPage({
      scope: { kind: "room", room: "#lobby" },
      after: "",
      before: "",
      limit: 10,
    });
    assert.deepEqual(
      history.entries.map((entry) => entry.text),
      ["first", "second"],
    );
  });

  it("pauses history when a batch fails while an earlier one is still being stored; every turn still goes out, in order, and everyone is told once", async (t) => {
    const { store, stored } = remoteStore(t, { first: 50, broken: 5 }, ["broken"]);
    const hub = newHub(store);
    const { alice, bob } = await aliceAndBobInLobby(hub);
    await alice.run(say("#lobby", "first"));
    await alice.run(say("#lobby", "broken"));
    await alice.run(say("#lobby", "third"));

    await hub.settled();
    assert.deepEqual(heardBy(bob), ["first", "broken", "third"]);
    // "third" was on its way to the store before "broken" failed.
    assert.deepEqual(stored.sort(), ["first", "third"]);
    for (const user of [alice, bob]) {
      const errors = user.events.flatMap((event) => (event.kind === "error" ? [event.error] : []));
      assert.deepEqual(errors, [
        { code: "ERR_HISTORY_PAUSED", detail: { since: hub.historyPause?.since, reason: "store-error" } },
      ]);
    }
    await hub.stopHistory();
  });
});

describe("hub fan-out", () => {
  it("a session whose delivery throws does not keep the event from the others, and settled() still resolves", async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-hub-"));
    const store = SqliteStore.open(dataDir);
    t.after(async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const hub = newHub(store);
    const broken = hub.connect("10.0.0.3:3", {
      deliver: (event) => {
        if (event.kind === "message") throw new Error("a bug in one connection's rendering");
      },
    });
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    hub.execute(broken, join("#lobby"));
    await alice.run(join("#lobby"));
    await bob.run(join("#lobby"));
    await alice.run(say("#lobby", "one"));
    await alice.run(say("#lobby", "two"));
    await hub.settled();
    assert.deepEqual(heardBy(bob), ["one", "two"]);
    // The broken session was closed: it is in no room any more.
    assert.equal(hub.findRoom("#lobby")?.members.has(broken), false);
    assert.equal(hub.isOnline(broken), false);
  });
});

describe("message ids", () => {
  it("are unique and sort in the order they were minted, even within one millisecond", () => {
    const ids = new MessageIdGenerator("abc");
    const minted = Array.from({ length: 5000 }, () => ids.next(1_700_000_000_000));
    assert.equal(new Set(minted).size, minted.length);
    assert.deepEqual([...minted].sort(), minted);
    const later = ids.next(1_700_000_000_001 + 10);
    assert.ok(later > minted[minted.length - 1]);
  });
});
