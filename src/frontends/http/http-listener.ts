import { createServer, type IncomingMessage, type Server, ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
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
import { clientOf, plainIp } from "./client-address.js";
import { securityHeaders, serveStatic } from "./serve-static.js";
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
  /** Other sites whose pages may open WebSockets; the page's own origin always may. null: none. */
  readonly allowedOrigins: readonly string[] | null;
  /** Simultaneous WebSockets of one address (an IPv6 /64). */
  readonly maxConnectionsPerAddress: number;
  /** Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. */
  readonly trustedProxies: readonly string[];
}

/** A WebSocket asked for where there is none. */
const NOT_A_WEBSOCKET = "not a WebSocket endpoint (they are /ws and /irc)";

/**
 * A slow client (slowloris) holds a socket only this long without sending its whole head, or
 * its whole request: a page request is a few hundred bytes, and Node's defaults (60 s and
 * 5 min) let one address hold sockets for minutes. Checked every second, not every 30.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 20_000;
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * The web listener: the built page over HTTP, and WebSocket upgrades by path. Each upgraded
 * socket becomes a Connection with WebSocket framing, as a TCP one would with lines.
 */
export async function listenHttp(options: HttpListenerOptions, log: Logger): Promise<Server> {
  const { files, routes, allowedOrigins } = options;
  const { host, port, portOption, sendQueueBytes, keepaliveSeconds } = options.listener;
  const limits = { sendQueueBytes, keepaliveSeconds };
  const counts = new AddressCounts(options.maxConnectionsPerAddress);
  const trustedProxies = new Set(options.trustedProxies.map(plainIp));
  const server = createServer(
    {
      noDelay: true,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    (request, response) => serveStatic(files, request, response),
  );
  server.on("clientError", answerClientError);
  server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", ignoreUntilAttached);
    // RFC 9110 §7.8: an upgrade the server does not speak (h2c from `curl --http2`) is ignored.
    if (request.headers.upgrade?.toLowerCase() !== "websocket") return servePlainRequest(files, request, socket);
    const headers = securityHeaders(request.headers.host);
    const client = clientOf(request, trustedProxies);
    const route = routes.find((each) => each.path === pathOf(request.url));
    if (route === undefined) return answerOnSocket(socket, headers, 404, NOT_A_WEBSOCKET);
    if (!counts.hasRoomFor(client.address)) {
      return answerOnSocket(socket, headers, 503, "too many connections from your address");
    }
    if (!isOriginAllowed(request.headers.origin, request.headers.host, client.scheme, allowedOrigins)) {
      log.info(
        { event: "origin-refused", origin: request.headers.origin, peer: client.address },
        "WebSocket from another site's page refused",
      );
      return answerOnSocket(socket, headers, 403, "this origin may not open WebSockets here");
    }
    const upgrade = readUpgrade(request.method, request.headers);
    if (isUpgradeRefusal(upgrade)) {
      // RFC 6455 §4.4: a version refused is answered with the versions spoken.
      const extra: Record<string, string> = upgrade.status === 426 ? { "Sec-WebSocket-Version": "13" } : {};
      return answerOnSocket(socket, { ...headers, ...extra }, upgrade.status, upgrade.message);
    }
    const protocol = chooseProtocol(route, upgrade);
    if (protocol === undefined) {
      return answerOnSocket(socket, headers, 400, `this endpoint speaks the ${route.subprotocol} subprotocol`);
    }
    socket.write(upgradeResponse(upgrade.key, protocol));
    // What the client sent after its handshake is its first frames.
    if (head.length > 0) socket.unshift(head);
    socket.off("error", ignoreUntilAttached);
    counts.add(client.address, socket);
    const framing = route.framing;
    const connection = new Connection(
      socket,
      limits,
      (sink) => new WebSocketFramer(framing, sink),
      log,
      client.address,
    );
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

/** A request that offered an upgrade we ignore, answered as any other on the socket Node handed over. */
function servePlainRequest(files: StaticFiles, request: IncomingMessage, socket: Socket): void {
  const response = new ServerResponse(request);
  // Node no longer parses this socket: one answer, then the end.
  response.shouldKeepAlive = false;
  response.assignSocket(socket);
  response.once("finish", () => {
    response.detachSocket(socket);
    socket.destroySoon();
  });
  serveStatic(files, request, response);
}

/**
 * Node's own answer to a request it cannot parse (400), whose head is too big (431) or too
 * slow (408), written here so that it carries the security headers every answer has.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way (a pipelined request's) cannot be followed by another head.
  const isAnswering = (socket as Duplex & { _httpMessage?: { headersSent: boolean } })._httpMessage?.headersSent;
  if (error.code === "ECONNRESET" || !socket.writable || isAnswering === true) {
    socket.destroy();
    return;
  }
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  answerOnSocket(socket, securityHeaders(undefined), status, STATUS_CODES[status] ?? "Bad Request");
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

/** A plain HTTP answer on a raw socket, then the end. */
function answerOnSocket(socket: Duplex, security: Record<string, string>, status: number, message: string): void {
  const body = Buffer.from(`${message}\n`);
  const headers = {
    ...security,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(body.length),
    Connection: "close",
  };
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.once("finish", () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), body]));
}
