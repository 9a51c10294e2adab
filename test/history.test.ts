import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it, type TestContext } from "node:test";
import type { ServerConfig } from "../src/config.js";
import { MessageIdGenerator } from "../src/core/message-id.js";
import { SqliteStore } from "../src/store/sqlite-store.js";
import type { HistoryEntry, HistoryKind } from "../src/store/store.js";
import {
  ask,
  historyBlock,
  isHistoryEnd,
  olderPageIn,
  startChat,
  UNPACED,
  withoutTime,
} from "./helpers/chat-fixture.js";
import { LineClient } from "./helpers/line-client.js";
import { makeDataDir, ServerProcess, startTestServer } from "./helpers/server.js";

const isError = (line: string): boolean => line.startsWith("! ");
const END = isHistoryEnd;
const USAGE = "! Usage: /history [WHERE] [N] [before|after ID|TIME]";

describe("history on joining a room", () => {
  it("/join shows the room's last 50 messages between a header and an end line", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    alice.send(Array.from({ length: 60 }, (_, i) => `message ${i + 1}\n`).join(""));
    alice.send("/me stretches\n");
    // Alice sees her own topic change, so everything she sent before it is stored.
    await ask(alice, "/topic Borrow checker", "> alice set the topic: Borrow checker");

    const bob = await connect("bob");
    const reply = await ask(bob, "/join #rust", END);
    assert.deepEqual(reply.slice(0, 3), [
      "- You joined #rust (2 users online); it is now your current room.",
      "- Topic: Borrow checker",
      "- History of #rust:",
    ]);
    const shown = historyBlock(reply, "- History of #rust:");
    for (const line of shown) assert.match(line, /^~ \d{4}-\d\d-\d\d \d\d:\d\dZ #rust /);
    assert.deepEqual(shown.map(withoutTime), [
      ...Array.from({ length: 48 }, (_, i) => `#rust [alice] message ${i + 13}`),
      "#rust * alice stretches",
      "#rust > alice set the topic: Borrow checker",
    ]);
    // The last line names the page before it.
    assert.match(reply.at(-1) ?? "", /^- End of history; older: \/history #rust 50 before [0-9a-z]{16}$/);
    // Joining a room one is already in shows nothing again.
    assert.deepEqual(await ask(bob, "/join #rust", (line) => line.startsWith("- You are already")), [
      "- You are already in #rust; it is now your current room.",
    ]);
  });

  it("a room with no past shows no history block", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    await ask(alice, "/join #empty", (line) => line.startsWith("- You joined"));
    const reply = await ask(alice, "/who", (line) => line.startsWith("- #empty"));
    assert.deepEqual(reply, ["- #empty (1 user online): @alice"]);
    assert.equal(
      alice.lines.some((line) => line.startsWith("- History") || line.startsWith("~ ")),
      false,
    );
  });
});

describe("history on connecting to the lobby", () => {
  it("a plain connection gets no history: the original transcript", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    for (let i = 1; i <= 3; i++) alice.send(`earlier ${i}\n`);
    await bob.waitFor("[alice] earlier 3");

    const carol = await connect();
    alice.send("marker\n");
    await carol.waitFor("[alice] marker");
    assert.deepEqual(carol.lines, ["> Connected to the chat server (3 users online)", "[alice] marker"]);
  });

  /** Connects to a server with lobbyReplay 2 after three lobby messages; returns the newcomer's first lines. */
  async function connectAfterLobbyTalk(t: TestContext): Promise<string[]> {
    const { connect, server } = await startChat(t, { lobbyReplay: 2 });
    const alice = await connect("alice");
    const bob = await connect("bob");
    for (let i = 1; i <= 3; i++) alice.send(`earlier ${i}\n`);
    await bob.waitFor("[alice] earlier 3");
    const carol = await LineClient.open(server.port);
    t.after(() => carol.socket.destroy());
    await carol.waitFor(END);
    await carol.waitFor((line) => line.startsWith("> Connected"));
    return carol.lines;
  }

  it("with lobbyReplay set, a connection is shown the lobby's last messages", async (t) => {
    const lines = await connectAfterLobbyTalk(t);
    assert.ok(lines.includes("> Connected to the chat server (3 users online)"), lines.join("\n"));
    assert.deepEqual(historyBlock(lines, "- History of #lobby:").map(withoutTime), [
      "#lobby [alice] earlier 2",
      "#lobby [alice] earlier 3",
    ]);
  });

  it("with lobbyReplay set, the welcome line still comes first", async (t) => {
    const lines = await connectAfterLobbyTalk(t);
    assert.deepEqual(lines.slice(0, 2), ["> Connected to the chat server (3 users online)", "- History of #lobby:"]);
  });
});

