import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";
import { LineClient } from "./helpers/line-client.js";
import { httpPortOf, ircPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { connectStalledReader } from "./helpers/stalled-reader.js";
import { WebChatClient, type WebFrame } from "./helpers/web-chat-client.js";
import { framesIn, maskedTextFrame } from "./helpers/web-socket-client.js";

/** A user as frames carry one: `account` and `guest` only when set (docs/protocol.md). */
type User = { name: string; account?: string; guest?: true };

function isMessage(text: string): (frame: WebFrame) => boolean {
  return (frame) => frame.type === "message" && frame.text === text;
}

describe("the JSON protocol on /ws", () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startTestServer();
    port = httpPortOf(server);
  });
  after(async () => {
    await server.stop();
  });

  test("a client is welcomed as a guest, by its guest name and never its address", async () => {
    const client = await WebChatClient.open(port);
    try {
      const welcome = client.frames[0];
      assert.equal(welcome.type, "welcome");
      assert.equal(welcome.server, "parley");
      assert.equal(welcome.version, "2");
      assert.equal(welcome.historyKept, true);
      assert.ok(typeof welcome.online === "number" && welcome.online >= 1);
      const you = welcome.you as User;
      assert.match(you.name, /^guest-[0-9a-z]+$/);
      assert.deepEqual(you, { name: you.name, guest: true });
      const joined = await client.request({ type: "join", room: "#guests" });
      assert.ok(joined.length > 0);
      assert.doesNotMatch(client.ws.messages.join("\n"), /127\.0\.0\.1/);
    } finally {
      await client.close();
    }
  });

  test("a request's replies carry its id as re, then done comes once", async () => {
    const client = await WebChatClient.named(port, "replier", "#replies");
    try {
      const from = client.frameCount;
      client.send({ type: "rooms", id: 41 });
      await client.waitFor((frame) => frame.type === "done" && frame.re === 41, undefined, from);
      const answered = client.frames.slice(from);
      const reply = answered.find((frame) => frame.type === "reply");
      assert.ok(reply !== undefined, "no reply");
      assert.equal(reply.re, 41);
      const rooms = (reply.reply as { kind: string; rooms: { name: string }[] }).rooms;
      assert.ok(rooms.some((room) => room.name === "#replies"));
      assert.equal(answered.filter((frame) => frame.type === "done").length, 1);
      assert.ok(answered.indexOf(reply) < answered.findIndex((frame) => frame.type === "done"));
      // An error carries the id too.
      const refused = await client.request({ type: "who", room: "#nowhere" });
      assert.deepEqual(
        refused.map((frame) => [frame.type, frame.code]),
        [["error", "no-such-room"]],
      );
    } finally {
      await client.close();
    }
  });

  test("a join answers with the members, and others see the joiner", async () => {
    const ann = await WebChatClient.named(port, "ann", "#meet");
    const bob = await WebChatClient.named(port, "bob");
    try {
      const from = ann.frameCount;
      const joined = await bob.replyTo({ type: "join", room: "#meet" }, "joined");
      assert.equal(joined.room, "#meet");
      const members = joined.members as (User & { operator?: true })[];
      // A member who is no operator has no "operator": a false field is left out.
      assert.deepEqual(
        members.sort((a, b) => a.name.localeCompare(b.name)),
        [{ name: "ann", operator: true }, { name: "bob" }],
      );
      const seen = await ann.waitFor((frame) => frame.type === "joined", undefined, from);
      assert.deepEqual(seen.who, { name: "bob" });
      assert.equal(seen.members, 2);
      assert.equal(typeof seen.id, "string");
    } finally {
      await ann.close();
      await bob.close();
    }
  });

  test("say reaches line and IRC users, theirs reach the page, with ids and times", async () => {
    const web = await WebChatClient.named(port, "webber", "#lobby");
    const line = await LineClient.join(server.port);
    const irc = await IrcRawClient.connect(ircPortOf(server), "ircer");
    try {
      const ircFrom = irc.lineCount;
      irc.send("JOIN #lobby");
      await irc.waitFor(/ 366 /, undefined, ircFrom);
      const before = Date.now();
      const webFrom = web.frameCount;
      web.send({ type: "say", room: "#lobby", text: "hello from the page" });
      await line.waitFor("[webber] hello from the page");
      const ircLine = await irc.waitFor((each) => each.includes("hello from the page"));
      assert.deepEqual(parseReceived(ircLine).params, ["#lobby", "hello from the page"]);
      // The sender's own copy comes back with its id and time: that is how it knows it was accepted.
      const own = await web.waitFor(isMessage("hello from the page"), undefined, webFrom);
      assert.equal(own.room, "#lobby");
      assert.deepEqual(own.from, { name: "webber" });
      assert.equal("action" in own, false, "a message that is no /me has no action field");
      assert.match(String(own.id), /^[0-9a-z]{16}$/);
      assert.ok(Number(own.at) >= before - 1 && Number(own.at) <= Date.now());

      line.send("hello from netcat\n");
      const fromLine = await web.waitFor(isMessage("hello from netcat"), undefined, webFrom);
      assert.match(String(fromLine.id), /^[0-9a-z]{16}$/);
      assert.ok(String(fromLine.id) > String(own.id), "ids are ordered");
      assert.equal((fromLine.from as User).guest, true);
      assert.match((fromLine.from as User).name, /^guest-/);

      irc.send("PRIVMSG #lobby :\x01ACTION waves\x01");
      const action = await web.waitFor(
        (frame) => frame.type === "message" && frame.text === "waves",
        undefined,
        webFrom,
      );
      assert.equal(action.action, true);
      assert.deepEqual(action.from, { name: "ircer" });
      assert.doesNotMatch(web.ws.messages.join("\n"), /127\.0\.0\.1/);
    } finally {
      await web.close();
      await line.close();
      await irc.quit();
    }
  });

  test("history and search answer with what was said", async () => {
    const client = await WebChatClient.named(port, "historian", "#annals");
    try {
      for (const text of ["first kumquat", "second kumquat", "third"]) {
        await client.request({ type: "say", room: "#annals", text });
      }
      const history = await client.replyTo({ type: "history", where: "#annals", limit: 2 }, "history");
      const items = history.items as { text: string; sender: string; kind: string }[];
      assert.deepEqual(
        items.map((item) => [item.kind, item.sender, item.text]),
        [
          ["message", "historian", "second kumquat"],
          ["message", "historian", "third"],
        ],
      );
      assert.notEqual(history.older, undefined);
      const found = await client.replyTo({ type: "search", query: "kumquat" }, "search");
      assert.deepEqual(
        (found.items as { text: string }[]).map((item) => item.text),
        ["second kumquat", "first kumquat"],
      );
    } finally {
      await client.close();
    }
  });

  test("a direct message reaches its recipient, and the sender's other session sees it as outgoing", async () => {
    const sender = await WebChatClient.named(port, "dmsender");
    await sender.replyTo({ type: "register", password: "long enough pw" }, "registered");
    const other = await WebChatClient.open(port);
    await other.replyTo({ type: "login", name: "dmsender", password: "long enough pw" }, "logged-in");
    const recipient = await WebChatClient.named(port, "dmrecipient");
    try {
      const otherFrom = other.frameCount;
      const answers = await sender.request({ type: "direct", to: "dmrecipient", text: "psst" });
      assert.deepEqual(answers, []);
      const received = await recipient.waitFor((frame) => frame.type === "direct");
      assert.equal("outgoing" in received, false);
      assert.equal(received.to, "dmrecipient");
      assert.equal(received.text, "psst");
      assert.deepEqual(received.from, { name: "dmsender", account: "dmsender" });
      const copy = await other.waitFor((frame) => frame.type === "direct", undefined, otherFrom);
      assert.equal(copy.outgoing, true);
      assert.equal(copy.id, received.id);
      const own = await sender.waitFor((frame) => frame.type === "direct");
      assert.equal(own.outgoing, true);
    } finally {
      await sender.close();
      await other.close();
      await recipient.close();
    }
  });

  test("a rename is seen by the room, the line protocol included", async () => {
    const web = await WebChatClient.named(port, "oldname", "#lobby");
    const watcher = await WebChatClient.named(port, "watcher", "#lobby");
    const line = await LineClient.join(server.port);
    try {
      const from = watcher.frameCount;
      const renamed = await web.replyTo({ type: "nick", name: "newname" }, "renamed");
      assert.deepEqual(renamed, { kind: "renamed", name: "newname" });
      const seen = await watcher.waitFor((frame) => frame.type === "renamed", undefined, from);
      assert.deepEqual(seen.who, { name: "oldname" });
      assert.deepEqual(seen.now, { name: "newname" });
      await line.waitFor("> oldname is now known as newname.");
    } finally {
      await web.close();
      await watcher.close();
      await line.close();
    }
  });

  test("quit: the client gets close and a 1000 close; the room sees one quit", async () => {
    const quitter = await WebChatClient.named(port, "quitter", "#exit", "#exit2");
    const watcher = await WebChatClient.named(port, "exitwatch", "#exit");
    try {
      const from = watcher.frameCount;
      quitter.send({ type: "quit", reason: "gone fishing" });
      const closed = await quitter.ws.waitForClose();
      assert.equal(closed.code, 1000);
      assert.deepEqual(quitter.frames.at(-1), { type: "close", reason: "gone fishing" });
      const quit = await watcher.waitFor((frame) => frame.type === "quit", undefined, from);
      assert.equal(quit.reason, "gone fishing");
      assert.deepEqual(quit.who, { name: "quitter" });
      // Only the room it shares with the quitter: #exit2 is none of its business.
      assert.deepEqual(quit.rooms, [{ room: "#exit", members: 1 }]);
    } finally {
      await watcher.close();
    }
  });

  test("bad frames get an error, and the connection lives on", async () => {
    const client = await WebChatClient.named(port, "fumbler", "#oops");
    try {
      let from = client.frameCount;
      client.send("this is not JSON");
      const notJson = await client.waitFor((frame) => frame.type === "error", undefined, from);
      assert.equal(notJson.code, "invalid-json");
      assert.equal(notJson.re, undefined);
      const unknown = await client.request({ type: "dance", room: "#oops" });
      assert.equal(unknown[0].code, "invalid-frame");
      assert.match(String(unknown[0].message), /unknown type "dance"/);
      const extra = await client.request({ type: "say", room: "#oops", text: "x", colour: "red" });
      assert.equal(extra[0].code, "invalid-frame");
      assert.match(String(extra[0].message), /colour/);
      const wrongType = await client.request({ type: "say", room: "#oops", text: 42 });
      assert.match(String(wrongType[0].message), /"text" must be a string/);
      const empty = await client.request({ type: "say", room: "#oops", text: "" });
      assert.equal(empty[0].code, "empty-message");
      from = client.frameCount;
      client.send({ type: "say", room: "#oops", text: "still here" });
      await client.waitFor(isMessage("still here"), undefined, from);
      assert.equal(client.ws.closedWith, null);
    } finally {
      await client.close();
    }
  });

  test("a frame over 16 KiB is closed with 1009, a binary one with 1003; others carry on", async () => {
    const bystander = await WebChatClient.named(port, "bystander", "#big");
    const big = await WebChatClient.named(port, "bigmouth", "#big");
    const binary = await WebChatClient.named(port, "binary", "#big");
    try {
      big.send({ type: "say", room: "#big", text: "x".repeat(17 * 1024) });
      assert.equal((await big.ws.waitForClose()).code, 1009);
      binary.ws.send(Buffer.from('{"type":"rooms"}'), { binary: true });
      assert.equal((await binary.ws.waitForClose()).code, 1003);
      const from = bystander.frameCount;
      bystander.send({ type: "say", room: "#big", text: "still fine" });
      await bystander.waitFor(isMessage("still fine"), undefined, from);
      const said = bystander.frames.filter((frame) => frame.type === "message").map((frame) => frame.text);
      assert.deepEqual(said, ["still fine"]);
    } finally {
      await bystander.close();
    }
  });

  test("logging in again replays what the account missed, as a history reply", async () => {
    let member = await WebChatClient.named(port, "absentee", "#missed");
    await member.replyTo({ type: "register", password: "absent minded" }, "registered");
    const talker = await WebChatClient.named(port, "talker", "#missed");
    await member.close();
    await talker.request({ type: "say", room: "#missed", text: "while you were out" });
    member = await WebChatClient.open(port);
    try {
      const answers = await member.request({ type: "login", name: "absentee", password: "absent minded" });
      const missed = answers.find(
        (frame) => frame.type === "reply" && (frame.reply as { kind: string; reason?: string }).reason === "missed",
      );
      assert.ok(missed !== undefined, JSON.stringify(answers));
      const items = (missed.reply as { items: { text: string; where: string }[] }).items;
      assert.ok(items.some((item) => item.where === "#missed" && item.text === "while you were out"));
    } finally {
      await member.close();
      await talker.close();
    }
  });

  test("catch-up: after a reconnect, history after the last id seen is exactly what was missed", async () => {
    const talker = await LineClient.join(server.port);
    talker.send("/join #catchup\n");
    await talker.waitFor(/You joined #catchup/);
    let reader = await WebChatClient.named(port, "reader", "#catchup");
    talker.send("before the drop\n");
    const lastSeen = await reader.waitFor(isMessage("before the drop"));
    await reader.close();
    const missed = ["missed one", "missed two", "missed three"];
    for (const text of missed) talker.send(`${text}\n`);
    talker.send("/history #catchup 3\n");
    await talker.waitFor(/missed three$/);
    reader = await WebChatClient.named(port, "reader", "#catchup");
    try {
      const page = await reader.replyTo({ type: "history", where: "#catchup", after: lastSeen.id }, "history");
      const items = page.items as { kind: string; text: string; id: string; sender: string }[];
      assert.deepEqual(
        items.filter((item) => item.kind === "message").map((item) => item.text),
        missed,
      );
      // The line user is a guest shown by address on the line protocol: here, as live, by its guest name.
      assert.ok(items.every((item) => item.sender === (lastSeen.from as User).name));
      assert.ok(items.every((item) => item.id > String(lastSeen.id)));
      assert.equal(page.older, undefined);
    } finally {
      await reader.close();
      await talker.close();
    }
  });
});

