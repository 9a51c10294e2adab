import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** RFC 6455 §1.3: the key's digest with this GUID proves the server read the handshake. */
const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** §4.1: a base64 nonce of 16 bytes. */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

/** A WebSocket opening handshake that can be answered. */
export interface WebSocketUpgrade {
  readonly key: string;
  /** The subprotocols the client offers, in its order of preference; empty when it offers none. */
  readonly protocols: readonly string[];
}

/** Why a handshake is refused: the HTTP status and one line saying why. */
export interface UpgradeRefusal {
  readonly status: 400 | 426;
  readonly message: string;
}

/** RFC 6455 §4.2.1: what the server checks of a client's opening handshake. */
export function readUpgrade(
  method: string | undefined,
  headers: IncomingHttpHeaders,
): WebSocketUpgrade | UpgradeRefusal {
  if (method !== "GET") return { status: 400, message: "a WebSocket handshake is a GET" };
  if (headers.upgrade?.toLowerCase() !== "websocket") return { status: 400, message: "Upgrade must be websocket" };
  if (headers["sec-websocket-version"] !== "13") return { status: 426, message: "WebSocket version 13 only" };
  const key = headers["sec-websocket-key"];
  if (key === undefined || !KEY_PATTERN.test(key))
    return { status: 400, message: "missing or invalid Sec-WebSocket-Key" };
  const offered = headers["sec-websocket-protocol"];
  const protocols =
    offered === undefined
      ? []
      : offered
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "");
  return { key, protocols };
}

export function isUpgradeRefusal(upgrade: WebSocketUpgrade | UpgradeRefusal): upgrade is UpgradeRefusal {
  return "status" in upgrade;
}

/** §4.2.2: the 101 response, with the subprotocol chosen (none when null); no extension is accepted. */
export function upgradeResponse(key: string, protocol: string | null): string {
  const accept = createHash("sha1")
    .update(key + HANDSHAKE_GUID)
    .digest("base64");
  const lines = [
    "HTTP/1.1 101 Switching Protocols",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Accept: ${accept}`,
  ];
  if (protocol !== null) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * RFC 6455 §10.2: browsers send the page's origin, and a server that takes any would let any
 * site's page talk as its visitor. The page's own origin (RFC 6454 §4: the scheme the client
 * used, and the request's Host) is always let in; `allowed` names the other sites' pages.
 * A client that sends no Origin is no browser (a script, an IRC client): nothing to protect.
 */
export function isOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  scheme: "http" | "https",
  allowed: readonly string[] | null,
): boolean {
  if (origin === undefined) return true;
  const url = urlOf(origin);
  if (url === null) return false;
  if (allowed?.includes(url.origin)) return true;
  const own = host === undefined ? null : urlOf(`${scheme}://${host}`);
  return own !== null && url.origin === own.origin;
}

function urlOf(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
