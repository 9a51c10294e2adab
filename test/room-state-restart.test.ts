import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { ask } from "./helpers/chat-fixture.js";
import { IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";
import { LineClient } from "./helpers/line-client.js";
import { makeDataDir, ServerProcess } from "./helpers/server.js";

/** The server process on `dataDir`, with its line and IRC ports, stopped (gracefully) with the test at the latest. */
async function startOn(t: TestContext, dataDir: string): Promise<{ server: ServerProcess; ircPort: number }> {
  const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--data-dir", dataDir, "--rate", "off"]);
  t.after(() => server.kill("SIGKILL"));
  return { server, ircPort: await server.portOf("irc") };
}

/** Stops the server as an operator does, and waits until it has let go of its data directory. */
async function stop(server: ServerProcess): Promise<void> {
  await server.kill("SIGTERM");
  const exit = await server.exited;
  assert.equal(exit.code, 0, server.stderr);
}

/** An IRC client, registered, closed with the test. */
async function ircClient(t: TestContext, port: number, nick: string): Promise<IrcRawClient> {
  const client = await IrcRawClient.connect(port, nick);
  t.after(() => client.socket.destroy());
  return client;
}

/** A line client with a name, closed with the test. */
async function lineClient(t: TestContext, port: number, name: string): Promise<LineClient> {
  const client = await LineClient.join(port);
  t.after(() => client.socket.destroy());
  await ask(client, `/nick ${name}`, `- You are now known as ${name}.`);
  return client;
}

/** Sends a line and waits for the first reply with one of `commands`, counting only what arrives after it. */
async function ircAsk(client: IrcRawClient, line: string, ...commands: string[]) {
  const from = client.lineCount;
  client.send(line);
  const reply = await client.waitFor((received) => commands.includes(parseReceived(received).command), undefined, from);
  return parseReceived(reply);
}

async function ircLogin(client: IrcRawClient, name: string, password: string, isNew: boolean): Promise<void> {
  const done = isNew ? "is now registered to you" : "You are now identified";
  const from = client.lineCount;
  client.send(`PRIVMSG NickServ :${isNew ? `REGISTER ${password}` : `IDENTIFY ${name} ${password}`}`);
  await client.waitFor((line) => line.startsWith(":NickServ!") && line.includes(done), undefined, from);
}

describe("room state across a restart", () => {
  it("keeps modes, keys, limits, bans, the founder and the operators accounts were given", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);

    const first = await startOn(t, dataDir);
    // On the line protocol: ann founds #den and sets its key, limit, topic lock and a ban.
    const ann = await lineClient(t, first.server.port, "ann");
    await ask(ann, "/register ann-password", (line) => line.startsWith("- The name ann is now yours."));
    await ask(ann, "/join #den", (line) => line.startsWith("- You joined #den"));
    ann.send("/mode #den +tklb sesame 5 evil!*@*\n");
    await ann.waitFor(
      /^> ann locked the topic to operators; set a key on the room; limited the room to 5 members; banned evil!\*@\*\.$/,
    );
    ann.send("/mode #den +e evil!*@elsewhere\n");
    await ann.waitFor("> ann let evil!*@elsewhere in despite bans.");
    // On IRC: bob, an account, is made an operator of #den, and founds #irc: invite-only, moderated, secret.
    const bob = await ircClient(t, first.ircPort, "bob");
    await ircLogin(bob, "bob", "bob-password", true);
    await ircAsk(bob, "JOIN #den sesame", "366");
    ann.send("/op bob\n");
    await bob.waitFor(/^:ann!\S+ MODE #den \+o bob$/);
    await ircAsk(bob, "JOIN #irc", "366");
    await ircAsk(bob, "MODE #irc +ims-n", "MODE");
    await ircAsk(bob, "MODE #irc +bI mallory!*@* erin!*@*", "MODE");
    await stop(first.server);

    const second = await startOn(t, dataDir);
    const dave = await ircClient(t, second.ircPort, "dave");
    assert.deepEqual((await ircAsk(dave, "MODE #den", "324")).params.slice(1), ["#den", "+ntkl", "*", "5"]);
    const bans = await ircAsk(dave, "MODE #den +b", "367");
    assert.deepEqual(bans.params.slice(1, 4), ["#den", "evil!*@*", "ann"]);
    assert.equal((await ircAsk(dave, "JOIN #den", "475", "366")).command, "475", "the key is still needed");
    await ircAsk(dave, "JOIN #den sesame", "366");
    const names = await ircAsk(dave, "NAMES #den", "353");
    assert.equal(names.params[3], "dave", "first into a founded room, and no operator for it");
    assert.equal((await ircAsk(dave, "TOPIC #den :mine", "482", "TOPIC")).command, "482", "the topic is locked");
    const exceptions = await ircAsk(dave, "MODE #den e", "348");
    assert.deepEqual(exceptions.params.slice(1, 4), ["#den", "evil!*@elsewhere", "ann"]);
    const evil = await ircClient(t, second.ircPort, "evil");
    assert.equal((await ircAsk(evil, "JOIN #den sesame", "474", "366")).command, "474", "the ban holds");
    assert.equal((await ircAsk(dave, "JOIN #irc", "473", "366")).command, "473", "#irc is invite-only");
    const erin = await ircClient(t, second.ircPort, "erin");
    assert.equal((await ircAsk(erin, "JOIN #irc", "473", "366")).command, "366", "an invite exception holds");
    const listed = dave.lineCount;
    await ircAsk(dave, "LIST", "323");
    const rooms = dave.lines
      .slice(listed)
      .map(parseReceived)
      .filter((line) => line.command === "322");
    assert.deepEqual(
      rooms.map((line) => line.params[1]).filter((room) => room !== "#lobby"),
      ["#den"],
      "#irc is secret",
    );

    // The founder comes back as operator, without the key; so does the account ann made one.
    const annAgain = await lineClient(t, second.server.port, "ann2");
    await ask(annAgain, "/login ann ann-password", (line) => line.startsWith("- Logged in as ann."));
    await ask(annAgain, "/join #den", (line) => line.startsWith("- You "));
    const bobAgain = await ircClient(t, second.ircPort, "robert");
    await ircLogin(bobAgain, "bob", "bob-password", false);
    // Logging in rejoins the account's rooms: without the key of one, past the invite-only bar of the other.
    await bobAgain.waitFor(/^:bob!\S+ JOIN #den$/);
    await bobAgain.waitFor(/^:bob!\S+ JOIN #irc$/);
    assert.equal((await ircAsk(bobAgain, "NAMES #den", "353")).params[3], "@ann @bob dave");
    assert.equal((await ircAsk(bobAgain, "NAMES #irc", "353")).params[3], "@bob erin");
    assert.deepEqual((await ircAsk(bobAgain, "MODE #irc", "324")).params.slice(1), ["#irc", "+ims"]);
    const ircBans = await ircAsk(bobAgain, "MODE #irc b", "367");
    assert.deepEqual(ircBans.params.slice(1, 4), ["#irc", "mallory!*@*", "bob"]);
  });
});
