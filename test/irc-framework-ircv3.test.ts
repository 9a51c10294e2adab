import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IrcFrameworkClient } from "./helpers/irc-framework-client.js";
import { IrcRawClient } from "./helpers/irc-raw-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/** irc-framework (The Lounge's and Kiwi IRC's library) reading Parley's MONITOR, away-notify and TAGMSG. */
describe("IRCv3 extensions as irc-framework sees them", () => {
  let server: TestServer;
  let port = 0;
  let carol: IrcFrameworkClient;

  before(async () => {
    server = await startTestServer();
    port = server.ircAddress?.port as number;
    carol = await IrcFrameworkClient.connect({ port, nick: "carol" });
    carol.client.join("#fw");
    await carol.waitForEvent("join", (event) => event.nick === "carol");
  });

  after(async () => {
    await carol.quit();
    await server.stop();
  });

  test("MONITOR: a watched nick coming online and going offline", async () => {
    const from = carol.eventCount;
    carol.client.raw("MONITOR", "+", "dave");
    await carol.waitForEvent("users offline", (event) => String(event.nicks) === "dave", undefined, from);
    const dave = await IrcRawClient.connect(port, "dave");
    await carol.waitForEvent("users online", (event) => String(event.nicks) === "dave", undefined, from);
    const offline = carol.eventCount;
    await dave.quit();
    await carol.waitForEvent("users offline", (event) => String(event.nicks) === "dave", undefined, offline);
  });

  test("away-notify and TAGMSG from another member", async () => {
    const erin = await IrcRawClient.connect(port, "erin", { caps: ["message-tags"] });
    try {
      const from = carol.eventCount;
      erin.send("JOIN #fw");
      await carol.waitForEvent("join", (event) => event.nick === "erin", undefined, from);
      erin.send("AWAY :brb");
      const away = await carol.waitForEvent("away", (event) => event.nick === "erin", undefined, from);
      assert.equal(away.message, "brb");
      erin.send("@+typing=active TAGMSG #fw");
      const tagged = await carol.waitForEvent("tagmsg", (event) => event.nick === "erin", undefined, from);
      assert.equal((tagged.tags as Record<string, string>)["+typing"], "active");
    } finally {
      erin.socket.destroy();
    }
  });
});
