import type { Socket } from "node:net";
import type { Logger } from "pino";
import { type Flushable, scheduleFlush, scheduleLazyFlush } from "../turn-end.js";
import type { Framer, FramerFactory, MessageSink } from "./framer.js";
import { type SharedBatch, SharedRun } from "./shared-output.js";

export interface ConnectionLimits {
  sendQueueBytes: number;
  /**
   * A connection silent this long is probed by TCP keepalive (Node then probes once a
   * second, ten times), so a peer that vanished without a word leaves ten seconds later;
   * 0 or absent: no probes.
   */
  keepaliveSeconds?: number;
}

/**
 * After this many bytes of input a connection yields until the next event-loop turn, so
 * one busy peer cannot monopolise a turn and the output it causes is flushed in bounded
 * bursts: a fast reader is never mistaken for a slow one because a sender flooded.
 */
const READ_BUDGET_BYTES = 64 * 1024;

/** Why a connection ended; logged, and shown to the others where a front end wants to. */
export type CloseReason =
  | "peer-closed"
  | "reset"
  | "send-queue-full"
  | "line-overflow"
  | "server-shutdown"
  | "quit"
  | "flood"
  | "internal-error"
  /** The peer broke its framing protocol (a WebSocket frame over the limit, invalid UTF-8). */
  | "protocol-error";

/** Ends Parley decides on against a peer's will: the peer is told why, in its protocol. */
export type CutOffReason = Extract<CloseReason, "send-queue-full" | "line-overflow">;

/**
 * How long a peer that was cut off has to take what its socket still holds and the line
 * saying why, before it is closed hard.
 */
const CUT_OFF_GRACE_MS = 5000;

/** How long a peer whose framing ended the stream (a WebSocket close) has to close its side. */
const FRAMING_END_GRACE_MS = 1000;

/** What a front end supplies to hear from its connection. */
export interface ConnectionHandler {
  onMessage(message: Buffer): void;
  onMessageTooLong(bytes: number): void;
  /** Everything sent so far has been handed to the kernel; called after a write, never per message. */
  onAllWritten?(): void;
  /** The last line a peer that is cut off gets: why, in the front end's protocol. */
  farewellFor?(reason: CutOffReason): Buffer;
  /**
   * Called exactly once: after the socket is gone, or just after a cut-off (the peer may
   * still be taking its last lines; nothing more is sent).
   */
  onClose(reason: CloseReason): void;
}

/**
 * One stream peer: framing and the receive cap on the way in, a bounded, coalescing
 * send queue on the way out, and one place where the socket's end is decided.
 * Front ends never touch the socket.
 */
export class Connection implements MessageSink {
  readonly socket: Socket;
  /** "IP:PORT" of the peer, as the original server showed it. */
  readonly address: string;
  readonly #limits: ConnectionLimits;
  readonly #log: Logger;
  readonly #framer: Framer;
  #handler: ConnectionHandler | null = null;
  #queue: Array<Buffer | SharedRun> | null = null;
  #queuedBytes = 0;
  #isFlushScheduled = false;
  #isLazyFlushScheduled = false;
  #closeReason: CloseReason | null = null;
  #isEnding = false;
  #bytesSinceYield = 0;
  /** Set by the front end while it paces a user's commands; reading waits until it lets go. */
  #isInputHeld = false;
  #graceTimer: NodeJS.Timeout | null = null;
  #resumer: Flushable | null = null;
  /** Bytes handed to the socket so far. */
  #bytesHanded = 0;
  /** Set when the connection closed with bytes the kernel never took: they were lost. */
  #closedWithUnwritten = false;
  /** `bytesTaken` when the connection began to close, before the socket let go of its buffer. */
  #bytesTakenAtClose: number | null = null;
  /** The reason `end()` was given, recorded once the last byte is handed to the socket. */
  #endReason: CloseReason = "peer-closed";

