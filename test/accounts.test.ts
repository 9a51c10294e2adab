import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ask, historyBlock, isHistoryEnd, startChat, withoutTime } from "./helpers/chat-fixture.js";
import { LineClient } from "./helpers/line-client.js";
import { makeDataDir, PARLEY_BIN } from "./helpers/server.js";

const isError = (line: string): boolean => line.startsWith("! ");
const isLoggedIn = (line: string): boolean => line.startsWith("- Logged in as ");
const END = isHistoryEnd;
const AWAY = "- While you were away:";
/** Wrong passwords for one account are answered later and later, up to 4 s: waits for them allow for it. */
const SLOWED_MS = 20_000;
/** A catch-up's last line when it leaves older entries out: how many, and the request that shows them. */
const OLDER_MISSED = /^- End of history; (\d+) older: \/history \* \d+ before [0-9a-z]{16} after [0-9a-z]{9,16}$/;

/** Takes `name` with /nick and registers it with `password`. */
async function register(client: LineClient, name: string, password = "password1"): Promise<void> {
  await ask(client, `/nick ${name}`, `- You are now known as ${name}.`);
  await ask(client, `/register ${password}`, (line) => line.startsWith(`- The name ${name} is now yours.`));
}

describe("registering a name", () => {
  it("/register needs a name first", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    assert.deepEqual(await ask(alice, "/register password1", isError), ["! Choose a name with /nick NAME first."]);
    assert.deepEqual(await ask(alice, "/register", isError), ["! Usage: /register PASSWORD"]);
  });

  it("/register makes the name yours; a short password is refused", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect("alice");
    assert.deepEqual(await ask(alice, "/register short", isError), ["! Passwords need at least 8 characters."]);
    assert.deepEqual(await ask(alice, "/register password1", (line) => line.startsWith("- The name")), [
      "- The name alice is now yours. Next time: /login alice PASSWORD",
    ]);
    assert.deepEqual(await ask(alice, "/register password2", isError), [
      "! You are logged in as alice: /logout first.",
    ]);
  });

  it("refuses a registered name to anyone else, however it is spelled", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    await register(alice, "alice");
    const bob = await connect("bob");
    alice.send("/quit\n");
    await bob.waitFor("< The user alice left. (1 user online)");
    for (const name of ["alice", "ALICE", "\u0430lice"]) {
      assert.deepEqual(await ask(bob, `/nick ${name}`, (line) => isError(line) || line.startsWith("- You are")), [
        `! The name ${name} is registered: /login ${name} PASSWORD to use it.`,
      ]);
    }
    assert.deepEqual(await ask(bob, "/who", (line) => line.startsWith("- #lobby")), ["- #lobby (1 user online): bob"]);
  });
});

