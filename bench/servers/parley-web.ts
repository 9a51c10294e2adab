/**
 * Parley as shipped, its WebSocket endpoints under load: the JSON protocol on
 * `/ws` (`parley-ws`) and IRC over WebSocket on `/irc` (`parley-irc-ws`, which
 * needs the IRC front end on, as `/irc` is that front end over frames). The
 * HTTP port (`--http-port 0`) comes from the pino line
 * `{"event":"listening","frontend":"http","port":N}` on stderr.
 *
 * Every generated client comes from 127.0.0.1, past the default cap of web
 * connections per address, so the cap is lifted. The generator sends no
 * `Origin` (it is no browser page), which the upgrade accepts.
 */
import { DEFAULT_CONNECT_WINDOW, launchServer, type ServerKind } from "./kind.js";
import { PARLEY_COMMAND, PARLEY_SERVER_ARGS, parleyDataDir, readListeningPort } from "./parley.js";

const WEB_ARGS = ["--http-port", "0", "--web-connections-per-address", "1000000"];

export const parleyWs: ServerKind = {
  id: "parley-ws",
  label: "Parley WS",
  protocol: "ws",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    // The generator's join asks for no replay itself ("replay": 0).
    const command = [...PARLEY_COMMAND, ...PARLEY_SERVER_ARGS, ...WEB_ARGS, "--data-dir", parleyDataDir("parley-ws")];
    return launchServer(this, command, (_stdout, stderr) => readListeningPort(stderr, "http"));
  },
};

export const parleyIrcWs: ServerKind = {
  id: "parley-irc-ws",
  label: "Parley IRC/WS",
  protocol: "irc-ws",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    const command = [
      ...PARLEY_COMMAND,
      ...PARLEY_SERVER_ARGS,
      ...WEB_ARGS,
      "--irc-port",
      "0",
      // As for parley-irc: a room's past, replayed on JOIN, is not a delivery.
      "--join-replay",
      "0",
      "--data-dir",
      parleyDataDir("parley-irc-ws"),
    ];
    return launchServer(this, command, (_stdout, stderr) => readListeningPort(stderr, "http"));
  },
};
