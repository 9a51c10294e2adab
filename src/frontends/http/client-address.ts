import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { formatPeerAddress } from "../../net/connection.js";

/** Who a request comes from, as far as the server can trust it. */
export interface RequestClient {
  /** "IP:PORT" as Connection shows peers; behind a proxy the port is unknown and shown as 0. */
  readonly address: string;
  /** The scheme the client used: its page's origin has it. */
  readonly scheme: "http" | "https";
}

/** IPv4-mapped IPv6 as plain IPv4, so a proxy is known however the socket reports it. */
export function plainIp(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip.toLowerCase();
}

/**
 * The client of a request. From a trusted proxy, the right-most X-Forwarded-For entry that
 * is not itself a trusted proxy: entries to its left were written by the client and prove
 * nothing. From anyone else, the headers are ignored, so nobody picks their own address.
 */
export function clientOf(request: IncomingMessage, trustedProxies: ReadonlySet<string>): RequestClient {
  const socket = request.socket;
  const peer = plainIp(socket.remoteAddress ?? "");
  const ownScheme = "encrypted" in socket && socket.encrypted === true ? "https" : "http";
  if (!trustedProxies.has(peer)) {
    return { address: formatPeerAddress(socket.remoteAddress, socket.remotePort), scheme: ownScheme };
  }
  return {
    address: formatPeerAddress(forwardedFor(request, peer, trustedProxies), undefined),
    scheme: forwardedProto(request) ?? ownScheme,
  };
}

function forwardedFor(request: IncomingMessage, peer: string, trustedProxies: ReadonlySet<string>): string {
  const header = request.headers["x-forwarded-for"];
  if (header === undefined) return peer;
  const hops = (Array.isArray(header) ? header.join(",") : header).split(",");
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plainIp(hops[i].trim());
    // A hop that is no address was mangled on the way: the last hop known is as far as anyone can tell.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trustedProxies.has(hop)) return hop;
  }
  return client;
}

/** The last proxy's word on the client's scheme; null when it said nothing usable. */
function forwardedProto(request: IncomingMessage): "http" | "https" | null {
  const header = request.headers["x-forwarded-proto"];
  if (typeof header !== "string") return null;
  const last = header.split(",").at(-1)?.trim().toLowerCase();
  return last === "http" || last === "https" ? last : null;
}
