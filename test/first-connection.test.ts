import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { ServerConfig } from "../src/config.js";
import { ask, historyBlock, isHistoryEnd, UNPACED, withoutTime } from "./helpers/chat-fixture.js";
import { LineClient } from "./helpers/line-client.js";
import { makeDataDir, startTestServer, type TestServer } from "./helpers/server.js";

const END = isHistoryEnd;
const AWAY = "- While you were away:";

/**
 * Bugs hid where no test went: the very first connection a server takes after it starts,
 * with no connection (not even a probe of the port) before it.
 */
describe("the first connection after a start", () => {
  /** A server on `dataDir`, stopped when the test ends (the data directory outlives it). */
  async function serve(t: TestContext, dataDir: string, overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
    const server = await startTestServer({ ...UNPACED, dataDir, ...overrides });
    t.after(() => server.stop());
    return server;
  }

  async function connect(t: TestContext, server: TestServer): Promise<LineClient> {
    const client = await LineClient.join(server.port);
    t.after(() => client.socket.destroy());
    return client;
  }

  /** In a first run, ann registers and leaves, then bob says `said` in #lobby. */
  async function annMisses(t: TestContext, said: readonly string[]): Promise<string> {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const first = await startTestServer({ ...UNPACED, dataDir });
    try {
      const ann = await LineClient.join(first.port);
      await ask(ann, "/nick ann", "- You are now known as ann.");
      await ask(ann, "/register password1", (line) => line.startsWith("- The name ann is now yours."));
      await ann.close();
      const bob = await LineClient.join(first.port);
      await ask(bob, "/nick bob", "- You are now known as bob.");
      bob.send(said.map((text) => `${text}\n`).join(""));
      await ask(bob, "/history 1", END);
      await bob.close();
    } finally {
      await first.stop();
    }
    return dataDir;
  }

  it("a login as the very first connection replays what the account missed, and the next login does not lose it", async (t) => {
    const said = ["while ann was away 1", "while ann was away 2", "while ann was away 3"];
    const dataDir = await annMisses(t, said);
    const expected = said.map((text) => `#lobby [bob] ${text}`);

    const second = await serve(t, dataDir);
    const ann = await connect(t, second);
    const reply = await ask(ann, "/login ann password1", END);
    assert.equal(reply[1], AWAY, reply.join("\n"));
    assert.deepEqual(historyBlock(reply, AWAY).map(withoutTime), expected);
    await ann.close();
    await second.stop();

    // She saw it all: a later login, again first after a start, has nothing more to show...
    const third = await serve(t, dataDir);
    const again = await connect(t, third);
    const secondReply = await ask(again, "/login ann password1", (line) => line.startsWith("- Logged in as "));
    assert.deepEqual(secondReply, ["- Logged in as ann. Your rooms: #lobby."]);
    // ...and /history still has what was said, so nothing moved her place past what it kept.
    const history = await ask(again, "/history 3", END);
    assert.deepEqual(historyBlock(history, "- History of #lobby:").map(withoutTime), expected);
  });

  it("a login from the first connection that closes before it is answered keeps the account's backlog", async (t) => {
    const said = ["kept for later 1", "kept for later 2"];
    const dataDir = await annMisses(t, said);

    const second = await serve(t, dataDir);
    const gone = await connect(t, second);
    gone.send("/login ann password1\n");
    await gone.close();

    const ann = await connect(t, second);
    const reply = await ask(ann, "/login ann password1", END);
    assert.deepEqual(
      historyBlock(reply, AWAY).map(withoutTime),
      said.map((text) => `#lobby [bob] ${text}`),
    );
  });

  it("--lobby-replay shows the lobby's last messages to the very first connection", async (t) => {
    const said = ["before the start 1", "before the start 2", "before the start 3"];
    const dataDir = await annMisses(t, said);

    const second = await serve(t, dataDir, { lobbyReplay: 2 });
    const first = await connect(t, second);
    await first.waitFor(END);
    assert.deepEqual(historyBlock(first.lines, "- History of #lobby:").map(withoutTime), [
      "#lobby [bob] before the start 2",
      "#lobby [bob] before the start 3",
    ]);
  });
});
