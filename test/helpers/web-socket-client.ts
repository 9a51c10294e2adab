import assert from "node:assert/strict";
import WebSocket from "ws";
import {
  DEFAULT_WAIT_MS,
  describeLineMatch,
  type LineMatch,
  toLinePredicate,
  Wakeups,
  waitUntil,
} from "./wait-until.js";

export interface WebSocketClientOptions {
  /** Subprotocols to offer. */
  readonly protocols?: string[];
  readonly origin?: string;
  /** Connect from this address: any of 127/8 reaches a server on 127.0.0.1. */
  readonly localAddress?: string;
  /** More request headers (X-Forwarded-For from a proxy). */
  readonly headers?: Record<string, string>;
}

/** A browser-like WebSocket peer for tests (the `ws` client): each text message kept, waited for by match. */
export class WebSocketClient {
  readonly socket: WebSocket;
  /** Every text message received, in order. */
  readonly messages: string[] = [];
  /** The close code and reason the server sent; null while open. */
  closedWith: { code: number; reason: string } | null = null;
  readonly #wakeups = new Wakeups();

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data, isBinary) => {
      this.messages.push(isBinary ? `<binary ${String((data as Buffer).length)}>` : String(data));
      this.#wakeups.wakeAll();
    });
    socket.on("error", () => {});
    socket.on("close", (code, reason) => {
      this.closedWith = { code, reason: reason.toString("utf8") };
      this.#wakeups.wakeAll();
    });
  }

  /** Opens `ws://127.0.0.1:PORT/PATH`; rejects with the HTTP status when the upgrade is refused. */
  static open(port: number, path: string, options: WebSocketClientOptions = {}): Promise<WebSocketClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, options.protocols ?? [], {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new WebSocketClient(socket)));
      socket.once("unexpected-response", (_request, response) => {
        socket.on("error", () => {});
        reject(new RefusedUpgrade(response.statusCode ?? 0));
        response.resume();
      });
      socket.once("error", reject);
    });
  }

  get messageCount(): number {
    return this.messages.length;
  }

  send(text: string | Buffer, options: { binary?: boolean } = {}): void {
    this.socket.send(text, { binary: options.binary ?? false });
  }

  /** Waits until a message at index `from` or later matches; returns it. */
  waitFor(match: LineMatch, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<string> {
    const isMatch = toLinePredicate(match);
    // Each message wakes the wait: only those not yet looked at are looked at.
    let next = from;
    const probe = (): string | undefined => {
      for (; next < this.messages.length; next++) if (isMatch(this.messages[next])) return this.messages[next];
      return undefined;
    };
    return waitUntil(probe, {
      what: describeLineMatch(match),
      wakeups: this.#wakeups,
      timeoutMs,
      seen: () => `got:\n${this.messages.join("\n")}`,
      end: { hasEnded: () => this.closedWith !== null, description: "connection closed" },
    });
  }

  /** Waits for the server's close; returns its code and reason. */
  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
    return waitUntil(() => this.closedWith ?? undefined, {
      what: "the close",
      wakeups: this.#wakeups,
      timeoutMs,
      seen: () => `got:\n${this.messages.join("\n")}`,
    });
  }

  /** Closes from this side and waits for the server's answer. */
  async close(): Promise<void> {
    if (this.closedWith !== null) return;
    this.socket.close(1000);
    await this.waitForClose();
  }
}

/** The server answered the upgrade with an HTTP status instead of 101. */
export class RefusedUpgrade extends Error {
  readonly status: number;

  constructor(status: number) {
    super(`upgrade refused with HTTP ${status}`);
    this.status = status;
  }
}

/** IRCv3 WebSocket's subprotocol: one IRC line a text frame. */
export const IRC_SUBPROTOCOL = "text.ircv3.net";

/** An IRC client over WebSocket (/irc), registered as `nick` and in `room`. */
export async function ircOverWebSocket(port: number, nick: string, room = "#lobby"): Promise<WebSocketClient> {
  const client = await WebSocketClient.open(port, "/irc", { protocols: [IRC_SUBPROTOCOL] });
  client.send(`NICK ${nick}`);
  client.send(`USER ${nick} 0 * :${nick}`);
  await client.waitFor((message) => message.startsWith(":parley 001 "));
  const from = client.messageCount;
  client.send(`JOIN ${room}`);
  await client.waitFor((message) => message.startsWith(`:parley 366 ${nick} ${room} `), undefined, from);
  return client;
}

/** A client's masked text frame (RFC 6455 §5.3), with a zero key: the payload reads as sent. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 126);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** The frames of a server's output after its 101 response: opcode and payload of each. */
export function framesIn(received: Buffer): { opcode: number; payload: Buffer }[] {
  let at = received.indexOf("\r\n\r\n") + 4;
  const frames: { opcode: number; payload: Buffer }[] = [];
  while (at + 2 <= received.length) {
    let length = received[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = received.readUInt16BE(at + 2);
      start = at + 4;
    } else if (length === 127) {
      length = Number(received.readBigUInt64BE(at + 2));
      start = at + 10;
    }
    if (start + length > received.length) break;
    frames.push({ opcode: received[at] & 0x0f, payload: received.subarray(start, start + length) });
    at = start + length;
  }
  return frames;
}
