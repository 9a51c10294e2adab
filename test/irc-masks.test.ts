import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CompiledMask, matchesMask, normaliseMask } from "../src/core/masks.js";

const ascii = (text: string): string => text.toLowerCase();
/** RFC 1459 casemapping: []\~ are the uppercase of {}|^. */
const rfc1459 = (text: string): string =>
  text.toLowerCase().replace(/[[\]\\~]/g, (c) => ({ "[": "{", "]": "}", "\\": "|", "~": "^" })[c] ?? c);

describe("IRC masks", () => {
  it("matches '*' to any run and '?' to one character", () => {
    assert.ok(matchesMask("*!*@*.example.org", "nick!user@host.example.org", ascii));
    assert.ok(matchesMask("n?ck!*@*", "nick!u@h", ascii));
    assert.ok(!matchesMask("n?ck!*@*", "nck!u@h", ascii));
    assert.ok(matchesMask("*", "", ascii));
    assert.ok(matchesMask("a*b*c", "abc", ascii));
    assert.ok(matchesMask("a*b*c", "axxbyybzc", ascii));
    assert.ok(!matchesMask("a*b*c", "axxbyybzcd", ascii));
    assert.ok(!matchesMask("*.org", "example.com", ascii));
    assert.ok(matchesMask("??", "日本", ascii), "'?' is one character, not one UTF-16 unit");
    assert.ok(matchesMask("?", "🙂", ascii));
  });

  it("compares after folding with the casemapping passed in", () => {
    assert.ok(matchesMask("NICK!*@*", "nick!u@h", ascii));
    assert.ok(!matchesMask("ni[k!*@*", "ni{k!u@h", ascii));
    assert.ok(matchesMask("ni[k!*@*", "ni{k!u@h", rfc1459));
    assert.ok(matchesMask("a\\b!*@*", "A|B!u@h", rfc1459));
  });

  it("makes '*', '?' and '\\' literal after a backslash, and keeps any other backslash literal", () => {
    assert.ok(matchesMask("a\\*b", "a*b", ascii));
    assert.ok(!matchesMask("a\\*b", "axb", ascii));
    assert.ok(matchesMask("a\\?", "a?", ascii));
    assert.ok(!matchesMask("a\\?", "ab", ascii));
    assert.ok(matchesMask("a\\\\b", "a\\b", ascii));
    assert.ok(matchesMask("foo\\bar!*@*", "foo\\bar!u@h", ascii));
  });

  it("matches many subjects with one compiled mask, quickly even against a hostile mask", () => {
    const mask = new CompiledMask(`${"*a".repeat(40)}b`, ascii);
    const started = performance.now();
    assert.ok(!mask.matches("a".repeat(500)));
    assert.ok(mask.matches(`${"a".repeat(500)}b`));
    assert.ok(performance.now() - started < 500);
  });

  it("agrees with a regular expression built from the mask", () => {
    const pieces = fc.array(fc.constantFrom("a", "b", "*", "?", "."), { maxLength: 8 });
    const subjects = fc.array(fc.constantFrom("a", "b", "."), { maxLength: 10 });
    fc.assert(
      fc.property(pieces, subjects, (mask, subject) => {
        const pattern = mask.map((c) => (c === "*" ? ".*" : c === "?" ? "." : c === "." ? "\\." : c)).join("");
        const expected = new RegExp(`^${pattern}$`, "s").test(subject.join(""));
        assert.equal(matchesMask(mask.join(""), subject.join(""), ascii), expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("completes partial masks as servers do", () => {
    assert.equal(normaliseMask("nick"), "nick!*@*");
    assert.equal(normaliseMask("*@host"), "*!*@host");
    assert.equal(normaliseMask("user@host"), "*!user@host");
    assert.equal(normaliseMask("nick!user"), "nick!user@*");
    assert.equal(normaliseMask("nick!user@host"), "nick!user@host");
    assert.equal(normaliseMask("host.example.org"), "*!*@host.example.org");
    assert.equal(normaliseMask("2001:db8::1"), "*!*@2001:db8::1");
    assert.equal(normaliseMask("*"), "*!*@*");
    assert.equal(normaliseMask("!@"), "*!*@*");
    assert.equal(normaliseMask("nick!@"), "nick!*@*");
    assert.equal(normaliseMask("user@host!x"), "*!user@host!x");
  });
});
