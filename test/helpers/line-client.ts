import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import {
  DEFAULT_WAIT_MS,
  describeLineMatch,
  type LineMatch,
  toLinePredicate,
  Wakeups,
  waitUntil,
} from "./wait-until.js";

/**
 * A raw line-protocol peer for tests: what netcat would be, with a way to wait for
 * the line you expect instead of sleeping.
 */
export interface LineClientOptions {
  readonly receiveBufferSize?: number;
  /** Keep this side open after the server closes its side, as some clients do. */
  readonly allowHalfOpen?: boolean;
  /** Connect from this address: any of 127/8 reaches a server on 127.0.0.1, as a peer elsewhere would. */
  readonly localAddress?: string;
}

export class LineClient {
  readonly socket: Socket;
  /** "IP:PORT" as the server shows this client; kept after the socket closes. */
  readonly address: string;
  /** Every complete line received, in order, without terminators. */
  readonly lines: string[] = [];
  #buffered = "";
  readonly #wakeups = new Wakeups();
  #isClosed = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.address = `${socket.localAddress}:${socket.localPort}`;
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      this.#buffered += text;
      let newline = this.#buffered.indexOf("\n");
      while (newline !== -1) {
        this.lines.push(this.#buffered.slice(0, newline));
        this.#buffered = this.#buffered.slice(newline + 1);
        newline = this.#buffered.indexOf("\n");
      }
      this.#wakeups.wakeAll();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.#isClosed = true;
        this.#wakeups.wakeAll();
        resolve();
      }),
    );
  }

  static open(port: number, host = "127.0.0.1", options: LineClientOptions = {}): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, ...options });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new LineClient(socket));
      });
    });
  }

  /** Opens a client and waits for its welcome line. */
  static async join(port: number, host = "127.0.0.1", options: LineClientOptions = {}): Promise<LineClient> {
    const client = await LineClient.open(port, host, options);
    await client.waitFor((line) => line.startsWith("> Connected to the chat server"));
    return client;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Text received after the last line terminator. */
  get unterminated(): string {
    return this.#buffered;
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Waits until a line after index `from` matches; returns it. */
  waitFor(match: LineMatch, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<string> {
    const isMatch = toLinePredicate(match);
    return this.#until(() => this.lines.slice(from).find(isMatch), timeoutMs, describeLineMatch(match));
  }

  /** Waits until at least `count` lines have arrived. */
  async waitForCount(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<string[]> {
    await this.#until(() => (this.lines.length >= count ? true : undefined), timeoutMs, `${count} lines`);
    return this.lines.slice(0, count);
  }

  async waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.#until(() => (this.#isClosed ? true : undefined), timeoutMs, "the connection to close");
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  /** An abrupt reset (RST), as a crashed peer or a middlebox produces. */
  reset(): Promise<void> {
    this.socket.resetAndDestroy();
    return this.closed;
  }

  #until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return waitUntil(probe, {
      what,
      wakeups: this.#wakeups,
      timeoutMs,
      seen: () => `got:\n${this.lines.join("\n")}`,
      end: { hasEnded: () => this.#isClosed, description: "connection closed" },
    });
  }
}

/** Takes "IP:PORT" out of a notice such as "> New user 127.0.0.1:5000 entered. (2 users online)". */
export function addressIn(notice: string): string {
  const address = notice.match(/\d{1,3}(?:\.\d{1,3}){3}:\d+/)?.[0];
  assert.ok(address, `no IP:PORT in ${JSON.stringify(notice)}`);
  return address;
}
