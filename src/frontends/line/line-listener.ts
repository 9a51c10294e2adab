import type { Logger } from "pino";
import type { ListenerConfig, ServerConfig } from "../../config.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import { LineFramer } from "../../net/line-framer.js";
import { type FrontEndListener, listenerSpec } from "../listen.js";
import { LineSession } from "./line-session.js";

/** The plain line protocol's listener: every accepted connection becomes a LineSession. */
export function lineListener(
  hub: FrontEndHub,
  listener: ListenerConfig,
  config: ServerConfig,
  log: Logger,
): FrontEndListener {
  const framing = {
    maxLineBytes: listener.maxLineBytes,
    maxUnterminatedBytes: listener.maxUnterminatedBytes,
    quietFlushMs: config.quietFlushMs,
    // The original client sends bare messages: a quiet ends one, until the peer sends a newline.
    quietFlush: "until-framed",
  } as const;
  const options = {
    defaultRoom: config.defaultRoom,
    lobbyReplay: config.lobbyReplay,
    maxLineBytes: listener.maxLineBytes,
    shutdownGraceMs: config.shutdownGraceMs,
    maxPacedLines: config.maxPacedLines,
    sendQueueBytes: listener.sendQueueBytes,
  };
  return {
    spec: listenerSpec("line", listener, (sink) => new LineFramer(framing, sink)),
    startSession: (connection) => {
      new LineSession(connection, hub, options, log);
    },
  };
}
