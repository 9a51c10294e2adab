/**
 * The scripts of a text's letters, for UTS #39 §5.2's "Highly Restrictive" level: a name's
 * letters come from one script, or from Latin with Han and either Hiragana and Katakana,
 * Bopomofo or Hangul. One-letter swaps across scripts (Greek ν for v, Cyrillic Т for T)
 * are what identity keys cannot all catch, since one key per letter cannot honour both
 * "ν looks like v" and "ν is the small Ν".
 */

/**
 * Unicode's scripts by the names regular expressions know them by. Those a Node.js runtime
 * does not know yet are left out where it runs, and their letters count as one unknown script.
 */
const SCRIPT_NAMES = `
  Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali
  Beria_Erfe Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian
  Caucasian_Albanian Chakma Cham Cherokee Chorasmian Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic
  Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Garay
  Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Gurung_Khema Han Hangul
  Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic Inscriptional_Pahlavi
  Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi
  Khitan_Small_Script Khmer Khojki Khudawadi Kirat_Rai Lao Latin Lepcha Limbu Linear_A Linear_B
  Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi
  Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian
  Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa Nko Nushu
  Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Ol_Onal Old_Hungarian Old_Italic Old_North_Arabian
  Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya
  Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan
  Saurashtra Sharada Shavian Siddham Sidetic SignWriting Sinhala Sogdian Sora_Sompeng Soyombo
  Sundanese Sunuwar Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Tai_Yo Takri
  Tamil Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Todhri Tolong_Siki Toto
  Tulu_Tigalari Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi Zanabazar_Square
`
  .trim()
  .split(/\s+/);

/** Script_Extensions, so a character several scripts share (a Devanagari danda) fits each. */
const SCRIPTS = SCRIPT_NAMES.flatMap((name) => {
  try {
    return [{ name, pattern: new RegExp(`\\p{Script_Extensions=${name}}`, "u") }];
  } catch {
    return [];
  }
});
/** Digits, punctuation and marks shared by every script do not count. */
const COMMON_OR_INHERITED = /^[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]$/u;
const UNKNOWN_SCRIPT = "Unknown";
/**
 * The writing systems that mix scripts (UTS #39 §5.1's augmented script sets): Han is part
 * of Japanese, Korean and Han with Bopomofo, kana of Japanese, Hangul of Korean.
 */
const WRITING_SYSTEMS: Readonly<Record<string, readonly string[]>> = {
  Han: ["Han with Bopomofo", "Japanese", "Korean"],
  Hiragana: ["Japanese"],
  Katakana: ["Japanese"],
  Hangul: ["Korean"],
  Bopomofo: ["Han with Bopomofo"],
};
const MIXES_WITH_LATIN = ["Han with Bopomofo", "Japanese", "Korean"];

/**
 * The scripts of `text`'s letters, when they are more than UTS #39 §5.2's "Highly
 * Restrictive" level allows; null when they are one script or an allowed mix. Run it on
 * the NFKD form, where mathematical and letterlike symbols (𝛎, ℽ) are the letters they are.
 */
export function mixedScripts(text: string): string[] | null {
  let shared: Set<string> | null = null;
  let sharedBesideLatin: Set<string> | null = null;
  const seen: string[] = [];
  for (const character of text) {
    const scripts = scriptsOf(character);
    if (scripts === null) continue;
    if (!seen.some((name) => scripts.has(name))) seen.push([...scripts][0] ?? UNKNOWN_SCRIPT);
    shared = intersection(shared, scripts);
    if (!scripts.has("Latin")) sharedBesideLatin = intersection(sharedBesideLatin, scripts);
  }
  if (shared === null || shared.size > 0) return null;
  const mixesWithLatin = MIXES_WITH_LATIN.some((system) => sharedBesideLatin?.has(system));
  return mixesWithLatin ? null : seen;
}

/** The scripts a character is written in, with the writing systems they are part of; null for none. */
function scriptsOf(character: string): Set<string> | null {
  const codePoint = character.codePointAt(0) ?? 0;
  if (codePoint < 0x80) return /[A-Za-z]/.test(character) ? new Set(["Latin"]) : null;
  if (COMMON_OR_INHERITED.test(character)) return null;
  const scripts = new Set<string>();
  for (const { name, pattern } of SCRIPTS) {
    if (!pattern.test(character)) continue;
    scripts.add(name);
    for (const system of WRITING_SYSTEMS[name] ?? []) scripts.add(system);
  }
  return scripts.size === 0 ? new Set([UNKNOWN_SCRIPT]) : scripts;
}

function intersection(a: Set<string> | null, b: Set<string>): Set<string> {
  return a === null ? b : new Set([...a].filter((each) => b.has(each)));
}

/**
 * Whether `a` and `b` are letters of one script (Latin ƽ and s, m and rn; not Greek ν and v,
 * nor Latin ȝ and the digit 3).
 */
export function isOneScript(a: string, b: string): boolean {
  const scriptsOfA = sharedScripts(a);
  const scriptsOfB = sharedScripts(b);
  return scriptsOfA !== null && scriptsOfB !== null && intersection(scriptsOfA, scriptsOfB).size > 0;
}

/** The scripts every letter of `text` is written in; null when it has no letters of a script. */
function sharedScripts(text: string): Set<string> | null {
  let shared: Set<string> | null = null;
  for (const character of text) {
    const scripts = scriptsOf(character);
    if (scripts !== null) shared = intersection(shared, scripts);
  }
  return shared;
}
