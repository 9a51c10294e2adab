import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ask, isHistoryEnd, startChat, UNPACED } from "./helpers/chat-fixture.js";
import { LineClient } from "./helpers/line-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/** Every slash command a line user has. */
const COMMANDS = [
  "away",
  "deop",
  "devoice",
  "help",
  "history",
  "invite",
  "join",
  "kick",
  "kill",
  "login",
  "logout",
  "me",
  "mode",
  "msg",
  "nick",
  "op",
  "oper",
  "part",
  "quit",
  "register",
  "rooms",
  "search",
  "topic",
  "voice",
  "wallops",
  "who",
  "whois",
];

const isError = (line: string): boolean => line.startsWith("! ");
const isWhoReply = (line: string): boolean => line.startsWith("- #lobby (");

describe("help and unknown commands", () => {
  it("/help lists every command with its usage", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    // The /who reply marks the end of the help text: replies come back in the order asked.
    const reply = await ask(alice, "/help\n/who", isWhoReply);
    assert.equal(reply[0], "- Commands (any other line is a message to your current room; // starts one with /):");
    const help = reply.slice(1, -1);
    for (const line of help) assert.match(line, /^- {3}\/\w+.* \S/);
    // The summaries start in one column, however long the usage.
    const summaryColumns = new Set(help.map((line) => line.slice(4).search(/ {2}\S/)));
    assert.equal(summaryColumns.size, 1, help.join("\n"));
    const listed = help.map((line) => /^- {3}\/(\w+)/.exec(line)?.[1]).sort();
    assert.deepEqual(listed, COMMANDS);
  });

  it("/help leaves out the commands that need history on a server that keeps none", async (t) => {
    const { connect } = await startChat(t, { history: false });
    const alice = await connect();
    const reply = await ask(alice, "/help\n/who", isWhoReply);
    const listed = reply.slice(1, -1).map((line) => /^- {3}\/(\w+)/.exec(line)?.[1]);
    const needHistory = ["history", "login", "logout", "register", "search"];
    assert.deepEqual(
      listed.sort(),
      COMMANDS.filter((command) => !needHistory.includes(command)),
    );
    for (const command of ["/logout", "/login ann password1", "/register password1"]) {
      assert.deepEqual(await ask(alice, command, (line) => line.startsWith("! ")), [
        "! This server keeps no history, so it has no accounts.",
      ]);
    }
  });

  it("answers an unknown command with one error naming /help, and keeps the connection", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    const reply = await ask(alice, "/frobnicate now\n/who", isWhoReply);
    assert.deepEqual(reply, [
      "! Unknown command /frobnicate. Type /help for the list.",
      `- #lobby (1 user online): ${alice.address}`,
    ]);
    assert.equal(alice.isClosed, false);
  });

  it("sends replies and errors only to the user who asked", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    const bob = await connect();
    await ask(alice, "/who", (line) => line.startsWith("- #lobby (2 users online)"));
    await ask(alice, "/rooms", "-   #lobby (2 users online)");
    await ask(alice, "/topic", "- #lobby has no topic.");
    await ask(alice, "/help", (line) => line.startsWith("-   /search "));
    await ask(alice, "/frobnicate", isError);
    alice.send("marker\n");
    await bob.waitFor(`[${alice.address}] marker`);
    assert.deepEqual(bob.lines, ["> Connected to the chat server (2 users online)", `[${alice.address}] marker`]);
  });
});

