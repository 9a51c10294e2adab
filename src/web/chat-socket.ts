import type { ClientFrame, Reply, ServerFrame } from "./protocol.js";

export type SocketState =
  | { readonly kind: "connecting" }
  | { readonly kind: "online" }
  | { readonly kind: "waiting"; readonly retryAt: number }
  /** Closed for good: the person quit, or the server put them out; only a click reconnects. */
  | { readonly kind: "closed"; readonly reason: string };

/** What a command with a request id got before its `done`. */
export interface Answer {
  readonly replies: readonly Reply[];
  readonly errors: readonly { code: string; message: string }[];
}

interface Pending {
  readonly replies: Reply[];
  readonly errors: { code: string; message: string }[];
  resolve(answer: Answer): void;
}

const FIRST_DELAY_MS = 500;
const LONGEST_DELAY_MS = 15_000;
const LARGEST_REQUEST_ID = 2 ** 31;

/**
 * One WebSocket to /ws that reconnects by itself: 0.5 s doubling to 15 s between tries, each
 * drawn between half and all of that so that pages a restart dropped do not return at once.
 * Every command carries a request id; `request` resolves at its `done` with what it got.
 */
export class ChatSocket {
  #socket: WebSocket | null = null;
  #delayMs = FIRST_DELAY_MS;
  #retryTimer = 0;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #state: SocketState = { kind: "connecting" };

  constructor(
    private readonly url: string,
    private readonly onFrame: (frame: ServerFrame) => void,
    private readonly onState: (state: SocketState) => void,
  ) {}

  get state(): SocketState {
    return this.#state;
  }

  connect(): void {
    window.clearTimeout(this.#retryTimer);
    this.#setState({ kind: "connecting" });
    const socket = new WebSocket(this.url);
    this.#socket = socket;
    let closedForGood: string | null = null;
    socket.addEventListener("message", (message) => {
      if (typeof message.data !== "string") return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(message.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === "welcome") {
        this.#delayMs = FIRST_DELAY_MS;
        this.#setState({ kind: "online" });
      }
      if (frame.type === "close") closedForGood = frame.reason;
      this.#route(frame);
      this.onFrame(frame);
    });
    socket.addEventListener("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#failPending();
      if (closedForGood !== null) {
        this.#setState({ kind: "closed", reason: closedForGood });
        return;
      }
      this.#scheduleRetry();
    });
  }

  /** Sends a command; resolves at its `done` (or with nothing when the connection drops first). */
  request(frame: ClientFrame): Promise<Answer> {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ replies: [], errors: [{ code: "offline", message: "Not connected." }] });
    }
    const id = this.#nextId;
    this.#nextId = this.#nextId >= LARGEST_REQUEST_ID ? 1 : this.#nextId + 1;
    socket.send(JSON.stringify({ ...frame, id }));
    return new Promise((resolve) => {
      this.#pending.set(id, { replies: [], errors: [], resolve });
    });
  }

  /** Drops the connection now and tries again at once (the person asked to). */
  reconnectNow(): void {
    this.#delayMs = FIRST_DELAY_MS;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
    this.#failPending();
    this.connect();
  }

  #route(frame: ServerFrame): void {
    if (frame.type === "done") {
      const pending = this.#pending.get(frame.re);
      this.#pending.delete(frame.re);
      pending?.resolve({ replies: pending.replies, errors: pending.errors });
      return;
    }
    if ((frame.type !== "reply" && frame.type !== "error") || frame.re === undefined) return;
    const pending = this.#pending.get(frame.re);
    if (pending === undefined) return;
    if (frame.type === "reply") pending.replies.push(frame.reply);
    else pending.errors.push({ code: frame.code, message: frame.message });
  }

  #failPending(): void {
    for (const pending of this.#pending.values()) {
      pending.resolve({
        replies: pending.replies,
        errors: [...pending.errors, { code: "offline", message: "The connection dropped." }],
      });
    }
    this.#pending.clear();
  }

  #scheduleRetry(): void {
    const delay = this.#delayMs * (0.5 + Math.random() / 2);
    this.#delayMs = Math.min(this.#delayMs * 2, LONGEST_DELAY_MS);
    this.#setState({ kind: "waiting", retryAt: Date.now() + delay });
    this.#retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  #setState(state: SocketState): void {
    this.#state = state;
    this.onState(state);
  }
}
