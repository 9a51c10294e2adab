/** Child processes: pinned to a core, tracked, and all killed on the way out. */
import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { ROOT } from "./paths.js";

/** Everything we started, so that it is all killed on the way out, error or not. */
export const liveChildren = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  return child;
}

export function killAllChildren(): void {
  for (const child of liveChildren) child.kill("SIGKILL");
  liveChildren.clear();
}

export function installExitCleanup(): void {
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/**
 * Runs `command` pinned to `core`. The shell raises the open-file limit to its
 * hard maximum first (10,000 connections need more than a common default of
 * 1024) and then execs, so the child's PID is the program's own PID.
 */
export function spawnPinned(core: number, command: string[]): ChildProcess {
  const raiseLimitThenExec = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec taskset -c "$0" "$@"';
  const child = spawn("sh", ["-c", raiseLimitThenExec, String(core), ...command], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  return track(child);
}

export function childPid(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error("child process has no pid");
  return child.pid;
}

/** Keeps the last few KiB a stream printed, for error messages. */
export function keepTail(stream: Readable, maxChars = 4096): () => string {
  let tail = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-maxChars);
  });
  return () => tail.trim();
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<ExitStatus | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(null);
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal });
    };
    child.once("exit", onExit);
  });
}

/** Asks politely, then insists. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<ExitStatus & { graceful: boolean }> {
  child.kill("SIGTERM");
  const status = await waitForExit(child, graceMs);
  if (status !== null) return { ...status, graceful: true };
  child.kill("SIGKILL");
  const killed = await waitForExit(child, 2000);
  return { code: killed?.code ?? null, signal: killed?.signal ?? "SIGKILL", graceful: false };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
