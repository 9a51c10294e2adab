import { Client, type ClientOptions } from "irc-framework";
import { DEFAULT_WAIT_MS, Wakeups, waitUntil } from "./wait-until.js";

/** One event as irc-framework emitted it: its name and its argument. */
export interface IrcFrameworkEvent {
  readonly name: string;
  readonly event: Record<string, unknown>;
}

export interface IrcFrameworkOptions {
  readonly port: number;
  readonly nick: string;
  readonly host?: string;
  /** Caps to request beyond those irc-framework asks for by itself. */
  readonly caps?: readonly string[];
  /** More of irc-framework's own options (password, enable_echomessage, ...). */
  readonly options?: ClientOptions;
  readonly timeoutMs?: number;
}

/**
 * irc-framework, the IRC library The Lounge and Kiwi IRC are built on, as a client whose events
 * are collected in order and can be awaited instead of listened for. Reconnection is off.
 *
 * What it sends at connect: `CAP LS 302`, `PASS` (with a password), `NICK nick`,
 * `USER nick 0 * nick` (no ":" before a one-word real name) without waiting; once the caps are
 * listed, `CAP REQ` for those it knows among the offered (multi-prefix server-time message-tags
 * batch away-notify extended-join account-notify cap-notify userhost-in-names invite-notify
 * account-tag; echo-message only with enable_echomessage) and `CAP END`, or just `CAP END`.
 * Once registered it sends `PING <a number>`, and again after 30 s of quiet. `quit()` sends
 * `QUIT bye`.
 *
 *   const carol = await IrcFrameworkClient.connect({ port, nick: "carol" });   // after 001
 *   carol.client.join("#lobby");
 *   await carol.waitForEvent("join", (e) => e.nick === "carol");
 *   carol.client.say("#lobby", "hi");
 *   const said = await carol.waitForEvent("privmsg", (e) => e.nick === "bob");  // e.message, e.target
 *   await carol.quit();
 */
export class IrcFrameworkClient {
  readonly client: Client;
  /** Every event so far, in the order emitted. */
  readonly events: IrcFrameworkEvent[] = [];
  readonly #wakeups = new Wakeups();
  #isClosed = false;

  private constructor(client: Client) {
    this.client = client;
    client.command_handler.on("all", (name, event) => this.#record(name, event));
    client.on("close", () => {
      this.#isClosed = true;
      this.#record("close", {});
    });
  }

  static async connect(options: IrcFrameworkOptions): Promise<IrcFrameworkClient> {
    const { host = "127.0.0.1", port, nick } = options;
    const client = new Client({
      host,
      port,
      nick,
      username: nick,
      gecos: nick,
      ...options.options,
      auto_reconnect: false,
    });
    if (options.caps !== undefined && options.caps.length > 0) client.requestCap([...options.caps]);
    const wrapper = new IrcFrameworkClient(client);
    client.connect();
    try {
      await wrapper.waitForEvent("registered", undefined, options.timeoutMs);
    } catch (error) {
      client.quit();
      throw error;
    }
    return wrapper;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** How many events have been emitted: pass it as `from` to wait only for what comes next. */
  get eventCount(): number {
    return this.events.length;
  }

  /** Waits for an event named `name` (at index `from` or later) that `accepts` takes; returns its argument. */
  waitForEvent(
    name: string,
    accepts: (event: Record<string, unknown>) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
    from = 0,
  ): Promise<Record<string, unknown>> {
    return waitUntil(
      () => this.events.slice(from).find((recorded) => recorded.name === name && accepts(recorded.event))?.event,
      {
        what: `irc-framework event "${name}"`,
        wakeups: this.#wakeups,
        timeoutMs,
        seen: () => `events: ${this.events.map((recorded) => recorded.name).join(", ")}`,
        end: { hasEnded: () => this.#isClosed, description: "the connection closed" },
      },
    );
  }

  /** Sends QUIT and waits until the connection has closed. */
  async quit(message = "bye", timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.#isClosed) return;
    this.client.quit(message);
    await waitUntil(() => (this.#isClosed ? true : undefined), {
      what: "the connection to close",
      wakeups: this.#wakeups,
      timeoutMs,
      seen: () => `events: ${this.events.map((recorded) => recorded.name).join(", ")}`,
    });
  }

  #record(name: string, event: Record<string, unknown>): void {
    this.events.push({ name, event });
    this.#wakeups.wakeAll();
  }
}
