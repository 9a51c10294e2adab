import { DEFAULT_WAIT_MS } from "./wait-until.js";
import { WebSocketClient } from "./web-socket-client.js";

/** A frame of the JSON protocol (docs/protocol.md), as parsed. */
export type WebFrame = { type: string; re?: number; [field: string]: unknown };

/** A client of the JSON protocol on /ws: requests with ids, and every frame received, parsed. */
export class WebChatClient {
  readonly ws: WebSocketClient;
  #nextId = 1;

  private constructor(ws: WebSocketClient) {
    this.ws = ws;
  }

  /** Connects to /ws and waits for the welcome. */
  static async open(port: number): Promise<WebChatClient> {
    const client = new WebChatClient(await WebSocketClient.open(port, "/ws"));
    await client.waitFor((frame) => frame.type === "welcome");
    return client;
  }

  /** Connects, takes `name`, and joins `rooms`. */
  static async named(port: number, name: string, ...rooms: string[]): Promise<WebChatClient> {
    const client = await WebChatClient.open(port);
    await client.request({ type: "nick", name });
    for (const room of rooms) await client.request({ type: "join", room, replay: 0 });
    return client;
  }

  get frames(): WebFrame[] {
    return this.ws.messages.map((text) => JSON.parse(text) as WebFrame);
  }

  get frameCount(): number {
    return this.ws.messageCount;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Sends `frame` with a fresh id; resolves with what answers it (replies and errors with
   * `re`), once its "done" arrives.
   */
  async request(frame: object, timeoutMs = DEFAULT_WAIT_MS): Promise<WebFrame[]> {
    const id = this.#nextId++;
    const from = this.frameCount;
    this.send({ ...frame, id });
    await this.waitFor((each) => each.type === "done" && each.re === id, timeoutMs, from);
    return this.frames.slice(from).filter((each) => each.re === id && each.type !== "done");
  }

  /** The first reply of `kind` to `frame`; throws with what came instead. */
  async replyTo(frame: object, kind: string): Promise<Record<string, unknown>> {
    const answers = await this.request(frame);
    const reply = answers.find((each) => each.type === "reply" && (each.reply as { kind: string }).kind === kind);
    if (reply === undefined)
      throw new Error(`no ${kind} reply to ${JSON.stringify(frame)}: ${JSON.stringify(answers)}`);
    return reply.reply as Record<string, unknown>;
  }

  async waitFor(match: (frame: WebFrame) => boolean, timeoutMs = DEFAULT_WAIT_MS, from = 0): Promise<WebFrame> {
    const text = await this.ws.waitFor((each) => match(JSON.parse(each) as WebFrame), timeoutMs, from);
    return JSON.parse(text) as WebFrame;
  }

  close(): Promise<void> {
    return this.ws.close();
  }
}
