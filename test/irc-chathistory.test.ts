import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const CAPS = ["batch", "server-time", "message-tags", "echo-message", "draft/chathistory"];

/** The lines of the next chathistory batch from `from` on, its opening and closing left out. */
async function nextBatch(client: IrcRawClient, from: number): Promise<{ opening: string; inner: string[] }> {
  const opening = await client.waitFor(/ BATCH \+\S+ (chathistory|draft\/chathistory-targets)\b/, undefined, from);
  const id = (parseReceived(opening).params[0] as string).slice(1);
  await client.waitFor(new RegExp(` BATCH -${id}$`), undefined, from);
  const inner = client.lines.slice(from).filter((line) => line.includes(`batch=${id}`));
  return { opening, inner };
}

/** Sends a CHATHISTORY line and returns the texts of the PRIVMSGs in its batch. */
async function textsOf(client: IrcRawClient, line: string): Promise<string[]> {
  const from = client.lineCount;
  client.send(line);
  const { inner } = await nextBatch(client, from);
  return inner
    .map(parseReceived)
    .flatMap(({ command, params }) => (command === "PRIVMSG" ? [params[1] as string] : []));
}

/** msgid and time of an echoed line. */
function tagOf(line: string, tag: string): string {
  const match = new RegExp(`[@;]${tag}=([^; ]+)`).exec(line);
  assert.ok(match, `no ${tag} in ${line}`);
  return match[1] as string;
}

