import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { defaultServerConfig, type ServerConfig } from "../../src/config.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { SpawnedProgram } from "./spawned-program.js";

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
    ircPort: 0,
    httpPort: 0,
    transcript: false,
    dataDir: owned?.dataDir ?? "",
    ...overrides,
  };
  const log = pino({ level: process.env.PARLEY_TEST_LOG ?? "silent" });
  const server = await startServer(config, log);
  const stop = server.stop;
  return Object.assign(server, {
    // NaN when the line protocol is off: a connection to it fails at once.
    port: server.lineAddress?.port ?? Number.NaN,
    dataDir: config.dataDir,
    stop: async () => {
      await stop();
      owned?.remove();
    },
  });
}

/** Longer than other waits: the first line comes only after the server has opened its store and bound. */
const SERVER_WAIT_MS = 10_000;

/** The built `parley` bin serving, as its own process, with its stdout and stderr lines collected. */
export class ServerProcess extends SpawnedProgram {
  port = 0;

  private constructor(args: string[]) {
    // IRC and the web port take free ports unless a test chooses: the defaults, 6667 and 8080, may be anyone's.
    const isServer = args[0] === "server";
    const irc = isServer && !args.includes("--irc-port") ? ["--irc-port", "0"] : [];
    const http = isServer && !args.includes("--http-port") ? ["--http-port", "0"] : [];
    // The bin itself, as an operator runs it: its first line says how Node runs it.
    super("parley server", PARLEY_BIN, [...args, ...irc, ...http], {
      stdin: "ignore",
      waitMs: SERVER_WAIT_MS,
    });
  }

  /** Starts the bin; unless `args` name a --data-dir, it gets a fresh one, removed when the process exits. */
  static async start(args: string[] = ["server", "127.0.0.1", "0"]): Promise<ServerProcess> {
    const owned = args.includes("--data-dir") ? null : makeDataDir();
    const server = new ServerProcess(owned === null ? args : [...args, "--data-dir", owned.dataDir]);
    if (owned !== null) server.child.once("exit", owned.remove);
    const started = await server.waitForLine((line) => line.startsWith("Chat Server started"));
    // NaN when the line protocol is off (`--port off`): a connection to it fails at once.
    server.port = Number(started.match(/ on port (\d+)\.$/)?.[1]);
    return server;
  }

  /** The port a front end ("irc", "http") bound, from its "listening" log line. */
  portOf(frontend: string): Promise<number> {
    return this.waitFor(() => {
      for (const line of this.stderrLines) {
        const entry = JSON.parse(line) as { event?: string; frontend?: string; port?: number };
        if (entry.event === "listening" && entry.frontend === frontend && entry.port !== undefined) return entry.port;
      }
      return undefined;
    }, `a "listening" log line for ${frontend}`);
  }
}

/** The port of the server's IRC listener; throws when IRC is off. */
export function ircPortOf(server: RunningServer): number {
  if (server.ircAddress === null) throw new Error("this server has IRC off");
  return server.ircAddress.port;
}

/** The port of the server's web listener; throws when it is off. */
export function httpPortOf(server: RunningServer): number {
  if (server.httpAddress === null) throw new Error("this server has its web port off");
  return server.httpAddress.port;
}
