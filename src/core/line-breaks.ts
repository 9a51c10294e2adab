/**
 * CR, LF and NUL end a line, or a C string, in some protocol or client: text holding one could
 * become a second line for someone (an IRC client reads a lone CR as the end of a line). No
 * message, topic or reason holding one is relayed, whatever front end it came from.
 */
const LINE_BREAK_OR_NUL = /[\r\n\0]/;
const LINE_BREAKS_OR_NULS = /[\r\n\0]/g;

export function hasLineBreakOrNul(text: string): boolean {
  return LINE_BREAK_OR_NUL.test(text);
}

/** A reason or an away message with each CR, LF or NUL made a space: said in passing, it need not be refused. */
export function withoutLineBreaks(text: string): string {
  return hasLineBreakOrNul(text) ? text.replace(LINE_BREAKS_OR_NULS, " ") : text;
}