describe("logging in", () => {
  it("/login refuses a wrong password, then with the right one takes the name", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    await register(alice, "alice");
    const watcher = await connect("watcher");
    alice.send("/quit\n");
    await watcher.waitFor("< The user alice left. (1 user online)");
    const back = await connect();

    assert.deepEqual(await ask(back, "/login alice wrongpass", isError), ["! Wrong name or password."]);
    assert.deepEqual(await ask(back, "/login nobody password1", isError), ["! Wrong name or password."]);
    assert.deepEqual(await ask(back, "/login alice", isError), ["! Usage: /login NAME PASSWORD"]);
    assert.deepEqual(await ask(back, "/login ALICE password1", isLoggedIn), [
      "- Logged in as alice. Your rooms: #lobby.",
    ]);
    await watcher.waitFor(`> ${back.address} is now known as alice.`);
    assert.deepEqual(await ask(watcher, "/who", (line) => line.startsWith("- #lobby")), [
      "- #lobby (2 users online): alice, watcher",
    ]);
    assert.deepEqual(await ask(back, "/login alice password1", isError), [
      "! You are logged in as alice: /logout first.",
    ]);
    back.send("hello as alice\n");
    await watcher.waitFor("[alice] hello as alice");
  });

  it("throttles repeated wrong passwords, for that account from that address", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    await register(alice, "alice");
    const bob = await connect();
    await register(bob, "bob");
    alice.send("/quit\n");
    bob.send("/quit\n");

    // At once, from five connections: each wrong answer comes later than the one before.
    const guessers = await Promise.all(Array.from({ length: 5 }, () => connect()));
    const answers = await Promise.all(
      guessers.map((guesser, attempt) => ask(guesser, `/login alice guess${attempt}xxx`, isError, SLOWED_MS)),
    );
    assert.deepEqual(answers.flat(), Array(5).fill("! Wrong name or password."));
    const guesser = guessers[0];
    const throttled = await ask(guesser, "/login alice guess6xxx", isError);
    assert.equal(throttled.length, 1);
    assert.match(throttled[0], /^! Too many login attempts: try again in \d+ s\.$/);
    // Not even the right password gets through while throttled.
    assert.match((await ask(guesser, "/login alice password1", isError))[0], /^! Too many login attempts/);
    // Another account is not held back by guesses at this one.
    assert.deepEqual(await ask(guesser, "/login bob password1", isLoggedIn), [
      "- Logged in as bob. Your rooms: #lobby.",
    ]);
  });

  it("an owner logs in from another address right after someone guessed wrong twenty times", async (t) => {
    const { server, connect } = await startChat(t);
    const from = async (localAddress: string): Promise<LineClient> => {
      const client = await LineClient.join(server.port, "127.0.0.1", { localAddress });
      t.after(() => client.socket.destroy());
      return client;
    };
    const owner = await connect();
    await register(owner, "alice");
    owner.send("/quit\n");
    await owner.waitForClose();

    const attackers = await Promise.all(Array.from({ length: 20 }, () => from("127.0.0.2")));
    const answers = await Promise.all(
      attackers.map((attacker, attempt) => ask(attacker, `/login alice guess${attempt}xxx`, isError, SLOWED_MS)),
    );
    const refused = answers.flat().filter((line) => /^! Too many login attempts: try again in \d+ s\.$/.test(line));
    assert.equal(answers.flat().filter((line) => line === "! Wrong name or password.").length, 5);
    assert.equal(refused.length, 15, "the guesser is throttled");
    assert.match((await ask(attackers[0], "/login alice password1", isError))[0], /^! Too many login attempts/);

    const back = await from("127.0.0.3");
    assert.deepEqual(await ask(back, "/login alice password1", isLoggedIn), [
      "- Logged in as alice. Your rooms: #lobby.",
    ]);
  });

  it("throttles one address guessing at many accounts", async (t) => {
    const { server } = await startChat(t);
    const from = async (localAddress: string): Promise<LineClient> => {
      const client = await LineClient.join(server.port, "127.0.0.1", { localAddress });
      t.after(() => client.socket.destroy());
      return client;
    };
    const guessers = await Promise.all(Array.from({ length: 10 }, () => from("127.0.0.4")));
    const answers = await Promise.all(guessers.map((guesser, i) => ask(guesser, `/login user${i} password1`, isError)));
    assert.deepEqual(answers.flat(), Array(10).fill("! Wrong name or password."));
    assert.match((await ask(guessers[0], "/login someone password1", isError))[0], /^! Too many login attempts/);
    // Another address is not held back.
    const other = await from("127.0.0.5");
    assert.deepEqual(await ask(other, "/login someone password1", isError), ["! Wrong name or password."]);
  });

  it("a direct message to a registered user who is away says they will see it on logging in", async (t) => {
    const { connect } = await startChat(t);
    const hank = await connect();
    await register(hank, "hank");
    const ivy = await connect("ivy");
    hank.send("/quit\n");
    await ivy.waitFor("< The user hank left. (1 user online)");
    const note = "- hank is not online, and will see it on logging in.";
    assert.deepEqual(await ask(ivy, "/msg hank see you later", note), ["[you -> hank] see you later", note]);

    const back = await connect();
    const reply = await ask(back, "/login hank password1", END);
    assert.deepEqual(historyBlock(reply, AWAY).map(withoutTime), ["[ivy -> you] see you later"]);
    // To someone online, no such note (the /who answer comes after any note would have).
    await ask(ivy, "/msg hank welcome back", "[you -> hank] welcome back");
    await ask(ivy, "/who", (line) => line.startsWith("- #lobby"));
    assert.equal(ivy.lines.filter((line) => line.includes("is not online")).length, 1);
  });

  it("an account logged in twice sees the direct messages it sends as sent, in both sessions", async (t) => {
    const { connect } = await startChat(t);
    const first = await connect();
    await register(first, "hank");
    const second = await connect();
    await ask(second, "/login hank password1", isLoggedIn);
    const ivy = await connect("ivy");

    await ask(first, "/msg ivy from the first", "[you -> ivy] from the first");
    await ivy.waitFor("[hank -> you] from the first");
    await second.waitFor("[you -> ivy] from the first");
    await ask(ivy, "/msg hank to both", "[you -> hank] to both");
    await first.waitFor("[ivy -> you] to both");
    await second.waitFor("[ivy -> you] to both");
    assert.equal(
      second.lines.some((line) => line.includes("from the first") && line.includes("-> you]")),
      false,
    );
  });
});

