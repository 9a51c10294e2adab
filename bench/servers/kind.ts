/** What every server kind provides, and the shared way to start one and wait until it listens. */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { SERVER_CORE } from "../lib/paths.js";
import type { ServerId } from "../lib/plan.js";
import { childPid, keepTail, spawnPinned, terminate } from "../lib/processes.js";

const SERVER_START_TIMEOUT_MS = 15_000;
const SERVER_STOP_GRACE_MS = 5_000;

/** Which protocol the load generator speaks to a server (`ws`: the JSON protocol on /ws; `irc-ws`: IRC on /irc). */
export type Protocol = "line" | "irc" | "ws" | "irc-ws";

export interface ServerKind {
  id: ServerId;
  label: string;
  protocol: Protocol;
  /** Most clients the generator may have connected but not yet admitted (the listen backlog must hold them). */
  connectWindow: number;
  /** Starts the server pinned to the server core; resolves once it listens. */
  start: () => Promise<RunningServer>;
}

export interface RunningServer {
  kind: ServerKind;
  child: ChildProcess;
  pid: number;
  port: number;
  stderrTail: () => string;
}

export interface ServerStop {
  code: number | null;
  signal: string | null;
  graceful: boolean;
}

/** Clients connecting at once, for servers whose listen backlog is the usual 128 or more. */
export const DEFAULT_CONNECT_WINDOW = 200;

let benchTempDir: string | null = null;

/** One fresh directory per bench run (histories, configuration files), removed when the run ends. */
export function benchScratchDir(): string {
  if (benchTempDir === null) {
    const created = mkdtempSync(path.join(os.tmpdir(), "parley-bench-"));
    benchTempDir = created;
    process.on("exit", () => rmSync(created, { recursive: true, force: true }));
  }
  return benchTempDir;
}

/** Reads the listening port from what the server prints, watching its stdout and stderr. */
export type PortReader = (stdout: Readable, stderr: Readable) => Promise<number>;

/**
 * Spawns `command` on the server core and waits for `readPort`. A server that
 * never announced itself must not linger on the bench core, so it is stopped.
 */
export async function launchServer(kind: ServerKind, command: string[], readPort: PortReader): Promise<RunningServer> {
  const child = spawnPinned(SERVER_CORE, command);
  const stderr = child.stderr as Readable;
  const stdout = child.stdout as Readable;
  const stderrTail = keepTail(stderr);
  // Whatever the server prints later is drained, so it never blocks on a full pipe.
  stdout.resume();
  try {
    const port = await withStartTimeout(child, stderrTail, readPort(stdout, stderr));
    return { kind, child, pid: childPid(child), port, stderrTail };
  } catch (error) {
    await terminate(child, 1000);
    throw error;
  }
}

function withStartTimeout(child: ChildProcess, stderrTail: () => string, port: Promise<number>): Promise<number> {
  return new Promise((resolve, reject) => {
    let isSettled = false;
    const settle = (finish: () => void) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      finish();
    };
    const timer = setTimeout(
      () => settle(() => reject(new Error(`no start line within ${SERVER_START_TIMEOUT_MS} ms\n${stderrTail()}`))),
      SERVER_START_TIMEOUT_MS,
    );
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      settle(() =>
        reject(new Error(`server exited before starting (code ${code}, signal ${signal})\n${stderrTail()}`)),
      );
    child.once("exit", onExit);
    port.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/** Resolves with the first match of `pattern`'s first group in `stream`, as a port number. */
export function matchPort(stream: Readable, pattern: RegExp): Promise<number> {
  stream.setEncoding("utf8");
  return new Promise((resolve) => {
    let seen = "";
    const onData = (chunk: string) => {
      seen = (seen + chunk).slice(-65536);
      const match = pattern.exec(seen);
      if (match === null) return;
      stream.off("data", onData);
      resolve(Number(match[1]));
    };
    stream.on("data", onData);
  });
}

export async function stopServer(server: RunningServer): Promise<ServerStop> {
  return terminate(server.child, SERVER_STOP_GRACE_MS);
}

/**
 * Starts and stops `kind` once: null if it can serve, else why not. A server
 * that is not installed, or a Parley that does not know a flag yet, is then
 * reported as skipped instead of failing every scenario it is in.
 */
export async function whyUnavailable(kind: ServerKind): Promise<string | null> {
  try {
    const server = await kind.start();
    await stopServer(server);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.split("\n").find((line) => line.trim() !== "" && !line.startsWith("server exited")) ?? message;
  }
}
