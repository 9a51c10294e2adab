import { type AddressInfo, createServer, type Server } from "node:net";
import type { Logger } from "pino";
import type { Hub } from "../../core/hub.js";
import { Connection, type ConnectionLimits } from "../../net/connection.js";
import { LineSession, type LineSessionOptions } from "./line-session.js";

export type LineListenerOptions = ConnectionLimits & LineSessionOptions & { host: string; port: number };

/** The plain line protocol's TCP listener: every accepted socket becomes a Connection and a LineSession. */
export async function listenLine(hub: Hub, options: LineListenerOptions, log: Logger): Promise<Server> {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const connection = new Connection(socket, options, log);
    try {
      new LineSession(connection, hub, options, log);
    } catch (error) {
      log.error({ event: "internal-error", peer: connection.address, err: error }, "could not start a session");
      connection.destroy("internal-error");
    }
  });
  server.on("error", (error) => log.error({ event: "listener-error", frontend: "line", err: error }, "listener error"));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A deep accept queue: a burst of thousands of connects must wait, not be dropped.
    const backlog = 4096;
    server.listen({ host: options.host === "" ? undefined : options.host, port: options.port, backlog }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  log.info(
    { event: "listening", frontend: "line", address: bound.address, port: bound.port },
    "line protocol listening",
  );
  return server;
}
