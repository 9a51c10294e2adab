import type { AddressInfo, Server } from "node:net";
import type { Logger } from "pino";
import { LocalBus } from "./bus/local-bus.js";
import type { ServerConfig } from "./config.js";
import { Hub } from "./core/hub.js";
import { listenLine } from "./frontends/line/line-listener.js";
import { ConsoleTranscript } from "./frontends/line/transcript.js";

export interface RunningServer {
  readonly hub: Hub;
  /** Where the line protocol actually listens (port 0 resolved). */
  readonly lineAddress: AddressInfo;
  /** Tells every user, flushes what is queued, closes everything; resolves when all sockets are closed. */
  stop(): Promise<void>;
}

/** Assembles the core and its front ends from one config object. */
export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const bus = new LocalBus();
  const hub = new Hub(bus);
  if (config.transcript) {
    const transcript = new ConsoleTranscript(process.stdout, log);
    hub.observe((event) => transcript.record(event));
  }
  const line = await listenLine(hub, config, log);
  return {
    hub,
    lineAddress: line.address() as AddressInfo,
    stop: () => stopServer(hub, [line], bus, log),
  };
}

async function stopServer(hub: Hub, listeners: Server[], bus: LocalBus, log: Logger): Promise<void> {
  log.info({ event: "shutdown", sessions: hub.sessionCount }, "shutting down");
  const closed = listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve())));
  hub.shutdown();
  await Promise.all(closed);
  await bus.close();
  log.info({ event: "stopped" }, "stopped");
}
