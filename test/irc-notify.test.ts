import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ask } from "./helpers/chat-fixture.js";
import { IrcRawClient } from "./helpers/irc-raw-client.js";
import { LineClient } from "./helpers/line-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const NOTIFY_CAPS = ["away-notify", "account-notify", "setname"];

describe("IRCv3 away-notify, account-notify and setname", () => {
  let server: TestServer;
  let port = 0;
  /** Has the notify caps. */
  let watcher: IrcRawClient;
  /** Has none of them: each test checks it was told nothing. */
  let plain: IrcRawClient;

  async function joined(client: IrcRawClient, channel: string): Promise<void> {
    const from = client.lineCount;
    client.send(`JOIN ${channel}`);
    await client.waitFor(/ 366 /, undefined, from);
  }

  /** The lines `client` got from `from` on, once a PING sent now has its answer (so nothing is still on its way). */
  async function linesSince(client: IrcRawClient, from: number): Promise<string[]> {
    const token = `sync${Math.random().toString(36).slice(2)}`;
    client.send(`PING ${token}`);
    await client.waitFor(new RegExp(`PONG .*${token}$`), undefined, from);
    return client.lines.slice(from, -1);
  }

  before(async () => {
    server = await startTestServer();
    port = server.ircAddress?.port as number;
    watcher = await IrcRawClient.connect(port, "watcher", { caps: NOTIFY_CAPS });
    plain = await IrcRawClient.connect(port, "plain");
    await joined(watcher, "#n");
    await joined(plain, "#n");
  });

  after(async () => {
    watcher.socket.destroy();
    plain.socket.destroy();
    await server.stop();
  });

  test("the caps are offered", async () => {
    const from = watcher.lineCount;
    watcher.send("CAP LS 302");
    const ls = await watcher.waitFor(/ CAP \S+ LS /, undefined, from);
    for (const cap of [...NOTIFY_CAPS, "standard-replies", "userhost-in-names", "draft/chathistory"]) {
      assert.ok(ls.split(/[ :]/).includes(cap), `${cap} in ${ls}`);
    }
  });

  test("AWAY is told to members with away-notify, and so is the away status of someone joining", async () => {
    const goer = await IrcRawClient.connect(port, "goer");
    try {
      const [from, plainFrom] = [watcher.lineCount, plain.lineCount];
      goer.send("AWAY :gone fishing");
      await goer.waitFor(/ 306 /);
      await joined(goer, "#n");
      await watcher.waitFor(/^(@\S+ )?:goer!\S+ JOIN #n$/, undefined, from);
      await watcher.waitFor(/^(@\S+ )?:goer!\S+ AWAY :gone fishing$/, undefined, from);
      goer.send("AWAY");
      await watcher.waitFor(/^(@\S+ )?:goer!\S+ AWAY$/, undefined, from);
      assert.ok(!(await linesSince(plain, plainFrom)).some((line) => / AWAY/.test(line)));
    } finally {
      goer.socket.destroy();
    }
  });

  test("registering or logging in is told as ACCOUNT, with no NICK when the name stays", async () => {
    const line = await LineClient.open(server.port);
    try {
      await ask(line, "/nick acct", "- You are now known as acct.");
      await ask(line, "/join #n", (text) => text.includes("#n"));
      const [from, plainFrom] = [watcher.lineCount, plain.lineCount];
      await ask(line, "/register password1", (text) => text.startsWith("- The name acct is now yours."));
      await watcher.waitFor(/^(@\S+ )?:acct!\S+ ACCOUNT acct$/, undefined, from);
      const told = await linesSince(watcher, from);
      assert.ok(!told.some((text) => / NICK /.test(text)), told.join("\n"));
      assert.ok(!(await linesSince(plain, plainFrom)).some((text) => / (ACCOUNT|NICK) /.test(text)));
    } finally {
      line.socket.destroy();
    }
  });

  test("SETNAME changes the real name: confirmed, told to members with the cap, shown by WHOIS", async () => {
    const namer = await IrcRawClient.connect(port, "namer", { caps: ["setname"] });
    try {
      await joined(namer, "#n");
      const [from, plainFrom] = [watcher.lineCount, plain.lineCount];
      namer.send("SETNAME :New Name");
      await namer.waitFor(/:namer!\S+ SETNAME :New Name$/);
      await watcher.waitFor(/:namer!\S+ SETNAME :New Name$/, undefined, from);
      assert.ok(!(await linesSince(plain, plainFrom)).some((text) => / SETNAME /.test(text)));
      plain.send("WHOIS namer");
      await plain.waitFor(/ 311 plain namer \S+ \S+ \* :New Name$/, undefined, plainFrom);
    } finally {
      namer.socket.destroy();
    }
  });

  test("a PRIVMSG and a SETNAME sent in one write reach the others in that order", async () => {
    const namer = await IrcRawClient.connect(port, "orderly", { caps: ["setname", "echo-message"] });
    try {
      await joined(namer, "#n");
      const [from, ownFrom] = [watcher.lineCount, namer.lineCount];
      namer.sendRaw("PRIVMSG #n :said before the new name\r\nSETNAME :Renamed After\r\n");
      await watcher.waitFor(/:orderly!\S+ SETNAME :Renamed After$/, undefined, from);
      const seen = (await linesSince(watcher, from)).filter((line) => / (PRIVMSG|SETNAME) /.test(line));
      assert.equal(seen.length, 2, seen.join("\n"));
      assert.match(seen[0] as string, / PRIVMSG #n :said before the new name$/);
      assert.match(seen[1] as string, / SETNAME :Renamed After$/);
      // The sender's own view (its echo, then the confirmation) keeps the same order.
      const own = (await linesSince(namer, ownFrom)).filter((line) => / (PRIVMSG|SETNAME) /.test(line));
      assert.deepEqual(
        own.map((line) => (/ PRIVMSG /.test(line) ? "PRIVMSG" : "SETNAME")),
        ["PRIVMSG", "SETNAME"],
        own.join("\n"),
      );
    } finally {
      namer.socket.destroy();
    }
  });

  test("a labeled SETNAME is answered by its confirmation, under the label", async () => {
    const namer = await IrcRawClient.connect(port, "labeler", { caps: ["setname", "labeled-response"] });
    try {
      const from = namer.lineCount;
      namer.send("@label=sn1 SETNAME :Labeled Name");
      await namer.waitFor(/^@label=sn1\S* :labeler!\S+ SETNAME :Labeled Name$/, undefined, from);
      assert.ok(!(await linesSince(namer, from)).some((line) => / ACK/.test(line)));
    } finally {
      namer.socket.destroy();
    }
  });
});
