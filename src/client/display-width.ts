/**
 * How many terminal columns text takes, as terminals count them (wcwidth): East Asian
 * Wide and Fullwidth characters and emoji shown as pictures take two, combining marks and
 * invisible formatting characters none, everything else one. Counted per code point, as
 * terminals do; an emoji sequence joined by ZWJ is where terminals disagree among themselves.
 */

/**
 * The East Asian Wide (W) and Fullwidth (F) blocks of Unicode's EastAsianWidth.txt, by
 * block rather than code point: Hangul leading jamo, CJK radicals, symbols and punctuation,
 * kana, Bopomofo, the ideographs and their extensions, Yi, Hangul syllables, compatibility
 * and vertical forms, fullwidth forms, Tangut and kana supplements, enclosed ideographs,
 * and the supplementary ideographic planes; emoji with a picture presentation besides.
 */
const WIDE =
  /[\u1100-\u115f\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{16fe4}\u{17000}-\u{18aff}\u{1b000}-\u{1b2ff}\u{1f200}-\u{1f265}\u{20000}-\u{3fffd}]|\p{Emoji_Presentation}/u;

/**
 * Combining marks, formatting characters (zero-width joiners, bidi marks; not the soft
 * hyphen, which terminals show), Hangul medial and final jamo (they join the syllable
 * before them) and the zero-width space.
 */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u1160-\u11ff\u200b]|(?!\u00ad)\p{Cf}/u;

/** Columns one code point takes: 0, 1 or 2. */
export function columnsOf(codePoint: string): number {
  // Below the combining diacritics, every printable character takes one column.
  if ((codePoint.codePointAt(0) ?? 0) < 0x300) return 1;
  if (ZERO_WIDTH.test(codePoint)) return 0;
  return WIDE.test(codePoint) ? 2 : 1;
}

/** A place on a screen region, counted from its first row and column. */
export interface ScreenPosition {
  row: number;
  column: number;
}

/**
 * Where the cursor stands after `text` is written from the start of a row `width` columns
 * wide. A row that is filled puts it at the start of the next; a wide character that does
 * not fit in what is left of a row goes whole to the next one, leaving that column blank.
 */
export function positionAfter(text: string, width: number): ScreenPosition {
  let row = 0;
  let column = 0;
  for (const codePoint of text) {
    const columns = columnsOf(codePoint);
    if (columns === 0) continue;
    if (column + columns > width && column > 0) {
      row += 1;
      column = 0;
    }
    column += columns;
    if (column >= width) {
      row += 1;
      column = 0;
    }
  }
  return { row, column };
}