describe("the JSON protocol's pacing and shutdown", () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startTestServer({ commandsPerSecond: 10, commandBurst: 5, maxPacedLines: 20 });
    port = httpPortOf(server);
  });
  after(async () => {
    await server.stop();
  });

  test("a flood is paced, then cut off with an error and a 1008 close, as on other front ends", async () => {
    const observer = await WebChatClient.named(port, "floodwatch", "#lobby");
    const flooder = await WebChatClient.named(port, "flooder", "#lobby");
    try {
      const from = observer.frameCount;
      const ownFrom = flooder.frameCount;
      for (let i = 0; i < 15; i++) flooder.send({ type: "say", room: "#lobby", text: `slow ${i}` });
      await observer.waitFor(isMessage("slow 14"), 10_000, from);
      const paced = flooder.frames.slice(ownFrom).find((frame) => frame.type === "reply");
      assert.ok(paced !== undefined, "not told it was paced");
      assert.equal((paced.reply as { kind: string }).kind, "paced");
      assert.equal(flooder.ws.closedWith, null);
      for (let i = 0; i < 200; i++) flooder.send({ type: "say", room: "#lobby", text: `flood ${i}` });
      const closed = await flooder.ws.waitForClose(10_000);
      assert.equal(closed.code, 1008);
      assert.equal(flooder.frames.at(-1)?.code, "flood");
      const quit = await observer.waitFor((frame) => frame.type === "quit", undefined, from);
      assert.equal(quit.reason, "Excess flood");
      const said = observer.frames
        .slice(from)
        .filter((frame) => frame.type === "message")
        .map((frame) => frame.text);
      assert.deepEqual(
        said.slice(0, 15),
        Array.from({ length: 15 }, (_, i) => `slow ${i}`),
      );
      assert.ok(said.length < 15 + 200, `${said.length} relayed: the flood was not all carried out`);
    } finally {
      await observer.close();
    }
  });

  test("refused frames count as requests: an empty one is answered invalid-json, and a flood of bad frames is cut off", async () => {
    const observer = await WebChatClient.named(port, "badwatch", "#lobby");
    const flooder = await WebChatClient.named(port, "badflood", "#lobby");
    try {
      const from = observer.frameCount;
      let own = flooder.frameCount;
      flooder.send("");
      const empty = await flooder.waitFor((frame) => frame.type === "error", undefined, own);
      assert.equal(empty.code, "invalid-json");
      own = flooder.frameCount;
      for (let i = 0; i < 100; i++) flooder.send(i % 2 === 0 ? "" : "not json");
      for (let i = 0; i < 100; i++) flooder.send({ type: "dance" });
      const closed = await flooder.ws.waitForClose(10_000);
      assert.equal(closed.code, 1008);
      assert.equal(flooder.frames.at(-1)?.code, "flood", "the last frame says why");
      const refused = flooder.frames.slice(own).filter((frame) => frame.type === "error" && frame.code !== "flood");
      assert.ok(refused.length < 200, `${refused.length} answered: the flood was not all carried out`);
      const quit = await observer.waitFor((frame) => frame.type === "quit", undefined, from);
      assert.equal(quit.reason, "Excess flood");
    } finally {
      await observer.close();
    }
  });

  test("a shutdown is said, then closed with 1001", async () => {
    const own = await startTestServer();
    const client = await WebChatClient.open(httpPortOf(own));
    await own.stop();
    const closed = await client.ws.waitForClose();
    assert.equal(closed.code, 1001);
    assert.deepEqual(client.frames.at(-1), { type: "shutdown" });
  });
});

