import { MAX_LINE_BODY_BYTES } from "./message.js";
import { ERR_INVALIDCAPCMD, ERR_NEEDMOREPARAMS } from "./numerics.js";

/**
 * IRCv3 capability negotiation (ircv3.net/specs/extensions/capability-negotiation) as a
 * state machine over plain values: the session feeds it each CAP command's parameters and
 * sends what it returns. It never sees a socket.
 */

/** A capability Parley offers. `value` is advertised only to CAP 302 clients ("sasl=PLAIN"). */
export interface CapDefinition {
  name: string;
  value?: string;
}

/** A line to send from the server: a CAP message or a numeric, as its command and parameters. */
export interface CapReply {
  command: string;
  params: string[];
}

/** Who the replies are addressed to: the nickname, or null before one is set ("*"). */
export interface CapContext {
  nick: string | null;
  isRegistered: boolean;
}

/** The capabilities a listener offers, by name: built once and shared by its sessions until one is offered more or fewer. */
export type SupportedCaps = ReadonlyMap<string, CapDefinition>;

/** `supported` as the table sessions share (see CapNegotiation's constructor). */
export function supportedCaps(supported: readonly CapDefinition[]): SupportedCaps {
  return new Map(supported.map((cap) => [cap.name, cap]));
}

const NOTHING_ENABLED: ReadonlySet<string> = new Set();

const CAP_NOTIFY = "cap-notify";
/** The version whose features are values, multi-line replies and implied cap-notify. */
const CAP_VERSION_302 = 302;

export class CapNegotiation {
  /** Shared with the listener's other sessions until CAP NEW or DEL changes this one's: then a copy of its own. */
  #supported: SupportedCaps;
  readonly #serverName: string;
  /** Null until a capability is enabled: most clients never ask for one, and ten thousand empty sets add up. */
  #enabled: Set<string> | null = null;
  #version = 0;
  #isHoldingRegistration = false;

  /**
   * `supported` is what this session can honour, in the order it is advertised; the session
   * passes only what it implements (a table from `supportedCaps` is shared, never changed).
   * `serverName` is the source of the replies, counted in their length.
   */
  constructor(supported: readonly CapDefinition[] | SupportedCaps, serverName: string) {
    this.#supported = isCapList(supported) ? supportedCaps(supported) : supported;
    this.#serverName = serverName;
  }

  /** The highest CAP LS version the client sent; 0 before any LS, 301 for a bare "CAP LS". */
  get version(): number {
    return this.#version;
  }

  get enabled(): ReadonlySet<string> {
    return this.#enabled ?? NOTHING_ENABLED;
  }

  isEnabled(name: string): boolean {
    return this.#enabled?.has(name) === true;
  }

  /** Between a CAP LS or REQ before registration and CAP END: registration must wait. */
  get isHoldingRegistration(): boolean {
    return this.#isHoldingRegistration;
  }

  /** Whether CAP NEW and DEL may be sent: cap-notify enabled, or implied by version 302. */
  get receivesCapNotify(): boolean {
    return this.#version >= CAP_VERSION_302 || this.isEnabled(CAP_NOTIFY);
  }

  /** Handles one CAP command; `params` are its parameters after "CAP". */
  handle(params: readonly string[], context: CapContext): CapReply[] {
    const nick = context.nick ?? "*";
    const subcommand = params[0]?.toUpperCase();
    if (subcommand === undefined) return [numeric(ERR_NEEDMOREPARAMS, [nick, "CAP", "Not enough parameters"])];
    switch (subcommand) {
      case "LS":
        return this.#listSupported(params[1], nick, context.isRegistered);
      case "LIST":
        return this.#capLines(nick, "LIST", [...this.enabled]);
      case "REQ":
        return this.#request(params[1], nick, context.isRegistered);
      case "END":
        // The spec: END from a registered client is ignored.
        this.#isHoldingRegistration = false;
        return [];
      default:
        return [numeric(ERR_INVALIDCAPCMD, [nick, params[0] as string, "Invalid CAP command"])];
    }
  }

