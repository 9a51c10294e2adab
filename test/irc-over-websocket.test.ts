import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { LineClient } from "./helpers/line-client.js";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { ircOverWebSocket, type WebSocketClient } from "./helpers/web-socket-client.js";

/** A line-protocol user named `name`, in #lobby. */
async function lineUser(server: TestServer, name: string): Promise<LineClient> {
  const client = await LineClient.join(server.port);
  client.send(`/nick ${name}\n`);
  await client.waitFor(`- You are now known as ${name}.`);
  return client;
}

describe("IRC over WebSocket (/irc)", () => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startTestServer();
    port = httpPortOf(server);
  });
  after(async () => {
    await server.stop();
  });

  test("registers, joins #lobby, and talks with a line-protocol user both ways", async () => {
    const line = await lineUser(server, "nettie");
    let irc: WebSocketClient | null = null;
    try {
      irc = await ircOverWebSocket(port, "webby");
      assert.ok(irc.messages.every((message) => !message.includes("\r") && !message.includes("\n")));
      await line.waitFor((text) => text.includes("webby"));
      const from = irc.messageCount;
      irc.send("PRIVMSG #lobby :hello from a browser");
      await line.waitFor("[webby] hello from a browser");
      line.send("hello from netcat\n");
      await irc.waitFor(/^:nettie!\S+ PRIVMSG #lobby :hello from netcat$/, undefined, from);
    } finally {
      await irc?.close();
      await line.close();
    }
  });

  test("a message longer than one IRC line arrives as several frames, each one line of at most 512 bytes", async () => {
    const line = await lineUser(server, "longwinded");
    const irc = await ircOverWebSocket(port, "listener");
    try {
      const from = irc.messageCount;
      const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" ");
      line.send(`${words}\n`);
      await irc.waitFor((message) => message.endsWith(" word299"), undefined, from);
      const parts = irc.messages.slice(from).filter((message) => message.includes(" PRIVMSG #lobby :"));
      assert.ok(parts.length > 1, `${parts.length} frame(s)`);
      for (const part of parts) {
        assert.ok(Buffer.byteLength(part) + 2 <= 512, `${Buffer.byteLength(part)} bytes`);
        assert.ok(!part.includes("\r") && !part.includes("\n"));
      }
      // Where the message is cut, a space may go: every word arrives, in order.
      const texts = parts.map((part) => part.slice(part.indexOf(" :", part.indexOf("PRIVMSG")) + 2));
      assert.deepEqual(texts.join(" ").split(/ +/), words.split(" "));
    } finally {
      await irc.close();
      await line.close();
    }
  });

  test("a line over IRC's limit gets 417, as on TCP, and the client stays", async () => {
    const irc = await ircOverWebSocket(port, "verbose");
    try {
      const from = irc.messageCount;
      irc.send(`PRIVMSG #lobby :${"z".repeat(9000)}`);
      await irc.waitFor(/^:parley 417 verbose :Input line was too long$/, undefined, from);
      irc.send("PING :after");
      await irc.waitFor(/ PONG parley :?after$/, undefined, from);
    } finally {
      await irc.close();
    }
  });

  test("a frame ending in CR LF or LF is one line all the same", async () => {
    const line = await lineUser(server, "reader2");
    const irc = await ircOverWebSocket(port, "crlf");
    try {
      irc.send("PRIVMSG #lobby :with crlf\r\n");
      await line.waitFor("[crlf] with crlf");
      irc.send("PRIVMSG #lobby :with lf\n");
      await line.waitFor("[crlf] with lf");
    } finally {
      await irc.close();
      await line.close();
    }
  });

  test("PING is answered with PONG; QUIT ends with ERROR and a normal close", async () => {
    const irc = await ircOverWebSocket(port, "pinger");
    const from = irc.messageCount;
    irc.send("PING :token-42");
    await irc.waitFor(/^:parley PONG parley :?token-42$/, undefined, from);
    irc.send("QUIT :done");
    const closed = await irc.waitForClose();
    assert.equal(closed.code, 1000);
    assert.match(irc.messages.at(-1) ?? "", /^ERROR :Closing Link: parley \(Quit: done\)$/);
  });

  test("a server shutdown tells WebSocket clients with ERROR and close 1001", async () => {
    const own = await startTestServer();
    const irc = await ircOverWebSocket(httpPortOf(own), "survivor");
    await own.stop();
    const closed = await irc.waitForClose();
    assert.equal(closed.code, 1001);
    assert.equal(irc.messages.at(-1), "ERROR :Server shutting down");
  });
});
