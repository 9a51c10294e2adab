import assert from "node:assert/strict";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { makeDataDir, PARLEY_BIN, ServerProcess } from "./helpers/server.js";
import { SpawnedProgram } from "./helpers/spawned-program.js";

type LogEntry = Record<string, unknown>;

function logEntries(server: SpawnedProgram): LogEntry[] {
  return server.stderrLines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as LogEntry);
}

/** Logs are written asynchronously: a line may follow the start line on stdout by a moment. */
function waitForLog(server: SpawnedProgram, event: string): Promise<LogEntry> {
  return server.waitFor(() => logEntries(server).find((entry) => entry.event === event), `a "${event}" log line`);
}

/** A server on `dataDir`, killed when the test ends if it still runs. */
async function startOn(t: TestContext, dataDir: string, ...more: string[]): Promise<ServerProcess> {
  const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--quiet", "--data-dir", dataDir, ...more]);
  t.after(() => server.kill());
  return server;
}

/** Stops with SIGTERM, as an operator does, and waits for the exit. */
async function stopCleanly(server: ServerProcess): Promise<void> {
  server.child.kill("SIGTERM");
  const { code } = await server.exited;
  assert.equal(code, 0, server.stderr);
}

describe("one server per data directory", () => {
  it("refuses a second server on a running server's data directory, in one line naming it", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const first = await startOn(t, dataDir);
    const second = new SpawnedProgram(
      "second parley server",
      process.execPath,
      [PARLEY_BIN, "server", "127.0.0.1", "0", "--irc-port", "0", "--http-port", "0", "--data-dir", dataDir],
      { stdin: "ignore", waitMs: 10_000 },
    );
    t.after(() => second.kill());
    const { code } = await second.waitForExit();
    assert.equal(code, 1);
    assert.equal(second.stdout, "");
    const lock = path.join(dataDir, "parley.db.lock");
    assert.equal(
      second.stderr,
      `parley: the data directory ${dataDir} is in use by another Parley server (it holds ${lock})\n`,
    );
    assert.ok(first.isRunning);
  });

  it("is not kept from starting by a server killed with kill -9", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const killed = await startOn(t, dataDir);
    await killed.kill("SIGKILL");
    const next = await startOn(t, dataDir);
    assert.ok(next.port > 0);
  });
});

describe("start-up on an existing database", () => {
  it("checks every page after an unclean shutdown or when asked, and not after a clean one", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    // The opened line follows any check, so once it is there the checks are all there.
    const checksOf = async (server: ServerProcess) => {
      await waitForLog(server, "database-opened");
      return logEntries(server)
        .filter((entry) => entry.event === "database-check")
        .map((entry) => entry.reason);
    };

    const first = await startOn(t, dataDir);
    await stopCleanly(first);

    const afterClean = await startOn(t, dataDir);
    assert.deepEqual(await checksOf(afterClean), []);
    await afterClean.kill("SIGKILL");

    const afterCrash = await startOn(t, dataDir);
    assert.deepEqual(await checksOf(afterCrash), ["unclean"]);
    const checked = await waitForLog(afterCrash, "database-checked");
    assert.equal(typeof checked.ms, "number");
    await stopCleanly(afterCrash);

    const asked = await startOn(t, dataDir, "--check-db");
    assert.deepEqual(await checksOf(asked), ["asked"]);
    await stopCleanly(asked);
  });

  it("logs the database file it opens, with its size", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const server = await startOn(t, dataDir);
    const opened = await waitForLog(server, "database-opened");
    assert.equal(opened.file, path.join(dataDir, "parley.db"));
    assert.ok(typeof opened.bytes === "number" && opened.bytes > 0, JSON.stringify(opened));
  });
});
