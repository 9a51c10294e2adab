import { element } from "./dom.js";
import { completeName, SentLines } from "./input-keys.js";

/**
 * The line people type into: Enter sends (each line of a paste on its own), Tab completes a
 * name, Up and Down walk through the lines sent.
 */
export class InputLine {
  readonly #input = element<HTMLTextAreaElement>("input");
  readonly #sent = new SentLines();
  #cycle = 0;
  #lastCompletion: { text: string; caret: number; base: string; baseCaret: number } | null = null;
  /** The line Up or Down last put in the box: while it stands unedited, the next press walks on. */
  #recalled: string | null = null;

  constructor(
    /** False when the line cannot go now (offline): it and the lines after it stay in the box. */
    private readonly onLine: (line: string) => boolean,
    private readonly names: () => string[],
  ) {
    element<HTMLFormElement>("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.#input.addEventListener("keydown", (event) => this.#onKey(event));
  }

  focus(): void {
    this.#input.focus();
  }

  #submit(): void {
    const lines = this.#input.value.split(/\r?\n/).filter((line) => line.trim() !== "");
    this.#input.value = "";
    for (const [index, line] of lines.entries()) {
      if (!this.onLine(line)) {
        this.#input.value = lines.slice(index).join("\n");
        return;
      }
      this.#sent.remember(line);
    }
  }

  #onKey(event: KeyboardEvent): void {
    const input = this.#input;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.#submit();
      return;
    }
    if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey) {
      this.#complete(event);
      return;
    }
    this.#lastCompletion = null;
    const isWalking = this.#recalled !== null && input.value === this.#recalled;
    const isOneLine = !input.value.includes("\n");
    let recalled: string | null = null;
    if (event.key === "ArrowUp" && (isWalking || (isOneLine && (input.value === "" || input.selectionStart === 0)))) {
      recalled = this.#sent.older();
    } else if (event.key === "ArrowDown" && (isWalking || (isOneLine && input.selectionStart === input.value.length))) {
      recalled = this.#sent.newer();
    }
    if (recalled !== null) {
      event.preventDefault();
      input.value = recalled;
      input.setSelectionRange(recalled.length, recalled.length);
      this.#recalled = recalled;
    }
  }

  /** Completes the word before the caret; Tab again takes the next match. No match: Tab moves focus. */
  #complete(event: KeyboardEvent): void {
    const input = this.#input;
    const last = this.#lastCompletion;
    const isCycling = last !== null && input.value === last.text && input.selectionStart === last.caret;
    const base = isCycling ? last.base : input.value;
    const baseCaret = isCycling ? last.baseCaret : (input.selectionStart ?? input.value.length);
    this.#cycle = isCycling ? this.#cycle + 1 : 0;
    const completion = completeName(base, baseCaret, this.names(), this.#cycle);
    if (completion === null) return;
    event.preventDefault();
    input.value = completion.text;
    input.setSelectionRange(completion.caret, completion.caret);
    this.#lastCompletion = { text: completion.text, caret: completion.caret, base, baseCaret };
  }
}
