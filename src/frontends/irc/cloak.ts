import { createHmac } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";

/**
 * Host cloaks: what other users see instead of someone's address. A cloak is
 * "<8 base32>.<8 base32>.<suffix>", e.g. "k3vq7xma.2fz4h0pq.parley": the first 80 bits
 * of HMAC-SHA256(secret, address) in RFC 4648 base32, lowercase. It is stable (the same
 * address always gets the same cloak, so bans on it hold), it holds nothing of the address,
 * and without the secret it cannot be reversed by hashing all 2³² IPv4 addresses.
 *
 * An IPv6 address is cloaked by its /64 by default: one subscriber gets a whole /64 and
 * privacy addresses rotate within it, so a cloak of the full address would be a new cloak,
 * and a useless ban, every day. Both prefixes can be set.
 */
export interface CloakOptions {
  /** At least 16 bytes; keep it across restarts or every cloak changes. */
  secret: Buffer;
  /** The host name the cloaks end in, e.g. the network's name. */
  suffix: string;
  /** Leading bits of an IPv4 address that are cloaked (32: each address apart). */
  ipv4PrefixBits?: number;
  /** Leading bits of an IPv6 address that are cloaked (64: one subscriber's network). */
  ipv6PrefixBits?: number;
  /** How many cloaks to remember; the oldest is forgotten first. */
  cacheSize?: number;
}

const MIN_SECRET_BYTES = 16;
const HASH_BYTES_SHOWN = 10;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
/** Versions what is hashed, so a later change of shape cannot collide with these cloaks. */
const DOMAIN = Buffer.from("parley host cloak v1\0");

export class HostCloak {
  readonly #secret: Buffer;
  readonly #suffix: string;
  readonly #ipv4PrefixBits: number;
  readonly #ipv6PrefixBits: number;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, string>();

  constructor(options: CloakOptions) {
    if (options.secret.length < MIN_SECRET_BYTES)
      throw new Error(`cloak secret must be at least ${MIN_SECRET_BYTES} bytes`);
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(options.suffix))
      throw new Error(`cloak suffix is not a host name: ${options.suffix}`);
    this.#secret = Buffer.from(options.secret);
    this.#suffix = options.suffix;
    this.#ipv4PrefixBits = prefixBits(options.ipv4PrefixBits ?? 32, 32);
    this.#ipv6PrefixBits = prefixBits(options.ipv6PrefixBits ?? 64, 128);
    this.#cacheSize = Math.max(1, options.cacheSize ?? 4096);
  }

  /** The cloak for an address as Node reports it ("203.0.113.9", "2001:db8::1", "::ffff:203.0.113.9"). */
  cloak(address: string): string {
    const cached = this.#cache.get(address);
    if (cached !== undefined) return cached;
    const cloaked = this.#compute(address);
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(address, cloaked);
    return cloaked;
  }

  #compute(address: string): string {
    const digest = createHmac("sha256", this.#secret).update(DOMAIN).update(this.#hashedForm(address)).digest();
    const text = base32(digest.subarray(0, HASH_BYTES_SHOWN));
    return `${text.slice(0, 8)}.${text.slice(8, 16)}.${this.#suffix}`;
  }

  /** A family byte and the address masked to its prefix; anything else (a Unix socket path) as text. */
  #hashedForm(address: string): Buffer {
    const unzoned = address.split("%")[0] as string;
    if (isIPv4(unzoned)) return Buffer.concat([Buffer.of(4), masked(ipv4Bytes(unzoned), this.#ipv4PrefixBits)]);
    if (isIPv6(unzoned)) {
      const bytes = ipv6Bytes(unzoned);
      if (isIpv4Mapped(bytes)) return Buffer.concat([Buffer.of(4), masked(bytes.subarray(12), this.#ipv4PrefixBits)]);
      return Buffer.concat([Buffer.of(6), masked(bytes, this.#ipv6PrefixBits)]);
    }
    return Buffer.concat([Buffer.of(0), Buffer.from(address, "utf8")]);
  }
}

function prefixBits(bits: number, max: number): number {
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`cloak prefix must be 0 to ${max} bits`);
  return bits;
}

function masked(bytes: Buffer, bits: number): Buffer {
  const out = Buffer.alloc(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.min(8, Math.max(0, bits - i * 8));
    out[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split(".").map((part) => Number.parseInt(part, 10)));
}

/** Expects text that `isIPv6` accepted: "::" at most once, an IPv4 tail allowed. */
function ipv6Bytes(text: string): Buffer {
  const groups = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = ipv4Bytes(group);
          return [((a as number) << 8) | (b as number), ((c as number) << 8) | (d as number)];
        });
  const gap = text.indexOf("::");
  const head = groups(gap === -1 ? text : text.slice(0, gap));
  const tail = gap === -1 ? [] : groups(text.slice(gap + 2));
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = Buffer.alloc(16);
  for (const [index, group] of all.entries()) bytes.writeUInt16BE(group, index * 2);
  return bytes;
}

function isIpv4Mapped(bytes: Buffer): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** RFC 4648 §6 base32, lowercase, without padding. */
function base32(bytes: Buffer): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}
