import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IrcRawClient } from "./helpers/irc-raw-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("IRCv3 message-tags: client-only tags and TAGMSG", () => {
  let server: TestServer;
  let sender: IrcRawClient;
  let tagged: IrcRawClient;
  let plain: IrcRawClient;

  async function joined(client: IrcRawClient): Promise<void> {
    const from = client.lineCount;
    client.send("JOIN #tags");
    await client.waitFor(/ 366 /, undefined, from);
  }

  before(async () => {
    server = await startTestServer();
    const port = server.ircAddress?.port as number;
    sender = await IrcRawClient.connect(port, "sender", { caps: ["message-tags", "echo-message"] });
    tagged = await IrcRawClient.connect(port, "tagged", { caps: ["message-tags"] });
    plain = await IrcRawClient.connect(port, "plain");
    for (const client of [sender, tagged, plain]) await joined(client);
  });

  after(async () => {
    for (const client of [sender, tagged, plain]) client.socket.destroy();
    await server.stop();
  });

  test("a PRIVMSG's client-only tags reach clients with message-tags; server tags sent by a client do not", async () => {
    const [from, plainFrom] = [tagged.lineCount, plain.lineCount];
    sender.send("@+draft/reply=abc;+typing=active;fake=1 PRIVMSG #tags :hello");
    const line = await tagged.waitFor(/PRIVMSG #tags :?hello$/, undefined, from);
    const tags = (line.split(" ")[0] as string).slice(1).split(";");
    assert.ok(tags.includes("+draft/reply=abc") && tags.includes("+typing=active"), line);
    assert.ok(!tags.includes("fake=1"), line);
    const plainLine = await plain.waitFor(/PRIVMSG #tags :?hello$/, undefined, plainFrom);
    assert.ok(plainLine.startsWith(":"), plainLine);
  });

  test("TAGMSG goes to members with message-tags (and back with echo-message), to nobody else", async () => {
    const [from, echoFrom, plainFrom] = [tagged.lineCount, sender.lineCount, plain.lineCount];
    sender.send("@+typing=active TAGMSG #tags");
    await tagged.waitFor(/^@\S*\+typing=active\S* :sender!\S+ TAGMSG #tags$/, undefined, from);
    await sender.waitFor(/^@\S*\+typing=active\S* :sender!\S+ TAGMSG #tags$/, undefined, echoFrom);
    sender.send("PRIVMSG #tags :after");
    await plain.waitFor(/PRIVMSG #tags :?after$/, undefined, plainFrom);
    assert.ok(!plain.lines.slice(plainFrom).some((line) => line.includes("TAGMSG")));
  });

  test("TAGMSG to a user reaches that user", async () => {
    const from = tagged.lineCount;
    sender.send("@+typing=paused TAGMSG tagged");
    await tagged.waitFor(/^@\S*\+typing=paused\S* :sender!\S+ TAGMSG tagged$/, undefined, from);
  });

  test("TAGMSG to oneself arrives, and with echo-message comes back as its echo too", async () => {
    const from = sender.lineCount;
    sender.send("@+typing=done TAGMSG sender");
    await sender.waitFor(/^@\S*\+typing=done\S* :sender!\S+ TAGMSG sender$/, undefined, from);
    sender.send("PING :after-tagmsg");
    await sender.waitFor(/PONG \S+ :?after-tagmsg$/, undefined, from);
    const copies = sender.lines.slice(from).filter((line) => / TAGMSG sender$/.test(line));
    assert.equal(copies.length, 2, copies.join("\n"));
  });

  test("tags up to 4094 bytes are relayed; past that the line is refused with ERR_INPUTTOOLONG", async () => {
    // "@", 4094 bytes of tags, " ": TAGMSG starts at byte 4096 (the spec's and irctest's limit case).
    const atLimit = `@foo=bar;+baz=${"a".repeat(4081)} TAGMSG #tags`;
    assert.equal(atLimit.indexOf("TAGMSG"), 4096);
    const from = tagged.lineCount;
    sender.send(atLimit);
    await tagged.waitFor(
      (line) => line.includes(`+baz=${"a".repeat(4081)}`) && line.endsWith("TAGMSG #tags"),
      undefined,
      from,
    );
    const refusedFrom = sender.lineCount;
    sender.send(`@foo=bar;+baz=${"a".repeat(4082)} TAGMSG #tags`);
    await sender.waitFor(/ 417 sender /, undefined, refusedFrom);
  });

  test("a PRIVMSG is relayed as one line, its tags intact, or refused whole with 417 when its relay would pass 512 bytes", async () => {
    const tags = `@foo=bar;+baz=${"a".repeat(4081)}`;
    // What the relay puts in front of the text: the sender's mask, as its own echo shows it.
    const echoFrom = sender.lineCount;
    sender.send("PRIVMSG #tags :mask");
    const echo = await sender.waitFor(/PRIVMSG #tags :?mask$/, undefined, echoFrom);
    // One word goes out without the ":" before it.
    const prefix = `${echo.slice(echo.indexOf(" :") + 1, echo.indexOf(" PRIVMSG "))} PRIVMSG #tags `;
    const fits = "b".repeat(512 - 2 - Buffer.byteLength(prefix));

    const [from, sentFrom] = [tagged.lineCount, sender.lineCount];
    sender.send(`${tags} PRIVMSG #tags :${fits}`);
    const relayed = await tagged.waitFor((line) => line.endsWith(` ${fits}`), undefined, from);
    assert.ok(Buffer.byteLength(relayed.slice(relayed.indexOf(" ") + 1)) + 2 <= 512, relayed);
    assert.ok(relayed.includes(`+baz=${"a".repeat(4081)}`), "the tags are relayed intact");
    await sender.waitFor((line) => line.endsWith(` ${fits}`), undefined, sentFrom);

    // One byte more: the client's line is within 510 bytes, but its relay would not be.
    const refusedFrom = sender.lineCount;
    sender.send(`${tags} PRIVMSG #tags :${fits}b`);
    await sender.waitFor(/ 417 sender :/, undefined, refusedFrom);
    sender.send("PRIVMSG #tags :after the refusal");
    await tagged.waitFor(/PRIVMSG #tags :?after the refusal$/, undefined, from);
    const pieces = tagged.lines.slice(from).filter((line) => / PRIVMSG #tags :?b+$/.test(line));
    assert.equal(pieces.length, 1, pieces.join("\n"));
    assert.equal(sender.lines.slice(sentFrom).filter((line) => / PRIVMSG #tags :?b+$/.test(line)).length, 1);
  });

  test("a relay of exactly 512 bytes goes once, measured with the room's and the nick's own names; a byte more gets 417", async () => {
    const port = server.ircAddress?.port as number;
    const zoe = await IrcRawClient.connect(port, "Zoë", { caps: ["message-tags"] });
    try {
      for (const client of [sender, zoe]) {
        const from = client.lineCount;
        client.send("JOIN #Café");
        await client.waitFor(/ 366 /, undefined, from);
      }
      const echoFrom = sender.lineCount;
      sender.send("PRIVMSG #Café :mask");
      const echo = await sender.waitFor(/PRIVMSG #Café :?mask$/, undefined, echoFrom);
      const mask = echo.slice(echo.indexOf(" :") + 2, echo.indexOf(" PRIVMSG "));
      // Typed folded ("#cafe", "zoe"), written as the room and the user are named ("#Café", "Zoë").
      const cases = [
        { typed: "#cafe", written: "#Café", text: "c d" },
        { typed: "#cafe", written: "#Café", text: "word" },
        { typed: "zoe", written: "Zoë", text: "c d" },
      ];
      for (const { typed, written, text } of cases) {
        const colon = text.includes(" ") ? ":" : "";
        const head = `:${mask} PRIVMSG ${written} ${colon}`;
        const exact = text + "x".repeat(512 - 2 - Buffer.byteLength(head) - text.length);
        const from = zoe.lineCount;
        const refusedFrom = sender.lineCount;
        sender.send(`PRIVMSG ${typed} :${exact}`);
        const relayed = await zoe.waitFor((line) => line.endsWith(` ${written} ${colon}${exact}`), undefined, from);
        assert.equal(Buffer.byteLength(relayed.slice(relayed.indexOf(" ") + 1)) + 2, 512, relayed);
        sender.send(`PRIVMSG ${typed} :${exact}x`);
        await sender.waitFor(/ 417 sender :/, undefined, refusedFrom);
        sender.send(`PRIVMSG ${typed} :after ${text}`);
        await zoe.waitFor((line) => line.endsWith(`:after ${text}`), undefined, from);
        const received = zoe.lines.slice(from).filter((line) => line.includes(`${text}xxx`));
        assert.equal(received.length, 1, received.join("\n"));
        const msgids = received.map((line) => /(?:^@|;)msgid=([^; ]+)/.exec(line)?.[1]);
        assert.ok(msgids[0] !== undefined, "the relay carries its msgid");
      }
    } finally {
      zoe.socket.destroy();
    }
  });
});
