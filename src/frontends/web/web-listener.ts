import type { Logger } from "pino";
import type { ServerConfig } from "../../config.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import type { Connection } from "../../net/connection.js";
import { WebEventRenderer } from "./web-render.js";
import { WebChatSession, type WebSessionOptions } from "./web-session.js";

/** The JSON protocol's version, as the welcome tells clients: it changes when the protocol does. */
export const WEB_PROTOCOL_VERSION = "1";

/** The largest frame a client may send (docs/protocol.md). */
export const MAX_WEB_FRAME_BYTES = 16 * 1024;

/** What the WebSocket transport hands the JSON protocol's connections to. */
export interface WebSocketChatListener {
  /** Makes a session of a connection whose framer delivers one text frame's payload per message. */
  startSession(connection: Connection): void;
  stop?(): void;
}

/** The JSON chat protocol on WebSocket (/ws): every connection becomes a WebChatSession. */
export function webSocketChatListener(hub: FrontEndHub, config: ServerConfig, log: Logger): WebSocketChatListener {
  const options: WebSessionOptions = {
    serverName: config.ircServerName,
    version: WEB_PROTOCOL_VERSION,
    maxFrameBytes: MAX_WEB_FRAME_BYTES,
    maxTextBytes: config.maxLineBytes,
    maxHistoryRequest: config.maxHistoryRequest,
    shutdownGraceMs: config.shutdownGraceMs,
    maxPacedLines: config.maxPacedLines,
    sendQueueBytes: config.sendQueueBytes,
  };
  const renderer = new WebEventRenderer();
  return {
    startSession: (connection) => {
      new WebChatSession(connection, hub, options, renderer, log);
    },
  };
}