describe("catching up after a login", () => {
  /**
   * alice registers, joins #rust and leaves; bob stays in #rust. Returns bob, ready to
   * send what alice will miss, and a way to bring alice back.
   */
  async function aliceAway(t: Parameters<typeof startChat>[0], overrides: Parameters<typeof startChat>[1] = {}) {
    const chat = await startChat(t, overrides);
    const alice = await chat.connect();
    await register(alice, "alice");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    const bob = await chat.connect("bob");
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    alice.send("/quit\n");
    await bob.waitFor("< The user alice left. (1 user online)");
    return { bob, connect: chat.connect };
  }

  it("shows exactly the missed messages and direct messages, in order, then live ones", async (t) => {
    const { bob, connect } = await aliceAway(t);
    bob.send(Array.from({ length: 30 }, (_, i) => `missed ${i + 1}\n`).join(""));
    await ask(bob, "/msg alice first dm", "[you -> alice] first dm");
    await ask(bob, "/msg alice second dm", "[you -> alice] second dm");

    const alice = await connect();
    const reply = await ask(alice, "/login alice password1", END);
    assert.deepEqual(reply.slice(0, 2), ["- Logged in as alice. Your rooms: #lobby, #rust.", AWAY]);
    assert.deepEqual(historyBlock(reply, AWAY).map(withoutTime), [
      ...Array.from({ length: 30 }, (_, i) => `#rust [bob] missed ${i + 1}`),
      "[bob -> you] first dm",
      "[bob -> you] second dm",
    ]);

    bob.send("live now\n");
    await alice.waitFor("#rust [bob] live now");
    await ask(bob, "/msg alice live dm", "[you -> alice] live dm");
    await alice.waitFor("[bob -> you] live dm");
    // Nothing twice: each missed message once, as history, never again live.
    for (let i = 1; i <= 30; i++) {
      assert.equal(alice.lines.filter((line) => line.endsWith(`[bob] missed ${i}`)).length, 1, `missed ${i}`);
    }
    assert.equal(alice.lines.filter((line) => line.includes("first dm")).length, 1);
    assert.equal(alice.lines.filter((line) => line.startsWith(AWAY)).length, 1);
  });

  it("loses and repeats nothing while messages keep coming during the login", async (t) => {
    // The stream runs for as long as the password check takes: all of it must fit in one replay.
    const { bob, connect } = await aliceAway(t, { missedReplayCap: 1_000_000 });
    let sent = 0;
    /** Five numbered lines, then a round trip, so the stream is steady rather than one burst. */
    const sendChunk = async (): Promise<void> => {
      let chunk = "";
      for (let i = 0; i < 5; i++) chunk += `n ${++sent}\n`;
      await ask(bob, `${chunk}/who #rust`, (line) => line.startsWith("- #rust"));
    };
    for (let i = 0; i < 10; i++) await sendChunk();

    const alice = await connect();
    let isLoggedInYet = false;
    const login = ask(alice, "/login alice password1", isLoggedIn).then(() => {
      isLoggedInYet = true;
    });
    while (!isLoggedInYet) await sendChunk();
    await login;
    for (let i = 0; i < 10; i++) await sendChunk();
    bob.send("done\n");
    await alice.waitFor("#rust [bob] done");

    const numbers = alice.lines.flatMap((line) => {
      const match = /^(?:~ \S+ \S+ )?#rust \[bob\] n (\d+)$/.exec(line);
      return match === null ? [] : [Number(match[1])];
    });
    assert.deepEqual(
      numbers,
      Array.from({ length: sent }, (_, i) => i + 1),
    );
  });

  it("a user who quits leaves at once, though the client keeps its side open, and misses nothing said after", async (t) => {
    // A grace period longer than any wait here: leaving must not wait for it to run out.
    const chat = await startChat(t, { shutdownGraceMs: 20_000 });
    const pat = await LineClient.join(chat.server.port, "127.0.0.1", { allowHalfOpen: true });
    t.after(() => pat.socket.destroy());
    await register(pat, "pat");
    const sam = await chat.connect("sam");

    pat.send("/quit\n");
    await sam.waitFor("< The user pat left. (1 user online)");
    assert.equal(pat.isClosed, false, "the client still holds the connection");
    sam.send("said while the client lingers\n");
    // Stored and sent out before anyone else arrives: /history answers only after that.
    await ask(sam, "/history #lobby 1", END);

    const back = await chat.connect();
    const reply = await ask(back, "/login pat password1", END);
    assert.deepEqual(historyBlock(reply, AWAY).map(withoutTime), ["#lobby [sam] said while the client lingers"]);
    pat.socket.destroy();
  });

  it("replays to a reader cut off for falling behind what never reached it", async (t) => {
    const { server, connect } = await startChat(t, { sendQueueBytes: 64 * 1024, missedReplayCap: 100 });
    const alice = await connect();
    await register(alice, "alice");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    const bob = await connect("bob");
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    alice.socket.pause();

    // Enough to fill the kernel's buffers on both sides and then the server's queue.
    const count = 20_000;
    const padding = "p".repeat(380);
    for (let i = 0; i < count; i++) bob.send(`${i} ${padding}\n`);
    await bob.waitFor((line) => line.startsWith("< The user alice left."), 20_000);
    // Stored once bob's own history shows the last one.
    await ask(bob, "/history #rust 1", END, 20_000);
    // What reached alice's side before the cut-off, she still reads.
    alice.socket.resume();
    await alice.waitForClose(20_000);
    const numbersIn = (lines: readonly string[]): number[] =>
      lines.flatMap((line) => {
        const match = /\[bob\] (\d+) p+$/.exec(line);
        return match === null ? [] : [Number(match[1])];
      });
    const seen = numbersIn(alice.lines);
    assert.deepEqual(
      seen,
      Array.from({ length: seen.length }, (_, i) => i),
      "what alice read came in order",
    );
    assert.ok(seen.length < count, "alice was cut off before the end");

    const back = await connect();
    const reply = await ask(back, "/login alice password1", END, 20_000);
    const block = historyBlock(reply, AWAY);
    const older = OLDER_MISSED.exec(reply.at(-1) ?? "");
    assert.ok(older !== null, `no count of older messages: ${reply.at(-1)}`);
    // The newest ones, as many as fit in half the send queue.
    const shown = numbersIn(block);
    assert.ok(shown.length > 0 && shown.length <= 100);
    assert.deepEqual(
      shown,
      Array.from({ length: shown.length }, (_, i) => count - shown.length + i),
    );
    // No gap: what the login counts as missed begins at or before the first message alice never read.
    const firstMissed = count - shown.length - Number(older[1]);
    assert.ok(
      firstMissed <= seen.length,
      `missed from ${firstMissed} on, but alice read only up to ${seen.length - 1}`,
    );
    assert.equal(server.hub.sessionCount, 2);
  });

  it("a login from a client that closed at once leaves what the account missed for its next login", async (t) => {
    const { bob, connect } = await aliceAway(t);
    bob.send("missed 1\nmissed 2\n");
    await ask(bob, "/msg alice missed dm", "[you -> alice] missed dm");

    // A script piped into nc: its lines are carried out, but nobody reads the replay.
    const script = await connect();
    script.send("/login alice password1\nsaid as alice\n");
    script.socket.end();
    await bob.waitFor("#lobby [alice] said as alice");
    await bob.waitFor((line) => line.startsWith("< The user alice left."));

    const alice = await connect();
    const reply = await ask(alice, "/login alice password1", END);
    assert.deepEqual(historyBlock(reply, AWAY).map(withoutTime), [
      "#rust [bob] missed 1",
      "#rust [bob] missed 2",
      "[bob -> you] missed dm",
      "#lobby [alice] said as alice",
    ]);
  });

  it("counts nothing said after a client closed as seen, though its paced lines still go out", async (t) => {
    const { connect } = await startChat(t, { commandsPerSecond: 20, commandBurst: 5 });
    const alice = await connect();
    await register(alice, "alice");
    await ask(alice, "/join #rust", (line) => line.startsWith("- You joined #rust"));
    const bob = await connect("bob");
    await ask(bob, "/join #rust", (line) => line.startsWith("- You joined #rust"));

    alice.send(Array.from({ length: 20 }, (_, i) => `paced ${i + 1}\n`).join(""));
    alice.socket.end();
    await bob.waitFor("[alice] paced 10");
    bob.send("said after alice closed\n");
    await bob.waitFor((line) => line.startsWith("< The user alice left."));
    assert.ok(bob.lines.includes("[alice] paced 20"), "every paced line went out first");

    const back = await connect();
    const reply = await ask(back, "/login alice password1", END);
    // Her own lines that went out after she closed are there too, in their place.
    const missed = historyBlock(reply, AWAY).map(withoutTime);
    assert.ok(missed.includes("#rust [bob] said after alice closed"), missed.join("\n"));
    assert.equal(new Set(missed).size, missed.length);
  });

  it("a second login does not replay what the account's session online already showed", async (t) => {
    const { bob, connect } = await aliceAway(t);
    const first = await connect();
    await ask(first, "/login alice password1", isLoggedIn);
    bob.send("seen live by the first session\n");
    await first.waitFor("#rust [bob] seen live by the first session");

    const second = await connect();
    await ask(second, "/login alice password1", isLoggedIn);
    bob.send("marker\n");
    await second.waitFor("#rust [bob] marker");
    assert.equal(second.lines.filter((line) => line.includes("seen live by the first session")).length, 0);
    assert.equal(second.lines.filter((line) => line.startsWith(AWAY)).length, 0);
  });

  it("with two sessions in different rooms, what one session's room said after it left is replayed", async (t) => {
    const { bob, connect } = await aliceAway(t);
    const first = await connect();
    await ask(first, "/login alice password1", isLoggedIn);
    const second = await connect();
    await ask(second, "/login alice password1", isLoggedIn);
    await ask(first, "/join #only-first", (line) => line.startsWith("- You joined #only-first"));
    await ask(bob, "/join #only-first", (line) => line.startsWith("- You joined #only-first"));
    first.send("/quit\n");
    // bob's current room is #only-first: its lines come without the room's name.
    await bob.waitFor("< The user alice left. (1 user online)");
    bob.send("said after the first session left\n");
    await ask(bob, "/history #only-first 1", END);
    second.send("/quit\n");
    await bob.waitFor("#rust < The user alice left. (1 user online)");

    const back = await connect();
    const reply = await ask(back, "/login alice password1", END);
    const missed = historyBlock(reply, AWAY).map(withoutTime);
    assert.ok(missed.includes("#only-first [bob] said after the first session left"), missed.join("\n"));
  });

  it("keeps the rooms joined before logging in as the account's", async (t) => {
    const { connect } = await aliceAway(t);
    const first = await connect();
    await ask(first, "/join #before", (line) => line.startsWith("- You joined #before"));
    await ask(first, "/login alice password1", isLoggedIn);
    first.send("/quit\n");
    await first.waitForClose();
    const again = await connect();
    assert.deepEqual(await ask(again, "/login alice password1", isLoggedIn), [
      "- Logged in as alice. Your rooms: #lobby, #before, #rust.",
    ]);
  });

  it("a login from a client that closed with lines still paced leaves what the account missed", async (t) => {
    const { bob, connect } = await aliceAway(t, { commandsPerSecond: 20, commandBurst: 5 });
    bob.send("missed 1\n");
    await ask(bob, "/history #rust 1", END);
    const script = await connect();
    const guestLines = Array.from({ length: 8 }, (_, i) => `guest line ${i}\n`).join("");
    // Lines after the login keep it paced for longer than the password check takes.
    const afterLines = Array.from({ length: 10 }, (_, i) => `after ${i}\n`).join("");
    script.send(`${guestLines}/login alice password1\n${afterLines}said as alice\n`);
    script.socket.end();
    await bob.waitFor("#lobby [alice] said as alice");
    await bob.waitFor((line) => line.startsWith("< The user alice left."));

    const alice = await connect();
    const reply = await ask(alice, "/login alice password1", END);
    assert.ok(historyBlock(reply, AWAY).map(withoutTime).includes("#rust [bob] missed 1"));
  });

  it("a phone that comes and goes beside a desktop in the same rooms is not replayed what the desktop showed", async (t) => {
    const { bob, connect } = await aliceAway(t);
    const desktop = await connect();
    await ask(desktop, "/login alice password1", isLoggedIn);
    let phone = await connect();
    await ask(phone, "/login alice password1", isLoggedIn);
    phone.send("/quit\n");
    await phone.waitForClose();
    bob.send("said while the phone was away\n");
    await desktop.waitFor("#rust [bob] said while the phone was away");

    const replayedPerLogin: number[] = [];
    for (let login = 0; login < 3; login++) {
      phone = await connect();
      await ask(phone, "/login alice password1", isLoggedIn);
      // Commands run in order: the answer to /who comes after any replay.
      await ask(phone, "/who #rust", (line) => line.startsWith("- #rust"));
      replayedPerLogin.push(phone.lines.filter((line) => line.endsWith("[bob] said while the phone was away")).length);
      // Leaving by /quit and by closing the socket alike.
      if (login % 2 === 0) phone.send("/quit\n");
      else phone.socket.end();
      await phone.waitForClose();
    }
    assert.deepEqual(replayedPerLogin, [0, 0, 0]);
  });

  it("keeps a catch-up within the send queue, newest kept, so logging in never cuts the user off", async (t) => {
    const { bob, connect } = await aliceAway(t, { sendQueueBytes: 64 * 1024 });
    const padding = "m".repeat(600);
    bob.send(Array.from({ length: 300 }, (_, i) => `missed ${i} ${padding}\n`).join(""));
    await ask(bob, "/history #rust 1", END, 10_000);

    const alice = await connect();
    const reply = await ask(alice, "/login alice password1", END, 10_000);
    const block = historyBlock(reply, AWAY);
    const older = OLDER_MISSED.exec(reply.at(-1) ?? "");
    assert.ok(older !== null, reply.at(-1));
    const shownCount = block.length;
    assert.ok(shownCount > 0 && shownCount * 600 < 32 * 1024, `${shownCount} lines shown`);
    assert.equal(Number(older[1]) + shownCount, 300);
    assert.equal(withoutTime(block.at(-1) ?? ""), `#rust [bob] missed 299 ${padding}`);
    await ask(alice, "/who #rust", "- #rust (2 users online): @alice, bob");
  });

  it("a catch-up that a reset may have thrown away is shown again at the next login", async (t) => {
    const { bob, connect } = await aliceAway(t);
    bob.send("missed before the reset\n");
    await ask(bob, "/history #rust 1", END);
    const first = await connect();
    const reply = await ask(first, "/login alice password1", END);
    assert.deepEqual(historyBlock(reply, AWAY).map(withoutTime), ["#rust [bob] missed before the reset"]);
    await first.reset();
    await bob.waitFor((line) => line.startsWith("< The user alice left."));

    const again = await connect();
    const replayed = historyBlock(await ask(again, "/login alice password1", END), AWAY).map(withoutTime);
    assert.ok(replayed.includes("#rust [bob] missed before the reset"), replayed.join("\n"));
  });

  it("does not replay what a user already saw before logging in", async (t) => {
    const { bob, connect } = await aliceAway(t);
    const alice = await connect();
    await ask(bob, "/join #lobby", "- You are already in #lobby; it is now your current room.");
    bob.send("seen live before login\n");
    await alice.waitFor("[bob] seen live before login");
    await ask(alice, "/login alice password1", isLoggedIn);
    bob.send("marker\n");
    await alice.waitFor("[bob] marker");
    assert.equal(alice.lines.filter((line) => line.includes("seen live before login")).length, 1);
  });

  it("with missedReplayCap, shows the newest missed messages and how many more /history can show", async (t) => {
    const { bob, connect } = await aliceAway(t, { missedReplayCap: 10 });
    bob.send(Array.from({ length: 30 }, (_, i) => `missed ${i + 1}\n`).join(""));
    // The reply comes after this turn's messages are stored.
    await ask(bob, "/who #rust", (line) => line.startsWith("- #rust"));

    const alice = await connect();
    const reply = await ask(alice, "/login alice password1", END);
    assert.deepEqual(reply.slice(0, 2), ["- Logged in as alice. Your rooms: #lobby, #rust.", AWAY]);
    assert.deepEqual(
      historyBlock(reply, AWAY).map(withoutTime),
      Array.from({ length: 10 }, (_, i) => `#rust [bob] missed ${i + 21}`),
    );
    assert.equal(OLDER_MISSED.exec(reply.at(-1) ?? "")?.[1], "20", reply.at(-1));
  });

  it("with missedReplayCap, the replay ends with the newest missed message and /history has the rest", async (t) => {
    const { bob, connect } = await aliceAway(t, { missedReplayCap: 10 });
    bob.send(Array.from({ length: 30 }, (_, i) => `missed ${i + 1}\n`).join(""));
    await ask(bob, "/who #rust", (line) => line.startsWith("- #rust"));

    const alice = await connect();
    const reply = await ask(alice, "/login alice password1", END);
    assert.deepEqual(reply.slice(0, 2), ["- Logged in as alice. Your rooms: #lobby, #rust.", AWAY]);
    const block = historyBlock(reply, AWAY);
    assert.match(reply.at(-1) ?? "", OLDER_MISSED);
    const numbers = block.map((line) => Number(/^#rust \[bob\] missed (\d+)$/.exec(withoutTime(line))?.[1]));
    assert.ok(numbers.length > 0 && numbers.length <= 10, block.join("\n"));
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => 30 - numbers.length + 1 + i),
    );
    const older = await ask(alice, "/history #rust 40", END);
    const all = historyBlock(older, "- History of #rust:").map(withoutTime);
    for (let i = 1; i <= 30; i++) assert.ok(all.includes(`#rust [bob] missed ${i}`), `missed ${i}`);
  });
});

