import { type AddressInfo, createServer, type Server } from "node:net";
import type { Logger } from "pino";
import type { Hub } from "../../core/hub.js";
import { Connection, type ConnectionLimits } from "../../net/connection.js";
import type { FramerFactory } from "../../net/framer.js";
import { LineFramer, type LineFramerOptions } from "../../net/line-framer.js";
import { LineSession, type LineSessionOptions } from "./line-session.js";

export type LineListenerOptions = ConnectionLimits &
  LineSessionOptions &
  Omit<LineFramerOptions, "quietFlush"> & { host: string; port: number };

/** The plain line protocol's TCP listener: every accepted socket becomes a Connection and a LineSession. */
export async function listenLine(hub: Hub, options: LineListenerOptions, log: Logger): Promise<Server> {
  // The original client sends bare messages: a quiet ends one, until the peer sends a newline.
  const framer: FramerFactory = (sink) => new LineFramer({ ...options, quietFlush: "until-framed" }, sink);
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const connection = new Connection(socket, options, framer, log);
    try {
      new LineSession(connection, hub, options, log);
    } catch (error) {
      log.error({ event: "internal-error", peer: connection.address, err: error }, "could not start a session");
      connection.destroy("internal-error");
    }
  });
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException): void => {
      // Start-up ends with the one line this error becomes; the stack is for debugging only.
      log.debug({ event: "listen-failed", frontend: "line", err: error }, "could not listen");
      reject(new Error(`cannot listen on ${where(options)}: ${whyNotListening(error)}`));
    };
    server.once("error", refuse);
    // A deep accept queue: a burst of thousands of connects must wait, not be dropped.
    const backlog = 4096;
    server.listen({ host: options.host === "" ? undefined : options.host, port: options.port, backlog }, () => {
      server.off("error", refuse);
      resolve();
    });
  });
  server.on("error", (error) => log.error({ event: "listener-error", frontend: "line", err: error }, "listener error"));
  const bound = server.address() as AddressInfo;
  log.info(
    { event: "listening", frontend: "line", address: bound.address, port: bound.port },
    "line protocol listening",
  );
  return server;
}

function where({ host, port }: { host: string; port: number }): string {
  if (host === "") return `port ${port} of every address`;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What the operator can do something about, in words; Node's own message otherwise. */
function whyNotListening(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "EADDRINUSE":
      return "the port is in use (--port, or the second positional argument, picks another)";
    case "EADDRNOTAVAIL":
      return "this machine has no such address (--host, or the first positional argument)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "no such host name (--host, or the first positional argument)";
    case "EACCES":
      return "permission denied (ports below 1024 need privileges)";
    default:
      return error.message;
  }
}
