/** Tab completion of names and recall of sent lines, kept apart from the DOM so they read plainly. */

export interface Completion {
  readonly text: string;
  readonly caret: number;
}

/**
 * Completes the word before `caret` from `names` (case-insensitive prefix). `cycle` picks the
 * next match when Tab is pressed again. A name that starts the line gets ": " after it, as
 * IRC clients address someone. Null when there is no word or no match (Tab then moves focus).
 */
export function completeName(text: string, caret: number, names: readonly string[], cycle: number): Completion | null {
  const start = text.slice(0, caret).search(/\S+$/);
  if (start === -1) return null;
  const prefix = text.slice(start, caret).toLowerCase();
  const matches = names.filter((name) => name.toLowerCase().startsWith(prefix)).sort((a, b) => a.localeCompare(b));
  if (matches.length === 0) return null;
  const name = matches[cycle % matches.length];
  const isFollowed = /^\s/.test(text.slice(caret));
  const suffix = start === 0 && !name.startsWith("#") ? ": " : isFollowed ? "" : " ";
  const completed = `${text.slice(0, start)}${name}${suffix}`;
  return { text: completed + text.slice(caret), caret: completed.length };
}

/** The lines sent, oldest first, and where Up and Down have walked to among them. */
export class SentLines {
  readonly #lines: string[] = [];
  #position = 0;
  static readonly KEPT = 100;

  remember(line: string): void {
    if (this.#lines.at(-1) !== line) this.#lines.push(line);
    if (this.#lines.length > SentLines.KEPT) this.#lines.shift();
    this.#position = this.#lines.length;
  }

  /** The line before the one shown (Up); null when there is none. */
  older(): string | null {
    if (this.#position === 0) return null;
    this.#position -= 1;
    return this.#lines[this.#position];
  }

  /** The line after the one shown (Down): "" past the newest. Null when not walking. */
  newer(): string | null {
    if (this.#position >= this.#lines.length) return null;
    this.#position += 1;
    return this.#lines[this.#position] ?? "";
  }
}