describe("names", () => {
  it("shows IP:PORT before a name is chosen, and the name after /nick", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    const bob = await connect();
    alice.send("before\n");
    await bob.waitFor(`[${alice.address}] before`);
    assert.deepEqual(await ask(alice, "/nick alice", "- You are now known as alice."), [
      "- You are now known as alice.",
    ]);
    alice.send("after\n");
    await bob.waitFor("[alice] after");
    assert.deepEqual(bob.lines.slice(1), [
      `[${alice.address}] before`,
      `> ${alice.address} is now known as alice.`,
      "[alice] after",
    ]);
    bob.send("marker\n");
    await alice.waitFor(`[${bob.address}] marker`);
    assert.equal(
      alice.lines.some((line) => line.includes("is now known as")),
      false,
    );
  });

  it("shows a command's effect before the lines sent after it", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    const bob = await connect();
    alice.send("/nick alice\nfirst words as alice\n");
    await bob.waitFor((line) => line.endsWith("first words as alice"));
    await bob.waitFor(`> ${alice.address} is now known as alice.`);
    assert.deepEqual(bob.lines.slice(1), [`> ${alice.address} is now known as alice.`, "[alice] first words as alice"]);
  });

  it("with hidden addresses shows a guest name and never the address", async (t) => {
    const { connect } = await startChat(t, { hideAddresses: true });
    const bob = await connect();
    const alice = await connect();
    const entered = await bob.waitFor((line) => line.startsWith("> New user "));
    const guest = /^> New user (guest-[0-9a-f]{4}[0-9a-z]+) entered\. \(2 users online\)$/.exec(entered)?.[1];
    assert.ok(guest !== undefined, entered);
    alice.send("hello\n");
    await bob.waitFor(`[${guest}] hello`);
    await ask(alice, "/nick alice", "- You are now known as alice.");
    await bob.waitFor(`> ${guest} is now known as alice.`);
    const who = await ask(alice, "/who", isWhoReply);
    assert.match(who[0], /^- #lobby \(2 users online\): alice, guest-[0-9a-f]{4}[0-9a-z]+$/);
    await ask(bob, "/history 50", isHistoryEnd);
    await ask(bob, "/who", isWhoReply);
    alice.send("/quit gone\n");
    await bob.waitFor("< The user alice left: gone. (1 user online)");
    await alice.waitForClose();
    const ports = [alice, bob].map((client) => client.address.slice(client.address.lastIndexOf(":") + 1));
    for (const line of [...alice.lines, ...bob.lines]) {
      assert.equal(line.includes("127.0.0.1"), false, line);
      for (const port of ports) assert.equal(line.includes(port), false, line);
    }
  });

  describe("a name that is taken, or looks like one, is refused and the old name kept", () => {
    let server: TestServer;
    let alice: LineClient;
    before(async () => {
      server = await startTestServer(UNPACED);
      alice = await LineClient.join(server.port);
      await ask(alice, "/nick alice", "- You are now known as alice.");
    });
    after(async () => {
      alice.socket.destroy();
      await server.stop();
    });

    const inUse = (name: string): string => `! The name ${name} is in use (or looks too much like one that is).`;
    const badName = (name: string, reason: string): string => `! "${name}" cannot be a name: ${reason}.`;
    const cases: { label: string; name: string; error: string; todo?: string }[] = [
      { label: "another case", name: "Alice", error: inUse("Alice") },
      { label: "a Cyrillic а", name: "\u0430lice", error: inUse("\u0430lice") },
      { label: "fullwidth letters", name: "ａｌｉｃｅ", error: inUse("ａｌｉｃｅ") },
      {
        label: "a zero-width space",
        name: "alice\u200b",
        error: badName("alice\u200b", "it has spaces, control or invisible characters"),
      },
      {
        label: "a space inside",
        name: "ali ce",
        error: badName("ali ce", "it has spaces, control or invisible characters"),
      },
      { label: "a reserved name", name: "server", error: badName("server", "it is reserved") },
      { label: "a room sigil", name: "#x", error: badName("#x", "it has one of ! @ # : , *") },
      { label: "an IRC prefix character", name: "a!b", error: badName("a!b", "it has one of ! @ # : , *") },
      {
        label: "a Greek letter among Latin ones",
        name: "\u03bdictor",
        error:
          '! "\u03bdictor" cannot be a name: it mixes Greek and Latin letters, so it could pass for another; keep to one script.',
      },
      {
        label: "a compatibility form holding a space",
        name: "a\u00b4b",
        error: badName("a\u00b4b", "it has a look-alike of a space, control or invisible character"),
      },
      { label: "a long s", name: "\u017fred", error: badName("\u017fred", "it has a long s (ſ), which passes for f") },
    ];
    for (const [index, { label, name, error, todo }] of cases.entries()) {
      it(`refuses ${JSON.stringify(name)} (${label})`, { todo }, async (t) => {
        const own = `bob${index}`;
        const bob = await LineClient.join(server.port);
        t.after(() => bob.socket.destroy());
        await ask(bob, `/nick ${own}`, `- You are now known as ${own}.`);
        const reply = await ask(bob, `/nick ${name}`, (line) => isError(line) || line.startsWith("- You are now"));
        assert.deepEqual(reply, [error]);
        const who = await ask(bob, "/who", isWhoReply);
        // The first to come into the lobby holds it: "@" marks its operator.
        const names = who[0]
          .slice(who[0].indexOf(": ") + 2)
          .split(", ")
          .map((shown) => shown.replace(/^@/, ""));
        assert.ok(names.includes(own), who[0]);
        assert.equal(names.filter((held) => held === "alice").length, 1, who[0]);
        bob.send(`done ${index}\n`);
        await alice.waitFor(`[${own}] done ${index}`);
        assert.equal(
          alice.lines.some((line) => line.startsWith(`> ${own} is now known as`)),
          false,
        );
      });
    }
  });
});

