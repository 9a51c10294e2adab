import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";
import { startTestServer } from "./helpers/server.js";

/** A server with IRC on a free port, and a way to connect registered clients that close with the test. */
async function startIrc(t: TestContext): Promise<(nick: string, caps?: string[]) => Promise<IrcRawClient>> {
  const server = await startTestServer();
  t.after(() => server.stop());
  const port = server.ircAddress?.port ?? 0;
  return async (nick, caps) => {
    const client = await IrcRawClient.connect(port, nick, caps === undefined ? {} : { caps });
    t.after(() => client.socket.destroy());
    return client;
  };
}

/** Sends a line and waits for the first reply with one of `commands`, counting only what arrives after it. */
async function ask(
  client: IrcRawClient,
  line: string,
  ...commands: string[]
): Promise<{ command: string; params: string[] }> {
  const from = client.lineCount;
  client.send(line);
  const reply = await client.waitFor((received) => commands.includes(parseReceived(received).command), undefined, from);
  return parseReceived(reply);
}

/** alice creates #chan, bob joins it after her; each has seen the other's JOIN. */
async function channelOfAlice(t: TestContext) {
  const connect = await startIrc(t);
  const alice = await connect("alice");
  await ask(alice, "JOIN #chan", "366");
  const bob = await connect("bob");
  await ask(bob, "JOIN #chan", "366");
  await alice.waitFor(/^:bob!\S+ JOIN :?#chan$/);
  return { connect, alice, bob };
}

describe("IRC channel operators", () => {
  it("shows the creator as @ in NAMES and WHO, and the real modes with the creation time", async (t) => {
    const { alice, bob } = await channelOfAlice(t);
    const names = await ask(bob, "NAMES #chan", "353");
    assert.deepEqual(names.params.slice(1), ["=", "#chan", "@alice bob"]);
    const who = await ask(bob, "WHO #chan", "352");
    assert.equal(who.params[6], "H@", "alice's WHO flags carry her prefix");
    await ask(alice, "AWAY :lunch", "306");
    const away = await ask(bob, "WHO #chan", "352");
    assert.equal(away.params[6], "G@", "away, and an operator");
    const whois = await ask(bob, "WHOIS alice", "319");
    assert.deepEqual(whois.params.slice(1), ["alice", "@#chan"]);
    const modes = await ask(alice, "MODE #chan", "324");
    assert.deepEqual(modes.params.slice(1), ["#chan", "+n"]);
    const created = await ask(alice, "MODE #chan", "329");
    assert.match(created.params[2], /^\d{10}$/);
  });

  it("echoes an operator's MODE to the channel, and refuses a non-operator with 482", async (t) => {
    const { alice, bob } = await channelOfAlice(t);
    const refused = await ask(bob, "MODE #chan +m", "482", "MODE");
    assert.deepEqual(refused, { command: "482", params: ["bob", "#chan", "You're not channel operator"] });
    alice.send("MODE #chan +ov bob bob");
    for (const client of [alice, bob]) await client.waitFor(/^:alice!\S+ MODE #chan \+ov bob bob$/);
    const names = await ask(bob, "NAMES #chan", "353");
    assert.equal(names.params[3], "@alice @bob", "one prefix, the highest, without multi-prefix");
  });

  it("shows every prefix to a client with multi-prefix", async (t) => {
    const { connect, alice } = await channelOfAlice(t);
    await ask(alice, "MODE #chan +v alice", "MODE");
    const carol = await connect("carol", ["multi-prefix"]);
    const joined = await ask(carol, "JOIN #chan", "353");
    assert.equal(joined.params[3], "@+alice bob carol");
  });

  it("answers bad MODE changes with the exact numerics", async (t) => {
    const { connect, alice } = await channelOfAlice(t);
    await connect("dave");
    assert.equal((await ask(alice, "MODE #chan +z", "472")).params[1], "z");
    assert.deepEqual((await ask(alice, "MODE #chan +o nobody", "401")).params.slice(1, 2), ["nobody"]);
    assert.deepEqual((await ask(alice, "MODE #chan +o dave", "441")).params.slice(1, 3), ["dave", "#chan"]);
    assert.deepEqual((await ask(alice, "MODE #chan +k :two words", "696")).params.slice(1, 4), ["#chan", "k", "*"]);
    assert.deepEqual((await ask(alice, "MODE #chan +l 0", "696")).params.slice(1, 3), ["#chan", "l"]);
    const longMask = await ask(alice, `MODE #chan +b *!*@${"h".repeat(80)}`, "696");
    assert.deepEqual(longMask.params.slice(1, 3), ["#chan", "b"]);
    assert.match(longMask.params.at(-1) as string, /a mask is at most 80 bytes/);
    assert.equal((await ask(alice, "MODE #nowhere +i", "403")).params[1], "#nowhere");
  });

  it("keeps out a banned user (474), a wrong key (475), a full channel (471), and lists the bans", async (t) => {
    const { connect, alice } = await channelOfAlice(t);
    await ask(alice, "MODE #chan +b bar!*@*", "MODE");
    const list = await ask(alice, "MODE #chan +b", "367");
    assert.deepEqual(list.params.slice(1, 4), ["#chan", "bar!*@*", "alice"]);
    const bar = await connect("bar");
    assert.equal((await ask(bar, "JOIN #chan", "474", "JOIN")).command, "474");
    await ask(alice, "MODE #chan -b+k bar!*@* beer", "MODE");
    assert.equal((await ask(bar, "JOIN #chan", "475", "JOIN")).command, "475");
    assert.equal((await ask(bar, "JOIN #chan bees", "475", "JOIN")).command, "475");
    await ask(alice, "MODE #chan -k+l * 2", "MODE");
    assert.equal((await ask(bar, "JOIN #chan", "471", "JOIN")).command, "471");
    await ask(alice, "MODE #chan -l", "MODE");
    assert.equal((await ask(bar, "JOIN #chan", "JOIN", "471")).command, "JOIN");
  });

  it("lets a ban exception (+e) past a ban and an invite exception (+I) past +i, and lists each (348/349, 346/347)", async (t) => {
    const { connect, alice } = await channelOfAlice(t);
    await ask(alice, "MODE #chan +be ba*!*@* bar!*@*", "MODE");
    const bar = await connect("bar");
    const baz = await connect("baz");
    assert.equal((await ask(baz, "JOIN #chan", "474", "JOIN")).command, "474", "banned, and no exception");
    assert.equal((await ask(bar, "JOIN #chan", "JOIN", "474")).command, "JOIN", "the exception lifts the ban");
    await ask(alice, "MODE #chan -b+iI ba*!*@* baz!*@*", "MODE");
    const carol = await connect("carol");
    assert.equal((await ask(carol, "JOIN #chan", "473", "JOIN")).command, "473");
    assert.equal((await ask(baz, "JOIN #chan", "JOIN", "473")).command, "JOIN", "no invitation needed");
    const exceptions = await ask(alice, "MODE #chan e", "348");
    assert.deepEqual(exceptions.params.slice(1, 4), ["#chan", "bar!*@*", "alice"]);
    assert.equal((await ask(alice, "MODE #chan e", "349")).params[1], "#chan");
    const invites = await ask(carol, "MODE #chan +I", "346");
    assert.deepEqual(invites.params.slice(1, 4), ["#chan", "baz!*@*", "alice"]);
    assert.equal((await ask(alice, "MODE #chan I", "347")).params[1], "#chan");
    await ask(alice, "MODE #chan -I baz!*@*", "MODE");
    await ask(baz, "PART #chan", "PART");
    assert.equal((await ask(baz, "JOIN #chan", "473", "JOIN")).command, "473", "the exception taken back");
  });

  it("matches a ban against the user as IRC shows them: the USER name and the cloaked host", async (t) => {
    const { connect, alice } = await channelOfAlice(t);
    const carol = await connect("carol");
    carol.send("JOIN #other");
    const ownJoin = await carol.waitFor(/^:carol!~carol@\S+ JOIN :?#other$/);
    const host = /@(\S+) /.exec(ownJoin)?.[1];
    assert.ok(host !== undefined && !host.includes("127.0.0.1"), "the host is a cloak");
    await ask(alice, "MODE #chan +b *!~carol@*", "MODE");
    assert.equal((await ask(carol, "JOIN #chan", "474", "JOIN")).command, "474");
    await ask(alice, `MODE #chan -b+b *!~carol@* *!*@${host}`, "MODE");
    assert.equal((await ask(carol, "JOIN #chan", "474", "JOIN")).command, "474");
  });

  it("shows a user who logs in at registration by the USER name everywhere, and bans match it", async (t) => {
    const { connect, alice, bob } = await channelOfAlice(t);
    const owner = await connect("alicia");
    await ask(owner, "PRIVMSG NickServ :REGISTER alicia-password", "NOTICE");
    const port = owner.socket.remotePort ?? 0;
    await owner.quit();

    // PASS logs in at NICK, before USER: the mask worked out then must not outlive the USER name.
    const byPass = await IrcRawClient.open(port);
    t.after(() => byPass.socket.destroy());
    const welcome = await byPass.register("someone", { password: "alicia:alicia-password", user: "alice" });
    assert.match(welcome, / 001 alicia :Welcome .* alicia!~alice@\S+$/);
    await byPass.quit();

    // SASL, after USER as clients send it: 900, 001, the JOIN others see, WHO and bans all say "~alice".
    const client = await IrcRawClient.open(port);
    t.after(() => client.socket.destroy());
    client.send("CAP LS 302");
    client.send("NICK someone");
    client.send("USER alice 0 * :Alice");
    await ask(client, "CAP REQ :sasl", "CAP");
    await ask(client, "AUTHENTICATE PLAIN", "AUTHENTICATE");
    const plain = Buffer.from("\0alicia\0alicia-password").toString("base64");
    const loggedIn = await ask(client, `AUTHENTICATE ${plain}`, "900");
    assert.match(loggedIn.params[1], /^alicia!~alice@\S+$/);
    assert.match((await ask(client, "CAP END", "001")).params[1], /alicia!~alice@\S+$/);
    const from = bob.lineCount;
    await ask(client, "JOIN #chan", "366");
    await bob.waitFor(/^:alicia!~alice@\S+ JOIN :?#chan$/, undefined, from);
    assert.equal((await ask(bob, "WHO alicia", "352")).params[2], "~alice");
    await ask(alice, "MODE #chan +b *!~alice@*", "MODE");
    await ask(client, "PART #chan", "PART");
    assert.equal((await ask(client, "JOIN #chan", "474", "JOIN")).command, "474");
  });

  it("KICK: the channel and the kicked user see it; only operators kick", async (t) => {
    const { alice, bob } = await channelOfAlice(t);
    assert.equal((await ask(bob, "KICK #chan alice", "482", "KICK")).command, "482");
    assert.deepEqual((await ask(alice, "KICK #chan nobody", "441")).params.slice(1, 3), ["nobody", "#chan"]);
    assert.equal((await ask(alice, "KICK #nowhere bob", "403", "442")).command, "403");
    alice.send("KICK #chan bob :enough");
    for (const client of [alice, bob]) await client.waitFor(/^:alice!\S+ KICK #chan bob :?enough$/);
    assert.equal((await ask(bob, "PRIVMSG #chan :back?", "404", "442")).command, "404");
    await ask(bob, "JOIN #chan", "366");
    alice.send("KICK #chan bob");
    await bob.waitFor(/^:alice!\S+ KICK #chan bob :?alice$/, undefined, 0);
  });

  it("INVITE lets someone into an invite-only channel once (341 to the inviter, INVITE to them)", async (t) => {
    const { connect, alice, bob } = await channelOfAlice(t);
    await ask(alice, "MODE #chan +i", "MODE");
    const carol = await connect("carol");
    assert.equal((await ask(carol, "JOIN #chan", "473", "JOIN")).command, "473");
    assert.equal((await ask(bob, "INVITE carol #chan", "482", "341")).command, "482");
    assert.equal((await ask(carol, "INVITE bob #chan", "442", "341")).command, "442");
    assert.equal((await ask(alice, "INVITE bob #chan", "443", "341")).command, "443");
    assert.deepEqual((await ask(alice, "INVITE carol #chan", "341")).params, ["alice", "carol", "#chan"]);
    await carol.waitFor(/^:alice!\S+ INVITE carol :?#chan$/);
    assert.equal((await ask(carol, "JOIN #chan", "JOIN", "473")).command, "JOIN");
  });

  it("invite-notify: the channel's other operators with the cap see an INVITE, nobody else in it does", async (t) => {
    const { connect, alice, bob } = await channelOfAlice(t);
    const ls = await ask(bob, "CAP LS 302", "CAP");
    assert.match(ls.params.at(-1) ?? "", /(^| )invite-notify( |$)/, "advertised");
    const erin = await connect("erin", ["invite-notify"]);
    const dave = await connect("dave", ["invite-notify"]);
    const frank = await connect("frank");
    for (const member of [erin, dave, frank]) await ask(member, "JOIN #chan", "366");
    await ask(alice, "MODE #chan +oo erin frank", "MODE");
    await ask(alice, "CAP REQ invite-notify", "CAP");
    await connect("carol");
    await ask(alice, "INVITE carol #chan", "341");
    await erin.waitFor(/^:alice!\S+ INVITE carol #chan$/);
    // What bob says next reaches every member after the invitation, if it reached them at all.
    bob.send("PRIVMSG #chan :after the invitation");
    for (const [name, member] of Object.entries({ alice, dave, frank })) {
      const from = member.lineCount;
      const said = await member.waitFor(/ PRIVMSG #chan :after the invitation$/);
      const seen = member.lines.slice(0, member.lines.indexOf(said, from) + 1);
      assert.equal(seen.filter((line) => / INVITE carol /.test(line)).length, 0, `${name} is not told`);
    }
  });

  it("+n keeps out messages from non-members (404); -n lets them in, echoed to a sender with echo-message", async (t) => {
    const { connect, alice, bob } = await channelOfAlice(t);
    const dave = await connect("dave", ["echo-message"]);
    assert.equal((await ask(dave, "PRIVMSG #chan :knock knock", "404")).params[1], "#chan");
    alice.send("MODE #chan -n");
    for (const client of [alice, bob]) await client.waitFor(/^:alice!\S+ MODE #chan -n$/);
    assert.deepEqual((await ask(alice, "MODE #chan", "324")).params.slice(1), ["#chan", "+"]);
    dave.send("PRIVMSG #chan :from outside");
    for (const client of [alice, bob, dave]) await client.waitFor(/^:dave!\S+ PRIVMSG #chan :from outside$/);
    await ask(alice, "MODE #chan +m", "MODE");
    assert.equal((await ask(dave, "PRIVMSG #chan :again", "404")).params[1], "#chan", "moderated: outsiders are quiet");
  });

  it("a founded channel stays its founder's: others come in without @, and a login there brings it back", async (t) => {
    const connect = await startIrc(t);
    const alice = await connect("alice");
    alice.send("PRIVMSG NickServ :REGISTER alice-password");
    await alice.waitFor(/^:NickServ!\S+ NOTICE alice :.*registered to you/);
    await ask(alice, "JOIN #den", "366");
    await alice.quit();
    const bob = await connect("bob");
    assert.equal(
      (await ask(bob, "JOIN #den", "353")).params[3],
      "bob",
      "the founder's channel, empty, is nobody else's",
    );
    const again = await connect("visitor");
    await ask(again, "JOIN #den", "366");
    again.send("PRIVMSG NickServ :IDENTIFY alice alice-password");
    await bob.waitFor(/^:visitor!\S+ NICK :?alice$/);
    await bob.waitFor(/^:alice!\S+ MODE #den \+o alice$/);
    assert.equal((await ask(bob, "NAMES #den", "353")).params[3], "@alice bob");
  });

  it("keeps the topic to operators under +t (482), to all members under -t", async (t) => {
    const { alice, bob } = await channelOfAlice(t);
    bob.send("TOPIC #chan :ours");
    await alice.waitFor(/^:bob!\S+ TOPIC #chan :?ours$/);
    await ask(alice, "MODE #chan +t", "MODE");
    assert.deepEqual((await ask(bob, "TOPIC #chan :mine", "482", "TOPIC")).params.slice(1, 2), ["#chan"]);
  });

  it("advertises PREFIX and CHANMODES as they are", async (t) => {
    const connect = await startIrc(t);
    const alice = await connect("alice");
    const isupport = alice.lines.filter((line) => parseReceived(line).command === "005").join(" ");
    assert.match(isupport, / PREFIX=\(ov\)@\+ /);
    assert.match(isupport, / CHANMODES=beI,k,l,imnst /);
    assert.match(isupport, / EXCEPTS=e /);
    assert.match(isupport, / INVEX=I /);
  });
});
