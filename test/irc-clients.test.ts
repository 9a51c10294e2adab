import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { describeUnlessSkipped } from "./helpers/environment.js";
import { IrcFrameworkClient } from "./helpers/irc-framework-client.js";
import { IrcRawClient } from "./helpers/irc-raw-client.js";
import { Irssi, irssiSkip } from "./helpers/irssi.js";
import { LineClient } from "./helpers/line-client.js";
import { readLogLines } from "./helpers/log-file.js";
import { ircPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { Weechat, weechatSkip } from "./helpers/weechat.js";

/** Real programs start slowly on a shared machine: they get longer than a socket does. */
const CLIENT_WAIT_MS = 15_000;

/** A line-protocol user named `name`, in the default room (#lobby). */
async function lineUser(server: TestServer, name: string): Promise<LineClient> {
  const client = await LineClient.join(server.port);
  client.send(`/nick ${name}\n`);
  await client.waitFor(`- You are now known as ${name}.`);
  return client;
}

/** irc-framework as `nick`, in #lobby. */
async function frameworkInLobby(server: TestServer, nick: string): Promise<IrcFrameworkClient> {
  const client = await IrcFrameworkClient.connect({ port: ircPortOf(server), nick, timeoutMs: CLIENT_WAIT_MS });
  client.client.join("#lobby");
  await client.waitForEvent("join", (event) => event.nick === nick && event.channel === "#lobby");
  return client;
}

/** Registers the account `name` over the line protocol, then leaves, so the name is free to log in to. */
async function registerAccount(server: TestServer, name: string, password: string): Promise<void> {
  const client = await lineUser(server, name);
  client.send(`/register ${password}\n`);
  await client.waitFor(`- The name ${name} is now yours. Next time: /login ${name} PASSWORD`);
  await client.close();
}

describe("irc-framework and the line protocol", () => {
  let server: TestServer;
  let carol: IrcFrameworkClient;
  let lina: LineClient;
  before(async () => {
    server = await startTestServer();
    lina = await lineUser(server, "lina");
    carol = await frameworkInLobby(server, "carol");
  });
  after(async () => {
    await carol.quit();
    await lina.close();
    await server.stop();
  });

  test("a message crosses both ways exactly as sent; line users see [nick] TEXT", async () => {
    const from = carol.eventCount;
    lina.send("hello carol, with ünïcödé and  two spaces\n");
    const heard = await carol.waitForEvent("privmsg", (event) => event.nick === "lina", undefined, from);
    assert.equal(heard.target, "#lobby");
    assert.equal(heard.message, "hello carol, with ünïcödé and  two spaces");
    carol.client.say("#lobby", "hi lina: :colons: and trailing space ");
    await lina.waitFor("[carol] hi lina: :colons: and trailing space ");
  });

  test("a /me action crosses both ways", async () => {
    const from = carol.eventCount;
    lina.send("/me waves at carol\n");
    const action = await carol.waitForEvent("action", (event) => event.nick === "lina", undefined, from);
    assert.equal(action.message, "waves at carol");
    assert.equal(action.target, "#lobby");
    carol.client.action("#lobby", "waves back");
    await lina.waitFor("* carol waves back");
  });

  test("a topic change crosses both ways", async () => {
    const from = carol.eventCount;
    carol.client.setTopic("#lobby", "set on IRC");
    await lina.waitFor("> carol set the topic: set on IRC");
    lina.send("/topic set on the line\n");
    const topic = await carol.waitForEvent("topic", (event) => event.nick === "lina", undefined, from);
    assert.equal(topic.topic, "set on the line");
    assert.equal(topic.channel, "#lobby");
  });

  test("a direct message crosses both ways", async () => {
    const from = carol.eventCount;
    carol.client.say("lina", "psst, lina");
    await lina.waitFor("[carol -> you] psst, lina");
    lina.send("/msg carol psst back\n");
    const direct = await carol.waitForEvent("privmsg", (event) => event.nick === "lina", undefined, from);
    assert.equal(direct.target, "carol");
    assert.equal(direct.message, "psst back");
  });

  test("one name is one identity: a name held on the line protocol is 433 on IRC", async () => {
    const client = await IrcRawClient.open(ircPortOf(server));
    try {
      client.send("NICK lina");
      client.send("USER lina 0 * :Not Lina");
      await client.waitFor(/ 433 \* lina :Nickname is already in use$/);
      client.send("NICK LINA");
      await client.waitFor(/ 433 \* LINA :/);
      client.send("NICK lina2");
      await client.waitForCommand("001");
    } finally {
      await client.quit();
    }
  });
});

describe("accounts from IRC", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("an account registered on the line protocol logs in with SASL PLAIN through irc-framework", async () => {
    await registerAccount(server, "sasha", "correct horse");
    const watcher = await lineUser(server, "saslwatch");
    const sasha = await IrcFrameworkClient.connect({
      port: ircPortOf(server),
      nick: "sasha",
      options: { account: { account: "sasha", password: "correct horse" } },
      timeoutMs: CLIENT_WAIT_MS,
    });
    try {
      const loggedIn = await sasha.waitForEvent("loggedin");
      assert.equal(loggedIn.account, "sasha");
      assert.equal(sasha.client.user.nick, "sasha");
      sasha.client.join("#lobby");
      await sasha.waitForEvent("join", (event) => event.nick === "sasha");
      sasha.client.say("#lobby", "logged in by SASL");
      await watcher.waitFor("[sasha] logged in by SASL");
    } finally {
      await sasha.quit();
      await watcher.close();
    }
  });

  test("a wrong SASL password is refused (904), and the registered name is not given", async () => {
    await registerAccount(server, "guarded", "right password");
    const client = await IrcRawClient.open(ircPortOf(server));
    try {
      client.send("CAP LS 302");
      client.send("NICK guarded");
      client.send("USER guarded 0 * :g");
      client.send("CAP REQ :sasl");
      await client.waitFor(/ CAP \S+ ACK :?sasl$/);
      client.send("AUTHENTICATE PLAIN");
      await client.waitFor("AUTHENTICATE +");
      client.send(`AUTHENTICATE ${Buffer.from("\0guarded\0wrong password").toString("base64")}`);
      await client.waitFor(isNumeric("904"));
      client.send("CAP END");
      await client.waitFor(/ 433 \* guarded :Nickname is registered/);
    } finally {
      client.socket.destroy();
    }
  });

  test("SASL PLAIN's authzid: the authcid's own account logs in; another account is refused (904)", async () => {
    await registerAccount(server, "zelda", "zelda password");
    await registerAccount(server, "other", "other password");
    /** Registers as `zelda` with one PLAIN response, and returns the lines up to the verdict. */
    async function authenticate(authzid: string): Promise<{ client: IrcRawClient; verdict: string }> {
      const client = await IrcRawClient.open(ircPortOf(server));
      client.send("CAP LS 302");
      client.send("NICK zelda");
      client.send("USER zelda 0 * :z");
      client.send("CAP REQ :sasl");
      await client.waitFor(/ CAP \S+ ACK :?sasl$/);
      client.send("AUTHENTICATE PLAIN");
      await client.waitFor("AUTHENTICATE +");
      client.send(`AUTHENTICATE ${Buffer.from(`${authzid}\0zelda\0zelda password`).toString("base64")}`);
      const verdict = await client.waitFor((line) => ["903", "904"].includes(line.split(" ")[1] ?? ""));
      return { client, verdict };
    }

    for (const authzid of ["zelda", "ZELDA", ""]) {
      const { client, verdict } = await authenticate(authzid);
      try {
        assert.equal(verdict.split(" ")[1], "903", `authzid "${authzid}": ${verdict}`);
        assert.ok(client.lines.some((line) => / 900 \S+ zelda!\S+ zelda :/.test(line)));
        client.send("CAP END");
        await client.waitFor(/ 001 zelda /);
      } finally {
        await client.quit();
      }
    }

    const { client, verdict } = await authenticate("other");
    try {
      assert.match(verdict, / 904 \S+ :SASL authentication failed: logging in as another account/);
      assert.ok(!client.lines.some((line) => / 900 /.test(line)));
      client.send("CAP END");
      await client.waitFor(/ 433 \* zelda :Nickname is registered/);
    } finally {
      client.socket.destroy();
    }
  });

  test("PASS at registration logs in to the nick's account (or to account:password's); a wrong one gets 464 and no nick", async () => {
    await registerAccount(server, "pia", "pia-password");
    const right = await IrcRawClient.open(ircPortOf(server));
    try {
      const welcome = await right.register("pia", { password: "pia-password" });
      assert.match(welcome, / 001 pia /);
      assert.ok(right.lines.some((line) => / 900 pia pia!\S+ pia :You are now logged in as pia$/.test(line)));
      assert.ok(!right.lines.some((line) => / (433|464) /.test(line)));
    } finally {
      await right.quit();
    }

    const wrong = await IrcRawClient.open(ircPortOf(server));
    try {
      wrong.send("PASS wrong-password");
      wrong.send("NICK pia");
      wrong.send("USER pia 0 * :p");
      await wrong.waitFor(/ 464 \* :Password incorrect: not logged in\. Invalid account name or password\.$/);
      await wrong.waitFor(/ 433 \* pia :Nickname is registered/);
      wrong.send("NICK pia_");
      await wrong.waitFor(/ 001 pia_ /);
      assert.ok(!wrong.lines.some((line) => / (001 pia |900 )/.test(line)));
    } finally {
      await wrong.quit();
    }

    // account:password, beside another nick: the account's name is the nick.
    const named = await IrcRawClient.open(ircPortOf(server));
    try {
      assert.match(await named.register("someone", { password: "pia:pia-password" }), / 001 pia /);
      assert.ok(named.lines.some((line) => / 900 pia /.test(line)));
    } finally {
      await named.quit();
    }

    // A PASS for a nick that is nobody's account is no server password: it is ignored.
    const free = await IrcRawClient.open(ircPortOf(server));
    try {
      assert.match(await free.register("freebie", { password: "bouncer password" }), / 001 freebie /);
      assert.ok(!free.lines.some((line) => / (464|900) /.test(line)));
    } finally {
      await free.quit();
    }
  });

  test("irc-framework's password option logs in to the account of its nick", async () => {
    await registerAccount(server, "fwpass", "framework password");
    const client = await IrcFrameworkClient.connect({
      port: ircPortOf(server),
      nick: "fwpass",
      options: { password: "framework password" },
      timeoutMs: CLIENT_WAIT_MS,
    });
    try {
      const loggedIn = await client.waitForEvent("loggedin");
      assert.equal(loggedIn.account, "fwpass");
      assert.equal(client.client.user.nick, "fwpass");
    } finally {
      await client.quit();
    }
  });

  test("NickServ: REGISTER makes the nick an account, IDENTIFY logs in to it from another connection", async () => {
    const first = await IrcRawClient.connect(ircPortOf(server), "nessa");
    first.send("PRIVMSG NickServ :REGISTER nessa-secret");
    await first.waitFor(/^:NickServ!\S+ NOTICE nessa :The name nessa is now registered to you\.$/);
    await first.quit();

    const second = await IrcRawClient.connect(ircPortOf(server), "visitor");
    try {
      const from = second.lineCount;
      second.send("PRIVMSG NickServ :IDENTIFY nessa wrong-secret");
      await second.waitFor(/NOTICE visitor :Invalid account name or password\.$/, undefined, from);
      second.send("NS IDENTIFY nessa nessa-secret");
      await second.waitFor(/ 900 nessa nessa!\S+ nessa :You are now logged in as nessa$/, undefined, from);
      await second.waitFor(/^:visitor!\S+ NICK :?nessa$/, undefined, from);
      await second.waitFor(/NOTICE nessa :You are now identified as nessa\.$/, undefined, from);
      second.send("PRIVMSG NickServ :HELP");
      await second.waitFor(/NOTICE nessa :IDENTIFY \[account\] password/, undefined, from);
      // A password never goes on as a message: NickServ is nobody's direct message.
      assert.ok(!second.lines.some((line) => / 401 /.test(line)));
    } finally {
      await second.quit();
    }
  });
});

