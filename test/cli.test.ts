import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { LineClient } from "./helpers/line-client.js";
import { PARLEY_BIN, ServerProcess } from "./helpers/server.js";

function runParley(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [PARLEY_BIN, ...args], { encoding: "utf8", timeout: 10_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the parley command", () => {
  it("prints usage for --help and exits 0", () => {
    const result = runParley(["--help"]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /parley server \[HOST\] \[PORT\]/);
    assert.match(result.stdout, /parley client HOST PORT/);
  });

  it("prints its version for --version", () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const result = runParley(["--version"]);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `parley ${version}\n`);
  });

  for (const args of [
    [],
    ["serve"],
    ["server", "--bogus"],
    ["server", "127.0.0.1", "70000"],
    ["client", "127.0.0.1"],
    ["server", "--rate", "5:0"],
    ["server", "--rate", "0"],
  ]) {
    it(`rejects ${JSON.stringify(args)} with usage and exit code 2`, () => {
      const result = runParley(args);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /^parley: .+\n\nUsage:/);
    });
  }

  it("starts with the original's start line, on the port it actually bound", async () => {
    const server = await ServerProcess.start(["server", "--host", "127.0.0.1", "--port", "0"]);
    try {
      assert.equal(server.stdoutLines[0], `Chat Server started on port ${server.port}.`);
      assert.ok(server.port > 0);
      const listening = await waitForLog(server, "listening");
      assert.equal(listening.port, server.port);
      assert.equal(listening.address, "127.0.0.1");
      const limit = await waitForLog(server, "descriptor-limit");
      assert.match(String(limit.soft), /^(\d+|unlimited)$/);
    } finally {
      await server.kill();
    }
  });

  it("prints the original console transcript on stdout and structured logs on stderr", async () => {
    const server = await ServerProcess.start();
    try {
      const alice = await LineClient.join(server.port);
      const bob = await LineClient.join(server.port);
      alice.send("hello\n");
      await bob.waitFor(`[${alice.address}] hello`);
      await alice.close();
      await server.waitForLine((line) => line.startsWith("< The user"));
      assert.deepEqual(server.stdoutLines.slice(1), [
        `> New user ${alice.address} entered. (1 user online)`,
        `> New user ${bob.address} entered. (2 users online)`,
        `[${alice.address}] hello`,
        `< The user ${alice.address} left. (1 user online)`,
      ]);
      const connect = await waitForLog(server, "connect");
      assert.equal(connect.peer, alice.address);
      await bob.close();
    } finally {
      await server.kill();
    }
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`on ${signal} tells every client, closes every connection and exits 0`, async () => {
      const server = await ServerProcess.start();
      const clients = await Promise.all(Array.from({ length: 3 }, () => LineClient.join(server.port)));
      server.child.kill(signal);
      for (const client of clients) {
        await client.waitFor("! The server is shutting down.");
        await client.waitForClose();
      }
      const { code } = await server.exited;
      assert.equal(code, 0);
    });
  }

  it("exits 0 on a signal even while a client refuses to read", async () => {
    const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--rate", "off"]);
    const stuck = await LineClient.join(server.port);
    stuck.socket.pause();
    const talker = await LineClient.join(server.port);
    for (let i = 0; i < 2000; i++) talker.send(`${i} ${"z".repeat(200)}\n`);
    await server.waitForLine((line) => line.includes("] 1999 "));
    server.child.kill("SIGTERM");
    const { code } = await server.exited;
    assert.equal(code, 0);
    stuck.socket.destroy();
    talker.socket.destroy();
  });
});

/** The first structured log entry the server has written on stderr for `event`. */
function waitForLog(server: ServerProcess, event: string): Promise<Record<string, unknown>> {
  return server.waitFor(
    () =>
      server.stderrLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.event === event),
    `a "${event}" log line`,
    5000,
  );
}
