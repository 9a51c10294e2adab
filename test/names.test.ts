import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  guestKeyOf,
  guestNameOf,
  identityKey,
  mixedScriptError,
  parseRoomName,
  parseUserName,
} from "../src/core/names.js";
import { CONFUSABLES_VERSION } from "../src/core/unicode/identity-table.js";

/** Unicode's mappings as pinned in the repository: [source, prototype] pairs. */
function readConfusables(): Array<[string, string]> {
  const text = fs.readFileSync(new URL("../src/core/unicode/confusables.txt", import.meta.url), "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [from = "", to = ""] = line
        .split(";")
        .slice(0, 2)
        .map((field) =>
          String.fromCodePoint(
            ...field
              .trim()
              .split(" ")
              .map((codePoint) => Number.parseInt(codePoint, 16)),
          ),
        );
      return [from, to];
    });
}

function* everyCharacter(): Generator<string> {
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
    if (codePoint < 0xd800 || codePoint > 0xdfff) yield String.fromCodePoint(codePoint);
  }
}

describe("identity keys", () => {
  it("make capitals of other scripts one name with the Latin capitals they look like", () => {
    const sameNames = [
      ["TOM", "\u03a4\u039f\u039c", "\u03c4\u03bf\u03bc", "tom"],
      ["HEX", "\u0397\u0395\u03a7", "hex"],
      ["YES", "\u03a5\u0395\u0405", "yes"],
      ["PAYPAL", "\u03a1\u0391\u03a5\u03a1\u0391L", "paypal"],
      ["Alice", "ALICE", "ａｌｉｃｅ", "\u0430lice", "al\u0456ce", "AL1CE", "𝐀𝐥𝐢𝐜𝐞"],
      // Cyrillic ԁ and һ, Armenian օ, Cherokee Ꭺ and its small letter.
      ["dho", "\u0501\u04bb\u0585"],
      ["a", "\u13aa", "\uab7a"],
      ["mike", "rnike"],
    ];
    for (const names of sameNames) {
      const keys = names.map((name) => identityKey(name));
      assert.deepEqual(new Set(keys).size, 1, `${names.join(", ")}: ${keys.join(", ")}`);
    }
  });

  it("keep apart letters that case and look-alikes would otherwise chain together", () => {
    // Greek γ passes for y and its capital Γ for Cyrillic Г; Cyrillic г and у are two letters.
    for (const [a, b] of [
      ["\u0433\u043e\u0440\u0430", "\u0443\u043e\u0440\u0430"],
      ["\u03b3\u03b1\u03bc\u03b1", "\u03c5\u03b1\u03bc\u03b1"],
      ["bug", "byg"],
      ["nat", "hat"],
    ]) {
      assert.notEqual(identityKey(a), identityKey(b), `${a} and ${b}`);
    }
  });

  it("are the same for every character in either case", () => {
    for (const character of everyCharacter()) {
      const key = identityKey(character);
      assert.equal(identityKey(character.toUpperCase()), key, `U+${character.codePointAt(0)?.toString(16)} upper`);
      assert.equal(identityKey(character.toLowerCase()), key, `U+${character.codePointAt(0)?.toString(16)} lower`);
    }
  });

  it("are their own keys", () => {
    for (const character of everyCharacter()) {
      const key = identityKey(character);
      assert.equal(identityKey(key), key, `U+${character.codePointAt(0)?.toString(16)}`);
    }
  });

  it("are the same for any string in either case, and are their own keys", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 12 }), (name) => {
        const key = identityKey(name);
        assert.equal(identityKey(name.toUpperCase()), key);
        assert.equal(identityKey(name.toLowerCase()), key);
        assert.equal(identityKey(key), key);
      }),
      { numRuns: 5000 },
    );
  });

  it("give every capital and caseless look-alike of Unicode's data its prototype's key", () => {
    const confusables = readConfusables();
    assert.ok(confusables.length > 6000, `${confusables.length} mappings`);
    assert.equal(CONFUSABLES_VERSION, "13.0.0");
    // Accents fall away and compatibility forms decompose (NFKD): where Unicode says a
    // character with an accent or a compatibility form passes for something else, the key
    // follows them instead. A small letter follows its capital (Greek τ is t, as Τ is T). A
    // character whose prototype is marks alone (Myanmar ႞) is not keyed as nothing.
    // A capital whose small letter passes for a letter of its own script goes by that letter
    // (Ƽ is s, as ƽ is, though Ƽ passes for 5).
    const withoutMarks = (text: string) => text.normalize("NFKD").replace(/\p{M}/gu, "");
    const prototypeOf = new Map(confusables);
    const goesBySmallLetter = (capital: string) => {
      const small = capital.toLowerCase();
      const prototype = prototypeOf.get(small);
      return small !== capital && prototype !== undefined && identityKey(capital) === identityKey(prototype);
    };
    const decidedByUnicodeAlone = confusables.filter(
      ([from, to]) =>
        from.toUpperCase() === from &&
        withoutMarks(from) === from &&
        withoutMarks(to) !== "" &&
        !goesBySmallLetter(from),
    );
    const differing = decidedByUnicodeAlone.filter(([from, to]) => identityKey(from) !== identityKey(to));
    assert.ok(decidedByUnicodeAlone.length > 500, `${decidedByUnicodeAlone.length} capitals`);
    assert.deepEqual(
      differing.map(([from]) => from),
      [],
    );
  });

  it("give every look-alike of a Latin letter that letter's key, or refuse it among Latin letters", () => {
    // One key per letter cannot make Greek ν both the small Ν and a v: νictor is refused for
    // mixing scripts instead. Names wholly of such letters (Greek νυ beside vu) stay apart.
    const ofLatinLetters = readConfusables().filter(([from, to]) => /^[A-Za-z]$/.test(to) && /^\p{L}$/u.test(from));
    assert.ok(ofLatinLetters.length > 1000, `${ofLatinLetters.length} look-alikes`);
    const passing = ofLatinLetters.flatMap(([from, to]) => {
      const around = to === to.toLowerCase() ? "x" : "X";
      const [spoof, latin] = [`${around}${from}${around}`, `${around}${to}${around}`];
      const parsed = parseUserName(spoof);
      if ("code" in parsed || mixedScriptError(parsed.name, "name") !== null) return [];
      return identityKey(spoof) === identityKey(latin) ? [] : [`${spoof} (U+${from.codePointAt(0)?.toString(16)})`];
    });
    assert.deepEqual(passing, []);
    for (const [spoof, latin] of [
      ["\u03bdictor", "victor"],
      ["\u03c5ser", "user"],
      ["\u03b3es", "yes"],
      ["\u0422\u043em", "Tom"],
      ["\u03a4OM", "TOM"],
      ["\ud835\udece\u0069ctor", "victor"],
    ]) {
      const parsed = parseUserName(spoof);
      assert.ok(!("code" in parsed), spoof);
      assert.equal(mixedScriptError(parsed.name, "name")?.code, "ERR_MIXED_SCRIPTS", `${spoof} beside ${latin}`);
    }
  });

  it("give Latin letters that pass for other Latin letters those letters' keys, where Unicode's data does too or is silent", () => {
    for (const [spoof, latin] of [
      ["\u0237oe", "joe"],
      ["\u1d00dam", "adam"],
      ["\u0280\u1d1b", "rt"],
      ["\u01bdam", "sam"],
      ["\u01bcAM", "SAM"],
      ["\ua79fser", "user"],
      ["mike", "rnike"],
    ]) {
      assert.equal(identityKey(spoof), identityKey(latin), `${spoof} beside ${latin}`);
      assert.deepEqual(parseUserName(spoof), { name: spoof });
      assert.equal(mixedScriptError(spoof, "name"), null);
    }
    // Compatibility forms make the long s an s, though it passes for f.
    const longS = parseUserName("\u017fred");
    assert.ok("code" in longS && longS.code === "ERR_BAD_NAME");
  });

  it("refuse names and rooms whose letters mix scripts, as UTS #39's Highly Restrictive level does", () => {
    for (const name of [
      "\u03a4\u039f\u039c",
      "\u0422\u043e\u043c",
      "\u0395\u03bb\u03bb\u03ac\u03b4\u03b1",
      "alice",
      "Zo\u00eb_2",
      "\uff56\uff49\uff43",
      "\u5c71\u7530Taro",
      "\u305f\u306a\u304b\u30bfTanaka",
      "\uae40\u91d1Kim",
      "\u3105\u4e2dLi",
      "\u0905\u092e\u093f\u0924",
    ]) {
      assert.equal(mixedScriptError(name, "name"), null, name);
    }
    for (const [name, scripts] of [
      ["\u03bdictor", "Greek and Latin"],
      ["\u0422\u043em", "Cyrillic and Latin"],
      ["\u03a5\u0395\u0405", "Greek and Cyrillic"],
      ["\u03a1\u0391\u03a5\u03a1\u0391L", "Greek and Latin"],
      ["\u213des", "Greek and Latin"],
      ["a\u0430\u03b1", "Latin, Cyrillic and Greek"],
      ["\uae40\u30ab", "Hangul and Katakana"],
      ["#r\u03c5st", "Latin and Greek"],
    ]) {
      assert.deepEqual(mixedScriptError(name, "name"), {
        code: "ERR_MIXED_SCRIPTS",
        detail: { name, what: "name", scripts },
      });
    }
  });

  it("refuse a name whose key has a space, control or invisible character, or is nothing", () => {
    // Greek ͺ is a space and ι in compatibility form, the acute accent ´ a space and a mark.
    for (const name of ["\u037a", "a\u00b4b", "\u0301", "a\u1fbdb"]) {
      const parsed = parseUserName(name);
      assert.ok("code" in parsed && parsed.code === "ERR_BAD_NAME", `${JSON.stringify(name)} was accepted`);
    }
    const forbiddenInKeys = /[\p{Cc}\p{Cf}\p{Z}\p{Cs}\p{Co}\p{Cn}!@#:,*]/u;
    const accepted: string[] = [];
    for (const character of everyCharacter()) {
      for (const name of [character, `a${character}b`]) {
        if ("code" in parseUserName(name)) continue;
        const key = identityKey(name);
        if (key === "" || forbiddenInKeys.test(key)) accepted.push(`U+${character.codePointAt(0)?.toString(16)}`);
      }
    }
    assert.deepEqual(accepted, []);
  });

  it("refuse a name with a look-alike of a reserved character, and one of look-alike letters for the server", () => {
    for (const name of ["a\u0589b", "a\u2236b", "\u0405erver", "\u03a1ARLEY", "gue\u0455t-1"]) {
      const parsed = parseUserName(name);
      assert.ok("code" in parsed && parsed.code === "ERR_BAD_NAME", `${name} was accepted`);
    }
    const room = parseRoomName("#a\u0589b");
    assert.ok("code" in room && room.code === "ERR_BAD_ROOM_NAME");
    assert.deepEqual(parseUserName("\u03a4\u039f\u039c"), { name: "\u03a4\u039f\u039c" });
  });
});