describe("/history", () => {
  it("shows the last N of the current room, of a named room, or of a conversation", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    for (let i = 1; i <= 3; i++) carol.send(`lobby ${i}\n`);
    await alice.waitFor("#lobby [carol] lobby 3");
    for (let i = 1; i <= 5; i++) alice.send(`rust ${i}\n`);
    await bob.waitFor("[alice] rust 5");

    const three = await ask(alice, "/history 3", END);
    assert.equal(three[0], "- History of #rust:");
    assert.deepEqual(historyBlock(three, "- History of #rust:").map(withoutTime), [
      "#rust [alice] rust 3",
      "#rust [alice] rust 4",
      "#rust [alice] rust 5",
    ]);
    // Without N: everything up to 50 (arrivals and departures are not replayed).
    const all = await ask(alice, "/history", END);
    assert.deepEqual(historyBlock(all, "- History of #rust:").map(withoutTime), [
      ...Array.from({ length: 5 }, (_, i) => `#rust [alice] rust ${i + 1}`),
    ]);
    const lobby = await ask(alice, "/history #lobby 2", END);
    assert.deepEqual(historyBlock(lobby, "- History of #lobby:").map(withoutTime), [
      "#lobby [carol] lobby 2",
      "#lobby [carol] lobby 3",
    ]);

    await ask(alice, "/msg bob hi bob", "[you -> bob] hi bob");
    await ask(bob, "/msg alice hi alice", "[you -> alice] hi alice");
    const conversation = await ask(alice, "/history bob 10", END);
    assert.deepEqual(historyBlock(conversation, "- History with bob:").map(withoutTime), [
      "[you -> bob] hi bob",
      "[bob -> you] hi alice",
    ]);

    assert.deepEqual(await ask(carol, "/history #rust 2", isError), ["! You are not in #rust."]);
    assert.deepEqual(await ask(carol, "/history #nowhere 2", isError), ["! There is no room #nowhere."]);
    assert.deepEqual(await ask(carol, "/history 0", isError), [USAGE]);
    assert.deepEqual(await ask(carol, "/history #lobby 2 3", isError), [USAGE]);
    for (const count of ["-1", "1.5", ".5", "1e3", "0x10"]) {
      assert.deepEqual(await ask(carol, `/history ${count}`, isError), [USAGE], count);
    }
    assert.deepEqual(await ask(carol, "/history nobody", isError), ["! Nobody is called nobody."]);
    assert.deepEqual(await ask(carol, "/history 501", isError), [
      "! /history shows at most 500 messages at a time: before ID|TIME shows older ones.",
    ]);
  });

  it("pages backwards: the last line is the request for the page before, to the first entry", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    alice.send(Array.from({ length: 25 }, (_, i) => `rust ${i + 1}\n`).join(""));
    await bob.waitFor("[alice] rust 25");
    for (let i = 1; i <= 7; i++) await ask(alice, `/msg bob dm ${i}`, `[you -> bob] dm ${i}`);

    const rust = await readAllPages(bob, "/history #rust 10", "- History of #rust:");
    assert.deepEqual(
      rust.map((page) => page.length),
      [5, 10, 10],
    );
    assert.deepEqual(
      rust.flat(),
      Array.from({ length: 25 }, (_, i) => `#rust [alice] rust ${i + 1}`),
    );
    const direct = await readAllPages(bob, "/history alice 3", "- History with alice:");
    assert.deepEqual(
      direct.flat(),
      Array.from({ length: 7 }, (_, i) => `[alice -> you] dm ${i + 1}`),
    );

    // A time bounds a page as an id does: ISO-8601, or as history lines show it.
    assert.deepEqual(await ask(bob, "/history #rust before 2000-01-01", (line) => line.startsWith("- ")), [
      "- No history in #rust.",
    ]);
    const between = await ask(bob, "/history #rust 50 after 2000-01-01T00:00:00Z before 2999-12-31 23:59Z", END);
    assert.equal(historyBlock(between, "- History of #rust:").length, 25);
    assert.equal(between.at(-1), "- End of history.");
    for (const range of ["before", "before yesterday", "before 2026-13-45", "after 1 after 2", "before 0mk3 x"]) {
      assert.deepEqual(await ask(bob, `/history #rust 5 ${range}`, isError), [USAGE], range);
    }
  });

  it("shows the direct messages with a guest who has left, by a name the guest had", async (t) => {
    const { connect } = await startChat(t);
    const bob = await connect("bob");
    const erin = await connect("erin");
    const guest = await connect();
    const carol = await connect("carol");
    await ask(erin, "/msg bob hello from erin", "[you -> bob] hello from erin");
    await ask(bob, "/msg erin hello erin", "[you -> erin] hello erin");
    await ask(guest, "/msg bob hello from a guest", "[you -> bob] hello from a guest");
    await ask(bob, `/msg ${guest.address} hello guest`, `[you -> ${guest.address}] hello guest`);
    erin.send("/quit\n");
    guest.send("/quit\n");
    await bob.waitFor("< The user erin left. (3 users online)");
    await bob.waitFor(`< The user ${guest.address} left. (2 users online)`);

    const withErin = await ask(bob, "/history Erin", END);
    assert.equal(withErin[0], "- History with erin:");
    assert.deepEqual(historyBlock(withErin, "- History with erin:").map(withoutTime), [
      "[erin -> you] hello from erin",
      "[you -> erin] hello erin",
    ]);
    const withGuest = await ask(bob, `/history ${guest.address}`, END);
    assert.deepEqual(historyBlock(withGuest, `- History with ${guest.address}:`).map(withoutTime), [
      `[${guest.address} -> you] hello from a guest`,
      `[you -> ${guest.address}] hello guest`,
    ]);
    // Only those who talked with them find them.
    assert.deepEqual(await ask(carol, "/history erin", isError), ["! Nobody is called erin."]);
  });

  it("survives a restart of the server", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const first = await startTestServer({ ...UNPACED, dataDir });
    try {
      const alice = await LineClient.join(first.port);
      await ask(alice, "/nick alice", "- You are now known as alice.");
      await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
      for (let i = 1; i <= 3; i++) alice.send(`before the restart ${i}\n`);
      await ask(alice, "/topic Kept across restarts", "> alice set the topic: Kept across restarts");
    } finally {
      await first.stop();
    }

    const second = await startTestServer({ ...UNPACED, dataDir });
    t.after(() => second.stop());
    const bob = await LineClient.join(second.port);
    t.after(() => bob.socket.destroy());
    await ask(bob, "/nick bob", "- You are now known as bob.");
    const reply = await ask(bob, "/join #rust", END);
    assert.deepEqual(reply.slice(0, 2), [
      "- You joined #rust (1 user online); it is now your current room.",
      "- Topic: Kept across restarts",
    ]);
    assert.deepEqual(historyBlock(reply, "- History of #rust:").map(withoutTime), [
      "#rust [alice] before the restart 1",
      "#rust [alice] before the restart 2",
      "#rust [alice] before the restart 3",
      "#rust > alice set the topic: Kept across restarts",
    ]);
  });

  it("a guest after a restart cannot read the direct messages of an earlier run's guest", async (t) => {
    const { dataDir, remove } = makeDataDir();
    // Removed only once the second server has stopped: hooks run in the order they are added,
    // and a store still running in a removed folder fails.
    let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
    t.after(async () => {
      await second?.stop();
      remove();
    });
    // Guest names and session numbers both start again with each run.
    const first = await startTestServer({ ...UNPACED, dataDir, hideAddresses: true });
    try {
      const gina = await LineClient.join(first.port);
      await ask(gina, "/nick gina", "- You are now known as gina.");
      const bob = await LineClient.join(first.port);
      await ask(bob, "/nick bob", "- You are now known as bob.");
      await ask(bob, "/register password1", (line) => line.startsWith("- The name bob is now yours."));
      await ask(bob, "/msg gina secret for gina", "[you -> gina] secret for gina");
      await ask(gina, "/msg bob reply from gina", "[you -> bob] reply from gina");
      await Promise.all([gina.close(), bob.close()]);
    } finally {
      await first.stop();
    }

    second = await startTestServer({ ...UNPACED, dataDir, hideAddresses: true });
    const mallory = await LineClient.join(second.port);
    t.after(() => mallory.socket.destroy());
    assert.deepEqual(await ask(mallory, "/search secret", (line) => line.startsWith("- ")), [
      '- Nothing found for "secret".',
    ]);
    assert.deepEqual(await ask(mallory, "/search gina", (line) => line.startsWith("- ")), [
      '- Nothing found for "gina".',
    ]);
    assert.deepEqual(await ask(mallory, "/history bob", (line) => line.startsWith("- ")), ["- No history with bob."]);
  });

  it("a kill -9 under steady sending loses no message anyone received", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const server = await ServerProcess.start([
      "server",
      "127.0.0.1",
      "0",
      "--quiet",
      "--log-level",
      "silent",
      "--rate",
      "off",
      "--data-dir",
      dataDir,
    ]);
    t.after(() => server.kill());
    const sender = await LineClient.join(server.port);
    const receiver = await LineClient.join(server.port);
    await sender.waitFor(`> New user ${receiver.address} entered. (2 users online)`);

    const sending = sendSteadily(sender);
    const prefix = `[${sender.address}] steady `;
    await receiver.waitFor(`${prefix}2000`, 15_000);
    await server.kill("SIGKILL");
    await receiver.closed;
    const sent = await sending;

    const received = receiver.lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
    assert.ok(received.length > 2000);
    // The server died mid-stream: the sender had more on the way.
    assert.ok(sent > received.length, `${sent} sent, ${received.length} received`);
    assert.deepEqual(
      received,
      received.map((_, i) => String(i)),
    );
    const store = SqliteStore.open(dataDir);
    let stored: string[];
    try {
      const page = await store.historyPage({
        scope: { kind: "room", room: "#lobby" },
        after: "",
        before: "",
        limit: 10_000_000,
      });
      stored = page.entries
        .filter((entry) => entry.kind === "message")
        .map((entry) => entry.text.replace(/^steady /, ""));
    } finally {
      await store.close();
    }
    const storedSet = new Set(stored);
    assert.deepEqual(
      received.filter((number) => !storedSet.has(number)),
      [],
    );
    // Stored in the order sent, with no gap.
    assert.deepEqual(
      stored,
      stored.map((_, i) => String(i)),
    );
  });
});

