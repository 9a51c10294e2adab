/**
 * Text that will be shown on someone's terminal must not drive it: ESC, the other
 * C0 controls but TAB, DEL and the C1 controls could repaint, retitle or wedge a
 * screen (CWE-150). They are shown in caret notation instead ("^[", "^?"), with a C1
 * control shown as its 7-bit ESC equivalent ("^[[" for CSI), so nothing is hidden.
 *
 * Nor may it reorder what others read: the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069; UAX #9 §2.1–2.4) make `abc <RLO>gnp.exe` read as
 * `abc exe.png`, so they are shown by name ("<U+202E>"). The marks U+200E, U+200F and
 * U+061C pass: each acts as an invisible strong letter, so it can move nothing that a
 * visible Hebrew, Arabic or Latin letter could not, and right-to-left writers use them
 * to place punctuation and digits; Hebrew and Arabic text themselves are untouched.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const SHOWN_BY_NOTATION = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const SHOWN_BY_NOTATION_ALL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function toTerminalText(text: string): string {
  if (!SHOWN_BY_NOTATION.test(text)) return text;
  return text.replace(SHOWN_BY_NOTATION_ALL, notation);
}

/** How a character that must not reach a terminal is shown: "^[" for ESC, "^[[" for CSI, "<U+202E>". */
export function notation(character: string): string {
  const code = character.charCodeAt(0);
  if (code === 0x7f) return "^?";
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code <= 0x9f) return `^[${String.fromCharCode(code - 0x40)}`;
  return `<U+${code.toString(16).toUpperCase()}>`;
}