function isNumeric(code: string): (line: string) => boolean {
  return (line) => line.split(" ")[1] === code;
}

describeUnlessSkipped(irssiSkip(), "irssi", () => {
  let server: TestServer;
  let lina: LineClient;
  let carol: IrcFrameworkClient;
  let irssi: Irssi;
  before(async () => {
    server = await startTestServer();
    lina = await lineUser(server, "lina");
    carol = await frameworkInLobby(server, "carol");
    // Said before irssi joins: replayed to it on join.
    lina.send("said before irssi came\n");
    carol.client.say("#lobby", "also before irssi");
    await lina.waitFor("[carol] also before irssi");
    irssi = await Irssi.start({ port: ircPortOf(server), nick: "ivy", timeoutMs: CLIENT_WAIT_MS });
    await irssi.command("/join #lobby");
    await irssi.waitForLog("#lobby", /ivy .*has joined #lobby/, CLIENT_WAIT_MS);
  });
  after(async () => {
    await irssi?.stop();
    await carol?.quit();
    await lina?.close();
    await server?.stop();
  });

  test("history said before it joined is replayed, with its time", async () => {
    const replayed = await irssi.waitForLog("#lobby", /<.?lina> .*said before irssi came$/);
    await irssi.waitForLog("#lobby", /<.?carol> .*also before irssi$/);
    // server-time: irssi's own HH:MM from the tag, or the time written in front of the text.
    assert.match(replayed, /^\d\d:\d\d /);
    const log = await readLogLines(irssi.logPath("#lobby"));
    const joinedAt = log.findIndex((line) => / has joined #lobby/.test(line));
    assert.ok(joinedAt !== -1 && joinedAt < log.indexOf(replayed), "replayed after the join, in the channel");
  });

  test("messages, actions, topics and direct messages cross with the line protocol and irc-framework", async () => {
    await irssi.say("hello from irssi");
    await lina.waitFor("[ivy] hello from irssi");
    const from = carol.eventCount;
    await carol.waitForEvent("privmsg", (event) => event.nick === "ivy" && event.message === "hello from irssi");
    lina.send("hello ivy\n");
    await irssi.waitForLog("#lobby", /<.?lina> hello ivy$/);
    carol.client.say("#lobby", "carol to ivy");
    await irssi.waitForLog("#lobby", /<.?carol> carol to ivy$/);

    await irssi.command("/me dances");
    await lina.waitFor("* ivy dances");
    await carol.waitForEvent("action", (event) => event.nick === "ivy" && event.message === "dances", undefined, from);
    lina.send("/me claps\n");
    await irssi.waitForLog("#lobby", /\* lina claps$/);

    await irssi.command("/topic topic by irssi");
    await lina.waitFor("> ivy set the topic: topic by irssi");
    await carol.waitForEvent("topic", (event) => event.topic === "topic by irssi", undefined, from);
    lina.send("/topic topic by lina\n");
    await irssi.waitForLog("#lobby", /lina changed the topic of #lobby to: topic by lina/);

    await irssi.command("/msg lina private to lina");
    await lina.waitFor("[ivy -> you] private to lina");
    lina.send("/msg ivy private to ivy\n");
    await irssi.waitForLog("lina", /<lina> private to ivy$/);
  });

  test("/msg NickServ IDENTIFY logs irssi in to an account", async () => {
    lina.send("/register lina-password\n");
    await lina.waitFor("- The name lina is now yours. Next time: /login lina PASSWORD");
    await irssi.command("/msg NickServ IDENTIFY lina lina-password");
    // The account's name is in use by lina on the line protocol: both are the same identity now.
    await irssi.waitForLog("status", /You are now logged in as lina/);
  });
});

describeUnlessSkipped(weechatSkip(), "WeeChat", () => {
  let server: TestServer;
  let lina: LineClient;
  let carol: IrcFrameworkClient;
  let weechat: Weechat;
  before(async () => {
    server = await startTestServer();
    lina = await lineUser(server, "lina");
    carol = await frameworkInLobby(server, "carol");
    lina.send("said before weechat came\n");
    await carol.waitForEvent("privmsg", (event) => event.message === "said before weechat came");
    weechat = await Weechat.start({
      port: ircPortOf(server),
      nick: "dave",
      autojoin: ["#lobby"],
      timeoutMs: CLIENT_WAIT_MS,
    });
    await weechat.waitForLog("#lobby", /dave .*has joined #lobby/, CLIENT_WAIT_MS);
  });
  after(async () => {
    await weechat?.stop();
    await carol?.quit();
    await lina?.close();
    await server?.stop();
  });

  test("history said before it joined is replayed, with its time", async () => {
    const replayed = await weechat.waitForLog("#lobby", /\t@?lina\tsaid before weechat came$/);
    assert.match(replayed, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\t/);
  });

  test("messages, actions, topics and direct messages cross with the line protocol and irc-framework", async () => {
    const from = carol.eventCount;
    await weechat.send("#lobby", "hello from weechat");
    await lina.waitFor("[dave] hello from weechat");
    await carol.waitForEvent("privmsg", (event) => event.nick === "dave" && event.message === "hello from weechat");
    lina.send("hello dave\n");
    await weechat.waitForLog("#lobby", /\t@?lina\thello dave$/);
    carol.client.say("#lobby", "carol to dave");
    await weechat.waitForLog("#lobby", /\t[@+]?carol\tcarol to dave$/);

    await weechat.send("#lobby", "/me juggles");
    await lina.waitFor("* dave juggles");
    await carol.waitForEvent(
      "action",
      (event) => event.nick === "dave" && event.message === "juggles",
      undefined,
      from,
    );
    lina.send("/me bows\n");
    await weechat.waitForLog("#lobby", /\tlina bows$/);

    await weechat.send("#lobby", "/topic topic by weechat");
    await lina.waitFor("> dave set the topic: topic by weechat");
    lina.send("/topic topic by lina\n");
    await weechat.waitForLog("#lobby", /lina has changed topic for #lobby .*to "topic by lina"/);

    await weechat.send("#lobby", "/msg lina private to lina");
    await lina.waitFor("[dave -> you] private to lina");
    lina.send("/msg dave private to dave\n");
    await weechat.waitForLog("lina", /\tlina\tprivate to dave$/);
  });
});
