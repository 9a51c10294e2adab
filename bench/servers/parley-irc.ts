/**
 * Parley as shipped, its IRC front end under load (`--irc-port 0`); the line
 * listener is on too, on a port of its own. The IRC port comes from the pino
 * line `{"event":"listening","frontend":"irc","port":N}` on stderr.
 */
import { DEFAULT_CONNECT_WINDOW, launchServer, type ServerKind } from "./kind.js";
import { PARLEY_COMMAND, PARLEY_SERVER_ARGS, parleyDataDir, readListeningPort } from "./parley.js";

export const parleyIrc: ServerKind = {
  id: "parley-irc",
  label: "Parley IRC",
  protocol: "irc",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    const command = [
      ...PARLEY_COMMAND,
      ...PARLEY_SERVER_ARGS,
      "--irc-port",
      "0",
      // The load generator counts every PRIVMSG: a room's past, replayed on JOIN, is not a delivery.
      "--join-replay",
      "0",
      "--data-dir",
      parleyDataDir("parley-irc"),
    ];
    return launchServer(this, command, (_stdout, stderr) => readListeningPort(stderr, "irc"));
  },
};