describe("rooms", () => {
  it("/join makes a room current, plain lines go there, other rooms' events are prefixed, outsiders get nothing", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");

    assert.deepEqual(await ask(alice, "/join #rust", (line) => line.startsWith("- You joined")), [
      "- You joined #rust (1 user online); it is now your current room.",
    ]);
    await ask(bob, "/join #rust", "- You joined #rust (2 users online); it is now your current room.");
    await alice.waitFor("> New user bob entered. (2 users online)");
    alice.send("rust talk\n");
    await bob.waitFor("[alice] rust talk");

    // Back to #lobby: #rust is now "elsewhere" for bob.
    await ask(bob, "/join #lobby", "- You are already in #lobby; it is now your current room.");
    alice.send("still rust\n");
    await bob.waitFor("#rust [alice] still rust");
    carol.send("lobby talk\n");
    await bob.waitFor("[carol] lobby talk");
    await alice.waitFor("#lobby [carol] lobby talk");
    alice.send("/topic Rust only\n");
    await alice.waitFor("> alice set the topic: Rust only");
    await bob.waitFor("#rust > alice set the topic: Rust only");

    bob.send("marker\n");
    await carol.waitFor("[bob] marker");
    assert.deepEqual(carol.lines, [
      "> Connected to the chat server (3 users online)",
      "- You are now known as carol.",
      "[bob] marker",
    ]);
  });

  it("a line sent right after /join, in the same write, goes to the room joined, whatever the join waits for", async (t) => {
    const { connect } = await startChat(t);
    const den = await connect("den");
    await ask(den, "/join #den", (line) => line.startsWith("- You joined #den"));
    const lobby = await connect("lobbyist");
    const mover = await connect("mover");
    // The join reads the room's recent past from the store before it answers.
    mover.send("/join #den\nfirst in den\n/me waves in den\n/part\nback in the lobby\n");
    await lobby.waitFor("[mover] back in the lobby");
    await den.waitFor("* mover waves in den");
    assert.ok(den.lines.includes("[mover] first in den"), den.lines.join("\n"));
    assert.ok(!lobby.lines.some((line) => line.includes("in den")), lobby.lines.join("\n"));
  });

  it("lines piped in after a /join, then the end of input, all reach the room joined", async (t) => {
    const { connect, server } = await startChat(t);
    const den = await connect("den");
    await ask(den, "/join #den", (line) => line.startsWith("- You joined #den"));
    const piped = await LineClient.join(server.port);
    piped.socket.end("/nick piper\n/join #den\none\ntwo\nthree\n");
    await den.waitFor("[piper] three");
    assert.deepEqual(
      den.lines.filter((line) => line.startsWith("[piper]")),
      ["[piper] one", "[piper] two", "[piper] three"],
    );
  });

  it("/part leaves the current room or a named one; with no room left, a plain line is refused", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));

    const leftRust = "- You left #rust; your current room is now #lobby.";
    assert.deepEqual(await ask(alice, "/part", leftRust), [leftRust]);
    await bob.waitFor("< The user alice left. (1 user online)");
    // The room joined before it is current again.
    alice.send("back in the lobby\n");
    await bob.waitFor("#lobby [alice] back in the lobby");

    assert.deepEqual(await ask(alice, "/part #rust", isError), ["! You are not in #rust."]);
    assert.deepEqual(await ask(alice, "/part #nowhere", isError), ["! There is no room #nowhere."]);
    const leftLobby = "- You left #lobby; you are in no room now: /join #room to talk.";
    assert.deepEqual(await ask(alice, "/part #lobby so long", leftLobby), [leftLobby]);
    await bob.waitFor("#lobby < The user alice left: so long. (1 user online)");

    assert.deepEqual(await ask(alice, "into the void", isError), ["! You are not in any room: /join #room first."]);
    assert.deepEqual(await ask(alice, "/part", isError), ["! You are not in any room: /join #room first."]);
    const who = await ask(bob, "/who #rust", (line) => line.startsWith("- #rust"));
    assert.deepEqual(who, ["- #rust (1 user online): bob"]);
  });

  it("/rooms lists every room with its members and topic; /who lists a room's members", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    await ask(alice, "/topic Everything about Rust", "> alice set the topic: Everything about Rust");
    await ask(bob, "/join #go", (line) => line.startsWith("- You joined #go"));

    assert.deepEqual(await ask(bob, "/rooms", (line) => line.startsWith("-   #rust")), [
      "- 3 rooms:",
      "-   #go (1 user online)",
      "-   #lobby (2 users online)",
      "-   #rust (1 user online): Everything about Rust",
    ]);
    assert.deepEqual(await ask(bob, "/who", (line) => line.startsWith("- #go")), ["- #go (1 user online): @bob"]);
    assert.deepEqual(await ask(bob, "/who #lobby", isWhoReply), ["- #lobby (2 users online): alice, bob"]);
    assert.deepEqual(await ask(bob, "/who #rust", (line) => line.startsWith("- #rust")), [
      "- #rust (1 user online): @alice",
    ]);
    assert.deepEqual(await ask(bob, "/who #nowhere", isError), ["! There is no room #nowhere."]);
  });

  it("/topic sets and shows a topic; one over 390 characters is refused and changes nothing", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    assert.deepEqual(await ask(alice, "/topic", (line) => line.startsWith("- #rust")), ["- #rust has no topic."]);

    alice.send("/topic Systems programming\n");
    await alice.waitFor("> alice set the topic: Systems programming");
    await bob.waitFor("> alice set the topic: Systems programming");
    const shown = await ask(bob, "/topic", (line) => line.startsWith("- Topic of #rust"));
    assert.match(shown[0], /^- Topic of #rust: Systems programming \(set by alice \d{4}-\d\d-\d\d \d\d:\d\dZ\)$/);
    // Anyone may read a topic; only members may set it.
    const fromOutside = await ask(carol, "/topic #rust", (line) => line.startsWith("- Topic of #rust"));
    assert.deepEqual(fromOutside, shown);
    assert.deepEqual(await ask(carol, "/topic #rust hijacked", isError), ["! You are not in #rust."]);

    const tooLong = "x".repeat(391);
    assert.deepEqual(await ask(alice, `/topic ${tooLong}`, isError), [
      "! Topic too long (the limit is 390 characters).",
    ]);
    assert.deepEqual(await ask(bob, "/topic", (line) => line.startsWith("- Topic of #rust")), shown);

    const longest = "y".repeat(390);
    alice.send(`/topic ${longest}\n`);
    await bob.waitFor(`> alice set the topic: ${longest}`);
    // Only the accepted topic was announced: the refused one never reached the room.
    assert.equal(
      bob.lines.some((line) => line.includes(tooLong)),
      false,
    );
    assert.equal(
      carol.lines.some((line) => line.includes("set the topic")),
      false,
    );
    const newcomer = await connect("dave");
    const joined = await ask(newcomer, "/join #rust", (line) => line.startsWith("- Topic: "));
    assert.deepEqual(joined, [
      "- You joined #rust (3 users online); it is now your current room.",
      `- Topic: ${longest}`,
    ]);
  });

  it("/topic -delete clears a topic, as irssi and WeeChat spell it", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    await ask(alice, "/topic Lobby rules", "> alice set the topic: Lobby rules");
    await ask(alice, "/topic -delete", "> alice cleared the topic.");
    await bob.waitFor("> alice cleared the topic.");
    assert.deepEqual(await ask(bob, "/topic", (line) => line.startsWith("- #lobby")), ["- #lobby has no topic."]);
    const history = await ask(bob, "/history 5", isHistoryEnd);
    assert.match(history.at(-2) ?? "", /^~ .* #lobby > alice cleared the topic\.$/);

    // Clearing again clears nothing: alice is told so, and nobody else hears of it.
    assert.deepEqual(await ask(alice, "/topic -delete", (line) => line.startsWith("- #lobby")), [
      "- #lobby has no topic.",
    ]);
    await ask(bob, "/topic", "- #lobby has no topic.");
    assert.equal(bob.lines.filter((line) => line === "> alice cleared the topic.").length, 1);
  });

  it("/rooms counts the people in a room whose topic outlived them", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    await ask(alice, "/join #kept", (line) => line.startsWith("- You joined #kept"));
    await ask(alice, "/topic Still here", "> alice set the topic: Still here");
    await ask(alice, "/part #kept", (line) => line.startsWith("- You left #kept"));
    assert.deepEqual(await ask(alice, "/rooms", (line) => line.startsWith("-   #lobby")), [
      "- 2 rooms:",
      "-   #kept (0 users online): Still here",
      "-   #lobby (1 user online)",
    ]);
  });

  it("refuses a room name without # and one longer than 64 characters", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    assert.deepEqual(await ask(alice, "/join rust", isError), [
      '! "rust" cannot be a room name: a room name starts with # and has a name after it.',
    ]);
    assert.deepEqual(await ask(alice, "/join #", isError), [
      '! "#" cannot be a room name: a room name starts with # and has a name after it.',
    ]);
    const tooLong = `#${"r".repeat(64)}`;
    const refused = await ask(alice, `/join ${tooLong}`, isError);
    assert.equal(refused.length, 1);
    assert.ok(refused[0].startsWith(`! "${tooLong}" cannot be a room name: it is longer than `), refused[0]);
    // Nothing was joined: alice still talks in #lobby.
    alice.send("still in the lobby\n");
    await bob.waitFor("[alice] still in the lobby");
    assert.deepEqual(await ask(alice, "/rooms", (line) => line.startsWith("-   #lobby")), [
      "- 1 room:",
      "-   #lobby (2 users online)",
    ]);

    const longest = `#${"r".repeat(63)}`;
    assert.deepEqual(await ask(alice, `/join ${longest}`, (line) => line.startsWith("- You joined")), [
      `- You joined ${longest} (1 user online); it is now your current room.`,
    ]);
  });

  it("says when a command changes nothing, and refuses arguments it would otherwise ignore", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    assert.deepEqual(await ask(alice, "/nick alice", (line) => line.startsWith("- You are")), [
      "- You are already known as alice.",
    ]);
    assert.deepEqual(await ask(alice, "/join #lobby", (line) => line.startsWith("- You")), [
      "- You are already in #lobby; it is now your current room.",
    ]);
    assert.deepEqual(await ask(alice, "/join #a #b", isError), ["! Usage: /join #room [KEY]"]);
    assert.deepEqual(await ask(alice, "/who lobby", isError), ["! Usage: /who [#room]"]);
    assert.deepEqual(await ask(alice, "/who #lobby extra", isError), ["! Usage: /who [#room]"]);
    assert.deepEqual(await ask(alice, "/who", (line) => line.startsWith("- #")), ["- #lobby (1 user online): alice"]);
  });

  it("caps the rooms one user may be in", async (t) => {
    const { connect } = await startChat(t, { maxRoomsPerUser: 3 });
    const alice = await connect("alice");
    await ask(alice, "/join #a", (line) => line.startsWith("- You joined #a"));
    await ask(alice, "/join #b", (line) => line.startsWith("- You joined #b"));
    assert.deepEqual(await ask(alice, "/join #c", isError), [
      "! You are in 3 rooms, the most allowed: /part one first.",
    ]);
    assert.deepEqual(await ask(alice, "/who #c", isError), ["! There is no room #c."]);
    // The refused join left the current room alone.
    assert.deepEqual(await ask(alice, "/who", (line) => line.startsWith("- #")), ["- #b (1 user online): @alice"]);
    await ask(alice, "/part #a", "- You left #a.");
    assert.deepEqual(await ask(alice, "/join #c", (line) => line.startsWith("- You joined")), [
      "- You joined #c (1 user online); it is now your current room.",
    ]);
  });
});