describe("/search", () => {
  it("pages: while there are more results, the last line is the search that shows them", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send(Array.from({ length: 45 }, (_, i) => `kiwi number ${i + 1}\n`).join(""));
    await bob.waitFor("[alice] kiwi number 45");
    const isPageEnd = (line: string): boolean => line.startsWith("- More: ") || line.endsWith("kiwi number 1");
    const first = await ask(bob, "/search kiwi", isPageEnd);
    assert.equal(first[0], '- 20 results for "kiwi", newest first:');
    assert.deepEqual(
      first.slice(1, -1).map(withoutTime),
      Array.from({ length: 20 }, (_, i) => `#lobby [alice] kiwi number ${45 - i}`),
    );
    const more = /^- More: (\/search before [0-9a-z]{16} kiwi)$/.exec(first.at(-1) ?? "")?.[1];
    assert.ok(more !== undefined, first.at(-1));
    const second = await ask(bob, more, isPageEnd);
    const next = /^- More: (\/search before [0-9a-z]{16} kiwi)$/.exec(second.at(-1) ?? "")?.[1];
    assert.ok(next !== undefined, second.at(-1));
    const third = await ask(bob, next, isPageEnd);
    assert.equal(third[0], '- 5 results for "kiwi", newest first:');
    assert.deepEqual(
      [...first.slice(1, -1), ...second.slice(1, -1), ...third.slice(1)].map(withoutTime),
      Array.from({ length: 45 }, (_, i) => `#lobby [alice] kiwi number ${45 - i}`),
    );
    // A time bounds a search as an id does; a word that is neither is searched for.
    const none = await ask(bob, "/search before 2000-01-01 kiwi", (line) => line.startsWith("- "));
    assert.deepEqual(none, ['- Nothing found for "kiwi".']);
    const worded = await ask(bob, "/search before kiwi", (line) => line.startsWith("- "));
    assert.deepEqual(worded, ['- Nothing found for "before kiwi".']);
  });

  it("fits a page of results in the send queue, and the rest are a request away, never a cut-off", async (t) => {
    const { connect } = await startChat(t, { sendQueueBytes: 8192, maxLineBytes: 4096 });
    const alice = await connect("alice");
    const bob = await connect("bob");
    const texts = Array.from({ length: 25 }, (_, i) => `kiwi ${i + 1} ${"k".repeat(3000)}`);
    for (const text of texts) {
      alice.send(`${text}\n`);
      await bob.waitFor(`[alice] ${text}`);
    }
    const isPageEnd = (line: string): boolean => line.startsWith("- More: ") || line.includes("kiwi 1 k");
    const seen: string[] = [];
    let request: string | undefined = "/search kiwi";
    for (let pages = 0; request !== undefined; pages++) {
      assert.ok(pages < 30, "too many pages");
      const page = await ask(bob, request, isPageEnd);
      seen.push(...page.filter((line) => line.startsWith("~ ")).map(withoutTime));
      request = /^- More: (\/search before [0-9a-z]{16} kiwi)$/.exec(page.at(-1) ?? "")?.[1];
    }
    assert.deepEqual(
      seen,
      [...texts].reverse().map((text) => `#lobby [alice] ${text}`),
    );
    assert.equal(bob.isClosed, false);
  });

  it("finds messages of the user's rooms and the user's own direct messages, newest first", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    const dave = await connect("dave");

    dave.send("apple in the lobby\n");
    await alice.waitFor("[dave] apple in the lobby");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    await ask(carol, "/join #go", (line) => line.startsWith("- You joined #go"));
    await ask(dave, "/join #go", (line) => line.startsWith("- You joined #go"));
    bob.send("apple one in rust\n");
    await alice.waitFor("[bob] apple one in rust");
    alice.send("apple two in rust\n");
    await bob.waitFor("[alice] apple two in rust");
    carol.send("apple in go\n");
    await dave.waitFor("[carol] apple in go");
    await ask(carol, "/msg dave apple for dave", "[you -> dave] apple for dave");
    await ask(bob, "/msg alice apple for alice", "[you -> alice] apple for alice");
    await ask(alice, "/msg bob apple for bob", "[you -> bob] apple for bob");
    bob.send("banana in rust\n");
    await alice.waitFor("[bob] banana in rust");

    const found = await ask(alice, "/search apple", (line) => line.includes("apple in the lobby"));
    assert.equal(found[0], '- 5 results for "apple", newest first:');
    assert.deepEqual(found.slice(1).map(withoutTime), [
      "[you -> bob] apple for bob",
      "[bob -> you] apple for alice",
      "#rust [alice] apple two in rust",
      "#rust [bob] apple one in rust",
      "#lobby [dave] apple in the lobby",
    ]);
    const forCarol = await ask(carol, "/search apple", (line) => line.includes("apple in the lobby"));
    assert.deepEqual(
      forCarol.map((line, i) => (i === 0 ? line : withoutTime(line))),
      [
        '- 3 results for "apple", newest first:',
        "[you -> dave] apple for dave",
        "#go [carol] apple in go",
        "#lobby [dave] apple in the lobby",
      ],
    );
    assert.deepEqual(await ask(alice, "/search pear", (line) => line.startsWith("- ")), [
      '- Nothing found for "pear".',
    ]);

    // Leaving a room leaves its history out of reach.
    await ask(alice, "/part #rust", (line) => line.startsWith("- You left #rust"));
    assert.deepEqual(await ask(alice, "/search rust", (line) => line.startsWith("- ")), [
      '- Nothing found for "rust".',
    ]);
  });

  it("a user who takes a name someone used before cannot read that person's direct messages", async (t) => {
    const { connect } = await startChat(t);
    const carol = await connect("carol");
    const dave = await connect("dave");
    await ask(carol, "/msg dave secret plum", "[you -> dave] secret plum");
    await dave.waitFor("[carol -> you] secret plum");
    carol.send("/quit\n");
    await dave.waitFor("< The user carol left. (1 user online)");

    const mallory = await connect("carol");
    assert.deepEqual(await ask(mallory, "/search plum", (line) => line.startsWith("- ")), [
      '- Nothing found for "plum".',
    ]);
    assert.deepEqual(await ask(mallory, "/history dave 10", (line) => line.startsWith("- ")), [
      "- No history with dave.",
    ]);
  });

  it("refuses a search with nothing to look for", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    assert.deepEqual(await ask(alice, "/search", isError), ["! Search for at least one word: /search TEXT"]);
    assert.deepEqual(await ask(alice, "/search   ", isError), ["! Search for at least one word: /search TEXT"]);
    assert.deepEqual(await ask(alice, '/search ?! "" *', isError), ["! Search for at least one word: /search TEXT"]);
  });
});