  /** `address`: the client's, when it is not the socket's peer (a trusted proxy's client). */
  constructor(socket: Socket, limits: ConnectionLimits, framer: FramerFactory, log: Logger, address?: string) {
    this.socket = socket;
    this.address = address ?? formatPeerAddress(socket.remoteAddress, socket.remotePort);
    this.#limits = limits;
    this.#log = log;
    this.#framer = framer(this);
    socket.setNoDelay(true);
    // Nothing else notices a peer whose link went down while its rooms are quiet: no FIN, no RST, nothing to send.
    if (limits.keepaliveSeconds) socket.setKeepAlive(true, limits.keepaliveSeconds * 1000);
    // Shared listeners find their connection on the socket: no closures per connection,
    // which at ten thousand idle users is memory worth keeping.
    (socket as SocketOfConnection)[CONNECTION] = this;
    socket.on("data", Connection.#onSocketData);
    socket.on("end", Connection.#onSocketEnd);
    socket.on("error", Connection.#onSocketError);
    socket.on("close", Connection.#onSocketClose);
    socket.on("drain", Connection.#onSocketDrain);
  }

  static #onSocketData(this: Socket, chunk: Buffer): void {
    // biome-ignore lint/complexity/noThisInStatic: Node calls a listener with the socket as `this`.
    (this as SocketOfConnection)[CONNECTION].#onData(chunk);
  }

  static #onSocketEnd(this: Socket): void {
    // biome-ignore lint/complexity/noThisInStatic: Node calls a listener with the socket as `this`.
    (this as SocketOfConnection)[CONNECTION].#onEnd();
  }

  static #onSocketError(this: Socket, error: NodeJS.ErrnoException): void {
    // biome-ignore lint/complexity/noThisInStatic: Node calls a listener with the socket as `this`.
    (this as SocketOfConnection)[CONNECTION].#onError(error);
  }

  static #onSocketClose(this: Socket): void {
    // biome-ignore lint/complexity/noThisInStatic: Node calls a listener with the socket as `this`.
    (this as SocketOfConnection)[CONNECTION].#onClose();
  }

  static #onSocketDrain(this: Socket): void {
    // biome-ignore lint/complexity/noThisInStatic: Node calls a listener with the socket as `this`.
    (this as SocketOfConnection)[CONNECTION].#onDrain();
  }

  /** Starts delivering input; messages that arrive before this are held by the socket. */
  attach(handler: ConnectionHandler): void {
    this.#handler = handler;
  }

  get isOpen(): boolean {
    return this.#closeReason === null;
  }

  /**
   * Whether bytes sent to this peer are stuck: the kernel would not take them, or the
   * connection closed before it did. Bytes merely queued in this turn do not count.
   */
  get isBehind(): boolean {
    return this.#closedWithUnwritten || this.socket.writableLength > 0;
  }

  /** Bytes the kernel has taken for the peer so far. */
  get bytesTaken(): number {
    // Counted here: the socket's own count builds an array of its buffer on every read.
    return this.#bytesTakenAtClose ?? this.#bytesHanded - this.socket.writableLength;
  }

  /** Bytes waiting to be written, ours and the socket's. */
  get queuedBytes(): number {
    return this.#queuedBytes + this.socket.writableLength;
  }