describe("direct messages, actions and quitting", () => {
  it("/msg reaches only the named user; a message to nobody is an error", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");

    assert.deepEqual(await ask(alice, "/msg bob psst, bob", "[you -> bob] psst, bob"), ["[you -> bob] psst, bob"]);
    await bob.waitFor("[alice -> you] psst, bob");
    await ask(alice, "/msg BOB again", "[you -> bob] again");
    await bob.waitFor("[alice -> you] again");
    assert.deepEqual(await ask(alice, "/msg nobody hello?", isError), ["! Nobody is called nobody."]);
    assert.deepEqual(await ask(alice, "/msg bob", isError), ["! Usage: /msg NAME TEXT"]);

    alice.send("marker\n");
    await carol.waitFor("[alice] marker");
    assert.deepEqual(carol.lines, [
      "> Connected to the chat server (3 users online)",
      "- You are now known as carol.",
      "[alice] marker",
    ]);
    assert.equal(
      bob.lines.some((line) => line.includes("nobody") || line.includes("Usage")),
      false,
    );
  });

  it("/msg reaches a guest by the name others see it under, IP:PORT or guest name", async (t) => {
    const { connect } = await startChat(t);
    const guest = await connect();
    const bob = await connect("bob");
    const sent = `[you -> ${guest.address}] hello, guest`;
    assert.deepEqual(await ask(bob, `/msg ${guest.address} hello, guest`, sent), [sent]);
    await guest.waitFor("[bob -> you] hello, guest");
    await ask(guest, "/msg bob hello, bob", "[you -> bob] hello, bob");
    await bob.waitFor(`[${guest.address} -> you] hello, bob`);
    const conversation = await ask(bob, `/history ${guest.address}`, isHistoryEnd);
    assert.equal(conversation[0], `- History with ${guest.address}:`);
    // Once the guest has a name, the address no longer names anyone.
    await ask(guest, "/nick gus", "- You are now known as gus.");
    assert.deepEqual(await ask(bob, `/msg ${guest.address} still there?`, isError), [
      `! Nobody is called ${guest.address}.`,
    ]);

    const hidden = await startChat(t, { hideAddresses: true });
    const ann = await hidden.connect("ann");
    const anonymous = await hidden.connect();
    const entered = await ann.waitFor((line) => line.startsWith("> New user "));
    const shown = /^> New user (guest-\S+) entered\./.exec(entered)?.[1] as string;
    await ask(ann, `/msg ${shown} hi`, `[you -> ${shown}] hi`);
    await anonymous.waitFor("[ann -> you] hi");
  });

  it("/me shows an action to the room", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send("/me waves\n");
    await bob.waitFor("* alice waves");
    assert.deepEqual(await ask(alice, "/me", isError), ["! Usage: /me ACTION"]);
  });

  it('a line starting with "//" is a message that starts with "/"', async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send("//shrug is not a command\n");
    await bob.waitFor("[alice] /shrug is not a command");
    await ask(alice, "/who", (line) => line.startsWith("- #lobby"));
    assert.equal(
      alice.lines.some((line) => line.startsWith("! ")),
      false,
    );
  });

  it("/quit tells the others why and closes the connection", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    const bob = await connect("bob");
    const carol = await connect("carol");
    alice.send("/quit bye\n");
    await bob.waitFor("< The user alice left: bye. (2 users online)");
    await alice.waitForClose();
    bob.send("/quit\n");
    await carol.waitFor("< The user bob left. (1 user online)");
    await bob.waitForClose();
    assert.equal(carol.isClosed, false);
  });
});

