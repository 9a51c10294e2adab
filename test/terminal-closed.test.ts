import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { python3Skip } from "./helpers/environment.js";
import { LineClient } from "./helpers/line-client.js";
import { makeDataDir, PARLEY_BIN } from "./helpers/server.js";
import { SpawnedProgram } from "./helpers/spawned-program.js";

/**
 * Runs the server on a pseudo-terminal, as a shell in a terminal window does, prints the
 * port, waits for a line on stdin, then closes the terminal (the kernel hangs it up and sends
 * SIGHUP) and reports whether the server exited within 20 s.
 */
const TERMINAL_HARNESS = `
import os, pty, re, select, sys, time
node, parley, data_dir = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(node, [node, parley, "server", "127.0.0.1", "0", "--irc-port", "0", "--http-port", "0", "--data-dir", data_dir])
seen = b""
deadline = time.time() + 20
while b"Chat Server started on port" not in seen or b"." not in seen.split(b"started on port")[-1]:
    if time.time() > deadline:
        print("no start line", flush=True)
        sys.exit(2)
    if select.select([fd], [], [], 0.5)[0]:
        seen += os.read(fd, 65536)
print("port " + re.search(rb"started on port (\\d+)\\.", seen).group(1).decode(), flush=True)
sys.stdin.readline()
os.close(fd)
deadline = time.time() + 20
while time.time() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        print("exited %d" % os.waitstatus_to_exitcode(status), flush=True)
        sys.exit(0)
    time.sleep(0.05)
print("still running", flush=True)
os.kill(pid, 9)
os.waitpid(pid, 0)
sys.exit(1)
`;

describe("a server whose terminal or reader goes away", () => {
  it("stops when its terminal closes: users are told, the database is closed, and it exits instead of hanging", {
    skip: python3Skip() ?? undefined,
  }, async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const harness = new SpawnedProgram(
      "terminal harness",
      "python3",
      ["-c", TERMINAL_HARNESS, process.execPath, PARLEY_BIN, dataDir],
      { waitMs: 30_000 },
    );
    t.after(() => harness.kill());
    const portLine = await harness.waitForLine((line) => line.startsWith("port ") || line === "no start line");
    const client = await LineClient.join(Number(portLine.slice("port ".length)));
    t.after(() => client.socket.destroy());
    client.send("before the terminal closed\n");
    await client.waitFor((line) => line.startsWith("> Connected"));
    harness.type("");
    await client.waitFor("! The server is shutting down.", 20_000);
    const ended = await harness.waitForLine((line) => line.startsWith("exited") || line === "still running");
    assert.equal(ended, "exited 0");
    assert.ok(existsSync(join(dataDir, "parley.db")));
    assert.deepEqual(
      readdirSync(dataDir).filter((name) => name.endsWith("-wal")),
      [],
    );
  });

  it("keeps serving when whoever read its transcript has gone, and says so in the log", async (t) => {
    const { dataDir, remove } = makeDataDir();
    t.after(remove);
    const child = spawn(
      process.execPath,
      [
        PARLEY_BIN,
        "server",
        "127.0.0.1",
        "0",
        "--irc-port",
        "0",
        "--http-port",
        "0",
        "--rate",
        "off",
        "--data-dir",
        dataDir,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    t.after(() => child.kill("SIGKILL"));
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const match = /started on port (\d+)\./.exec(stdout);
        // `parley server | head -1`: the reader takes the start line and goes.
        if (match !== null) {
          child.stdout.destroy();
          resolve(Number(match[1]));
        }
      });
      child.once("exit", () => reject(new Error(`the server exited: ${stderr}`)));
    });
    const alice = await LineClient.join(port);
    const bob = await LineClient.join(port);
    t.after(() => {
      alice.socket.destroy();
      bob.socket.destroy();
    });
    for (let i = 1; i <= 50; i++) alice.send(`line ${i} for a transcript nobody reads\n`);
    await bob.waitFor(`[${alice.address}] line 50 for a transcript nobody reads`);
    const carol = await LineClient.join(port);
    t.after(() => carol.socket.destroy());
    carol.send("still here\n");
    await bob.waitFor(`[${carol.address}] still here`);
    assert.equal(child.exitCode, null, stderr);
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /"event":"transcript-stopped"/);
  });
});