  /**
   * Queues bytes for the peer. A peer that has fallen more than the send-queue cap
   * behind is disconnected rather than allowed to hold memory or delay anyone.
   */
  send(bytes: Buffer): void {
    if (this.#closeReason !== null || this.#isEnding) return;
    if (this.#queue === null) this.#queue = [bytes];
    else this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    this.#checkBacklog();
  }

  /**
   * Queues part `index` of a batch shared with other connections. Consecutive parts of
   * one batch make one run, written as one buffer that the batch concatenates once for
   * every connection that got all of it.
   */
  sendShared(batch: SharedBatch, index: number, isUrgent = true): void {
    if (this.#closeReason !== null || this.#isEnding) return;
    const queue = this.#queue;
    const last = queue === null ? undefined : queue[queue.length - 1];
    if (last instanceof SharedRun && last.batch === batch && last.end === index) {
      last.end += 1;
    } else {
      const run = new SharedRun(batch, index);
      if (queue === null) this.#queue = [run];
      else queue.push(run);
    }
    this.#queuedBytes += batch.parts[index].length;
    this.#checkBacklog(isUrgent);
  }

  #checkBacklog(isUrgent = true): void {
    // Behind means the kernel would not take what we wrote before, and more is waiting:
    // a burst queued within this turn is not held against a reader that keeps up. The
    // second bound caps memory whatever the kernel does.
    const backlog = this.#queuedBytes + this.socket.writableLength;
    if (
      (backlog > this.#limits.sendQueueBytes && this.socket.writableLength > 0) ||
      backlog > this.#limits.sendQueueBytes * 4
    ) {
      this.#log.warn(
        { event: "slow-reader", peer: this.address, queuedBytes: this.queuedBytes },
        "send queue full: disconnecting a reader that fell behind",
      );
      this.#cutOff("send-queue-full");
      return;
    }
    if (isUrgent) this.#requestFlush();
    else this.#requestLazyFlush();
  }

  #requestLazyFlush(): void {
    if (this.#isFlushScheduled || this.#isLazyFlushScheduled) return;
    this.#isLazyFlushScheduled = true;
    // The connection itself, not an object of its own for the lazy flush: one flush
    // writes everything queued, however it was asked for, and a second finds nothing.
    scheduleLazyFlush(this);
  }

  flush(): void {
    this.#isFlushScheduled = false;
    this.#isLazyFlushScheduled = false;
    const queue = this.#queue;
    if (queue === null || this.#closeReason !== null) return;
    // Backpressure: leave the rest queued until 'drain'.
    if (this.socket.writableNeedDrain) return;
    const out = queue.length === 1 ? bufferOf(queue[0]) : Buffer.concat(queue.map(bufferOf), this.#queuedBytes);
    this.#queue = null;
    this.#queuedBytes = 0;
    this.socket.write(out);
    this.#bytesHanded += out.length;
    if (this.socket.writableLength === 0) this.#handler?.onAllWritten?.();
    if (this.#isEnding) this.#finishEnding();
  }

  /** Sends what is queued (plus `farewell`), then closes; a peer that will not read is cut off after `graceMs`. */
  end(reason: CloseReason, graceMs: number, farewell?: Buffer): void {
    if (this.#closeReason !== null || this.#isEnding) return;
    if (farewell) this.send(farewell);
    const closing = this.#framer.closingBytes?.(reason);
    if (closing) this.send(closing);
    if (this.#closeReason !== null) return;
    this.#isEnding = true;
    this.#endReason = reason;
    this.#framer.stop();
    // Input is still read, and thrown away (#onData): a paused socket would never see the
    // peer's own end, and the connection would wait out the grace however promptly the peer
    // closed (a WebSocket client answering our close frame, netcat leaving at our FIN).
    this.socket.resume();
    // Kept referenced: the farewell must still be flushed. Cleared on close.
    this.#graceTimer = setTimeout(() => this.destroy(reason), graceMs);
    if (this.#queue === null) this.#finishEnding();
    else this.#requestFlush();
  }

  /** Closes at once, dropping whatever is queued. */
  destroy(reason: CloseReason): void {
    if (this.socket.destroyed) return;
    if (this.#closeReason === null) this.#closeReason = reason;
    this.#noteWhatIsLeft();
    this.#queue = null;
    this.#queuedBytes = 0;
    this.#framer.stop();
    this.socket.destroy();
  }

  onMessage(message: Buffer): void {
    if (this.#closeReason !== null) return;
    try {
      this.#handler?.onMessage(message);
    } catch (error) {
      this.#failInternally(error);
    }
  }

  onMessageTooLong(bytes: number): void {
    if (this.#closeReason !== null) return;
    try {
      this.#handler?.onMessageTooLong(bytes);
    } catch (error) {
      this.#failInternally(error);
    }
  }

  onUnterminatedOverflow(bytes: number): void {
    this.#log.warn(
      { event: "line-overflow", peer: this.address, bytes },
      "peer sent too much without a line terminator: disconnecting",
    );
    this.#cutOff("line-overflow");
  }

  sendControl(bytes: Buffer): void {
    this.send(bytes);
  }

  onFramingEnd(reason: Extract<CloseReason, "peer-closed" | "protocol-error">): void {
    this.end(reason, FRAMING_END_GRACE_MS);
  }

  /**
   * Ends a connection without cutting a line in two. The kernel may have taken part of the
   * socket's last write, and what it took is delivered whatever we do; so the socket keeps
   * what it holds (whole lines, as every write is), the reason follows it, then a FIN. What
   * is queued here is dropped. The front end hears of the end at once; the socket goes when
   * the peer has taken everything and closed, or after the grace. Input is read and thrown
   * away meanwhile: closing a socket with unread input would send a reset, not the FIN.
   */
  #cutOff(reason: CutOffReason): void {
    if (this.#closeReason !== null) return;
    this.#noteWhatIsLeft();
    this.#closeReason = reason;
    this.#queue = null;
    this.#queuedBytes = 0;
    this.#framer.stop();
    const farewell = this.#handler?.farewellFor?.(reason);
    if (farewell !== undefined) {
      this.socket.write(farewell);
      this.#bytesHanded += farewell.length;
    }
    const closing = this.#framer.closingBytes?.(reason);
    if (closing !== undefined) {
      this.socket.write(closing);
      this.#bytesHanded += closing.length;
    }
    this.socket.end();
    this.socket.resume();
    if (this.#graceTimer !== null) clearTimeout(this.#graceTimer);
    this.#graceTimer = setTimeout(() => this.destroy(reason), CUT_OFF_GRACE_MS);
    // Not from here: a cut-off happens while output is fanned out, and the front end's
    // leaving changes what is being fanned out.
    process.nextTick(() => this.#notifyClosed());
  }

  #notifyClosed(): void {
    const handler = this.#handler;
    this.#handler = null;
    handler?.onClose(this.#closeReason ?? "peer-closed");
  }

  #finishEnding(): void {
    if (this.#closeReason !== null) return;
    this.#closeReason = this.#endReason;
    this.#framer.stop();
    this.socket.end();
  }

  #onDrain(): void {
    if (this.#queue === null) this.#handler?.onAllWritten?.();
    else this.#requestFlush();
  }

  /** At the first sign of the end (an error, a destroy, the close): what was still unwritten, and what was taken. */
  #noteWhatIsLeft(): void {
    if (this.#bytesTakenAtClose !== null) return;
    this.#bytesTakenAtClose = this.#bytesHanded - this.socket.writableLength;
    this.#closedWithUnwritten = this.#queue !== null || this.socket.writableLength > 0;
  }

  #requestFlush(): void {
    if (this.#isFlushScheduled || this.#queue === null) return;
    this.#isFlushScheduled = true;
    scheduleFlush(this);
  }

  #onData(chunk: Buffer): void {
    if (this.#closeReason !== null || this.#isEnding) return;
    try {
      this.#framer.push(chunk);
    } catch (error) {
      this.#failInternally(error);
      return;
    }
    this.#bytesSinceYield += chunk.length;
    if (this.#bytesSinceYield >= READ_BUDGET_BYTES && this.#closeReason === null) {
      this.socket.pause();
      this.#resumer ??= { flush: () => this.#resumeReading() };
      scheduleFlush(this.#resumer);
    }
  }

  #resumeReading(): void {
    this.#bytesSinceYield = 0;
    if (this.#closeReason === null && !this.#isEnding && !this.#isInputHeld) this.socket.resume();
  }

  /** Stops reading (messages already read still arrive) until `releaseInput`. */
  holdInput(): void {
    this.#isInputHeld = true;
    this.socket.pause();
  }

  releaseInput(): void {
    this.#isInputHeld = false;
    this.#resumeReading();
  }

  #takePartial(): void {
    try {
      this.#framer.endPartial();
    } catch (error) {
      this.#failInternally(error);
    }
  }

  #onEnd(): void {
    // Half-close: the peer has finished sending. What it sent last is still a message.
    if (this.#closeReason === null && !this.#isEnding) this.#takePartial();
    this.end("peer-closed", 1000);
  }

  #onError(error: NodeJS.ErrnoException): void {
    // Node empties the socket's buffer before 'close': what it held is known only now.
    this.#noteWhatIsLeft();
    // Any error (a reset, a broken pipe, a timeout on a dead link) can leave what the kernel held undelivered.
    const reason: CloseReason = "reset";
    if (this.#closeReason === null) this.#closeReason = reason;
    // Said at info: a peer whose link went down (ETIMEDOUT, keepalive) reads apart from a reset.
    this.#log.info({ event: "socket-error", peer: this.address, code: error.code }, "socket error");
  }

  #onClose(): void {
    this.#noteWhatIsLeft();
    this.#framer.stop();
    if (this.#graceTimer !== null) clearTimeout(this.#graceTimer);
    if (this.#closeReason === null) this.#closeReason = "peer-closed";
    this.#notifyClosed();
  }

  #failInternally(error: unknown): void {
    this.#log.error({ event: "internal-error", peer: this.address, err: error }, "closing a connection after an error");
    this.destroy("internal-error");
  }
}

const CONNECTION = Symbol("connection");
type SocketOfConnection = Socket & { [CONNECTION]: Connection };

function bufferOf(item: Buffer | SharedRun): Buffer {
  return item instanceof SharedRun ? item.toBuffer() : item;
}

/** "IP:PORT" for IPv4 (IPv4-mapped IPv6 included, as the original showed it); "[IP]:PORT" for IPv6. */
export function formatPeerAddress(ip: string | undefined, port: number | undefined): string {
  const host = ip === undefined ? "unknown" : ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
  return host.includes(":") ? `[${host}]:${port ?? 0}` : `${host}:${port ?? 0}`;
}
