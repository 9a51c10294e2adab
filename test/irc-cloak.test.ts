import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HostCloak } from "../src/frontends/irc/cloak.js";

const secret = Buffer.from("0123456789abcdef0123456789abcdef");

function cloaker(options: Partial<ConstructorParameters<typeof HostCloak>[0]> = {}): HostCloak {
  return new HostCloak({ secret, suffix: "parley", ...options });
}

describe("host cloaks", () => {
  it("has the documented shape and holds nothing of the address", () => {
    const cloak = cloaker().cloak("203.0.113.9");
    assert.match(cloak, /^[a-z2-7]{8}\.[a-z2-7]{8}\.parley$/);
    for (const part of ["203", "113"]) assert.ok(!cloak.includes(part));
  });

  it("is stable across instances with the same secret, and differs with another secret", () => {
    assert.equal(cloaker().cloak("203.0.113.9"), cloaker().cloak("203.0.113.9"));
    const other = new HostCloak({ secret: Buffer.alloc(32, 7), suffix: "parley" });
    assert.notEqual(other.cloak("203.0.113.9"), cloaker().cloak("203.0.113.9"));
  });

  it("gives different addresses different cloaks", () => {
    const cloak = cloaker();
    const seen = new Set<string>();
    for (let i = 0; i < 256; i++) seen.add(cloak.cloak(`198.51.100.${i}`));
    assert.equal(seen.size, 256);
  });

  it("cloaks an IPv4-mapped IPv6 address as the IPv4 address", () => {
    const cloak = cloaker();
    assert.equal(cloak.cloak("::ffff:203.0.113.9"), cloak.cloak("203.0.113.9"));
  });

  it("cloaks IPv6 by its /64 by default, however it is written", () => {
    const cloak = cloaker();
    const one = cloak.cloak("2001:db8:1:2::1");
    assert.equal(cloak.cloak("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), one);
    assert.equal(cloak.cloak("2001:0db8:0001:0002:0:0:0:0002"), one);
    assert.equal(cloak.cloak("2001:db8:1:2::1%eth0"), one);
    assert.notEqual(cloak.cloak("2001:db8:1:3::1"), one);
    const full = cloaker({ ipv6PrefixBits: 128 });
    assert.notEqual(full.cloak("2001:db8:1:2::1"), full.cloak("2001:db8:1:2::2"));
  });

  it("can cloak IPv4 by a shorter prefix", () => {
    const cloak = cloaker({ ipv4PrefixBits: 24 });
    assert.equal(cloak.cloak("198.51.100.1"), cloak.cloak("198.51.100.254"));
    assert.notEqual(cloak.cloak("198.51.100.1"), cloak.cloak("198.51.101.1"));
  });

  it("cloaks what is not an IP address too, without showing it", () => {
    const cloak = cloaker().cloak("/run/parley.sock");
    assert.match(cloak, /^[a-z2-7]{8}\.[a-z2-7]{8}\.parley$/);
  });

  it("remembers at most cacheSize cloaks and still answers the same after forgetting", () => {
    const cloak = cloaker({ cacheSize: 2 });
    const first = cloak.cloak("192.0.2.1");
    cloak.cloak("192.0.2.2");
    cloak.cloak("192.0.2.3");
    assert.equal(cloak.cloak("192.0.2.1"), first);
  });

  it("refuses a short secret, a suffix that is not a host name, and a bad prefix", () => {
    assert.throws(() => new HostCloak({ secret: Buffer.alloc(8), suffix: "parley" }), /secret/);
    assert.throws(() => cloaker({ suffix: "bad suffix" }), /suffix/);
    assert.throws(() => cloaker({ ipv4PrefixBits: 33 }), /prefix/);
  });
});
