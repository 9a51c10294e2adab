import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { ask, startChat } from "./helpers/chat-fixture.js";
import { IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";
import { LineClient } from "./helpers/line-client.js";
import { ircPortOf, makeDataDir, ServerProcess } from "./helpers/server.js";

/** Sends a line and waits for the first reply with one of `commands`, counting only what arrives after it. */
async function ircAsk(client: IrcRawClient, line: string, ...commands: string[]) {
  const from = client.lineCount;
  client.send(line);
  const reply = await client.waitFor((received) => commands.includes(parseReceived(received).command), undefined, from);
  return parseReceived(reply);
}

async function ircClient(t: TestContext, port: number, nick: string): Promise<IrcRawClient> {
  const client = await IrcRawClient.connect(port, nick);
  t.after(() => client.socket.destroy());
  return client;
}

describe("no room can be barred for good", () => {
  it("a room nobody founded keeps its topic across a restart, and not the modes and bans of whoever held it", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const args = ["server", "127.0.0.1", "0", "--data-dir", dataDir, "--rate", "off"];
    const first = await ServerProcess.start(args);
    t.after(() => first.kill("SIGKILL"));
    const squatter = await ircClient(t, await first.portOf("irc"), "squatter");
    await ircAsk(squatter, "JOIN #gst", "366");
    await ircAsk(squatter, "TOPIC #gst :mine", "TOPIC");
    await ircAsk(squatter, "MODE #gst +ikb sesame *!*@*", "MODE");
    await first.kill("SIGTERM");
    assert.equal((await first.exited).code, 0, first.stderr);

    const second = await ServerProcess.start(args);
    t.after(() => second.kill("SIGKILL"));
    const visitor = await ircClient(t, await second.portOf("irc"), "visitor");
    assert.equal((await ircAsk(visitor, "JOIN #gst", "366", "473", "474", "475")).command, "366");
    assert.equal((await ircAsk(visitor, "TOPIC #gst", "332", "331")).params.at(-1), "mine");
    assert.deepEqual((await ircAsk(visitor, "MODE #gst", "324")).params.slice(1), ["#gst", "+n"]);
  });

  it("the default room is the server's: the first comer, account or not, does not hold it", async (t) => {
    const { server } = await startChat(t);
    const first = await ircClient(t, ircPortOf(server), "first");
    first.send("PRIVMSG NickServ :REGISTER first-password");
    await first.waitFor((line) => line.includes("is now registered to you"));
    const names = await ircAsk(first, "JOIN #lobby", "353");
    assert.equal(names.params[3], "first", "no @ for the first comer");
    assert.equal((await ircAsk(first, "MODE #lobby +i", "482", "MODE")).command, "482");
    // Elsewhere, the first comer holds the room it makes, as on IRC.
    assert.equal((await ircAsk(first, "JOIN #mine", "353")).params[3], "@first");
  });

  it("a server operator joins past every bar and acts as the room's operator", async (t) => {
    const { server } = await startChat(t, { operators: [{ name: "boss", secret: "s3cret" }] });
    const holder = await ircClient(t, ircPortOf(server), "holder");
    await ircAsk(holder, "JOIN #locked", "366");
    await ircAsk(holder, "MODE #locked +iklb sesame 1 *!*@*", "MODE");
    const oper = await ircClient(t, ircPortOf(server), "oper");
    assert.equal((await ircAsk(oper, "JOIN #locked", "473", "474", "475", "471", "366")).command, "474");
    await ircAsk(oper, "OPER boss s3cret", "381");
    assert.equal((await ircAsk(oper, "JOIN #locked", "473", "474", "475", "471", "366")).command, "366");
    const mode = await ircAsk(oper, "MODE #locked -ilb *!*@*", "MODE", "482");
    assert.equal(mode.command, "MODE");
    assert.deepEqual(mode.params.slice(1), ["-ilb", "*!*@*"]);
  });

  it("refuses masks with control characters and keys no IRC client could give", async (t) => {
    const { server } = await startChat(t);
    const op = await LineClient.join(server.port);
    t.after(() => op.socket.destroy());
    await ask(op, "/join #masks", (line) => line.startsWith("- You joined #masks"));
    op.send("/mode #masks +b x\x1b[2J!*@*\n");
    await op.waitFor((line) => line.startsWith("! ") && line.includes("control characters"));
    op.send("/mode #masks +k a,b\n");
    await op.waitFor((line) => line.startsWith("! ") && line.includes("commas"));
    const irc = await ircClient(t, ircPortOf(server), "looker");
    await ircAsk(irc, "JOIN #masks", "366");
    assert.deepEqual((await ircAsk(irc, "MODE #masks", "324")).params.slice(1), ["#masks", "+n"]);
  });
});
