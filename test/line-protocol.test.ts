import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LineClient } from "./helpers/line-client.js";
import { startTestServer } from "./helpers/server.js";

describe("the original line protocol, word for word", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it("welcomes, announces, relays and says goodbye in the original's words", async () => {
    const alice = await LineClient.open(server.port);
    assert.equal(await alice.waitFor((l) => l.startsWith(">")), "> Connected to the chat server (1 user online)");
    const bob = await LineClient.open(server.port);
    assert.equal(await bob.waitFor((l) => l.startsWith(">")), "> Connected to the chat server (2 users online)");
    await alice.waitFor(`> New user ${bob.address} entered. (2 users online)`);

    alice.send("hello\n");
    await bob.waitFor(`[${alice.address}] hello`);
    bob.send("hi alice\r\n");
    await alice.waitFor(`[${bob.address}] hi alice`);

    await bob.close();
    await alice.waitFor(`< The user ${bob.address} left. (1 user online)`);
    assert.deepEqual(alice.lines, [
      "> Connected to the chat server (1 user online)",
      `> New user ${bob.address} entered. (2 users online)`,
      `[${bob.address}] hi alice`,
      `< The user ${bob.address} left. (1 user online)`,
    ]);
    await alice.close();
  });

  it("never echoes a message to its sender", async () => {
    const alice = await LineClient.join(server.port);
    const bob = await LineClient.join(server.port);
    alice.send("only for others\n");
    await bob.waitFor(`[${alice.address}] only for others`);
    // A later message from bob proves alice's stream has moved past the point her echo would be.
    bob.send("marker\n");
    await alice.waitFor(`[${bob.address}] marker`);
    assert.equal(
      alice.lines.some((line) => line.includes("only for others")),
      false,
    );
    await Promise.all([alice.close(), bob.close()]);
  });

  it("keeps the user count right as people come and go", async () => {
    const watcher = await LineClient.join(server.port);
    const others = await Promise.all(Array.from({ length: 5 }, () => LineClient.join(server.port)));
    await watcher.waitFor((line) => line.endsWith("(6 users online)"));
    await Promise.all(others.slice(0, 4).map((client) => client.close()));
    await others[4].reset();
    await watcher.waitFor((line) => line.startsWith("< ") && line.endsWith("(1 user online)"));
    assert.equal(server.hub.sessionCount, 1);
    await watcher.close();
  });

  it("ends every line it sends with a newline, even for a bare message", async () => {
    const alice = await LineClient.join(server.port);
    const bob = await LineClient.join(server.port);
    alice.send("no terminator");
    await bob.waitFor(`[${alice.address}] no terminator`);
    assert.equal(bob.unterminated, "");
    await Promise.all([alice.close(), bob.close()]);
  });
});
