import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("IRC WHO with masks, and IRCv3 WHOX", () => {
  let server: TestServer;
  let port = 0;
  let asker: IrcRawClient;
  let cool: IrcRawClient;
  let stranger: IrcRawClient;

  /** The replies to one WHO, up to and including 315. */
  async function whoReplies(line: string): Promise<{ command: string; params: string[] }[]> {
    const from = asker.lineCount;
    asker.send(line);
    await asker.waitFor(/ 315 /, undefined, from);
    return asker.lines
      .slice(from)
      .map(parseReceived)
      .filter(({ command }) => ["352", "354", "315"].includes(command));
  }

  before(async () => {
    server = await startTestServer();
    port = server.ircAddress?.port as number;
    asker = await IrcRawClient.connect(port, "asker");
    cool = await IrcRawClient.connect(port, "coolNick", { user: "myuser", realname: "My Real Name" });
    stranger = await IrcRawClient.connect(port, "coolStranger");
    for (const client of [asker, cool]) {
      const from = client.lineCount;
      client.send("JOIN #who");
      await client.waitFor(/ 366 /, undefined, from);
    }
    const from = cool.lineCount;
    cool.send("AWAY :lunch");
    await cool.waitFor(/ 306 /, undefined, from);
  });

  after(async () => {
    for (const client of [asker, cool, stranger]) client.socket.destroy();
    await server.stop();
  });

  test("ISUPPORT says WHOX", () => {
    assert.ok(asker.lines.some((line) => / 005 .* WHOX /.test(line)));
  });

  test("a mask shows the matching users the asker shares a channel with, away ones as G", async () => {
    const replies = await whoReplies("WHO cool*");
    assert.deepEqual(
      replies.map(({ command, params }) => [command, ...params.slice(1)]),
      [
        ["352", "*", "~myuser", replies[0]?.params[3] as string, "parley", "coolNick", "G", "0 My Real Name"],
        ["315", "cool*", "End of WHO list"],
      ],
    );
  });

  test("WHOX gives the fields asked for, in the spec's order, with the token", async () => {
    const replies = await whoReplies("WHO coolNick %rnaft,42");
    assert.deepEqual(replies[0], { command: "354", params: ["asker", "42", "coolNick", "G", "0", "My Real Name"] });
    const channel = await whoReplies("WHO #who %cn");
    assert.deepEqual(
      channel.filter(({ command }) => command === "354").map(({ params }) => params.slice(1)),
      [
        ["#who", "asker"],
        ["#who", "coolNick"],
      ],
    );
  });

  test("WHOWAS remembers a nick given up for another, with its real name", async () => {
    const changer = await IrcRawClient.connect(port, "oldWhowasNick", { user: "was", realname: "Was Here Before" });
    try {
      let from = changer.lineCount;
      changer.send("NICK newWhowasNick");
      await changer.waitFor(/ NICK :?newWhowasNick/, undefined, from);
      from = asker.lineCount;
      asker.send("WHOWAS oldWhowasNick");
      await asker.waitFor(/ 369 /, undefined, from);
      const replies = asker.lines.slice(from).map(parseReceived);
      const user = replies.find(({ command }) => command === "314");
      assert.deepEqual(user?.params.slice(1, 3), ["oldWhowasNick", "~was"]);
      assert.equal(user?.params.at(-1), "Was Here Before");
      assert.equal(replies.filter(({ command }) => command === "406").length, 0);
    } finally {
      changer.socket.destroy();
    }
  });
});
