import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { defaultServerConfig, type ServerConfig } from "../../src/config.js";
import { type RunningServer, startServer } from "../../src/server.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PARLEY_BIN = fileURLToPath(new URL("../../dist/parley.js", import.meta.url));

/** A fresh, empty data directory, removed by the returned function. */
export function makeDataDir(): { dataDir: string; remove: () => void } {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-test-"));
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

export type TestServer = RunningServer & { port: number; dataDir: string };

/**
 * An in-process server on a free loopback port, with its own data directory (removed
 * when it stops, unless the caller passed one); quiet unless PARLEY_TEST_LOG is set.
 */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const owned = overrides.dataDir === undefined ? makeDataDir() : null;
  const config: ServerConfig = {
    ...defaultServerConfig,
    host: "127.0.0.1",
    port: 0,
    transcript: false,
    dataDir: owned?.dataDir ?? "",
    ...overrides,
  };
  const log = pino({ level: process.env.PARLEY_TEST_LOG ?? "silent" });
  const server = await startServer(config, log);
  const stop = server.stop;
  return Object.assign(server, {
    port: server.lineAddress.port,
    dataDir: config.dataDir,
    stop: async () => {
      await stop();
      owned?.remove();
    },
  });
}

/** The built `parley` bin as its own process, with its stdout lines collected. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  port = 0;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<() => void> = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    collectLines(child.stdout, this.stdoutLines, () => this.#wake());
    collectLines(child.stderr, this.stderrLines, () => this.#wake());
    this.exited = once(child, "exit").then(([code, signal]) => {
      this.#wake();
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
  }

  /** Starts the bin; unless `args` name a --data-dir, it gets a fresh one, removed when the process exits. */
  static async start(args: string[] = ["server", "127.0.0.1", "0"]): Promise<ServerProcess> {
    const owned = args.includes("--data-dir") ? null : makeDataDir();
    const fullArgs = owned === null ? args : [...args, "--data-dir", owned.dataDir];
    const child = spawn(process.execPath, [PARLEY_BIN, ...fullArgs], { stdio: ["ignore", "pipe", "pipe"] });
    if (owned !== null) child.once("exit", owned.remove);
    const server = new ServerProcess(child);
    const started = await server.waitForStdout((line) => line.startsWith("Chat Server started on port "));
    server.port = Number(started.match(/port (\d+)\./)?.[1]);
    return server;
  }

  waitForStdout(match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for server output; stdout:\n${this.stdoutLines.join("\n")}\nstderr:\n${this.stderrLines.join("\n")}`,
            ),
          ),
        timeoutMs,
      );
      const check = (): void => {
        const found = this.stdoutLines.find(match);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`server exited; stderr:\n${this.stderrLines.join("\n")}`));
        } else {
          this.#waiters.push(check);
        }
      };
      check();
    });
  }

  /** Stops the process if it still runs. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[], onLine: () => void): void {
  if (stream === null) return;
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (text: string) => {
    buffered += text;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    into.push(...parts);
    onLine();
  });
}