  /**
   * Capabilities the session now offers (CAP NEW) or withdrew (CAP DEL). A withdrawn one is
   * disabled here at once: the spec says its behaviour ends when DEL is sent. Returns the
   * lines to send, none for a client that did not ask to be told.
   */
  offer(added: readonly CapDefinition[], nick: string): CapReply[] {
    const fresh = added.filter((cap) => !this.#supported.has(cap.name));
    this.#supported = new Map([...this.#supported, ...fresh.map((cap) => [cap.name, cap] as const)]);
    if (fresh.length === 0 || !this.receivesCapNotify) return [];
    return this.#capLines(
      nick,
      "NEW",
      fresh.map((cap) => this.#advertised(cap)),
    );
  }

  withdraw(names: readonly string[], nick: string): CapReply[] {
    const gone = names.filter((name) => this.#supported.has(name));
    const remaining = new Map(this.#supported);
    for (const name of gone) {
      remaining.delete(name);
      this.#enabled?.delete(name);
    }
    this.#supported = remaining;
    if (gone.length === 0 || !this.receivesCapNotify) return [];
    return this.#capLines(nick, "DEL", gone);
  }

  #listSupported(versionParam: string | undefined, nick: string, isRegistered: boolean): CapReply[] {
    // The spec: the version is a number, and the highest one sent is kept.
    const version = versionParam === undefined ? 301 : Number.parseInt(versionParam, 10);
    this.#version = Math.max(this.#version, Number.isFinite(version) ? version : 301);
    if (this.#version >= CAP_VERSION_302 && this.#supported.has(CAP_NOTIFY)) this.#enable(CAP_NOTIFY);
    if (!isRegistered) this.#isHoldingRegistration = true;
    const caps = [...this.#supported.values()].map((cap) => this.#advertised(cap));
    return this.#capLines(nick, "LS", caps);
  }

  #advertised(cap: CapDefinition): string {
    return this.#version >= CAP_VERSION_302 && cap.value !== undefined ? `${cap.name}=${cap.value}` : cap.name;
  }

  /** The spec: a REQ is acknowledged or refused as a whole, echoing the list as the client sent it. */
  #request(list: string | undefined, nick: string, isRegistered: boolean): CapReply[] {
    if (list === undefined) return [numeric(ERR_NEEDMOREPARAMS, [nick, "CAP", "Not enough parameters"])];
    if (!isRegistered) this.#isHoldingRegistration = true;
    const changes = list.split(" ").filter((word) => word.length > 0);
    const isAcceptable =
      changes.length > 0 &&
      changes.every((change) => {
        const isRemoval = change.startsWith("-");
        const name = isRemoval ? change.slice(1) : change;
        if (!this.#supported.has(name)) return false;
        // Version 302 implies cap-notify for the life of the connection, so it cannot be turned off.
        return !(isRemoval && name === CAP_NOTIFY && this.#version >= CAP_VERSION_302);
      });
    const echoed = list.trim();
    if (!isAcceptable) return [capMessage(nick, "NAK", echoed)];
    for (const change of changes) {
      if (change.startsWith("-")) this.#enabled?.delete(change.slice(1));
      else this.#enable(change);
    }
    return [capMessage(nick, "ACK", echoed)];
  }

  #enable(name: string): void {
    this.#enabled ??= new Set();
    this.#enabled.add(name);
  }

  /**
   * One list over as many lines as it needs. For a 302 client every line but the last
   * carries "*" (the spec's multi-line replies); an older client gets plain lines, as it
   * must not see the "*". An empty list is one line with an empty parameter.
   */
  #capLines(nick: string, subcommand: string, caps: readonly string[]): CapReply[] {
    const isMultiline = this.#version >= CAP_VERSION_302;
    const fixedBytes = Buffer.byteLength(`:${this.#serverName} CAP ${nick} ${subcommand} * :`);
    const budget = MAX_LINE_BODY_BYTES - fixedBytes;
    const lists: string[] = [];
    let current = "";
    for (const cap of caps) {
      const added = current.length === 0 ? cap : `${current} ${cap}`;
      if (current.length > 0 && Buffer.byteLength(added) > budget) {
        lists.push(current);
        current = cap;
      } else {
        current = added;
      }
    }
    lists.push(current);
    return lists.map((capList, index) => {
      const isLast = index === lists.length - 1;
      return isMultiline && !isLast
        ? capMessage(nick, subcommand, "*", capList)
        : capMessage(nick, subcommand, capList);
    });
  }
}

function isCapList(supported: readonly CapDefinition[] | SupportedCaps): supported is readonly CapDefinition[] {
  return Array.isArray(supported);
}

function capMessage(nick: string, subcommand: string, ...rest: string[]): CapReply {
  return { command: "CAP", params: [nick, subcommand, ...rest] };
}

function numeric(command: string, params: string[]): CapReply {
  return { command, params };
}