describe("guest names", () => {
  it("are made from the guest's key alone: the same each time, unique within a run, nothing of the address", () => {
    const names = new Set<string>();
    for (let sessionId = 1; sessionId <= 5000; sessionId++) {
      const key = guestKeyOf(`run-tag_1:${sessionId}`);
      assert.equal(guestNameOf(key), guestNameOf(key));
      assert.match(guestNameOf(key), /^guest-[0-9a-f]{4}[0-9a-z]+$/);
      names.add(guestNameOf(key));
    }
    assert.equal(names.size, 5000);
    assert.notEqual(guestNameOf(guestKeyOf("run-a:1")), guestNameOf(guestKeyOf("run-b:1")));
    assert.equal("code" in parseUserName(guestNameOf(guestKeyOf("run-a:1"))), true, "no one can take a guest's name");
  });
});

describe("marks in names", () => {
  it("keep the vowel signs and dots of scripts that write with them, while accents on Latin, Greek and Cyrillic fall away", () => {
    for (const [one, other] of [
      ["राम", "रम"],
      ["राम", "रोम"],
      ["सीता", "सत"],
      ["ராம்", "ரம"],
      ["กิน", "กน"],
      ["شادي", "سادي"],
    ]) {
      assert.notEqual(identityKey(one), identityKey(other), `${one} and ${other}`);
    }
    for (const [one, other] of [
      ["José", "Jose"],
      ["Müller", "Muller"],
      ["Ἀθηνᾶ", "Αθηνα"],
    ]) {
      assert.equal(identityKey(one), identityKey(other), `${one} and ${other}`);
    }
  });
});

describe("invisible characters in names", () => {
  it("refuses variation selectors and other default-ignorable characters, which draw nothing", () => {
    for (const name of ["alice\ufe0f", "ali\ufe0fce", "a\u{e0100}b", "a\u034fb", "a\u180bb"]) {
      assert.equal("code" in parseUserName(name), true, JSON.stringify(name));
    }
  });
});
