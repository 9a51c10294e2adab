import type { ClientFrame, Reply, ServerFrame } from "./protocol.js";

export type SocketState =
  | { readonly kind: "connecting" }
  | { readonly kind: "online" }
  /**
   * Offline until `retryAt`. `why`: the server cut this page off for sending too fast, or
   * refused it several times in a row before it ever opened (a page cannot see the HTTP
   * status of a refused WebSocket: an origin not allowed, a full server).
   */
  | { readonly kind: "waiting"; readonly retryAt: number; readonly why?: "flood" | "refused" }
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
/** After a flood cut-off, the page comes back no sooner than this: at once would flood again. */
const AFTER_FLOOD_MS = 30_000;
/** Tries that never opened, in a row, before the page says the server refuses it. */
const REFUSALS_SHOWN_AFTER = 3;

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
  #triesNeverOpened = 0;

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
    let isCutOffForFlood = false;
    let hasOpened = false;
    socket.addEventListener("open", () => {
      hasOpened = true;
      this.#triesNeverOpened = 0;
    });
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
      if (frame.type === "error" && frame.re === undefined && frame.code === "flood") isCutOffForFlood = true;
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
      if (!hasOpened) this.#triesNeverOpened += 1;
      if (isCutOffForFlood) this.#scheduleRetry("flood");
      else this.#scheduleRetry(this.#triesNeverOpened >= REFUSALS_SHOWN_AFTER ? "refused" : undefined);
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

  #scheduleRetry(why?: "flood" | "refused"): void {
    const backoff = this.#delayMs * (0.5 + Math.random() / 2);
    const delay = why === "flood" ? Math.max(backoff, AFTER_FLOOD_MS) : backoff;
    this.#delayMs = Math.min(this.#delayMs * 2, LONGEST_DELAY_MS);
    this.#setState(
      why === undefined
        ? { kind: "waiting", retryAt: Date.now() + delay }
        : { kind: "waiting", retryAt: Date.now() + delay, why },
    );
    this.#retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  #setState(state: SocketState): void {
    this.#state = state;
    this.onState(state);
  }
}
