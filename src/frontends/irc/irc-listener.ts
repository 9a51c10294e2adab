import type { Logger } from "pino";
import {
  IRC_MAX_LINE_BYTES,
  type ListenerConfig,
  type ServerConfig,
  WEB_SOCKET_MAX_PAYLOAD_BYTES,
} from "../../config.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import { LineFramer } from "../../net/line-framer.js";
import { WebSocketLineFraming } from "../../net/websocket-line-framing.js";
import type { WebSocketRoute } from "../http/http-listener.js";
import { type FrontEndListener, listenerSpec } from "../listen.js";
import { IrcFrontEnd } from "./irc-front-end.js";

const VERSION = "0.1.0";
/** The message of the day, saying only what this server's configuration makes true. */
function motdOf(config: ServerConfig): string[] {
  const others = [
    ...(config.port === null ? [] : ["the line protocol"]),
    ...(config.httpPort === null ? [] : ["the web page"]),
  ];
  const shared = config.history ? "rooms, names and history" : "rooms and names";
  const motd = [
    others.length === 0 ? "Welcome to Parley." : `Welcome to Parley: the same ${shared} as ${others.join(" and ")}.`,
  ];
  if (config.history) {
    // A guest's past is unknown: a join shows the channel's latest, whether seen or not.
    if (config.joinReplay > 0) motd.push(`Joining a channel shows its last ${config.joinReplay} messages.`);
    motd.push("Log in to get everything you missed (SASL, PASS account:password, or /msg NickServ IDENTIFY).");
  }
  return motd;
}

/** IRCv3 WebSocket: one IRC line a text frame, without its CR LF. */
const IRC_WEB_SOCKET_SUBPROTOCOL = "text.ircv3.net";

/** The IRC front end on its TCP port, and on the web port's `/irc` for browser clients. */
export interface IrcListener extends FrontEndListener {
  readonly webSocket: WebSocketRoute;
}

/** The IRC listener: lines of RFC 1459 with IRCv3 tags, each connection an IrcSession. */
export function ircListener(
  hub: FrontEndHub,
  listener: ListenerConfig,
  config: ServerConfig,
  cloakSecret: Buffer,
  log: Logger,
): IrcListener {
  const framing = {
    maxLineBytes: listener.maxLineBytes,
    maxUnterminatedBytes: listener.maxUnterminatedBytes,
    // Every IRC line ends in a newline: a quiet never ends one.
    quietFlushMs: 0,
    quietFlush: "never",
  } as const;
  const frontEnd = new IrcFrontEnd(
    hub,
    {
      serverName: config.ircServerName,
      networkName: config.networkName,
      version: VERSION,
      startedAt: Date.now(),
      motd: motdOf(config),
      registrationTimeoutMs: 60_000,
      pingIntervalMs: 90_000,
      cloakSecret,
      joinReplay: config.joinReplay,
      maxHistoryRequest: config.maxHistoryRequest,
      maxRoomsPerUser: config.maxRoomsPerUser,
      hasAccounts: hub.hasHistory,
      shutdownGraceMs: config.shutdownGraceMs,
      maxPacedLines: config.maxPacedLines,
      sendQueueBytes: listener.sendQueueBytes,
    },
    log,
  );
  const linesAsFrames = new WebSocketLineFraming();
  return {
    spec: listenerSpec("irc", listener, (sink) => new LineFramer(framing, sink)),
    webSocket: {
      path: "/irc",
      subprotocol: IRC_WEB_SOCKET_SUBPROTOCOL,
      framing: {
        maxPayloadBytes: WEB_SOCKET_MAX_PAYLOAD_BYTES,
        maxMessageBytes: IRC_MAX_LINE_BYTES,
        trimsLineEnd: true,
      },
      startSession: (connection) => frontEnd.startSession(connection, linesAsFrames),
    },
    startSession: (connection) => frontEnd.startSession(connection),
    stop: () => frontEnd.stop(),
    userMaskOf: (ref) => frontEnd.users.maskOf(ref),
  };
}
