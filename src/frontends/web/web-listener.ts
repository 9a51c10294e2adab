import type { Logger } from "pino";
import { type ServerConfig, WEB_SOCKET_MAX_PAYLOAD_BYTES } from "../../config.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import type { WebSocketRoute } from "../http/http-listener.js";
import { WebEventRenderer } from "./web-render.js";
import { WebChatSession, type WebSessionOptions } from "./web-session.js";

/** The JSON protocol's version, as the welcome tells clients: it changes when the protocol does. */
export const WEB_PROTOCOL_VERSION = "2";

/** The JSON chat protocol's WebSocket endpoint. */
export interface WebSocketChatListener extends WebSocketRoute {
  stop?(): void;
}

/**
 * The JSON chat protocol on WebSocket (/ws, docs/protocol.md): every connection, one text
 * frame per message, becomes a WebChatSession.
 */
export function webSocketChatListener(hub: FrontEndHub, config: ServerConfig, log: Logger): WebSocketChatListener {
  const options: WebSessionOptions = {
    serverName: config.ircServerName,
    version: WEB_PROTOCOL_VERSION,
    maxFrameBytes: WEB_SOCKET_MAX_PAYLOAD_BYTES,
    maxTextBytes: config.maxLineBytes,
    maxHistoryRequest: config.maxHistoryRequest,
    shutdownGraceMs: config.shutdownGraceMs,
    maxPacedLines: config.maxPacedLines,
    sendQueueBytes: config.sendQueueBytes,
  };
  const renderer = new WebEventRenderer();
  return {
    path: "/ws",
    // A client may offer none; the protocol is known by the path.
    subprotocol: null,
    // A frame over the payload cap is closed with 1009 by the transport; every frame under it is the session's.
    framing: {
      maxPayloadBytes: WEB_SOCKET_MAX_PAYLOAD_BYTES,
      maxMessageBytes: WEB_SOCKET_MAX_PAYLOAD_BYTES,
      trimsLineEnd: false,
    },
    startSession: (connection) => {
      new WebChatSession(connection, hub, options, renderer, log);
    },
  };
}
