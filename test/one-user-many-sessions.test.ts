import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ask, startChat } from "./helpers/chat-fixture.js";
import { IrcRawClient } from "./helpers/irc-raw-client.js";
import type { LineClient } from "./helpers/line-client.js";
import { ircPortOf } from "./helpers/server.js";

const isLoggedIn = (line: string): boolean => line.startsWith("- Logged in as");

async function registered(client: LineClient, name: string): Promise<void> {
  await ask(client, `/nick ${name}`, `- You are now known as ${name}.`);
  await ask(client, "/register password1", (line) => line.startsWith(`- The name ${name} is now yours`));
}

describe("a name is one user, however many sessions it has", () => {
  it("an account connected twice is one member: announced once, listed once, gone when its last session goes", async (t) => {
    const { connect } = await startChat(t);
    const zoe = await connect();
    await registered(zoe, "zoe");
    const bob = await connect("bob");
    const second = await connect();
    await bob.waitFor((line) => line.startsWith("> New user ") && line.includes(second.address));

    const from = bob.lines.length;
    await ask(second, "/login zoe password1", isLoggedIn);
    // To the others, the guest the second session was became zoe, who was there already: the guest left.
    await bob.waitFor(`< The user ${second.address} left. (2 users online)`, undefined, from);
    assert.deepEqual(await ask(bob, "/who", (line) => line.startsWith("- #lobby (")), [
      "- #lobby (2 users online): bob, zoe",
    ]);

    // One session of zoe leaves: zoe is still here, and nobody is told otherwise.
    const beforeQuit = bob.lines.length;
    second.send("/quit\n");
    await second.waitForClose();
    await ask(bob, "/who", "- #lobby (2 users online): bob, zoe");
    assert.ok(!bob.lines.slice(beforeQuit).some((line) => line.includes("zoe left")), bob.lines.join("\n"));

    // Its last session leaves: now zoe is gone.
    zoe.send("/quit\n");
    await bob.waitFor("< The user zoe left. (1 user online)", undefined, beforeQuit);
  });

  it("a second session joining a room the account is in is not announced, and its part is not a departure", async (t) => {
    const { connect } = await startChat(t);
    const first = await connect();
    await registered(first, "kim");
    await ask(first, "/join #tea", (line) => line.startsWith("- You joined #tea"));
    const bob = await connect("bob");
    await ask(bob, "/join #tea", (line) => line.startsWith("- You joined #tea (2 users online)"));
    const second = await connect();
    await ask(second, "/login kim password1", isLoggedIn);
    const from = bob.lines.length;
    await ask(second, "/part #tea", (line) => line.startsWith("- You left #tea"));
    await ask(second, "/join #tea", (line) => line.startsWith("- You joined #tea (2 users online)"));
    await ask(bob, "/who #tea", "- #tea (2 users online): bob, @kim");
    assert.ok(
      !bob.lines.slice(from).some((line) => line.startsWith("#tea > New user kim") || line.includes("kim left")),
      bob.lines.slice(from).join("\n"),
    );
  });

  it("an IRC client sees an account on the line protocol twice as one nick in NAMES, and one QUIT only at the end", async (t) => {
    const { connect, server } = await startChat(t);
    const first = await connect();
    await registered(first, "lou");
    const second = await connect();
    await ask(second, "/login lou password1", isLoggedIn);
    const irc = await IrcRawClient.connect(ircPortOf(server), "watcher");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #lobby");
    const names = await irc.waitFor(/ 353 watcher = #lobby :?/);
    assert.equal(names.split(" ").filter((word) => word.replace(/^:?[@+]*/, "") === "lou").length, 1, names);
    const from = irc.lineCount;
    second.send("/quit\n");
    await second.waitForClose();
    irc.send("PING :after-one");
    await irc.waitFor(/PONG \S+ :?after-one$/, undefined, from);
    assert.ok(!irc.lines.slice(from).some((line) => / QUIT /.test(line)), irc.lines.slice(from).join("\n"));
    first.send("/quit\n");
    await irc.waitFor(/^:lou!\S+ QUIT /, undefined, from);
  });
});