describe("IRCv3 chathistory", () => {
  let server: TestServer;
  let alice: IrcRawClient;
  const sent: { text: string; msgid: string; time: string }[] = [];

  before(async () => {
    server = await startTestServer();
    const port = server.ircAddress?.port as number;
    alice = await IrcRawClient.connect(port, "alice", { caps: CAPS });
    let from = alice.lineCount;
    alice.send("JOIN #past");
    await alice.waitFor(/ 366 /, undefined, from);
    for (let i = 0; i < 10; i++) {
      from = alice.lineCount;
      alice.send(`PRIVMSG #past :message ${i}`);
      const echo = await alice.waitFor(new RegExp(`PRIVMSG #past :message ${i}$`), undefined, from);
      sent.push({ text: `message ${i}`, msgid: tagOf(echo, "msgid"), time: tagOf(echo, "time") });
      // Distinct milliseconds, so timestamps tell the messages apart.
      const at = Date.now();
      while (Date.now() === at) {}
    }
  });

  after(async () => {
    alice.socket.destroy();
    await server.stop();
  });

  const texts = (from: number, to: number): string[] => sent.slice(from, to).map(({ text }) => text);

  test("advertises the cap and CHATHISTORY in ISUPPORT, and replays nothing on JOIN", () => {
    assert.ok(alice.lines.some((line) => / 005 .*CHATHISTORY=\d+/.test(line)));
    assert.ok(!alice.lines.some((line) => / BATCH \+\S+ chathistory/.test(line)));
  });

  test("LATEST: the newest messages, or those after a reference", async () => {
    assert.deepEqual(await textsOf(alice, "CHATHISTORY LATEST #past * 100"), texts(0, 10));
    assert.deepEqual(await textsOf(alice, "CHATHISTORY LATEST #past * 3"), texts(7, 10));
    assert.deepEqual(await textsOf(alice, `CHATHISTORY LATEST #past msgid=${sent[4]?.msgid} 100`), texts(5, 10));
    assert.deepEqual(await textsOf(alice, `CHATHISTORY LATEST #past timestamp=${sent[4]?.time} 100`), texts(5, 10));
  });

  test("BEFORE and AFTER exclude the reference, and read from it", async () => {
    assert.deepEqual(await textsOf(alice, `CHATHISTORY BEFORE #past msgid=${sent[6]?.msgid} 2`), texts(4, 6));
    assert.deepEqual(await textsOf(alice, `CHATHISTORY AFTER #past timestamp=${sent[3]?.time} 3`), texts(4, 7));
  });

  test("BETWEEN reads from its first reference towards the second", async () => {
    const [first, last] = [sent[0]?.msgid, sent[9]?.msgid];
    assert.deepEqual(await textsOf(alice, `CHATHISTORY BETWEEN #past msgid=${first} msgid=${last} 3`), texts(1, 4));
    assert.deepEqual(await textsOf(alice, `CHATHISTORY BETWEEN #past msgid=${last} msgid=${first} 3`), texts(6, 9));
  });

  test("AROUND includes the reference, with messages on both sides", async () => {
    assert.deepEqual(await textsOf(alice, `CHATHISTORY AROUND #past msgid=${sent[7]?.msgid} 1`), texts(7, 8));
    assert.deepEqual(await textsOf(alice, `CHATHISTORY AROUND #past msgid=${sent[7]?.msgid} 3`), texts(6, 9));
  });

  test("history lines carry the msgid and time they were sent with", async () => {
    const from = alice.lineCount;
    alice.send("CHATHISTORY LATEST #past * 1");
    const { opening, inner } = await nextBatch(alice, from);
    assert.deepEqual(parseReceived(opening).params.slice(1), ["chathistory", "#past"]);
    assert.equal(tagOf(inner[0] as string, "msgid"), sent[9]?.msgid);
    assert.equal(tagOf(inner[0] as string, "time"), sent[9]?.time);
  });

  test("TARGETS lists the conversations with something said in the span", async () => {
    const from = alice.lineCount;
    alice.send(`CHATHISTORY TARGETS timestamp=${sent[0]?.time} timestamp=2999-01-01T00:00:00.000Z 10`);
    const { inner } = await nextBatch(alice, from);
    assert.deepEqual(
      inner.map((line) => parseReceived(line).params),
      [["TARGETS", "#past", sent[9]?.time]],
    );
  });

  test("errors are standard replies: an unknown channel, one not joined, a bad reference", async () => {
    let from = alice.lineCount;
    alice.send("CHATHISTORY LATEST #nowhere * 10");
    await alice.waitFor(/FAIL CHATHISTORY INVALID_TARGET LATEST #nowhere :/, undefined, from);
    from = alice.lineCount;
    alice.send("CHATHISTORY BEFORE #past msgid=not-an-id 10");
    await alice.waitFor(/FAIL CHATHISTORY INVALID_PARAMS BEFORE :/, undefined, from);
    from = alice.lineCount;
    alice.send("CHATHISTORY SIDEWAYS #past * 10");
    await alice.waitFor(/FAIL CHATHISTORY INVALID_PARAMS SIDEWAYS :/, undefined, from);
  });

  test("without event-playback the limit counts messages alone; with it, topics, joins and parts are shown", async () => {
    const port = server.ircAddress?.port as number;
    const player = await IrcRawClient.connect(port, "player", { caps: [...CAPS, "draft/event-playback"] });
    try {
      for (const client of [alice, player]) {
        const from = client.lineCount;
        client.send("JOIN #events");
        await client.waitFor(/ 366 /, undefined, from);
      }
      const from = alice.lineCount;
      alice.send("PRIVMSG #events :first");
      alice.send("TOPIC #events :a topic");
      alice.send("PRIVMSG #events :second");
      await alice.waitFor(/PRIVMSG #events :?second$/, undefined, from);
      assert.deepEqual(await textsOf(alice, "CHATHISTORY LATEST #events * 2"), ["first", "second"]);
      const playerFrom = player.lineCount;
      player.send("CHATHISTORY LATEST #events * 10");
      const { inner } = await nextBatch(player, playerFrom);
      assert.deepEqual(
        inner.map((line) => parseReceived(line).command),
        ["JOIN", "JOIN", "PRIVMSG", "TOPIC", "PRIVMSG"],
      );
    } finally {
      player.socket.destroy();
    }
  });
});