describe("history pages in the store", () => {
  it("all a user may read, page by page, is what a catch-up counts as missed, in order", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const store = SqliteStore.open(dataDir);
    t.after(() => store.close());
    const ids = new MessageIdGenerator("tst");
    const entry = (kind: HistoryKind, target: string, senderKey: string, recipientKey: string | null): HistoryEntry => {
      const id = ids.next();
      return { id, at: ids.lastAt, kind, target, sender: senderKey, senderKey, recipientKey, text: id };
    };
    const entries: HistoryEntry[] = [];
    for (let i = 0; i < 200; i++) {
      const shapes: [HistoryKind, string, string, string | null][] = [
        ["message", "#a", "bob", null],
        ["joined", "#a", "bob", null],
        ["topic", "#b", "bob", null],
        ["action", "#c", "bob", null],
        ["message", "ann", "bob", "ann"],
        ["message", "bob", "ann", "bob"],
        ["message", "ann", "ann", "ann"],
        ["message", "cat", "bob", "cat"],
      ];
      const [kind, target, sender, recipient] = shapes[i % shapes.length];
      entries.push(entry(kind, target, sender, recipient));
    }
    store.appendBatch(entries);
    const place = entries[37].id;
    const missed = await store.missedSince(place, ["#a", "#b"], "ann", 10_000);
    const pages: string[][] = [];
    for (let before = "", hasOlder = true; hasOlder; ) {
      const page = await store.historyPage({
        scope: { kind: "readable", rooms: ["#a", "#b"], userKey: "ann" },
        limit: 7,
        before,
        after: place,
      });
      pages.unshift(page.entries.map((read) => read.id));
      hasOlder = page.hasOlder;
      before = page.entries[0]?.id ?? "";
    }
    assert.ok(missed.entries.length > 50);
    assert.deepEqual(
      pages.flat(),
      missed.entries.map((read) => read.id),
    );
  });
});

