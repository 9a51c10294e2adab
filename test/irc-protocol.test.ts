import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { commandOf, IrcRawClient, isCommand, parseReceived } from "./helpers/irc-raw-client.js";
import { LineClient } from "./helpers/line-client.js";
import { ircPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { connectStalledReader } from "./helpers/stalled-reader.js";

/** Opens a raw IRC client that has not registered. */
function openIrc(server: TestServer): Promise<IrcRawClient> {
  return IrcRawClient.open(ircPortOf(server));
}

/** A registered IRC client in `room`, its own JOIN and NAMES seen. */
async function ircInRoom(server: TestServer, nick: string, room = "#lobby"): Promise<IrcRawClient> {
  const client = await IrcRawClient.connect(ircPortOf(server), nick);
  const from = client.lineCount;
  client.send(`JOIN ${room}`);
  await client.waitForCommand("366", undefined, from);
  return client;
}

/** A line-protocol user named `name`, in the default room (#lobby). */
async function lineUser(server: TestServer, name: string): Promise<LineClient> {
  const client = await LineClient.join(server.port);
  client.send(`/nick ${name}\n`);
  await client.waitFor(`- You are now known as ${name}.`);
  return client;
}

/**
 * Proves nothing was relayed before a marker: `speaker` says `marker` in #lobby, and the
 * first #lobby PRIVMSG the IRC observer gets after `from` must be it.
 */
async function assertNextMessageIs(observer: IrcRawClient, from: number, marker: string): Promise<void> {
  await observer.waitFor((line) => line.endsWith(marker), undefined, from);
  const relayed = observer.lines.slice(from).filter((line) => commandOf(line) === "PRIVMSG");
  assert.equal(relayed.length, 1, `only the marker was relayed, got:\n${relayed.join("\n")}`);
  assert.equal(parseReceived(relayed[0] as string).params[1], marker);
}

describe("IRC registration", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("CAP LS 302 holds registration until CAP END; REQ is ACKed; 001 comes after END", async () => {
    const client = await openIrc(server);
    try {
      client.send("CAP LS 302");
      client.send("NICK capper");
      client.send("USER capper 0 * :Cap Per");
      const listed = await client.waitFor(isCommand("CAP"));
      assert.match(listed, /CAP \* LS :.*\bserver-time\b/);
      client.send("CAP REQ :server-time echo-message");
      await client.waitFor(/ CAP capper ACK :?server-time echo-message$/);
      // The client sent CAP END only now: nothing of the welcome came before it.
      assert.equal(client.lines.filter((line) => commandOf(line) === "001").length, 0);
      const beforeEnd = client.lineCount;
      client.send("CAP END");
      await client.waitForCommand("001", undefined, beforeEnd);
      await client.waitForCommand("376", undefined, beforeEnd);
    } finally {
      await client.quit();
    }
  });

  test("USER before NICK registers as NICK before USER does", async () => {
    const client = await openIrc(server);
    try {
      client.send("USER backwards 0 * :Back Wards");
      client.send("NICK backwards");
      const welcome = await client.waitForCommand("001");
      assert.match(welcome, / 001 backwards :Welcome to the Parley Network, backwards!~backwards@/);
      // RPL_MYINFO: the user modes (+i, and +o after OPER), the channel modes, those with a parameter.
      const myInfo = await client.waitForCommand("004");
      assert.match(myInfo, / 004 backwards \S+ \S+ io beIiklmnostv beIklov$/);
    } finally {
      await client.quit();
    }
  });

  test("a command that needs registration gets 451 before it, and then works", async () => {
    const client = await openIrc(server);
    try {
      client.send("JOIN #lobby");
      client.send("PRIVMSG #lobby :too early");
      await client.waitFor(/ 451 \* :You have not registered$/);
      await client.waitFor((line) => client.lines.filter((l) => commandOf(l) === "451").length === 2 && line !== "");
      await client.register("latecomer");
      const from = client.lineCount;
      client.send("JOIN #lobby");
      await client.waitFor(/:latecomer!\S+ JOIN #lobby$/, undefined, from);
    } finally {
      await client.quit();
    }
  });

  test("an unknown command gets 421, a missing parameter 461, and the connection lives", async () => {
    const client = await IrcRawClient.connect(ircPortOf(server), "asker");
    try {
      const from = client.lineCount;
      client.send("FROBNICATE now");
      await client.waitFor(/ 421 asker FROBNICATE :Unknown command$/, undefined, from);
      client.send("JOIN");
      await client.waitFor(/ 461 asker JOIN :Not enough parameters$/, undefined, from);
      client.send("USER again 0 * :Again");
      await client.waitFor(/ 462 asker :You may not reregister$/, undefined, from);
      client.send("PING :still-here");
      await client.waitFor(/ PONG parley :?still-here$/, undefined, from);
    } finally {
      await client.quit();
    }
  });

  test("before registration, USER with too few parameters gets 461", async () => {
    const client = await openIrc(server);
    try {
      client.send("USER lonely");
      await client.waitFor(/ 461 \* USER :Not enough parameters$/);
    } finally {
      client.socket.destroy();
    }
  });

  test("PING is answered with PONG and its token, before registration and after", async () => {
    const client = await openIrc(server);
    try {
      client.send("PING :early-token");
      assert.deepEqual(parseReceived(await client.waitForCommand("PONG")).params, ["parley", "early-token"]);
      await client.register("pinger");
      const from = client.lineCount;
      client.send("PING late-token");
      const pong = await client.waitForCommand("PONG", undefined, from);
      assert.deepEqual(parseReceived(pong).params, ["parley", "late-token"]);
    } finally {
      await client.quit();
    }
  });

  test("irctest's unregistered `QUIT :chkport` probe gets ERROR and the close at once", async () => {
    const client = await openIrc(server);
    const startedAt = Date.now();
    client.send("QUIT :chkport");
    const error = await client.waitForCommand("ERROR");
    await client.waitForClose();
    assert.match(error, /^ERROR :Closing Link: /);
    // At once: not at the registration timeout, nor at the shutdown grace.
    assert.ok(Date.now() - startedAt < 2000, `closed after ${Date.now() - startedAt} ms`);
  });

  test("an HTTP request on the IRC port gets one line and the close", async () => {
    const client = await openIrc(server);
    client.sendRaw("GET / HTTP/1.1\r\nHost: localhost:6667\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n");
    await client.waitForClose();
    assert.deepEqual(client.lines, ["ERROR :Closing Link: parley (This is an IRC port, not a web server)"]);
  });
});

describe("IRC bad input", () => {
  let server: TestServer;
  let observer: IrcRawClient;
  let lineObserver: LineClient;
  before(async () => {
    server = await startTestServer();
    observer = await ircInRoom(server, "watcher");
    lineObserver = await lineUser(server, "linewatch");
  });
  after(async () => {
    await observer.quit();
    await lineObserver.close();
    await server.stop();
  });

  test("a line over 512 bytes gets 417, is not relayed, and the connection lives", async () => {
    const client = await ircInRoom(server, "longwinded");
    try {
      const from = observer.lineCount;
      const ownFrom = client.lineCount;
      client.send(`PRIVMSG #lobby :${"x".repeat(600)}`);
      await client.waitFor(/ 417 longwinded :Input line was too long$/, undefined, ownFrom);
      client.send("PRIVMSG #lobby :short enough");
      await assertNextMessageIs(observer, from, "short enough");
    } finally {
      await client.quit();
    }
  });

  test("up to 4094 bytes of a client's tags are taken beside a long body; one byte more gets 417", async () => {
    const client = await ircInRoom(server, "tagger");
    try {
      // As long as a body may be and still be relayed as one line with the sender's mask in
      // front (a 510-byte one is refused whole: see irc-client-tags.test.ts).
      const text = "b".repeat(400);
      const body = `PRIVMSG #lobby :${text}`;
      // IRCv3 message-tags, "Size limit": a client's tag data (without "@" and the space) is at most 4094 bytes.
      const tags = `+x=${"t".repeat(4094 - "+x=".length)}`;
      const from = observer.lineCount;
      const ownFrom = client.lineCount;
      client.send(`@${tags} ${body}`);
      await observer.waitFor((line) => line.endsWith("bbbb"), undefined, from);
      client.send(`@${tags}t ${body}`);
      await client.waitFor(isCommand("417"), undefined, ownFrom);
      // Past the 8191 bytes any tag section may have, the line is refused before it is read.
      client.send(`@+y=${"u".repeat(8200)} ${body}`);
      await client.waitFor(
        (line) => isCommand("417")(line) && client.lines.filter(isCommand("417")).length >= 2,
        undefined,
        ownFrom,
      );
      client.send("PING :after-tags");
      await client.waitFor(/PONG parley :?after-tags$/, undefined, ownFrom);
      // One message was relayed, in one line, once.
      const relayed = observer.lines.slice(from).filter((line) => commandOf(line) === "PRIVMSG");
      assert.equal(relayed.length, 1, relayed.join("\n"));
      assert.ok((relayed[0] as string).endsWith(` :${text}`) || (relayed[0] as string).endsWith(` ${text}`));
    } finally {
      await client.quit();
    }
  });

  test("bytes past the receive cap without a newline get an ERROR line and the close", async () => {
    const client = await ircInRoom(server, "endless");
    const from = client.lineCount;
    client.sendRaw(Buffer.alloc(40_000, "a"));
    await client.waitForClose();
    const error = client.lines.slice(from).find((line) => commandOf(line) === "ERROR");
    assert.equal(error, "ERROR :Closing Link: Input line too long without a newline");
    await observer.waitFor(/:endless!\S+ QUIT /);
  });

  test("invalid UTF-8 gets FAIL <command> INVALID_UTF8 and nothing is relayed", async () => {
    const client = await ircInRoom(server, "latin");
    try {
      const from = observer.lineCount;
      const lineFrom = lineObserver.lines.length;
      const ownFrom = client.lineCount;
      client.sendRaw(
        Buffer.concat([Buffer.from("PRIVMSG #lobby :caf"), Buffer.from([0xe9, 0xff]), Buffer.from("\r\n")]),
      );
      const fail = await client.waitFor(isCommand("FAIL"), undefined, ownFrom);
      assert.match(fail, / FAIL PRIVMSG INVALID_UTF8 :/);
      client.send("PRIVMSG #lobby :after latin");
      await assertNextMessageIs(observer, from, "after latin");
      await lineObserver.waitFor("[latin] after latin", undefined, lineFrom);
      assert.deepEqual(
        lineObserver.lines.slice(lineFrom).filter((line) => line.startsWith("[latin]")),
        ["[latin] after latin"],
      );
    } finally {
      await client.quit();
    }
  });

  test("a NUL or a CR inside an IRC line is refused, never relayed as a second line", async () => {
    const client = await ircInRoom(server, "forger");
    try {
      const from = observer.lineCount;
      const ownFrom = client.lineCount;
      client.sendRaw("PRIVMSG #lobby :one\0:forged!x@y PRIVMSG #lobby :nul\r\n");
      client.sendRaw("PRIVMSG #lobby :two\r:forged!x@y PRIVMSG #lobby :cr\r\n");
      await client.waitFor(
        () => client.lines.slice(ownFrom).filter((line) => / FAIL \* INVALID_CHARACTERS /.test(line)).length === 2,
        undefined,
        ownFrom,
      );
      client.send("PRIVMSG #lobby :clean");
      await assertNextMessageIs(observer, from, "clean");
      assert.ok(!observer.lines.slice(from).some((line) => line.includes("forged")));
    } finally {
      await client.quit();
    }
  });

  test("a line user's lone CR never reaches an IRC client: the line is refused, and the IRC client lives", async () => {
    const speaker = await lineUser(server, "crlf");
    try {
      const from = observer.lineCount;
      speaker.send("first\r:forged!x@y PRIVMSG #lobby :second\n");
      await speaker.waitFor((line) => line.startsWith("! That line has a carriage return"));
      speaker.send("marker after cr\n");
      await assertNextMessageIsFrom(observer, from, "marker after cr", 1);
      assert.ok(!observer.lines.slice(from).some((line) => line.includes("forged")));
      // The IRC client was not closed for it.
      observer.send("PING :alive");
      await observer.waitFor(/PONG parley :?alive$/, undefined, from);
    } finally {
      await speaker.close();
    }
  });

  test("a line user's NUL never reaches an IRC client as a line break", async () => {
    const speaker = await lineUser(server, "nuller");
    try {
      const from = observer.lineCount;
      speaker.send("zero\0byte\n");
      speaker.send("marker after nul\n");
      await observer.waitFor((line) => line.endsWith("marker after nul"), undefined, from);
      const relayed = observer.lines.slice(from).filter((line) => commandOf(line) === "PRIVMSG");
      assert.ok(relayed.length <= 2, relayed.join("\n"));
      for (const line of relayed) assert.ok(!line.includes("\0"), JSON.stringify(line));
    } finally {
      await speaker.close();
    }
  });

  test("the quit of a user in two shared channels is one QUIT line to an observer", async () => {
    const quitter = await ircInRoom(server, "twofold");
    const from = observer.lineCount;
    observer.send("JOIN #second");
    quitter.send("JOIN #second");
    await observer.waitFor(/:twofold!\S+ JOIN #second$/, undefined, from);
    await quitter.quit("off now");
    await observer.waitFor(/:twofold!\S+ QUIT :Quit: off now$/, undefined, from);
    observer.send("PING :after-quit");
    await observer.waitFor(/PONG parley :?after-quit$/, undefined, from);
    const quits = observer.lines
      .slice(from)
      .filter((line) => line.startsWith(":twofold!") && commandOf(line) === "QUIT");
    assert.deepEqual(quits.length, 1, quits.join("\n"));
    observer.send("PART #second");
  });
});

/** As assertNextMessageIs, when `count` PRIVMSGs (the marker last) are expected after `from`. */
async function assertNextMessageIsFrom(
  observer: IrcRawClient,
  from: number,
  marker: string,
  count: number,
): Promise<void> {
  await observer.waitFor((line) => line.endsWith(marker), undefined, from);
  const relayed = observer.lines.slice(from).filter((line) => commandOf(line) === "PRIVMSG");
  assert.equal(relayed.length, count, relayed.join("\n"));
}

describe("IRC flood and slow readers", () => {
  let server: TestServer;
  let unpacedServer: TestServer;
  before(async () => {
    server = await startTestServer({ commandsPerSecond: 10, commandBurst: 5, maxPacedLines: 20 });
    // Pacing off: the speaker floods on purpose, to fill a stalled reader's queue.
    unpacedServer = await startTestServer({
      sendQueueBytes: 256 * 1024,
      commandsPerSecond: Number.POSITIVE_INFINITY,
      commandBurst: Number.POSITIVE_INFINITY,
    });
  });
  after(async () => {
    await server.stop();
    await unpacedServer.stop();
  });

  test("a flood is slowed, then answered with ERROR :Excess Flood and the close", async () => {
    const observer = await ircInRoom(server, "floodwatch");
    const flooder = await ircInRoom(server, "flooder");
    try {
      const from = observer.lineCount;
      const ownFrom = flooder.lineCount;
      // Within what may wait (20): slowed to 10 a second after the burst (5), none lost.
      const startedAt = Date.now();
      flooder.sendRaw(Array.from({ length: 15 }, (_, i) => `PRIVMSG #lobby :slow ${i}\r\n`).join(""));
      await observer.waitFor((line) => line.endsWith(" :slow 14") || line.endsWith(" slow 14"), 5000, from);
      assert.ok(Date.now() - startedAt >= 900, `15 lines took only ${Date.now() - startedAt} ms`);
      assert.ok(!flooder.isClosed);
      // Far past it: cut off.
      flooder.sendRaw(Array.from({ length: 200 }, (_, i) => `PRIVMSG #lobby :flood ${i}\r\n`).join(""));
      await flooder.waitForClose();
      assert.equal(flooder.lines.slice(ownFrom).at(-1), "ERROR :Excess Flood");
      await observer.waitFor(/:flooder!\S+ QUIT :Quit: Excess flood$/, undefined, from);
      const relayed = observer.lines.slice(from).filter((line) => commandOf(line) === "PRIVMSG");
      const texts = relayed.map((line) => parseReceived(line).params[1]);
      assert.deepEqual(
        texts.slice(0, 15),
        Array.from({ length: 15 }, (_, i) => `slow ${i}`),
      );
      assert.ok(texts.length < 15 + 200, `${texts.length} relayed: the flood was not all carried out`);
    } finally {
      await observer.quit();
    }
  });

  test("a client that stops reading gets ERROR :SendQ exceeded and is closed; others keep receiving", async () => {
    const observer = await ircInRoom(unpacedServer, "reader");
    const registration = "NICK stalled\r\nUSER s 0 * :s\r\nJOIN #lobby\r\n";
    const stalled = await connectStalledReader(ircPortOf(unpacedServer), registration);
    const speaker = await lineUser(unpacedServer, "speaker");
    try {
      await observer.waitFor(/:stalled!\S+ JOIN #lobby$/);
      const from = observer.lineCount;
      // Enough to fill the kernel's buffers on both sides (several MiB on loopback), then the queue.
      const text = "y".repeat(380);
      const count = 20_000;
      for (let i = 0; i < count; i++) speaker.send(`${i} ${text}\n`);
      await observer.waitFor(/:stalled!\S+ QUIT /, 20_000, from);
      const { received } = await stalled.readAll();
      const tail = received.toString("utf8").trimEnd().split("\r\n").at(-1);
      assert.equal(tail, "ERROR :Closing Link: SendQ exceeded");
      await observer.waitFor((line) => line.endsWith(`:${count - 1} ${text}`), 20_000, from);
    } finally {
      await stalled.stop();
      await speaker.close();
      await observer.quit();
    }
  });
});
