import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { pino } from "pino";
import { MessageIdGenerator } from "../src/core/message-id.js";
import { identityKey } from "../src/core/names.js";
import {
  applyMigrations,
  latestSchemaVersion,
  MIGRATIONS,
  type Migration,
  MigrationError,
  readSchemaVersion,
} from "../src/store/sqlite-migrations.js";
import { SearchQueryError, SqliteStore, StoreOpenError } from "../src/store/sqlite-store.js";
import type { HistoryEntry, RoomRecord } from "../src/store/store.js";
import { canRun, skipUnless } from "./helpers/environment.js";
import { REPO_ROOT } from "./helpers/server.js";

const STORE_MODULE = pathToFileURL(fileURLToPath(new URL("../src/store/sqlite-store.ts", import.meta.url))).href;

let dataDir: string;
let openStores: SqliteStore[];

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-sqlite-store-"));
  openStores = [];
});

afterEach(async () => {
  for (const store of openStores) await store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A room as a new one is, with what `fields` say. */
function roomRecord(fields: Partial<RoomRecord> & { name: string }): RoomRecord {
  return {
    ...{ topic: "", topicBy: "", topicAt: 0, createdAt: 0, founder: null, masks: [], standings: [] },
    modes: {
      ...{ isInviteOnly: false, isModerated: false, isTopicLocked: false, isSecret: false, isMembersOnly: true },
      ...{ key: null, limit: null },
    },
    ...fields,
  };
}

function openStore(dir = dataDir): SqliteStore {
  const store = SqliteStore.open(dir);
  openStores.push(store);
  return store;
}

/** Ids sort as the numbers do, like the server's time-ordered ids. */
function idFor(sequence: number): string {
  return sequence.toString(36).padStart(13, "0");
}

function say(sequence: number, room: string, senderKey: string, text: string, at = sequence): HistoryEntry {
  return {
    id: idFor(sequence),
    at,
    kind: "message",
    target: room,
    sender: senderKey,
    senderKey,
    recipientKey: null,
    text,
  };
}

function whisper(sequence: number, senderKey: string, recipientKey: string, text: string): HistoryEntry {
  return {
    id: idFor(sequence),
    at: sequence,
    kind: "message",
    target: recipientKey,
    sender: senderKey,
    senderKey,
    recipientKey,
    text,
  };
}

function texts(entries: readonly HistoryEntry[]): string[] {
  return entries.map((entry) => entry.text);
}

/** The newest `limit` entries of a room's history (below `before`, when given), oldest first. */
async function roomPage(store: SqliteStore, room: string, limit: number, before = ""): Promise<HistoryEntry[]> {
  return (await store.historyPage({ scope: { kind: "room", room }, after: "", before, limit })).entries;
}

/** The newest `limit` direct messages between two identity keys, oldest first. */
async function directPage(
  store: SqliteStore,
  userKey: string,
  peerKey: string,
  limit: number,
): Promise<HistoryEntry[]> {
  return (await store.historyPage({ scope: { kind: "direct", userKey, peerKey }, after: "", before: "", limit }))
    .entries;
}

/**
 * FTS5's own check (§6.5) that the index holds exactly the searchable text of history: a
 * delete that forgot the index, or indexed the wrong rows, fails here even where a search
 * happens to hide it. Closes the store first.
 */
async function assertSearchIndexMatchesHistory(store: SqliteStore): Promise<void> {
  await store.close();
  const db = new Database(path.join(dataDir, "parley.db"));
  try {
    db.exec("INSERT INTO history_text (history_text, rank) VALUES ('integrity-check', 1)");
  } finally {
    db.close();
  }
}

describe("SqliteStore history", () => {
  it("returns a room's last entries oldest first, limited, and before an id", async () => {
    const store = openStore();
    store.appendBatch([say(1, "#a", "ann", "one"), say(2, "#b", "bob", "elsewhere"), say(3, "#a", "bob", "two")]);
    store.appendBatch([say(4, "#a", "ann", "three"), say(5, "#a", "ann", "four")]);

    assert.deepEqual(texts(await roomPage(store, "#a", 10)), ["one", "two", "three", "four"]);
    assert.deepEqual(texts(await roomPage(store, "#a", 2)), ["three", "four"]);
    assert.deepEqual(texts(await roomPage(store, "#a", 2, idFor(4))), ["one", "two"]);
    assert.deepEqual(await roomPage(store, "#nowhere", 10), []);
  });

  it("returns entries exactly as appended, keeping arrivals and departures out of replays", async () => {
    const store = openStore();
    const action: HistoryEntry = { ...say(1, "#a", "ann", "waves"), kind: "action", sender: "Ann" };
    const joined: HistoryEntry = { ...say(2, "#a", "bob", ""), kind: "joined" };
    const topic: HistoryEntry = { ...say(3, "#a", "bob", "rust only"), kind: "topic" };
    const direct = whisper(4, "ann", "bob", "psst");
    store.appendBatch([action, joined, topic, direct]);
    assert.deepEqual(await roomPage(store, "#a", 10), [action, topic]);
    assert.deepEqual((await store.missedSince("", ["#a"], "carol", 10)).entries, [action, topic]);
    assert.deepEqual(await directPage(store, "ann", "bob", 10), [direct]);
  });

  it("ignores an entry appended twice, so a retried batch does not fail", async () => {
    const store = openStore();
    store.appendBatch([say(1, "#a", "ann", "once")]);
    store.appendBatch([say(1, "#a", "ann", "once"), say(2, "#a", "ann", "new")]);
    assert.deepEqual(texts(await roomPage(store, "#a", 10)), ["once", "new"]);
  });

  it("stores a large batch whole and in order, and a retried large batch adds only what is new", async () => {
    const store = openStore();
    const first = Array.from({ length: 100 }, (_, i) => say(i + 1, "#a", "ann", `line ${i + 1}`));
    store.appendBatch(first);
    const retried = Array.from({ length: 70 }, (_, i) => say(i + 61, "#a", "ann", `line ${i + 61}`));
    store.appendBatch(retried);
    const expected = Array.from({ length: 130 }, (_, i) => `line ${i + 1}`);
    assert.deepEqual(texts(await roomPage(store, "#a", 500)), expected);
    assert.equal((await store.search("line", ["#a"], "ann", 500)).length, 130);
  });

  it("treats a negative limit as none, not as no limit", async () => {
    const store = openStore();
    store.appendBatch([say(1, "#a", "ann", "one")]);
    assert.deepEqual(await roomPage(store, "#a", -1), []);
    assert.deepEqual((await store.missedSince("", ["#a"], "ann", -1)).entries, []);
  });

  it("shows a direct conversation to its two parties only, in order", async () => {
    const store = openStore();
    store.appendBatch([
      whisper(1, "ann", "bob", "hi bob"),
      whisper(2, "bob", "ann", "hi ann"),
      whisper(3, "ann", "cat", "hi cat"),
      whisper(4, "cat", "bob", "hi bob from cat"),
      whisper(5, "ann", "bob", "bye"),
    ]);
    assert.deepEqual(texts(await directPage(store, "ann", "bob", 10)), ["hi bob", "hi ann", "bye"]);
    assert.deepEqual(texts(await directPage(store, "bob", "ann", 2)), ["hi ann", "bye"]);
    assert.deepEqual(texts(await directPage(store, "cat", "bob", 10)), ["hi bob from cat"]);
    assert.deepEqual(texts(await directPage(store, "cat", "dan", 10)), []);
  });

  it("returns a note to oneself once", async () => {
    const store = openStore();
    store.appendBatch([whisper(1, "ann", "ann", "remember the milk")]);
    assert.deepEqual(texts(await directPage(store, "ann", "ann", 10)), ["remember the milk"]);
    assert.deepEqual(texts((await store.missedSince("", [], "ann", 10)).entries), ["remember the milk"]);
  });
});

describe("SqliteStore missed entries", () => {
  it("covers the user's rooms and direct messages after the cursor, newest kept, with the count left out", async () => {
    const store = openStore();
    store.appendBatch([
      say(1, "#a", "bob", "before the cursor"),
      say(2, "#a", "bob", "a1"),
      say(3, "#other", "bob", "not my room"),
      whisper(4, "bob", "ann", "to ann"),
      whisper(5, "ann", "cat", "from ann"),
      whisper(6, "bob", "cat", "not mine"),
      say(7, "#b", "cat", "b1"),
      say(8, "#a", "cat", "a2"),
    ]);

    const all = await store.missedSince(idFor(1), ["#a", "#b"], "ann", 10);
    assert.deepEqual(texts(all.entries), ["a1", "to ann", "from ann", "b1", "a2"]);
    assert.equal(all.more, 0);

    const capped = await store.missedSince(idFor(1), ["#a", "#b"], "ann", 2);
    assert.deepEqual(texts(capped.entries), ["b1", "a2"]);
    assert.equal(capped.more, 3);
  });

  it("never lets a room list reach someone else's direct messages", async () => {
    const store = openStore();
    store.appendBatch([whisper(1, "bob", "cat", "private")]);
    // A direct message's target is its recipient's key; naming it as a room must not leak it.
    const missed = await store.missedSince("", ["cat"], "ann", 10);
    assert.deepEqual(missed, { entries: [], more: 0 });
    assert.deepEqual(await store.search("private", ["cat"], "ann", 10), []);
  });
});

describe("SqliteStore readable history", () => {
  it("gives catch-up, history pages and search the same share of history to read", async () => {
    const store = openStore();
    const mine = [
      say(1, "#a", "bob", "word in my room"),
      { ...say(2, "#a", "bob", "word as an action"), kind: "action" } satisfies HistoryEntry,
      { ...say(3, "#b", "bob", "word as a topic"), kind: "topic" } satisfies HistoryEntry,
      whisper(4, "bob", "ann", "word received"),
      whisper(5, "ann", "bob", "word sent"),
      whisper(6, "ann", "ann", "word to myself"),
    ];
    store.appendBatch([
      ...mine,
      { ...say(7, "#a", "bob", "word"), kind: "joined" },
      { ...say(8, "#a", "bob", "word"), kind: "left" },
      say(9, "#other", "bob", "word in a room not mine"),
      whisper(10, "bob", "cat", "word between others"),
      whisper(11, "cat", "cat", "word to cat's self"),
    ]);
    // "cat" names a recipient, not a room: listing it reaches no direct message.
    const rooms = ["#a", "#b", "cat"];
    const ids = (entries: readonly HistoryEntry[]) => entries.map((entry) => entry.id);

    assert.deepEqual(ids((await store.missedSince("", rooms, "ann", 100)).entries), ids(mine));
    const readable = { kind: "readable", rooms, userKey: "ann" } as const;
    const page = await store.historyPage({ scope: readable, after: "", before: "", limit: 100 });
    assert.deepEqual(ids(page.entries), ids(mine));
    // Search holds message and action text, not topics; it lists the newest first.
    const searchable = ids(mine.filter((entry) => entry.kind !== "topic"));
    assert.deepEqual(ids(await store.search("word", rooms, "ann", 100)).reverse(), searchable);
    const older = await store.search("word", rooms, "ann", 100, idFor(6));
    assert.deepEqual(ids(older).reverse(), searchable.slice(0, -1));
  });
});

describe("SqliteStore search", () => {
  function seed(store: SqliteStore): void {
    store.appendBatch([
      say(1, "#a", "bob", "the deploy went fine"),
      say(2, "#b", "bob", "deploy again tomorrow"),
      say(3, "#secret", "bob", "deploy the secret thing"),
      whisper(4, "bob", "ann", "deploy notes for ann"),
      whisper(5, "ann", "bob", "thanks for the deploy notes"),
      whisper(6, "bob", "cat", "deploy gossip for cat"),
      { ...say(7, "#a", "bob", "deploy freeze"), kind: "topic" },
      { ...say(8, "#a", "bob", "shouts deploy"), kind: "action" },
      say(9, "#a", "bob", "unrelated words"),
    ]);
  }

  it("finds words in the user's rooms and own direct messages only, newest first", async () => {
    const store = openStore();
    seed(store);
    const found = await store.search("deploy", ["#a", "#b"], "ann", 10);
    assert.deepEqual(texts(found), [
      "shouts deploy",
      "thanks for the deploy notes",
      "deploy notes for ann",
      "deploy again tomorrow",
      "the deploy went fine",
    ]);
    assert.deepEqual(texts(await store.search("deploy", ["#a", "#b"], "ann", 2)), [
      "shouts deploy",
      "thanks for the deploy notes",
    ]);
  });

  it("requires every word, in any case and order", async () => {
    const store = openStore();
    seed(store);
    assert.deepEqual(texts(await store.search("NOTES Deploy", ["#a"], "ann", 10)), [
      "thanks for the deploy notes",
      "deploy notes for ann",
    ]);
    assert.deepEqual(await store.search("deploy nonexistent", ["#a"], "ann", 10), []);
  });

  it("never shows another user's direct messages", async () => {
    const store = openStore();
    seed(store);
    const asAnn = texts(await store.search("gossip", ["#a", "#b", "#secret"], "ann", 10));
    assert.deepEqual(asAnn, []);
    assert.deepEqual(texts(await store.search("gossip", [], "cat", 10)), ["deploy gossip for cat"]);
  });

  it("treats FTS5 syntax in the query as plain text", async () => {
    const store = openStore();
    const tricky = 'she said "deploy" NEAR the end - text:plain';
    store.appendBatch([say(1, "#q", "bob", tricky), say(2, "#q", "bob", "deploy or not")]);
    const cases: [query: string, expected: string[]][] = [
      ['"deploy"', ["deploy or not", tricky]],
      ["deploy*", ["deploy or not", tricky]],
      ["-deploy", ["deploy or not", tricky]],
      ["NEAR(the", [tricky]],
      ["text:plain", [tricky]],
      // Each term is text to find, never an operator: "OR" or "AND" must be in the message too.
      ["AND said", []],
      ['deploy" OR "said', []],
      ["deploy OR", ["deploy or not"]],
      ["NEAR(deploy said, 5)", []],
    ];
    for (const [query, expected] of cases) {
      assert.deepEqual(texts(await store.search(query, ["#q"], "ann", 10)), expected, query);
    }
  });

  it("refuses a query with no words to look for", async () => {
    const store = openStore();
    seed(store);
    for (const query of ["", "   ", '"', "* - : ( )"]) {
      await assert.rejects(store.search(query, ["#a"], "ann", 10), (error: unknown) => {
        assert.ok(error instanceof SearchQueryError);
        assert.equal(error.code, "ERR_SEARCH_EMPTY");
        return true;
      });
    }
  });

  it("finds an entry as soon as it is appended", async () => {
    const store = openStore();
    store.appendBatch([say(1, "#a", "bob", "fresh words")]);
    assert.deepEqual(texts(await store.search("fresh", ["#a"], "ann", 10)), ["fresh words"]);
  });
});

describe("SqliteStore search indexing of a large backlog", () => {
  it("leaves a backlog too large to index at once to the background, from the next open, instead of stalling close or search", async () => {
    const backlog = 30_000;
    const first = SqliteStore.open(dataDir);
    const entries = Array.from({ length: backlog }, (_, i) => say(i + 1, "#a", "bob", `kiwi number ${i + 1}`));
    for (let i = 0; i < backlog; i += 5_000) first.appendBatch(entries.slice(i, i + 5_000));
    await first.close();
    const indexedThrough = (): number => {
      const db = new Database(path.join(dataDir, "parley.db"), { readonly: true });
      try {
        return (db.prepare("SELECT indexed_through FROM text_index_state").pluck().get() as number) ?? 0;
      } finally {
        db.close();
      }
    };
    assert.equal(indexedThrough(), 0, "close indexed the whole backlog on the spot");

    const reopened = openStore();
    // Retention deletes only what the index holds: it waits for a run after the backlog is indexed.
    assert.equal(await reopened.applyRetention({ maxAgeMs: 0, maxPerRoom: 10 }, Date.now()), 0);
    // Nothing appends: the backlog is indexed in the background, a chunk a turn, and found.
    await waitUntilTrue(async () => (await reopened.search(String(backlog), ["#a"], "ann", 1)).length === 1);
    assert.deepEqual(texts(await reopened.search("kiwi", ["#a"], "ann", 1)), [`kiwi number ${backlog}`]);
    assert.equal(await reopened.applyRetention({ maxAgeMs: 0, maxPerRoom: 10 }, Date.now()), backlog - 10);
  });
});

/** Polls `isDone` once an event-loop turn (background work runs between), for at most 10 s. */
async function waitUntilTrue(isDone: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await isDone())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("SqliteStore accounts, rooms and cursors", () => {
  const ann = { name: "Ann", key: "ann", passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaA", createdAt: 1_700_000_000_000 };

  it("creates an account once and finds it by key", async () => {
    const store = openStore();
    assert.equal(await store.createAccount(ann), true);
    assert.equal(await store.createAccount({ ...ann, name: "ANN", passwordHash: "other" }), false);
    assert.deepEqual(await store.findAccount("ann"), ann);
    assert.equal(await store.findAccount("bob"), null);
  });

  it("keeps the rooms an account belongs to", async () => {
    const store = openStore();
    await store.createAccount(ann);
    await store.addAccountRoom("ann", "#b");
    await store.addAccountRoom("ann", "#a");
    await store.addAccountRoom("ann", "#a");
    assert.deepEqual(await store.accountRooms("ann"), ["#a", "#b"]);
    await store.removeAccountRoom("ann", "#b");
    assert.deepEqual(await store.accountRooms("ann"), ["#a"]);
    assert.deepEqual(await store.accountRooms("bob"), []);
  });

  it("refuses rooms and cursors for a key that is not an account", async () => {
    const store = openStore();
    await assert.rejects(store.addAccountRoom("nobody", "#a"), /FOREIGN KEY/);
    await assert.rejects(store.saveDeliveryCursors(new Map([["nobody", idFor(1)]])), /FOREIGN KEY/);
  });

  it("saves delivery cursors and reads them back", async () => {
    const store = openStore();
    await store.createAccount(ann);
    await store.createAccount({ ...ann, name: "Bob", key: "bob" });
    assert.equal(await store.deliveryCursor("ann"), "");
    await store.saveDeliveryCursors(
      new Map([
        ["ann", idFor(5)],
        ["bob", idFor(7)],
      ]),
    );
    await store.saveDeliveryCursors(new Map([["ann", idFor(9)]]));
    assert.equal(await store.deliveryCursor("ann"), idFor(9));
    assert.equal(await store.deliveryCursor("bob"), idFor(7));
  });

  it("saves room topics and lists them", async () => {
    const store = openStore();
    await store.saveRoom(roomRecord({ name: "#b", topic: "bees", topicBy: "Bob", topicAt: 2 }));
    await store.saveRoom(roomRecord({ name: "#a", topic: "ants", topicBy: "Ann", topicAt: 1 }));
    await store.saveRoom(roomRecord({ name: "#b", topic: "more bees", topicBy: "Cat", topicAt: 3 }));
    assert.deepEqual(await store.rooms(), [
      roomRecord({ name: "#a", topic: "ants", topicBy: "Ann", topicAt: 1 }),
      roomRecord({ name: "#b", topic: "more bees", topicBy: "Cat", topicAt: 3 }),
    ]);
    // A cleared topic, with no founder, leaves nothing to restore.
    await store.saveRoom(roomRecord({ name: "#a", topic: "", topicBy: "Ann", topicAt: 4 }));
    assert.deepEqual(await store.rooms(), [roomRecord({ name: "#b", topic: "more bees", topicBy: "Cat", topicAt: 3 })]);
  });

  it("saves a room's modes, mask lists in order, founder and standings, and forgets them with the room", async () => {
    const store = openStore();
    await store.createAccount({ name: "Ann", key: "ann", passwordHash: "h", createdAt: 1 });
    await store.createAccount({ name: "Bob", key: "bob", passwordHash: "h", createdAt: 1 });
    const room = roomRecord({
      name: "#a",
      createdAt: 5,
      founder: "ann",
      modes: {
        ...{ isInviteOnly: true, isModerated: true, isTopicLocked: true, isSecret: true, isMembersOnly: false },
        ...{ key: "k3y", limit: 7 },
      },
      masks: [
        { list: "ban", mask: "z!*@*", setBy: "Ann", setAt: 3 },
        { list: "invite-exception", mask: "*!*@friend", setBy: "Ann", setAt: 4 },
        { list: "ban", mask: "a!*@*", setBy: "Bob", setAt: 2 },
        { list: "ban-exception", mask: "a!b@c", setBy: "Bob", setAt: 1 },
      ],
      standings: [{ account: "bob", isOperator: true, isVoiced: false }],
    });
    await store.saveRoom(room);
    assert.deepEqual(await store.rooms(), [room], "kept for its founder alone, without a topic");
    const fewer = { ...room, masks: room.masks.slice(1), standings: [] };
    await store.saveRoom(fewer);
    assert.deepEqual(await store.rooms(), [fewer]);
    await store.forgetRoom("#a");
    assert.deepEqual(await store.rooms(), []);
    const db = new Database(path.join(dataDir, "parley.db"), { readonly: true });
    try {
      assert.equal(db.prepare("SELECT count(*) FROM room_masks").pluck().get(), 0);
    } finally {
      db.close();
    }
  });
});

describe("SqliteStore retention", () => {
  it("deletes entries older than the age limit, and search no longer finds them", async () => {
    const store = openStore();
    // Ids carry the time they were minted at; age goes by them.
    const ids = new MessageIdGenerator("tst");
    store.appendBatch([
      { ...say(1, "#a", "bob", "ancient apple", 1_000), id: ids.next(1_000) },
      { ...whisper(2, "bob", "ann", "ancient whisper"), id: ids.next(2_000), at: 2_000 },
      { ...say(3, "#a", "bob", "recent apple", 9_000), id: ids.next(9_000) },
    ]);
    assert.equal((await store.search("apple", ["#a"], "ann", 10)).length, 2);

    const deleted = await store.applyRetention({ maxAgeMs: 5_000, maxPerRoom: 0 }, 10_000);
    assert.equal(deleted, 2);
    assert.deepEqual(texts(await roomPage(store, "#a", 10)), ["recent apple"]);
    assert.deepEqual(texts(await store.search("apple", ["#a"], "ann", 10)), ["recent apple"]);
    assert.deepEqual(await store.search("ancient", ["#a"], "ann", 10), []);
    await assertSearchIndexMatchesHistory(store);
  });

  it("keeps the newest entries of each room and leaves direct messages alone", async () => {
    const store = openStore();
    const entries: HistoryEntry[] = [];
    for (let sequence = 1; sequence <= 30; sequence++) {
      entries.push(say(sequence, sequence % 2 === 0 ? "#even" : "#odd", "bob", `word${sequence} common`));
    }
    entries.push(whisper(31, "bob", "ann", "old whisper common"));
    store.appendBatch(entries);

    const deleted = await store.applyRetention({ maxAgeMs: 0, maxPerRoom: 4 }, Date.now());
    assert.equal(deleted, 22);
    assert.deepEqual(texts(await roomPage(store, "#even", 10)), [
      "word24 common",
      "word26 common",
      "word28 common",
      "word30 common",
    ]);
    assert.equal((await roomPage(store, "#odd", 10)).length, 4);
    assert.equal((await directPage(store, "ann", "bob", 10)).length, 1);
    assert.equal((await store.search("common", ["#even", "#odd"], "ann", 100)).length, 9);
    assert.deepEqual(await store.search("word2", ["#even"], "ann", 10), []);
    await assertSearchIndexMatchesHistory(store);
  });

  it("counts what history shows toward the per-room limit, not arrivals and departures", async () => {
    const store = openStore();
    const coming = (sequence: number): HistoryEntry => ({
      ...say(sequence, "#r", "bob", ""),
      kind: sequence % 2 === 0 ? "left" : "joined",
    });
    store.appendBatch([
      say(1, "#r", "bob", "first"),
      ...[2, 3, 4, 5, 6, 7].map(coming),
      say(8, "#r", "bob", "second"),
      say(9, "#r", "bob", "third"),
      ...[10, 11, 12, 13, 14, 15].map(coming),
    ]);

    // "first" and everything before "second"; then all but the newest two arrivals and departures.
    assert.equal(await store.applyRetention({ maxAgeMs: 0, maxPerRoom: 2 }, Date.now()), 11);
    assert.deepEqual(texts(await roomPage(store, "#r", 10)), ["second", "third"]);
    assert.equal(await store.applyRetention({ maxAgeMs: 0, maxPerRoom: 2 }, Date.now()), 0);
    await assertSearchIndexMatchesHistory(store);
  });

  it("deletes a large backlog in many chunks and counts every row", async () => {
    const store = openStore();
    const total = 12_000;
    for (let start = 1; start <= total; start += 1_000) {
      store.appendBatch(Array.from({ length: 1_000 }, (_, offset) => say(start + offset, "#big", "bob", "bulk text")));
    }
    const deleted = await store.applyRetention({ maxAgeMs: 0, maxPerRoom: 10 }, Date.now());
    assert.equal(deleted, total - 10);
    assert.equal((await store.search("bulk", ["#big"], "ann", 100)).length, 10);
    await assertSearchIndexMatchesHistory(store);
  });

  it("gives new entries their place in search after everything was deleted", async () => {
    const store = openStore();
    store.appendBatch([say(1, "#a", "bob", "old news", 1)]);
    assert.equal(await store.applyRetention({ maxAgeMs: 1, maxPerRoom: 0 }, 1_000), 1);
    // The new row may be given the deleted one's rowid; the index must not remember the old text for it.
    store.appendBatch([say(2, "#a", "bob", "new news", 1_000)]);
    assert.deepEqual(texts(await store.search("news", ["#a"], "ann", 10)), ["new news"]);
    assert.deepEqual(await store.search("old", ["#a"], "ann", 10), []);
    await assertSearchIndexMatchesHistory(store);
  });
});

describe("SqliteStore durability", () => {
  it("keeps history, accounts, rooms and cursors across close and reopen", async () => {
    const first = SqliteStore.open(dataDir);
    first.appendBatch([say(1, "#a", "bob", "still here"), whisper(2, "bob", "ann", "psst")]);
    await first.createAccount({ name: "Ann", key: "ann", passwordHash: "h", createdAt: 1 });
    await first.addAccountRoom("ann", "#a");
    await first.saveDeliveryCursors(new Map([["ann", idFor(1)]]));
    await first.saveRoom(roomRecord({ name: "#a", topic: "t", topicBy: "Bob", topicAt: 1 }));
    await first.close();

    const second = openStore();
    assert.deepEqual(texts(await roomPage(second, "#a", 10)), ["still here"]);
    assert.deepEqual(texts(await second.search("still", ["#a"], "ann", 10)), ["still here"]);
    assert.deepEqual(texts(await directPage(second, "ann", "bob", 10)), ["psst"]);
    assert.equal((await second.findAccount("ann"))?.name, "Ann");
    assert.deepEqual(await second.accountRooms("ann"), ["#a"]);
    assert.equal(await second.deliveryCursor("ann"), idFor(1));
    assert.equal((await second.rooms()).length, 1);
  });

  it("loses no appended entry when the process is killed, and indexes it at the next open", async () => {
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(STORE_MODULE)});
      const store = SqliteStore.open(${JSON.stringify(dataDir)});
      store.appendBatch([${JSON.stringify(say(1, "#a", "bob", "written before the crash"))}]);
      process.kill(process.pid, "SIGKILL");
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const signal = await new Promise((resolve) => child.once("exit", (_code, exitSignal) => resolve(exitSignal)));
    assert.equal(signal, "SIGKILL", stderr);

    const store = openStore();
    assert.deepEqual(texts(await roomPage(store, "#a", 10)), ["written before the crash"]);
    assert.deepEqual(texts(await store.search("crash", ["#a"], "ann", 10)), ["written before the crash"]);
    await assertSearchIndexMatchesHistory(store);
  });
});

describe("SqliteStore schema and start-up", () => {
  it("applies migrations once, however often the database is opened", async () => {
    await SqliteStore.open(dataDir).close();
    await SqliteStore.open(dataDir).close();
    const db = new Database(path.join(dataDir, "parley.db"));
    try {
      assert.equal(readSchemaVersion(db), latestSchemaVersion());
      assert.deepEqual(applyMigrations(db), []);
    } finally {
      db.close();
    }
  });

  it("brings a database of an earlier version up to the latest", async () => {
    const file = path.join(dataDir, "parley.db");
    const old = new Database(file);
    assert.deepEqual(applyMigrations(old, MIGRATIONS.slice(0, 1)), [1]);
    old.close();

    await SqliteStore.open(dataDir).close();
    const db = new Database(file);
    try {
      assert.equal(readSchemaVersion(db), latestSchemaVersion());
      const crisisMerge = db.prepare("SELECT v FROM history_text_config WHERE k = 'crisismerge'").pluck().get();
      assert.equal(crisisMerge, 64);
    } finally {
      db.close();
    }
  });

  it("moves accounts whose look-alike letters were keyed short of the end, with their rooms, cursor and messages", async () => {
    const file = path.join(dataDir, "parley.db");
    const old = new Database(file);
    applyMigrations(old, MIGRATIONS.slice(0, 4));
    // Before version 5, Cyrillic і in a name was keyed as i, though a Latin i was keyed as l.
    const insertAccount = old.prepare(
      "INSERT INTO accounts (key, name, password_hash, created_at) VALUES (?, ?, 'h', 0)",
    );
    insertAccount.run("alice", "al\u0456ce");
    insertAccount.run("bob", "bob");
    old.prepare("INSERT INTO account_rooms (key, room) VALUES ('alice', '#rust')").run();
    old.prepare("INSERT INTO delivery_cursors (key, last_id) VALUES ('alice', 'x')").run();
    const insertEntry = old.prepare(
      `INSERT INTO history (id, at, kind, target, sender, sender_key, recipient_key, text)
       VALUES (?, 0, 'message', ?, ?, ?, ?, ?)`,
    );
    insertEntry.run(idFor(1), "al\u0456ce", "bob", "bob", "alice", "to alice");
    insertEntry.run(idFor(2), "bob", "al\u0456ce", "alice", "bob", "from alice");
    old.close();

    const store = SqliteStore.open(dataDir);
    try {
      assert.equal(await store.findAccount("alice"), null);
      assert.equal((await store.findAccount("allce"))?.name, "al\u0456ce");
      assert.deepEqual(await store.accountRooms("allce"), ["#rust"]);
      assert.equal(await store.deliveryCursor("allce"), "x");
      assert.deepEqual(texts(await directPage(store, "allce", "bob", 10)), ["to alice", "from alice"]);
      assert.equal((await store.findAccount("bob"))?.name, "bob");
    } finally {
      await store.close();
    }
  });

  it("moves accounts to keys from Unicode's look-alike data, and names at start-up those whose key is taken", async () => {
    const file = path.join(dataDir, "parley.db");
    const old = new Database(file);
    applyMigrations(old, MIGRATIONS.slice(0, 5));
    // Before version 6, Greek capitals were keyed as their small letters and m as m.
    const insertAccount = old.prepare(
      "INSERT INTO accounts (key, name, password_hash, created_at) VALUES (?, ?, 'h', ?)",
    );
    insertAccount.run("tom", "TOM", 0);
    insertAccount.run("to\u03bc", "\u03a4\u039f\u039c", 1);
    insertAccount.run("mlke", "mike", 2);
    // Before version 6 dotless ȷ and small capital ᴀ were their own letters.
    insertAccount.run("joe", "joe", 3);
    insertAccount.run("\u0237oe", "\u0237oe", 4);
    insertAccount.run("\u1d00da", "\u1d00da", 5);
    old.prepare("INSERT INTO account_rooms (key, room) VALUES ('mlke', '#rust')").run();
    old.prepare("INSERT INTO delivery_cursors (key, last_id) VALUES ('mlke', 'x')").run();
    const insertEntry = old.prepare(
      `INSERT INTO history (id, at, kind, target, sender, sender_key, recipient_key, text)
       VALUES (?, 0, 'message', ?, ?, ?, ?, ?)`,
    );
    insertEntry.run(idFor(1), "mike", "TOM", "tom", "mlke", "to mike");
    insertEntry.run(idFor(2), "TOM", "mike", "mlke", "tom", "from mike");
    old.close();

    const warnings: Array<Record<string, unknown>> = [];
    const log = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const store = SqliteStore.open(dataDir, { log });
    openStores.push(store);
    assert.equal((await store.findAccount("torn"))?.name, "TOM");
    assert.equal((await store.findAccount("rnlke"))?.name, "mike");
    assert.deepEqual(await store.accountRooms("rnlke"), ["#rust"]);
    assert.equal(await store.deliveryCursor("rnlke"), "x");
    assert.deepEqual(texts(await directPage(store, "rnlke", "torn", 10)), ["to mike", "from mike"]);
    // The later account keeps its old key, where nothing reaches it: the operator is told.
    assert.equal((await store.findAccount("to\u03bc"))?.name, "\u03a4\u039f\u039c");
    assert.equal((await store.findAccount("ada"))?.name, "\u1d00da");
    assert.equal((await store.findAccount("joe"))?.name, "joe");
    const stranded = warnings.filter((line) => line.event === "account-stranded");
    assert.deepEqual(
      stranded.map(({ name, key, newKey, heldBy }) => ({ name, key, newKey, heldBy })),
      [
        { name: "\u03a4\u039f\u039c", key: "to\u03bc", newKey: "torn", heldBy: "TOM" },
        { name: "\u0237oe", key: "\u0237oe", newKey: "joe", heldBy: "joe" },
      ],
    );
    assert.match(String(stranded[0]?.msg), /ΤΟΜ cannot move to its new key, which account TOM holds/);
  });

  it("keeps the rooms of a database made before rooms kept their modes, with none of them", async () => {
    const file = path.join(dataDir, "parley.db");
    const old = new Database(file);
    applyMigrations(old, MIGRATIONS.slice(0, 7));
    old.prepare("INSERT INTO rooms (name, topic, topic_by, topic_at) VALUES ('#old', 'still here', 'Ann', 9)").run();
    old.prepare("INSERT INTO rooms (name, topic, topic_by, topic_at) VALUES ('#cleared', '', 'Ann', 9)").run();
    old.close();

    const store = openStore();
    assert.deepEqual(await store.rooms(), [
      roomRecord({ name: "#old", topic: "still here", topicBy: "Ann", topicAt: 9 }),
    ]);
    const kept = roomRecord({ name: "#old", topic: "still here", founder: null, masks: [] });
    await store.saveRoom({ ...kept, masks: [{ list: "ban", mask: "x!*@*", setBy: "Ann", setAt: 1 }] });
    assert.deepEqual((await store.rooms())[0]?.masks, [{ list: "ban", mask: "x!*@*", setBy: "Ann", setAt: 1 }]);
  });

  it("keys names as stored accounts were keyed: a change to the keys needs a migration like 6", () => {
    const names = [
      "Alice",
      "ＡＬＩＣＥ",
      "al\u0456ce",
      "Zoë",
      "rnike",
      "b0b",
      "Straße",
      "ﬁona",
      "\u03a4\u039f\u039c",
      "ᾳ",
      "\u0237oe",
      "\u1d00da",
      "\u01bdam",
    ];
    assert.deepEqual(Object.fromEntries(names.map((name) => [name, identityKey(name)])), {
      Alice: "allce",
      ＡＬＩＣＥ: "allce",
      "al\u0456ce": "allce",
      Zoë: "zoe",
      rnike: "rnlke",
      b0b: "bob",
      Straße: "strasse",
      ﬁona: "flona",
      "\u03a4\u039f\u039c": "torn",
      ᾳ: "al",
      "\u0237oe": "joe",
      "\u1d00da": "ada",
      "\u01bdam": "sarn",
    });
  });

  it("runs each migration in its own transaction and stops at the first that fails", () => {
    const db = new Database(path.join(dataDir, "custom.db"));
    const migrations: Migration[] = [
      { version: 1, description: "first table", up: "CREATE TABLE first (x INTEGER)" },
      {
        version: 2,
        description: "second table, then a mistake",
        up: (handle) => {
          handle.exec("CREATE TABLE second (x INTEGER)");
          handle.exec("INSERT INTO missing_table VALUES (1)");
        },
      },
    ];
    try {
      assert.throws(
        () => applyMigrations(db, migrations),
        (error: unknown) => {
          assert.ok(error instanceof MigrationError);
          assert.equal(error.code, "ERR_MIGRATION_FAILED");
          assert.match(error.message, /migration 2 \(second table, then a mistake\) failed: no such table/);
          return true;
        },
      );
      assert.equal(readSchemaVersion(db), 1);
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
      assert.deepEqual(tables, ["first"]);
    } finally {
      db.close();
    }
  });

  it("refuses a migration list with a gap", () => {
    const db = new Database(":memory:");
    try {
      assert.throws(
        () => applyMigrations(db, [{ version: 2, description: "skips one", up: "SELECT 1" }]),
        /versions must run 1, 2, 3/,
      );
    } finally {
      db.close();
    }
  });

  it("refuses a database written by a newer version", () => {
    const file = path.join(dataDir, "parley.db");
    const db = new Database(file);
    db.pragma(`user_version = ${latestSchemaVersion() + 1}`);
    db.close();
    assert.throws(
      () => SqliteStore.open(dataDir),
      (error: unknown) => {
        assert.ok(error instanceof StoreOpenError);
        assert.equal(error.code, "ERR_STORE_OPEN");
        assert.ok(error.message.includes(file), error.message);
        assert.match(error.message, /newer than the \d+ this version of Parley knows/);
        return true;
      },
    );
  });

  it("refuses a file that is not a database, naming it", () => {
    const file = path.join(dataDir, "parley.db");
    fs.writeFileSync(file, "this is a text file, not a database\n".repeat(200));
    assert.throws(
      () => SqliteStore.open(dataDir),
      (error: unknown) => {
        assert.ok(error instanceof StoreOpenError);
        assert.equal(error.code, "ERR_STORE_OPEN");
        assert.equal(error.message, `cannot open the history database ${file}: file is not a database`);
        return true;
      },
    );
  });

  it("refuses a damaged database at start, not later, when it checks every page", async () => {
    const store = SqliteStore.open(dataDir);
    for (let start = 1; start <= 5_000; start += 500) {
      store.appendBatch(Array.from({ length: 500 }, (_, offset) => say(start + offset, "#a", "bob", "filler text")));
    }
    await store.close();
    const file = path.join(dataDir, "parley.db");
    const pageSize = 4096;
    const handle = fs.openSync(file, "r+");
    // Pages 2 and on hold the tables and indexes; page 1 (the header) is left intact.
    fs.writeSync(handle, Buffer.alloc(pageSize * 8, 0x5a), 0, pageSize * 8, pageSize * 2);
    fs.closeSync(handle);
    // Closed cleanly, the file is checked only when asked (`--check-db`); see the start-up tests.
    assert.throws(
      () => SqliteStore.open(dataDir, { checkDatabase: true }),
      (error: unknown) => {
        assert.ok(error instanceof StoreOpenError);
        assert.ok(error.message.startsWith(`cannot open the history database ${file}: `), error.message);
        assert.match(error.message, /damaged|malformed|not a database/);
        assert.ok(!error.message.includes("\n"), error.message);
        return true;
      },
    );
  });

  it("refuses a database it may read but not write, naming it", async (t) => {
    // Root writes any file whatever its mode: as root, the store is opened by a root that has
    // given up that power (setpriv drops CAP_DAC_OVERRIDE), so the file's mode counts.
    const isRoot = process.getuid?.() === 0;
    const withoutOverride = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"];
    const skip = isRoot
      ? skipUnless(
          canRun(withoutOverride[0], ...withoutOverride.slice(1), "true"),
          "setpriv dropping CAP_DAC_OVERRIDE (running as root)",
        )
      : null;
    if (skip !== null) return t.skip(skip);
    const store = SqliteStore.open(dataDir);
    await store.close();
    const file = path.join(dataDir, "parley.db");
    fs.chmodSync(file, 0o444);
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(STORE_MODULE)});
      try { SqliteStore.open(${JSON.stringify(dataDir)}); } catch (error) { console.log(error.message); }
    `;
    const [command, ...args] = [
      ...(isRoot ? withoutOverride : []),
      process.execPath,
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
    ];
    const opened = spawnSync(command, args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 20_000 });
    assert.equal(
      opened.stdout.trim(),
      `cannot open the history database ${file}: the file or its directory is read-only`,
      opened.stderr,
    );
  });

  it("refuses a data directory where no directory can be made, at once", { skip: !fs.existsSync("/proc/self") }, () => {
    // Node's own recursive mkdir spins for ever here; a child with a time limit keeps this test from doing so.
    const wanted = "/proc/parley-test/data";
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(STORE_MODULE)});
      try { SqliteStore.open(${JSON.stringify(wanted)}); } catch (error) { console.log(error.message); }
    `;
    const opened = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(opened.signal, null, "it did not finish");
    assert.match(opened.stdout.trim(), /^cannot create the data directory \/proc\/parley-test\/data: /);
  });

  it("refuses a data directory that cannot be created, naming it", () => {
    const blocker = path.join(dataDir, "afile");
    fs.writeFileSync(blocker, "a regular file where a directory should be");
    const wanted = path.join(blocker, "sub");
    assert.throws(
      () => SqliteStore.open(wanted),
      (error: unknown) => {
        assert.ok(error instanceof StoreOpenError);
        assert.equal(error.code, "ERR_STORE_OPEN");
        assert.equal(
          error.message,
          `cannot create the data directory ${wanted}: part of the path is a file, not a directory`,
        );
        return true;
      },
    );
  });

  it("creates a missing data directory and uses the file name asked for", async () => {
    const nested = path.join(dataDir, "one", "two");
    const store = SqliteStore.open(nested, { fileName: "history.sqlite" });
    await store.close();
    assert.ok(fs.existsSync(path.join(nested, "history.sqlite")));
    assert.ok(!fs.existsSync(path.join(nested, "parley.db")));
  });
});
