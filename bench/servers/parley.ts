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

/** A history directory of its own inside this run's scratch directory. */
export function parleyDataDir(name: string): string {
  return path.join(benchScratchDir(), name);
}

export function readLineStartPort(stdout: Readable): Promise<number> {
  return matchPort(stdout, START_LINE);
}

export const parley: ServerKind = {
  id: "parley",
  label: "Parley",
  protocol: "line",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    const command = [process.execPath, PARLEY_BIN, ...PARLEY_SERVER_ARGS, "--data-dir", parleyDataDir("parley")];
    return launchServer(this, command, readLineStartPort);
  },
};