describe("catching up on a long absence", () => {
  it("a user who missed 30,000 messages reads every one back, in order, following the pages", async (t) => {
    const pages = await missAndReadBack(t, 30_000, "", {});
    assert.equal(pages.length, 30_000 / 500);
  });

  it("pages trimmed to the send queue still lead to every missed message", async (t) => {
    const pages = await missAndReadBack(t, 2_000, ` ${"p".repeat(200)}`, { sendQueueBytes: 64 * 1024 });
    // Each page fits half the queue: far fewer than 500 lines of 250 bytes.
    assert.ok(pages.length > 2_000 / 200, `${pages.length} pages`);
  });
});

/**
 * Bob, registered and in #lobby and #rust, leaves; alice sends `total` numbered messages to
 * both rooms and to bob directly, one sender so the order sent is the order stored. Bob logs
 * back in and follows the catch-up's last line, and each page's, to the end: every message
 * must be read once, in order. Returns the pages, oldest first.
 */
async function missAndReadBack(
  t: TestContext,
  total: number,
  padding: string,
  overrides: Partial<ServerConfig>,
): Promise<string[][]> {
  const { connect } = await startChat(t, overrides);
  const bob = await connect("bob");
  await ask(bob, "/register password1", (line) => line.startsWith("- The name bob is now yours."));
  await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
  bob.send("/quit\n");
  await bob.waitForClose();

  const alice = await connect("alice");
  await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
  let batch = "";
  for (let i = 0; i < total; i++) {
    if (i % 1000 === 0) batch += "/join #lobby\n";
    if (i % 1000 === 500) batch += "/join #rust\n";
    batch += i % 1000 === 999 ? `/msg bob m ${i}${padding}\n` : `m ${i}${padding}\n`;
    if (i % 2000 === 1999 || i === total - 1) {
      alice.send(batch);
      batch = "";
    }
  }
  // Answered once everything before it is stored.
  await ask(alice, "/history #rust 1", END, 30_000);

  const back = await connect();
  const reply = await ask(back, "/login bob password1", END, 30_000);
  const pages = [historyBlock(reply, "- While you were away:")];
  let request = olderPageIn(reply.at(-1) ?? "");
  assert.match(request ?? "", /^\/history \* \d+ before [0-9a-z]{16} after [0-9a-z]{9,16}$/);
  while (request !== null) {
    const page = await ask(back, request, END, 30_000);
    pages.unshift(historyBlock(page, "- History of your rooms and direct messages:"));
    request = olderPageIn(page.at(-1) ?? "");
  }
  const numbers = pages.flat().map((line) => {
    const match = /^(?:#lobby \[alice\]|#rust \[alice\]|\[alice -> you\]) m (\d+)(?: p+)?$/.exec(withoutTime(line));
    assert.ok(match !== null, line);
    return Number(match[1]);
  });
  assert.deepEqual(
    numbers,
    Array.from({ length: total }, (_, i) => i),
  );
  return pages;
}

describe("hidden addresses", () => {
  it("history recorded while addresses were shown shows a guest name for them once they are hidden", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const first = await startTestServer({ ...UNPACED, dataDir });
    let address = "";
    try {
      const bob = await LineClient.join(first.port);
      await ask(bob, "/nick bob", "- You are now known as bob.");
      await ask(bob, "/register password1", (line) => line.startsWith("- The name bob is now yours."));
      const guest = await LineClient.join(first.port);
      address = guest.address;
      guest.send("plum from an address\n");
      await bob.waitFor(`[${address}] plum from an address`);
      await ask(guest, "/topic Plums", `> ${address} set the topic: Plums`);
      await ask(bob, `/msg ${address} plum to an address`, `[you -> ${address}] plum to an address`);
      await ask(guest, "/msg bob plum back", "[you -> bob] plum back");
      bob.send("/quit\n");
      await guest.waitFor("< The user bob left. (1 user online)");
      await ask(guest, "/msg bob plum while away", "- bob is not online, and will see it on logging in.");
      await Promise.all([guest.close(), bob.closed]);
    } finally {
      await first.stop();
    }

    const second = await startTestServer({ ...UNPACED, dataDir, hideAddresses: true });
    t.after(() => second.stop());
    const bob = await LineClient.join(second.port);
    t.after(() => bob.socket.destroy());
    const caughtUp = await ask(bob, "/login bob password1", END);
    const missed = historyBlock(caughtUp, "- While you were away:").map(withoutTime);
    const guestName = /^\[(guest-[0-9a-f]{4}[0-9a-z]+) -> you\] plum while away$/.exec(missed[0] ?? "")?.[1];
    assert.ok(guestName !== undefined, missed.join("\n"));
    const lobby = await ask(bob, "/history #lobby", END);
    assert.deepEqual(historyBlock(lobby, "- History of #lobby:").map(withoutTime), [
      `#lobby [${guestName}] plum from an address`,
      `#lobby > ${guestName} set the topic: Plums`,
    ]);
    const topic = await ask(bob, "/topic", (line) => line.startsWith("- Topic of #lobby"));
    assert.match(topic[0], /^- Topic of #lobby: Plums \(set by a guest \d{4}-\d\d-\d\d \d\d:\d\dZ\)$/);
    const found = await ask(bob, "/search plum", (line) => line.endsWith("plum from an address"));
    assert.deepEqual(found.slice(1).map(withoutTime), [
      `[${guestName} -> you] plum while away`,
      `[${guestName} -> you] plum back`,
      `[you -> ${guestName}] plum to an address`,
      `#lobby [${guestName}] plum from an address`,
    ]);
    const conversation = await ask(bob, `/history ${guestName}`, END);
    assert.deepEqual(historyBlock(conversation, `- History with ${guestName}:`).map(withoutTime), [
      `[you -> ${guestName}] plum to an address`,
      `[${guestName} -> you] plum back`,
      `[${guestName} -> you] plum while away`,
    ]);
    assert.deepEqual(
      bob.lines.filter((line) => line.includes(address.split(":")[0])),
      [],
    );
  });

  it("the log names each connection's address beside the guest name shown for it", async (t) => {
    const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--quiet", "--hide-addresses"]);
    t.after(() => server.kill());
    const watcher = await LineClient.join(server.port);
    t.after(() => watcher.socket.destroy());
    const guest = await LineClient.join(server.port);
    t.after(() => guest.socket.destroy());
    const shownAs = /^> New user (guest-\S+) entered\./.exec(
      await watcher.waitFor((line) => line.startsWith("> New user ")),
    )?.[1];
    assert.ok(shownAs !== undefined);
    const logged = await server.waitFor(
      () =>
        server.stderrLines
          .map((line) => JSON.parse(line) as { event?: string; peer?: string; guest?: string })
          .find((entry) => entry.event === "connect" && entry.peer === guest.address),
      "the connect log line",
    );
    assert.equal(logged.guest, shownAs);
  });
});

describe("retention", () => {
  it("keeps only the newest entries of each room once the server starts with retentionPerRoom", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const first = await startTestServer({ ...UNPACED, dataDir });
    try {
      const alice = await LineClient.join(first.port);
      const bob = await LineClient.join(first.port);
      await ask(alice, "/nick alice", "- You are now known as alice.");
      await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
      await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
      alice.send(Array.from({ length: 20 }, (_, i) => `old ${i + 1}\n`).join(""));
      await bob.waitFor("[alice] old 20");
    } finally {
      await first.stop();
    }

    const second = await startTestServer({ ...UNPACED, dataDir, retentionPerRoom: 5 });
    t.after(() => second.stop());
    const reader = await LineClient.join(second.port);
    t.after(() => reader.socket.destroy());
    await ask(reader, "/nick reader", "- You are now known as reader.");
    await ask(reader, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    // Retention runs in the background from start-up: ask until it shows, a bounded number of times.
    let kept: string[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      const reply = await ask(reader, "/history #rust 50", END);
      // The reader's own arrival came after retention ran; it is not one of the old entries.
      kept = historyBlock(reply, "- History of #rust:")
        .map(withoutTime)
        .filter((line) => line !== "#rust > reader entered.");
      if (kept.length <= 5) break;
    }
    assert.deepEqual(
      kept,
      Array.from({ length: 5 }, (_, i) => `#rust [alice] old ${i + 16}`),
    );
  });
});

/** Follows a history request and the requests its last lines name; returns every page's lines, oldest page first. */
async function readAllPages(client: LineClient, first: string, header: string): Promise<string[][]> {
  const pages: string[][] = [];
  for (let request: string | null = first; request !== null; ) {
    const reply = await ask(client, request, END);
    pages.unshift(historyBlock(reply, header).map(withoutTime));
    request = olderPageIn(reply.at(-1) ?? "");
  }
  return pages;
}

/** Writes numbered lines as fast as the socket takes them, until it closes; returns how many. */
async function sendSteadily(client: LineClient): Promise<number> {
  let next = 0;
  while (!client.isClosed && !client.socket.destroyed) {
    let chunk = "";
    for (let i = 0; i < 50; i++) chunk += `steady ${next++}\n`;
    if (client.socket.write(chunk)) {
      await new Promise((resolve) => setImmediate(resolve));
    } else {
      await Promise.race([once(client.socket, "drain").catch(() => undefined), client.closed]);
    }
  }
  return next;
}

describe("a gap in history among pages", () => {
  it("shows a span history missed once, on the page whose entries it falls between", async (t) => {
    const { connect, server } = await startChat(t, { missedReplayCap: 2 });
    const alice = await connect("alice");
    await ask(alice, "/register password1", (line) => line.startsWith("- The name alice is now yours."));
    await alice.close();
    const bob = await connect("bob");
    await ask(bob, "before the gap\n/history 1", END);
    // A span the store could not write (a full disk), between two of bob's messages.
    const from = Date.now() + 1;
    await server.hub.store?.recordHistoryGap({ from, to: from + 1, reason: "disk-full" });
    while (Date.now() <= from + 1) await new Promise((resolve) => setImmediate(resolve));
    await ask(bob, "after the gap 1\nafter the gap 2\nafter the gap 3\n/history 1", END);

    const back = await connect();
    const caughtUp = await ask(back, "/login alice password1", END);
    const isGapLine = (line: string): boolean => line.startsWith("~ history was not kept from ");
    assert.deepEqual(
      historyBlock(caughtUp, "- While you were away:").map((line) => (isGapLine(line) ? "gap" : withoutTime(line))),
      ["#lobby [bob] after the gap 2", "#lobby [bob] after the gap 3"],
    );
    const request = olderPageIn(caughtUp.at(-1) ?? "");
    assert.ok(request !== null, caughtUp.at(-1));
    const older = await ask(back, request, END);
    const shown = older.filter((line) => line.startsWith("~ "));
    assert.deepEqual(
      shown.map((line) => (isGapLine(line) ? "gap" : withoutTime(line))).filter((line) => !line.includes(" > ")),
      ["#lobby [bob] before the gap", "gap", "#lobby [bob] after the gap 1"],
    );
  });
});
