/** Parley as shipped, speaking the line protocol, with history in a fresh data directory. */
import path from "node:path";
import type { Readable } from "node:stream";
import { PARLEY_BIN } from "../lib/paths.js";
import { benchScratchDir, DEFAULT_CONNECT_WINDOW, launchServer, matchPort, type ServerKind } from "./kind.js";

/** The line listener's start line on stdout. */
const START_LINE = /Chat Server started on port (\d+)\./;

/** Loopback only, any free port; pacing off, since the generator's senders are far past any human rate. */
// IRC is off unless a kind turns it on: its default port may be anyone's.
export const PARLEY_SERVER_ARGS = [
  "server",
  "--host",
  "127.0.0.1",
  "--port",
  "0",
  "--rate",
  "off",
  "--irc-port",
  "off",
  "--http-port",
  "off",
];

/** The bin itself, as an operator runs it: its first line says how Node runs it (its flags included). */
export const PARLEY_COMMAND = [PARLEY_BIN];

/** A history directory of its own inside this run's scratch directory. */
export function parleyDataDir(name: string): string {
  return path.join(benchScratchDir(), name);
}

export function readLineStartPort(stdout: Readable): Promise<number> {
  return matchPort(stdout, START_LINE);
}

/** The port of one front end (`irc`, `http`), from the pino line `{"event":"listening","frontend":F,"port":N}` on stderr. */
export function readListeningPort(stderr: Readable, frontend: string): Promise<number> {
  stderr.setEncoding("utf8");
  return new Promise((resolve) => {
    let pending = "";
    const onData = (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const port = listeningPortOf(line, frontend);
        if (port === null) continue;
        stderr.off("data", onData);
        resolve(port);
        return;
      }
    };
    stderr.on("data", onData);
  });
}

function listeningPortOf(line: string, frontend: string): number | null {
  if (!line.startsWith("{")) return null;
  try {
    const entry = JSON.parse(line) as { event?: unknown; frontend?: unknown; port?: unknown };
    const isListening = entry.event === "listening" && entry.frontend === frontend;
    return isListening && typeof entry.port === "number" ? entry.port : null;
  } catch {
    return null;
  }
}

export const parley: ServerKind = {
  id: "parley",
  label: "Parley",
  protocol: "line",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    const command = [...PARLEY_COMMAND, ...PARLEY_SERVER_ARGS, "--data-dir", parleyDataDir("parley")];
    return launchServer(this, command, readLineStartPort);
  },
};
