import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { ListenerConfig } from "../../config.js";
import { Connection } from "../../net/connection.js";
import { WebSocketFramer, type WebSocketFraming } from "../../net/websocket-framer.js";
import {
  isOriginAllowed,
  isUpgradeRefusal,
  readUpgrade,
  upgradeResponse,
  type WebSocketUpgrade,
} from "../../net/websocket-handshake.js";
import { bind } from "../listen.js";
import { AddressCounts } from "./address-counts.js";
import { SECURITY_HEADERS, serveStatic } from "./serve-static.js";
import type { StaticFiles } from "./static-files.js";

/** A WebSocket endpoint: a path, what it speaks, and what each connection becomes. */
export interface WebSocketRoute {
  /** "/ws", "/irc". */
  readonly path: string;
  /** The subprotocol it speaks (RFC 6455 §1.9); a client may offer none, but not only others. */
  readonly subprotocol: string | null;
  readonly framing: WebSocketFraming;
  startSession(connection: Connection): void;
}

export interface HttpListenerOptions {
  readonly listener: ListenerConfig;
  readonly files: StaticFiles;
  readonly routes: readonly WebSocketRoute[];
  /** null: only the page's own origin opens WebSockets. */
  readonly allowedOrigins: readonly string[] | null;
  readonly maxConnectionsPerAddress: number;
}

/** Upgrades are for WebSockets only; anything else asking for one is a client mistake. */
const NOT_A_WEBSOCKET = "not a WebSocket endpoint (they are /ws and /irc)";

/**
 * The web listener: the built page over HTTP, and WebSocket upgrades by path. Each upgraded
 * socket becomes a Connection with WebSocket framing, as a TCP one would with lines.
 */
export async function listenHttp(options: HttpListenerOptions, log: Logger): Promise<Server> {
  const { files, routes, allowedOrigins } = options;
  const { host, port, portOption, sendQueueBytes, keepaliveSeconds } = options.listener;
  const limits = { sendQueueBytes, keepaliveSeconds };
  const counts = new AddressCounts(options.maxConnectionsPerAddress);
  const server = createServer({ noDelay: true }, (request, response) => {
    if (counts.isOverCap(request.socket)) {
      refuseResponse(response, 503, "too many connections from your address");
      return;
    }
    serveStatic(files, request, response);
  });
  server.on("connection", (socket: Socket) => counts.add(socket));
  server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", ignoreUntilAttached);
    const route = routes.find((each) => each.path === pathOf(request.url));
    if (counts.isOverCap(socket)) return refuseUpgrade(socket, 503, "too many connections from your address");
    if (route === undefined) return refuseUpgrade(socket, 404, NOT_A_WEBSOCKET);
    if (!isOriginAllowed(request.headers.origin, request.headers.host, allowedOrigins)) {
      log.info(
        { event: "origin-refused", origin: request.headers.origin },
        "WebSocket from another site's page refused",
      );
      return refuseUpgrade(socket, 403, "this origin may not open WebSockets here");
    }
    const upgrade = readUpgrade(request.method, request.headers);
    if (isUpgradeRefusal(upgrade)) {
      // RFC 6455 §4.4: a version refused is answered with the versions spoken.
      const extra: Record<string, string> = upgrade.status === 426 ? { "Sec-WebSocket-Version": "13" } : {};
      return refuseUpgrade(socket, upgrade.status, upgrade.message, extra);
    }
    const protocol = chooseProtocol(route, upgrade);
    if (protocol === undefined) {
      return refuseUpgrade(socket, 400, `this endpoint speaks the ${route.subprotocol} subprotocol`);
    }
    socket.write(upgradeResponse(upgrade.key, protocol));
    // What the client sent after its handshake is its first frames.
    if (head.length > 0) socket.unshift(head);
    socket.off("error", ignoreUntilAttached);
    const framing = route.framing;
    const connection = new Connection(socket, limits, (sink) => new WebSocketFramer(framing, sink), log);
    try {
      route.startSession(connection);
    } catch (error) {
      log.error({ event: "internal-error", peer: connection.address, err: error }, "could not start a session");
      connection.destroy("internal-error");
    }
  });
  await bind(server, { frontend: "http", host, port, portOption }, log);
  return server;
}

/** The subprotocol answered: the route's when offered, none when none was offered; undefined: refuse. */
function chooseProtocol(route: WebSocketRoute, upgrade: WebSocketUpgrade): string | null | undefined {
  if (upgrade.protocols.length === 0 || route.subprotocol === null) return null;
  return upgrade.protocols.includes(route.subprotocol) ? route.subprotocol : undefined;
}

function pathOf(url: string | undefined): string {
  const query = url?.indexOf("?") ?? -1;
  return query === -1 ? (url ?? "") : (url as string).slice(0, query);
}

/** A socket refused before it is a Connection may be reset by its peer meanwhile: nothing to do but let it go. */
function ignoreUntilAttached(): void {}

function refuseResponse(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/plain; charset=utf-8",
    Connection: "close",
  });
  response.end(`${message}\n`);
}

/** An upgrade refused: a plain HTTP answer on the raw socket, then the end. */
function refuseUpgrade(socket: Socket, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(`${message}\n`);
  const headers = {
    ...SECURITY_HEADERS,
    ...extra,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(body.length),
    Connection: "close",
  };
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.once("finish", () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), body]));
}
