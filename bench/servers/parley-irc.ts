/**
 * Parley as shipped, its IRC front end under load (`--irc-port 0`); the line
 * listener is on too, on a port of its own. The IRC port comes from the pino
 * line `{"event":"listening","frontend":"irc","port":N}` on stderr.
 */
import type { Readable } from "node:stream";
import { PARLEY_BIN } from "../lib/paths.js";
import { DEFAULT_CONNECT_WINDOW, launchServer, type ServerKind } from "./kind.js";
import { PARLEY_SERVER_ARGS, parleyDataDir } from "./parley.js";

export const parleyIrc: ServerKind = {
  id: "parley-irc",
  label: "Parley IRC",
  protocol: "irc",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    const command = [
      process.execPath,
      PARLEY_BIN,
      ...PARLEY_SERVER_ARGS,
      "--irc-port",
      "0",
      // The load generator counts every PRIVMSG: a room's past, replayed on JOIN, is not a delivery.
      "--join-replay",
      "0",
      "--data-dir",
      parleyDataDir("parley-irc"),
    ];
    return launchServer(this, command, (_stdout, stderr) => readIrcListeningPort(stderr));
  },
};

function readIrcListeningPort(stderr: Readable): Promise<number> {
  stderr.setEncoding("utf8");
  return new Promise((resolve) => {
    let pending = "";
    const onData = (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const port = ircPortOf(line);
        if (port === null) continue;
        stderr.off("data", onData);
        resolve(port);
        return;
      }
    };
    stderr.on("data", onData);
  });
}

function ircPortOf(line: string): number | null {
  if (!line.startsWith("{")) return null;
  try {
    const entry = JSON.parse(line) as { event?: unknown; frontend?: unknown; port?: unknown };
    const isIrcListening = entry.event === "listening" && entry.frontend === "irc";
    return isIrcListening && typeof entry.port === "number" ? entry.port : null;
  } catch {
    return null;
  }
}