describe("logging out", () => {
  it("/logout releases the name: the session is anonymous again and the name can be logged in to elsewhere", async (t) => {
    const { connect } = await startChat(t);
    const alice = await connect();
    await register(alice, "alice");
    const bob = await connect("bob");

    assert.deepEqual(await ask(alice, "/logout", (line) => line.startsWith("- Logged out")), [
      "- Logged out of alice.",
    ]);
    await bob.waitFor(`> alice is now known as ${alice.address}.`);
    assert.deepEqual(await ask(alice, "/logout", isError), ["! You are not logged in."]);
    assert.deepEqual(await ask(alice, "/who", (line) => line.startsWith("- #lobby")), [
      `- #lobby (2 users online): ${alice.address}, bob`,
    ]);
    // The name is the account's, not this session's, any more.
    assert.deepEqual(await ask(alice, "/nick alice", isError), [
      "! The name alice is registered: /login alice PASSWORD to use it.",
    ]);
    await ask(bob, "/msg alice after the logout", "[you -> alice] after the logout");
    bob.send("marker\n");
    await alice.waitFor("[bob] marker");
    assert.equal(
      alice.lines.some((line) => line.includes("after the logout")),
      false,
    );

    const elsewhere = await connect();
    const reply = await ask(elsewhere, "/login alice password1", END);
    assert.equal(reply[0], "- Logged in as alice. Your rooms: #lobby.");
    // What the account missed since the logout: the direct message, and the lobby line this new session did not see.
    assert.deepEqual(historyBlock(reply, AWAY).map(withoutTime), [
      "[bob -> you] after the logout",
      "#lobby [bob] marker",
    ]);
    await bob.waitFor(`> ${elsewhere.address} is now known as alice.`);
  });
});

describe("start-up", () => {
  it("fails on a corrupt data directory with one line naming the file, and exit code 1", (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const file = join(dataDir, "parley.db");
    writeFileSync(file, Buffer.alloc(16 * 1024, "these bytes are not an SQLite database; "));
    const result = spawnSync(
      process.execPath,
      [PARLEY_BIN, "server", "127.0.0.1", "0", "--irc-port", "0", "--http-port", "0", "--data-dir", dataDir],
      {
        encoding: "utf8",
        timeout: 10_000,
      },
    );
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stderr, `parley: cannot open the history database ${file}: file is not a database\n`);
    assert.equal(result.stdout, "");
  });
});
