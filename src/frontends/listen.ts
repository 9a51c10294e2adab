import { type AddressInfo, createServer, type Server } from "node:net";
import type { Logger } from "pino";
import type { ListenerConfig } from "../config.js";
import type { UserRef } from "../core/events.js";
import { Connection, type ConnectionLimits } from "../net/connection.js";
import type { FramerFactory } from "../net/framer.js";

/** One TCP listener of one front end, as the server's configuration describes it. */
export interface ListenerSpec {
  /** The front end's name, in logs: "line", "irc". */
  readonly frontend: string;
  /** "" for every address. */
  readonly host: string;
  /** 0 takes a free port. */
  readonly port: number;
  /** How the operator chooses the port, named when it cannot be listened on. */
  readonly portOption: string;
  readonly connection: ConnectionLimits;
  readonly framer: FramerFactory;
}

/** A listener's spec from its configuration: where, its connections' limits, and how its front end frames messages. */
export function listenerSpec(frontend: string, listener: ListenerConfig, framer: FramerFactory): ListenerSpec {
  const { host, port, portOption, sendQueueBytes, keepaliveSeconds } = listener;
  return { frontend, host, port, portOption, connection: { sendQueueBytes, keepaliveSeconds }, framer };
}

/** A front end ready to listen: where, and what each accepted connection becomes. */
export interface FrontEndListener {
  readonly spec: ListenerSpec;
  startSession(connection: Connection): void;
  /** Stops what the front end runs besides its sessions (timers). */
  stop?(): void;
  /**
   * How this front end shows a user as `name!user@host`, for a front end whose users see and
   * set such masks (IRC): the core matches room bans against it. See `UserMaskOf`.
   */
  userMaskOf?(ref: UserRef): string;
}

/**
 * Listens for one front end: every accepted socket becomes a Connection with the front end's
 * framer, handed to `startSession`. Resolves once listening; rejects with one line an operator
 * can act on.
 */
export async function listen(listener: FrontEndListener, log: Logger): Promise<Server> {
  const { spec } = listener;
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const connection = new Connection(socket, spec.connection, spec.framer, log);
    try {
      listener.startSession(connection);
    } catch (error) {
      log.error({ event: "internal-error", peer: connection.address, err: error }, "could not start a session");
      connection.destroy("internal-error");
    }
  });
  await bind(server, spec, log);
  return server;
}

/**
 * Binds a listener as `spec` says and logs where. Resolves once listening; rejects with one
 * line an operator can act on.
 */
export async function bind(
  server: Server,
  spec: Pick<ListenerSpec, "frontend" | "host" | "port" | "portOption">,
  log: Logger,
): Promise<void> {
  const { frontend } = spec;
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException): void => {
      // Start-up ends with the one line this error becomes; the stack is for debugging only.
      log.debug({ event: "listen-failed", frontend, err: error }, "could not listen");
      reject(new Error(`cannot listen on ${where(spec)}: ${whyNotListening(error, spec.portOption)}`));
    };
    server.once("error", refuse);
    // A deep accept queue: a burst of thousands of connects must wait, not be dropped.
    const backlog = 4096;
    server.listen({ host: spec.host === "" ? undefined : spec.host, port: spec.port, backlog }, () => {
      server.off("error", refuse);
      resolve();
    });
  });
  server.on("error", (error) => log.error({ event: "listener-error", frontend, err: error }, "listener error"));
  const bound = server.address() as AddressInfo;
  log.info({ event: "listening", frontend, address: bound.address, port: bound.port }, `${frontend} listening`);
}
function where({ host, port }: { host: string; port: number }): string {
  if (host === "") return `port ${port} of every address`;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What the operator can do something about, in words; Node's own message otherwise. */
function whyNotListening(error: NodeJS.ErrnoException, portOption: string): string {
  switch (error.code) {
    case "EADDRINUSE":
      return `the port is in use (${portOption} picks another)`;
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
