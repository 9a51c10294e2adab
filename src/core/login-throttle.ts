import { MAX_NAME_LENGTH } from "./names.js";
import {
  DEFAULT_KEY_CAPACITY,
  FailureSlowdown,
  KeyedLimiter,
  type KeyedThrottle,
  type SlowdownOptions,
} from "./rate-limit.js";

export interface LoginLimits {
  /** Wrong passwords for one account from one address: a burst, then this many a second; more are refused. */
  readonly perAccountAndAddress: { readonly burst: number; readonly perSecond: number };
  /** Wrong passwords from one address, whatever the account; more are refused. */
  readonly perAddress: { readonly burst: number; readonly perSecond: number };
  /** Wrong passwords for one account from anywhere: answered later and later, never refused. */
  readonly perAccount: SlowdownOptions;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccountAndAddress: { burst: 5, perSecond: 1 / 60 },
  perAddress: { burst: 10, perSecond: 1 / 30 },
  perAccount: { firstDelayMs: 250, maxDelayMs: 4000, forgetAfterMs: 15 * 60_000, capacity: DEFAULT_KEY_CAPACITY },
};

/**
 * Who may try a password, and when. Refusals are by address and by account from that
 * address, never by account alone: otherwise anyone could lock an owner out of their account
 * by guessing wrong on purpose. An account guessed at from many addresses is slowed instead.
 * Only failures count: a successful login gives back what it took.
 */
export class LoginThrottle {
  readonly #byAccountAndAddress: KeyedThrottle;
  readonly #byAddress: KeyedThrottle;
  readonly #byAccount: FailureSlowdown;

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    const { perAccountAndAddress, perAddress } = limits;
    this.#byAccountAndAddress = new KeyedLimiter(perAccountAndAddress.burst, perAccountAndAddress.perSecond);
    this.#byAddress = new KeyedLimiter(perAddress.burst, perAddress.perSecond);
    this.#byAccount = new FailureSlowdown(limits.perAccount);
  }

  /**
   * 0 when a login to `accountKey` from `peerAddress` ("IP:PORT") may be tried now, and is
   * counted as a failure until `succeeded` says otherwise; else how many ms until one may.
   */
  async admit(peerAddress: string, accountKey: string, now = Date.now()): Promise<number> {
    const address = addressKey(peerAddress);
    const pair = pairKey(address, accountKey);
    const byAddress = await this.#byAddress.take(address, now);
    const byPair = pair === null ? 0 : await this.#byAccountAndAddress.take(pair, now);
    if (byAddress === 0 && byPair === 0) return 0;
    // A refused attempt costs nothing: only what is tried counts.
    if (byAddress === 0) await this.#byAddress.refund(address);
    if (byPair === 0 && pair !== null) await this.#byAccountAndAddress.refund(pair);
    return Math.max(byAddress, byPair);
  }

  /** A wrong password (or no such account): how many ms to wait before saying so. */
  failed(accountKey: string, now = Date.now()): number {
    return isTracked(accountKey) ? this.#byAccount.failed(accountKey, now) : this.#byAccount.delayAfter(1);
  }

  async succeeded(peerAddress: string, accountKey: string): Promise<void> {
    const address = addressKey(peerAddress);
    const pair = pairKey(address, accountKey);
    await this.#byAddress.refund(address);
    if (pair !== null) await this.#byAccountAndAddress.refund(pair);
    this.#byAccount.succeeded(accountKey);
  }
}

/**
 * A name longer than any name can be is no account: it is throttled by address alone, and
 * nobody fills the tables with kilobyte-long keys. (A key can be longer than its name.)
 */
function isTracked(accountKey: string): boolean {
  return accountKey.length <= 4 * MAX_NAME_LENGTH;
}

/** An address never has a space, so the first one splits the pair unambiguously. */
function pairKey(address: string, accountKey: string): string | null {
  return isTracked(accountKey) ? `${address} ${accountKey}` : null;
}

/**
 * What one guesser is throttled as: an IPv4 address, or an IPv6 /64, the least a single
 * subscriber is given (RFC 6177), so nobody gets 2^64 fresh addresses to guess from.
 * `peerAddress` is "IP:PORT" or "[IPv6]:PORT".
 */
export function addressKey(peerAddress: string): string {
  const colon = peerAddress.lastIndexOf(":");
  const host = colon === -1 ? peerAddress : peerAddress.slice(0, colon);
  if (!host.startsWith("[")) return host;
  return `${ipv6Prefix64(host.slice(1, -1))}::/64`;
}

/** The first four groups of an IPv6 address, each without leading zeros. */
function ipv6Prefix64(ip: string): string {
  const [head, tail] = ip.split("%")[0].toLowerCase().split("::");
  const headGroups = head === "" ? [] : head.split(":");
  let groups = headGroups;
  if (tail !== undefined) {
    const tailGroups = tail === "" ? [] : tail.split(":");
    // A dotted IPv4 tail stands for two groups.
    const tailLength = tailGroups.reduce((length, group) => length + (group.includes(".") ? 2 : 1), 0);
    const zeros = Array.from({ length: Math.max(0, 8 - headGroups.length - tailLength) }, () => "0");
    groups = [...headGroups, ...zeros, ...tailGroups];
  }
  return groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(":");
}
