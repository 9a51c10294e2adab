import { connect, type Socket } from "node:net";

export const DEFAULT_WAIT_MS = 5000;

/**
 * A raw line-protocol peer for tests: what netcat would be, with a way to wait for
 * the line you expect instead of sleeping.
 */
export class LineClient {
  readonly socket: Socket;
  /** "IP:PORT" as the server shows this client; kept after the socket closes. */
  readonly address: string;
  /** Every complete line received, in order, without terminators. */
  readonly lines: string[] = [];
  #buffered = "";
  #waiters: Array<() => void> = [];
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
      this.#wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  static open(port: number, host = "127.0.0.1", options: { receiveBufferSize?: number } = {}): Promise<LineClient> {
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
  static async join(port: number, host = "127.0.0.1"): Promise<LineClient> {
    const client = await LineClient.open(port, host);
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
  async waitFor(match: string | ((line: string) => boolean), timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<string> {
    const isMatch = typeof match === "string" ? (line: string) => line === match : match;
    const found = await this.#until(
      () => this.lines.slice(from).find(isMatch),
      timeoutMs,
      `a line matching ${String(match)}`,
    );
    return found;
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

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got:\n${this.lines.join("\n")}`));
      }, timeoutMs);
      const check = (): void => {
        const value = probe();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else if (this.#isClosed) {
          clearTimeout(timer);
          reject(new Error(`connection closed while waiting for ${what}; got:\n${this.lines.join("\n")}`));
        } else {
          this.#waiters.push(check);
        }
      };
      check();
    });
  }
}
