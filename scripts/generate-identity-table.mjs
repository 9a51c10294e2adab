// Regenerates src/core/unicode/identity-table.ts, the table behind identityKey (src/core/names.ts),
// from Unicode's confusables data (UTS #39 §4) and the case mappings of the Node.js running it.
//
//   node --import tsx scripts/generate-identity-table.mjs [CONFUSABLES_TXT]
//
// CONFUSABLES_TXT defaults to src/core/unicode/confusables.txt, which is Unicode's
// confusables.txt (security data of the Unicode Consortium) in its own line format:
// a newer release of that file can be given as it is, then committed in its place.
// `--from-json DATA_JSON VERSION` first rewrites src/core/unicode/confusables.txt from a
// {"source": "prototype"} JSON object, the form in which the npm package
// unhomoglyph@1.0.6 ships version 13.0.0 (`npm pack unhomoglyph@1.0.6`, package/data.json).
//
// A change to the table changes identity keys: it ships with a migration that re-keys
// stored accounts (see src/store/sqlite-migrations.ts).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isOneScript } from "../src/core/unicode/scripts.ts";

const CONFUSABLES_FILE = "src/core/unicode/confusables.txt";
const TABLE_FILE = "src/core/unicode/identity-table.ts";
// Marks fall away (accents do not make a name), all but the Greek iota subscript: it is a
// letter to case folding (ᾳ's capital is ΑΙ), so it is keyed as the ι it stands for.
const MARKS = /[\u0300-\u0344\u0346-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/gu;
// Latin letters that pass for Latin letters where Unicode's data has no word on them: dotless
// ȷ is j as dotless ı is i, and small capitals are their letters, as the data makes ᴄ ᴏ ᴜ ᴠ
// ᴡ ᴢ c o u v w z (ᴋ and ᴍ it maps elsewhere). Unicode's own mappings come first.
const LATIN_LOOK_ALIKES = {
  "\u0237": "j",
  "\u1d00": "a",
  "\u0299": "b",
  "\u1d05": "d",
  "\u1d07": "e",
  "\ua730": "f",
  "\u0262": "g",
  "\u029c": "h",
  "\u1d0a": "j",
  "\u029f": "l",
  "\u0274": "n",
  "\u1d18": "p",
  "\ua7af": "q",
  "\u0280": "r",
  "\u1d1b": "t",
};

const args = process.argv.slice(2);
if (args[0] === "--from-json") {
  const [, jsonFile, version] = args;
  if (jsonFile === undefined || version === undefined) throw new Error("usage: --from-json DATA_JSON VERSION");
  writeConfusablesFile(JSON.parse(readFileSync(jsonFile, "utf8")), version, jsonFile);
}
const { version, confusables } = readConfusables(
  args[0] === "--from-json" ? CONFUSABLES_FILE : (args[0] ?? CONFUSABLES_FILE),
);
for (const [character, latin] of Object.entries(LATIN_LOOK_ALIKES)) {
  if (!confusables.has(character)) confusables.set(character, latin);
}
const table = buildTable(confusables);
writeTable(table, version);
console.log(
  `${TABLE_FILE}: ${table.size} characters, confusables ${version}, case mappings of Unicode ${process.versions.unicode}`,
);

function writeConfusablesFile(mapping, version, source) {
  const hex = (text) =>
    [...text].map((character) => character.codePointAt(0).toString(16).toUpperCase().padStart(4, "0"));
  const lines = Object.entries(mapping)
    .map(([from, to]) => [hex(from).join(" "), hex(to).join(" ")])
    .sort(([a], [b]) => Number.parseInt(a, 16) - Number.parseInt(b, 16))
    .map(([from, to]) => `${from} ;\t${to} ;\tMA`);
  const header = [
    "# confusables.txt of Unicode Security Mechanisms (UTS #39), the Unicode Consortium's security data:",
    "# its mappings, without the names and comments of the original.",
    `# Version: ${version}`,
    `# Written by scripts/generate-identity-table.mjs --from-json from ${path.basename(source)} of the npm`,
    "# package unhomoglyph@1.0.6, which ships Unicode's mappings unchanged (data.json, sha256",
    "# 2fb1ef5aa83ace3438c1cbd6f2fd413cd62ab20906b6101511eb5db11e70ae1c).",
    "# License: Unicode License v3 (https://www.unicode.org/license.txt).",
  ];
  writeFileSync(CONFUSABLES_FILE, `${[...header, ...lines].join("\n")}\n`);
}

/** Unicode's format: `SOURCE ; PROTOTYPE ; TYPE # comment`, code points in hexadecimal. */
function readConfusables(file) {
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  const version = /^#\s*Version:\s*(\S+)/m.exec(text)?.[1];
  if (version === undefined) throw new Error(`${file} has no "# Version:" line`);
  const confusables = new Map();
  for (const line of text.split("\n")) {
    const data = line.replace(/#.*/, "").trim();
    if (data === "") continue;
    const [from, to] = data.split(";").map((field) => field.trim());
    confusables.set(fromHex(from), fromHex(to));
  }
  if (confusables.size < 6000) throw new Error(`${file} has only ${confusables.size} mappings`);
  return { version, confusables };
}

/**
 * Every character whose key is not itself, with its key: the end of repeating `step`.
 * Code points are visited as they are after NFKD with marks removed, which is what
 * identityKey looks up; any other is never looked up.
 */
function buildTable(confusables) {
  const skeleton = (text) => [...text].map((character) => confusables.get(character) ?? character).join("");
  const fold = (text) => text.toUpperCase().toLowerCase();
  const normalize = (text) => text.normalize("NFKD").replace(MARKS, "");
  // Case and look-alikes are one equivalence, so a letter whose capital and small forms
  // pass for different things would chain unlike letters together (Greek γ passes for y and
  // Γ has look-alikes of its own, Cyrillic Г among them: Г would be y). So one form decides
  // for both. First the small letter, where it passes for a letter of its own script and its
  // capital does not (Latin ȷ is j, ƽ is s, m is rn): no rule on scripts can make that
  // look-alike harmless (Latin ꞵ passes for ß, but Ꞵ for B, so both are b). Then
  // the capital, where it passes for something (Greek Τ is T, so τ is t, as case
  // insensitivity requires) or has look-alikes of its own; otherwise the letter itself
  // (Cyrillic ԁ is d). What this leaves apart (Greek ν is n, though it passes for v) is a
  // letter of another script, which names refuse among Latin ones (mixedScriptError).
  const prototypes = new Set([...confusables.values()].flatMap((target) => [...target]));
  const latin = /^\p{Script=Latin}+$/u;
  const letterKey = (character) => {
    const small = character.toLowerCase();
    const smallSkeleton = skeleton(small);
    const capital = character.toUpperCase();
    const capitalSkeleton = skeleton(capital);
    const isOwnScript = (letter, lookAlike) => lookAlike !== letter && isOneScript(letter, lookAlike);
    if (isOwnScript(small, smallSkeleton) && !isOwnScript(capital, capitalSkeleton)) return fold(smallSkeleton);
    const ownSkeleton = skeleton(character);
    const isLatinInside = latin.test(character) && latin.test(ownSkeleton);
    const capitalDecides =
      capitalSkeleton !== capital || ([...capital].some((each) => prototypes.has(each)) && !isLatinInside);
    return fold(capitalDecides ? capitalSkeleton : ownSkeleton);
  };
  const step = (text) => normalize([...text].map(letterKey).join(""));
  const table = new Map();
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
    const character = String.fromCodePoint(codePoint);
    if (normalize(character) !== character) continue;
    let key = character;
    for (let steps = 0; ; steps++) {
      const next = step(key);
      if (next === key) break;
      if (steps === 20) throw new Error(`U+${codePoint.toString(16)} does not settle on a key`);
      key = next;
    }
    // A visible character whose prototype is marks alone (Myanmar ႞) stays itself, not nothing.
    if (key !== character && key !== "") table.set(character, key);
  }
  for (const [character, key] of table) {
    const again = [...key].map((each) => table.get(each) ?? each).join("");
    if (again !== key) throw new Error(`the key of U+${character.codePointAt(0).toString(16)} is not its own key`);
  }
  return table;
}

function writeTable(table, version) {
  const hex = (text) => [...text].map((character) => character.codePointAt(0).toString(16)).join(" ");
  const lines = [...table].map(([character, key]) => `${hex(character)} ${hex(key)}`);
  const source = `// Generated by scripts/generate-identity-table.mjs: do not edit.
/** The version of Unicode's confusables.txt (UTS #39) the table comes from. */
export const CONFUSABLES_VERSION = "${version}";
/** The Unicode version of the case mappings the table folds with. */
export const CASE_MAPPINGS_VERSION = "${process.versions.unicode}";
/**
 * One character a line, in hexadecimal code points: the character, then its key. Characters
 * not listed are their own key.
 */
export const IDENTITY_TABLE = \`${lines.join("\n")}\`;
`;
  writeFileSync(TABLE_FILE, source);
}

function fromHex(field) {
  return String.fromCodePoint(...field.split(/\s+/).map((each) => Number.parseInt(each, 16)));
}