describe("a slow reader of the JSON protocol", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      sendQueueBytes: 256 * 1024,
      commandsPerSecond: Number.POSITIVE_INFINITY,
      commandBurst: Number.POSITIVE_INFINITY,
    });
  });
  after(async () => {
    await server.stop();
  });

  test("is told why and closed with 1008, and the room keeps receiving", async () => {
    const port = httpPortOf(server);
    const observer = await WebChatClient.named(port, "steady", "#lobby");
    const handshake = [
      "GET /ws HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
    ].join("\r\n");
    const greeting = Buffer.concat([
      Buffer.from(`${handshake}\r\n\r\n`),
      maskedTextFrame('{"type":"nick","name":"stalled"}'),
      maskedTextFrame('{"type":"join","room":"#lobby","replay":0}'),
    ]);
    const stalled = await connectStalledReader(port, greeting);
    const speaker = await LineClient.join(server.port);
    try {
      await observer.waitFor((frame) => frame.type === "joined" && (frame.who as User).name === "stalled");
      const from = observer.frameCount;
      const text = "y".repeat(380);
      const count = 20_000;
      for (let i = 0; i < count; i++) speaker.send(`${i} ${text}\n`);
      const quit = await observer.waitFor(
        (frame) => frame.type === "quit" && (frame.who as User).name === "stalled",
        20_000,
        from,
      );
      assert.equal(quit.type, "quit");
      const { received } = await stalled.readAll();
      const frames = framesIn(received);
      const close = frames.at(-1);
      assert.equal(close?.opcode, 0x8);
      assert.equal(close?.payload.readUInt16BE(0), 1008);
      assert.equal(JSON.parse(String(frames.at(-2)?.payload)).code, "send-queue-full");
      await observer.waitFor(isMessage(`${count - 1} ${text}`), 20_000, from);
    } finally {
      await stalled.stop();
      await speaker.close();
      await observer.close();
    }
  });
});