describe("pacing", () => {
  // The defaults, spelled out: these tests are about them.
  const defaultPacing = { commandsPerSecond: 5, commandBurst: 10 };

  it("delays lines past the burst instead of dropping them, and keeps their order", async (t) => {
    const { connect } = await startChat(t, defaultPacing);
    const sender = await connect();
    const receiver = await connect();
    const texts = Array.from({ length: 12 }, (_, i) => `quick ${i + 1}`);
    const sentAt = Date.now();
    sender.send(texts.map((text) => `${text}\n`).join(""));
    await receiver.waitFor(`[${sender.address}] quick 12`);
    const elapsed = Date.now() - sentAt;
    assert.deepEqual(
      receiver.lines.filter((line) => line.startsWith(`[${sender.address}] `)),
      texts.map((text) => `[${sender.address}] ${text}`),
    );
    // Two lines past a burst of 10 at 5 a second: at least ~400 ms.
    assert.ok(elapsed >= 300, `the last line came after ${elapsed} ms`);
    assert.equal(sender.lines.some(isError), false);
  });

  it("tells a sender once a stretch that their lines are held back, and how fast they go", async (t) => {
    const { connect } = await startChat(t, { commandsPerSecond: 50, commandBurst: 10 });
    const sender = await connect();
    const receiver = await connect();
    const isNotice = (line: string): boolean => line.startsWith("- Slow down:");
    const sendBurst = async (label: string): Promise<void> => {
      const texts = Array.from({ length: 40 }, (_, i) => `${label} ${i + 1}`);
      sender.send(texts.map((text) => `${text}\n`).join(""));
      await receiver.waitFor(`[${sender.address}] ${label} 40`);
      assert.deepEqual(
        receiver.lines.filter((line) => line.startsWith(`[${sender.address}] ${label} `)),
        texts.map((text) => `[${sender.address}] ${text}`),
      );
    };

    await sendBurst("first");
    const notices = sender.lines.filter(isNotice);
    assert.equal(notices.length, 1, sender.lines.join("\n"));
    assert.match(notices[0], /^- Slow down: your lines are held back and go out at 50 a second \(\d+ waiting\)\.$/);
    // Pacing that resumes within a quarter of a second of ending is the same stretch; this one starts anew.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await sendBurst("second");
    assert.equal(sender.lines.filter(isNotice).length, 2, sender.lines.join("\n"));
    assert.equal(sender.lines.some(isError), false);
  });

  it("paces searches as a burst of lines each: answered in order, later ones delayed, none refused", async (t) => {
    // 50 lines a second after a burst of 10: a search costs the whole burst, 200 ms of pacing.
    const { connect } = await startChat(t, { commandsPerSecond: 50, commandBurst: 10 });
    const alice = await connect("alice");
    const bob = await connect("bob");
    alice.send("kiwi time\n");
    await bob.waitFor("[alice] kiwi time");
    const sentAt = Date.now();
    // However the command is spelled, it costs what a search costs.
    bob.send("/search kiwi\n/ search kiwi\n/SEARCH kiwi\nafter the searches\n");
    await alice.waitFor("[bob] after the searches");
    const elapsed = Date.now() - sentAt;
    const titles = bob.lines.filter((line) => line.startsWith("- 1 result"));
    assert.deepEqual(titles, Array(3).fill('- 1 result for "kiwi", newest first:'));
    // The second and third searches wait for the bucket to refill: 2 x 200 ms.
    assert.ok(elapsed >= 300, `the line after three searches came after ${elapsed} ms`);
    assert.equal(bob.lines.some(isError), false);
  });

  it("cuts off a steady flood that never piles up lines on the server, once it has been slowed too long", async (t) => {
    // 50 lines a second after a burst of 10; 20 lines' worth of pacing (400 ms) without a break is a flood.
    const { connect } = await startChat(t, { commandsPerSecond: 50, commandBurst: 10, maxPacedLines: 20 });
    const watcher = await connect();
    const flooder = await connect();
    // Twice the allowed rate, a line at a time: the server reads it slower than it comes, and never holds 20.
    let sent = 0;
    const writer = setInterval(() => flooder.send(`steady ${sent++}\n`), 10);
    t.after(() => clearInterval(writer));
    await flooder.waitFor("! Excess flood: you sent too much too fast, and were disconnected.");
    clearInterval(writer);
    await watcher.waitFor(`< The user ${flooder.address} left: Excess flood. (1 user online)`);
    const relayed = watcher.lines.filter((line) => line.startsWith(`[${flooder.address}] `));
    assert.deepEqual(
      relayed,
      relayed.map((_, i) => `[${flooder.address}] steady ${i}`),
    );
  });

  it("cuts off a steady flood of searches, though each waits its turn and few pile up", async (t) => {
    // 5 lines a second: a search (10) every 2 s. Six lines' worth (1.2 s) of pacing without a break is a flood;
    // a search every 500 ms never piles up six, and each wait is longer than a pause between people's lines.
    const { connect } = await startChat(t, { commandsPerSecond: 5, commandBurst: 10, maxPacedLines: 6 });
    const watcher = await connect();
    const flooder = await connect();
    const writer = setInterval(() => flooder.send("/search anything\n"), 500);
    t.after(() => clearInterval(writer));
    // The limit is never under two of the costliest waits (4 s here), so this takes a few seconds.
    await flooder.waitFor("! Excess flood: you sent too much too fast, and were disconnected.", 15_000);
    clearInterval(writer);
    await watcher.waitFor(`< The user ${flooder.address} left: Excess flood. (1 user online)`);
  });

  it("relays every line a client sent before closing, at the usual pace, then says it left", async (t) => {
    const { connect } = await startChat(t, { commandsPerSecond: 50, commandBurst: 10 });
    const watcher = await connect();
    const sender = await connect();
    const sentAt = Date.now();
    sender.socket.end(Array.from({ length: 25 }, (_, i) => `last words ${i}\n`).join(""));
    const left = `< The user ${sender.address} left. (1 user online)`;
    await watcher.waitFor(left);
    const relayed = watcher.lines.filter((line) => line.startsWith(`[${sender.address}] `));
    assert.deepEqual(
      relayed,
      Array.from({ length: 25 }, (_, i) => `[${sender.address}] last words ${i}`),
    );
    assert.ok(watcher.lines.indexOf(left) > watcher.lines.indexOf(`[${sender.address}] last words 24`));
    // 15 lines past a burst of 10, at 50 a second: at least 300 ms.
    assert.ok(Date.now() - sentAt >= 250, "the lines kept their pace");
  });

  it("carries out what a client sent before closing even behind a slow command", async (t) => {
    const { connect } = await startChat(t);
    const watcher = await connect();
    const sender = await connect();
    // /register waits on a password hash; the line after it must still be said.
    sender.socket.end("/nick bobby\n/register secretpass1\nafter register\n");
    await watcher.waitFor("< The user bobby left. (1 user online)");
    assert.ok(watcher.lines.includes("[bobby] after register"), watcher.lines.join("\n"));
    assert.ok(
      watcher.lines.indexOf("[bobby] after register") < watcher.lines.indexOf("< The user bobby left. (1 user online)"),
    );
  });

  it("at shutdown, a client that closed with lines still paced leaves like everyone else", async () => {
    const server = await startTestServer({ commandsPerSecond: 5, commandBurst: 10 });
    let stopped = false;
    try {
      const watcher = await LineClient.join(server.port);
      const sender = await LineClient.join(server.port);
      sender.socket.end(Array.from({ length: 30 }, (_, i) => `never mind ${i}\n`).join(""));
      await watcher.waitFor(`[${sender.address}] never mind 9`);
      await server.stop();
      stopped = true;
      assert.equal(server.hub.sessionCount, 0);
      assert.equal(
        watcher.lines.some((line) => line.endsWith("never mind 29")),
        false,
      );
    } finally {
      if (!stopped) await server.stop();
    }
  });

  it("disconnects a flood of 1,000 lines while a bystander keeps being served", async (t) => {
    const { connect } = await startChat(t, defaultPacing);
    const bystander = await connect();
    const watcher = await connect();
    const flooder = await connect();
    await watcher.waitFor(`> New user ${flooder.address} entered. (3 users online)`);
    flooder.send(Array.from({ length: 1000 }, (_, i) => `flood ${i}\n`).join(""));

    await flooder.waitFor("! Excess flood: you sent too much too fast, and were disconnected.");
    await flooder.waitForClose();
    await watcher.waitFor(`< The user ${flooder.address} left: Excess flood. (2 users online)`);
    bystander.send("still here\n");
    await watcher.waitFor(`[${bystander.address}] still here`);

    const relayed = watcher.lines.filter((line) => line.startsWith(`[${flooder.address}] `));
    assert.ok(relayed.length <= 11, `${relayed.length} flood lines were relayed`);
    assert.deepEqual(
      relayed,
      relayed.map((_, i) => `[${flooder.address}] flood ${i}`),
    );
    assert.equal(bystander.isClosed, false);
  });
});
