import type { IncomingMessage, ServerResponse } from "node:http";
import type { Encoded, StaticFile, StaticFiles } from "./static-files.js";

/** A Host header that is a host name or address and a port, and nothing that could end a CSP source. */
const PLAIN_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * On every response. The page loads nothing but its own files and talks only to its own
 * server (its WebSockets named by host: older browsers do not count ws: as 'self'); no
 * inline script or style runs, so injected markup can do nothing.
 */
export function securityHeaders(host: string | undefined): Record<string, string> {
  const sockets = host !== undefined && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : "";
  return {
    "Content-Security-Policy": `default-src 'self'; connect-src 'self'${sockets}; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  };
}

const NOT_BUILT = "The web page is not built: run `npm run build`, then restart the server.\n";

/** GET and HEAD of the built page's files, from memory. */
export function serveStatic(files: StaticFiles, request: IncomingMessage, response: ServerResponse): void {
  for (const [name, value] of Object.entries(securityHeaders(request.headers.host))) response.setHeader(name, value);
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD");
    sendText(response, 405, "Only GET and HEAD are served here.\n");
    return;
  }
  const path = pathOf(request.url);
  const file = files.find(path);
  if (file === undefined) {
    if (path === "/" && !files.isBuilt) sendText(response, 503, NOT_BUILT);
    else sendText(response, 404, "Not found.\n");
    return;
  }
  const encoding = chooseEncoding(file, request.headers["accept-encoding"]);
  const chosen = encoding === null ? file.identity : (file[encoding] as Encoded);
  response.setHeader("Content-Type", file.contentType);
  response.setHeader("Cache-Control", file.cacheControl);
  response.setHeader("ETag", chosen.etag);
  response.setHeader("Vary", "Accept-Encoding");
  if (encoding !== null) response.setHeader("Content-Encoding", encoding);
  if (isNotModified(request.headers["if-none-match"], chosen.etag)) {
    response.writeHead(304);
    response.end();
    return;
  }
  response.setHeader("Content-Length", chosen.bytes.length);
  response.writeHead(200);
  if (request.method === "HEAD") response.end();
  else response.end(chosen.bytes);
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.setHeader("Content-Type", "text/plain; charset=utf-8");
  response.setHeader("Cache-Control", "no-store");
  response.writeHead(status);
  response.end(text);
}

/** RFC 9110 §12.5.3: brotli, then gzip, when the client takes them (a q of 0 refuses). */
function chooseEncoding(file: StaticFile, accept: string | undefined): "br" | "gzip" | null {
  if (accept === undefined) return null;
  const accepted = new Set<string>();
  for (const item of accept.split(",")) {
    const [name, ...params] = item.trim().toLowerCase().split(";");
    const q = params.map((param) => param.trim()).find((param) => param.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(name.trim());
  }
  const takes = (name: string): boolean => accepted.has(name) || accepted.has("*");
  if (file.br !== null && takes("br")) return "br";
  if (file.gzip !== null && takes("gzip")) return "gzip";
  return null;
}

/** RFC 9110 §13.1.2: a weak comparison, as If-None-Match asks. */
function isNotModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
