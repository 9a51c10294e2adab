/**
 * Names of users and rooms: what may be chosen, and the identity key under which two
 * names are the same. Keys fold case, Unicode compatibility forms and confusable
 * look-alikes, so `Alice`, `ＡＬＩＣＥ` and Cyrillic `аlice` are one identity.
 */
import type { ChatError } from "./errors.js";

export const MAX_NAME_LENGTH = 32;
export const MAX_ROOM_NAME_LENGTH = 64;
export const MAX_TOPIC_LENGTH = 390;

/**
 * Whitespace, controls and invisible formatting characters (zero-width joiners, bidi
 * overrides, BOM): a name must look like what it is.
 */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Z}\p{Cs}\p{Co}\p{Cn}\u115f\u1160\u3164\uffa0]/u;
/** Characters that mean something in our protocols (IRC prefixes and masks, room sigils). */
const RESERVED_CHARACTERS = /[!@#:,*]/;
/**
 * Look-alikes of Latin letters and digits, mapped to what they imitate (lower case). A
 * target may itself be mapped on (і to i, and i to l): `followChains` follows each chain
 * to its end, so every spelling of a name reaches the same key.
 */
const CONFUSABLE_WITH_LATIN = followChains(
  Object.entries({
    // Cyrillic
    а: "a",
    в: "b",
    е: "e",
    ё: "e",
    һ: "h",
    і: "i",
    ї: "i",
    ј: "j",
    к: "k",
    ӏ: "l",
    м: "m",
    н: "h",
    о: "o",
    р: "p",
    с: "c",
    ԛ: "q",
    ѕ: "s",
    т: "t",
    у: "y",
    ү: "y",
    х: "x",
    ԝ: "w",
    ԁ: "d",
    ɡ: "g",
    ь: "b",
    // Greek
    α: "a",
    β: "b",
    ε: "e",
    η: "n",
    ι: "i",
    κ: "k",
    ν: "v",
    ο: "o",
    ρ: "p",
    τ: "t",
    υ: "u",
    χ: "x",
    γ: "y",
    ω: "w",
    // Armenian and Cherokee (lower-cased, as keys are)
    օ: "o",
    ս: "u",
    "\uab7a": "a",
    "\uab83": "e",
    "\uab73": "c",
    // Latin and symbols that pass for other letters
    ɑ: "a",
    ᴀ: "a",
    ƅ: "b",
    ı: "i",
    ȷ: "j",
    ł: "l",
    ø: "o",
    đ: "d",
    ħ: "h",
    ß: "ss",
    æ: "ae",
    œ: "oe",
    "0": "o",
    "1": "l",
    i: "l",
    "|": "l",
    "‐": "-",
    "‑": "-",
    "–": "-",
    "—": "-",
  }),
);
/** Pairs of letters that pass for one (UTS #39 maps them too), replaced after the letters are. */
const CONFUSABLE_PAIRS: ReadonlyArray<readonly [string, string]> = [["rn", "m"]];

/** Names that could pass for the server or its services. */
const RESERVED_KEYS = new Set(
  [
    "server",
    "parley",
    "system",
    "admin",
    "administrator",
    "operator",
    "root",
    "nickserv",
    "chanserv",
    "services",
    "you",
  ].map((name) => identityKey(name)),
);
/** Guest names are handed out by the server: "guest", and "guest" then a separator, are its own. */
const GUEST_KEY = identityKey("guest");
const GUEST_SEPARATORS = new Set(["-", "_", "."]);

/** Returns the NFC form of a valid user name, or an error value. */
export function parseUserName(input: string): { name: string } | ChatError {
  const name = input.normalize("NFC");
  const problem = characterProblem(name, MAX_NAME_LENGTH);
  if (problem !== null) return { code: "ERR_BAD_NAME", detail: { name: input, reason: problem } };
  if (name.startsWith("-") || name.startsWith("'")) {
    return { code: "ERR_BAD_NAME", detail: { name: input, reason: "it may not start with - or '" } };
  }
  const key = identityKey(name);
  const isGuestLike = key === GUEST_KEY || (key.startsWith(GUEST_KEY) && GUEST_SEPARATORS.has(key[GUEST_KEY.length]));
  if (RESERVED_KEYS.has(key) || isGuestLike) {
    return { code: "ERR_BAD_NAME", detail: { name: input, reason: "it is reserved" } };
  }
  return { name };
}

/** Returns the NFC form of a valid room name ("#" and at least one character), or an error value. */
export function parseRoomName(input: string): { name: string } | ChatError {
  const name = input.normalize("NFC");
  if (!name.startsWith("#") || name.length < 2) {
    return {
      code: "ERR_BAD_ROOM_NAME",
      detail: { room: input, reason: "a room name starts with # and has a name after it" },
    };
  }
  if ([...name].length > MAX_ROOM_NAME_LENGTH) {
    return {
      code: "ERR_BAD_ROOM_NAME",
      detail: { room: input, reason: `it is longer than ${MAX_ROOM_NAME_LENGTH} characters` },
    };
  }
  const problem = characterProblem(name.slice(1), MAX_ROOM_NAME_LENGTH);
  if (problem !== null) return { code: "ERR_BAD_ROOM_NAME", detail: { room: input, reason: problem } };
  return { name };
}

function characterProblem(name: string, maxLength: number): string | null {
  if (name.length === 0) return "it is empty";
  if ([...name].length > maxLength) return `it is longer than ${maxLength} characters`;
  if (INVISIBLE_OR_CONTROL.test(name)) return "it has spaces, control or invisible characters";
  if (RESERVED_CHARACTERS.test(name)) return "it has one of ! @ # : , *";
  return null;
}

/**
 * The identity of a name: compatibility-normalised (NFKD, so accents and width forms
 * fall away), case-folded, combining marks removed, and every confusable character
 * replaced by the Latin letter it imitates (after UTS #39's skeleton idea, with the
 * table below covering the scripts that imitate Latin best).
 */
export function identityKey(name: string): string {
  const decomposed = name.normalize("NFKD").toLowerCase().replace(/\p{M}/gu, "");
  let key = "";
  for (const character of decomposed) key += CONFUSABLE_WITH_LATIN.get(character) ?? character;
  for (const [pair, letter] of CONFUSABLE_PAIRS) key = key.replaceAll(pair, letter);
  return key;
}

function followChains(entries: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const direct = new Map(entries);
  const follow = (target: string, seen: Set<string>): string =>
    [...target]
      .map((character) => {
        const next = direct.get(character);
        if (next === undefined || seen.has(character)) return character;
        return follow(next, new Set([...seen, character]));
      })
      .join("");
  return new Map(entries.map(([character, target]) => [character, follow(target, new Set([character]))]));
}
