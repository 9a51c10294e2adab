import { emitKeypressEvents, type Interface, type Key } from "node:readline";
import { Writable } from "node:stream";
import { toTerminalText } from "../text/terminal-text.js";
import { columnsOf, positionAfter } from "./display-width.js";

/** A terminal the client draws on: its width changes, and it says so with 'resize'. */
export type TerminalOutput = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
export type TerminalInput = NodeJS.ReadableStream & { isTTY?: boolean };

// ECMA-48 control sequences.
const CSI = "\x1b[";
const CLEAR_BELOW = `${CSI}J`;
/**
 * Clears this row and every row below it. Not "erase below" from the row's start: at the
 * top left corner that erases the whole screen, which tmux (scroll-on-clear) and other
 * terminals first copy into the scrollback, which would fill with copies of the typed line.
 */
const CLEAR_ROWS_BELOW = `\r${CSI}C${CLEAR_BELOW}\r${CSI}K`;
const CLEAR_SCREEN = `${CSI}H${CSI}2J`;
const up = (rows: number): string => (rows > 0 ? `${CSI}${rows}A` : "");
const down = (rows: number): string => (rows > 0 ? `${CSI}${rows}B` : "");
const toColumn = (column: number): string => `\r${column > 0 ? `${CSI}${column}C` : ""}`;

/** What typed text looks like on screen: controls are shown, never obeyed; a tab is one space. */
function shown(text: string): string {
  return toTerminalText(text.replace(/\t/g, " "));
}

/**
 * The bottom of the client's screen on a terminal: the line being typed, which may take
 * several rows, with incoming lines printed above it. readline keeps the line and its
 * editing keys; this screen draws it, because readline loses count of the rows a line
 * takes (a paste is written without counting them, a resize is counted at the new width).
 * Every row of the line is redrawn after each key and each incoming line; on a resize the
 * terminal rewraps it.
 */
export class TypedLineScreen {
  /** readline's output: what it would draw goes nowhere, since this screen draws the line. */
  readonly readlineOutput = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  readonly #terminal: TerminalOutput;
  readonly #input: TerminalInput;
  #typing: Interface | null = null;
  /** What the screen shows of the typed line, and where in it the cursor is. */
  #drawnText = "";
  #drawnCursor = 0;
  #drawnWidth = 0;
  /** How many rows below the typed line's first row the cursor stands on the screen. */
  #cursorRow = 0;
  /**
   * Whether the cursor ends a line that fills its last row, after the terminal rewrapped
   * it: terminals leave it past the row's end (tmux) or at the next row's start.
   */
  #isCursorAtRowEnd = false;
  #isRedrawDue = false;

  constructor(input: TerminalInput, terminal: TerminalOutput) {
    this.#input = input;
    this.#terminal = terminal;
    // Keys are decoded for readline before it asks, so that it cannot take a read of several
    // characters for a paste: Node 20's readline adds a paste at the end of the line wherever
    // the cursor is. Each character then goes where the cursor is, as typed.
    emitKeypressEvents(input);
  }

  /** Starts drawing the line `typing` holds. */
  show(typing: Interface): void {
    this.#typing = typing;
    this.#drawnWidth = this.#width();
    // First, so that a sent line is left on screen before anything is printed about it.
    typing.prependListener("line", this.#onLine);
    typing.on("SIGCONT", this.#onResumed);
    this.#input.on("keypress", this.#onKeypress);
    this.#terminal.on("resize", this.#onResize);
  }

  /** Prints `text` where the typed line begins, then redraws the typed line below it. */
  printAbove(text: string): void {
    const typing = this.#typing;
    if (typing === null) {
      this.#terminal.write(`${text}\n`);
      return;
    }
    this.#terminal.write(`${this.#toFirstRow()}${CLEAR_ROWS_BELOW}${text}\n`);
    this.#cursorRow = 0;
    this.#draw(typing.line, typing.cursor);
  }

  /**
   * Stops drawing, and moves below what was typed, which stays on screen (or clears an
   * empty line), so that what is printed next starts a row of its own.
   */
  leave(): void {
    const typing = this.#typing;
    if (typing === null) return;
    typing.off("line", this.#onLine);
    typing.off("SIGCONT", this.#onResumed);
    this.#input.off("keypress", this.#onKeypress);
    this.#terminal.off("resize", this.#onResize);
    this.#typing = null;
    this.#draw(typing.line, typing.cursor);
    this.#leaveLine();
  }

  /** Enter: the line stays on screen as typed, and a new one starts below it. */
  readonly #onLine = (sent: string): void => {
    this.#draw(sent, sent.length);
    this.#leaveLine();
  };

  /** Back in the foreground after Ctrl+Z: readline pauses its input then, and leaves resuming to us. */
  readonly #onResumed = (): void => {
    this.#typing?.resume();
    this.#redrawSoon();
  };

  readonly #onKeypress = (_typed: string | undefined, key: Key | undefined): void => {
    if (key?.ctrl === true && key.name === "l") {
      this.#terminal.write(CLEAR_SCREEN);
      this.#forgetDrawing();
    }
    // readline has stopped the process for Ctrl+Z, and it runs again: the shell wrote below
    // the line, which is drawn afresh on a row of its own. Forgotten here, before anything
    // else runs, not on SIGCONT: lines that arrived meanwhile may be printed before that,
    // and the line drawn with them would be drawn a second time after itself.
    if (key?.ctrl === true && key.name === "z" && process.platform !== "win32") this.#forgetDrawing();
    this.#redrawSoon();
  };

  /**
   * Terminals that reflow on a resize (tmux, VTE, kitty, iTerm2, Windows Terminal) rewrap
   * the typed line at the new width themselves and move the cursor with it, so the line is
   * only counted again, never rewritten: the terminal keeps the cursor's row, and the rows
   * that no longer fit above it go to the scrollback, where nothing can reach or clear
   * them. A rewrite from the line's first row would then start lower than the line does,
   * and leave a copy of its first rows in the scrollback; left alone, the line stays one
   * line and comes back whole when the terminal widens. The terminal may also skip sizes
   * in a burst of resizes; the line's layout depends only on the last.
   */
  readonly #onResize = (): void => {
    const width = this.#width();
    if (width === this.#drawnWidth) return;
    this.#drawnWidth = width;
    const at = positionAfter(shown(this.#drawnText.slice(0, this.#drawnCursor)), width);
    this.#cursorRow = at.row;
    this.#isCursorAtRowEnd = at.row > 0 && at.column === 0 && this.#drawnCursor === this.#drawnText.length;
  };

  /** Keys come in bursts (a paste is one read): the line is drawn once the burst is handled. */
  #redrawSoon(): void {
    if (this.#isRedrawDue) return;
    this.#isRedrawDue = true;
    queueMicrotask(() => {
      this.#isRedrawDue = false;
      const typing = this.#typing;
      if (typing === null) return;
      const isDrawn = typing.line === this.#drawnText && typing.cursor === this.#drawnCursor;
      if (isDrawn) return;
      if (this.#isTypedAtEnd(typing)) this.#drawAddedAtEnd(typing.line);
      else this.#draw(typing.line, typing.cursor);
    });
  }

  /** Whether the line only grew at its end, where the cursor was and is. */
  #isTypedAtEnd(typing: Interface): boolean {
    const drawn = this.#drawnText;
    if (this.#drawnCursor !== drawn.length || typing.cursor !== typing.line.length) return false;
    if (typing.line.length <= drawn.length || !typing.line.startsWith(drawn)) return false;
    // A combining mark belongs to the character before it, which may be on the row above.
    return columnsOf(String.fromCodePoint(typing.line.codePointAt(drawn.length) ?? 0)) > 0;
  }

  /** The common case, typing at the end: only what was added is written, the terminal wraps it. */
  #drawAddedAtEnd(text: string): void {
    const end = positionAfter(shown(text), this.#drawnWidth);
    const wrap = end.row > 0 && end.column === 0 ? " \r" : "";
    this.#terminal.write(`${shown(text.slice(this.#drawnText.length))}${wrap}`);
    this.#cursorRow = end.row;
    this.#isCursorAtRowEnd = false;
    this.#drawnText = text;
    this.#drawnCursor = text.length;
  }

  /** Draws every row of `text` from the typed line's first row, with the cursor before `text[cursor]`. */
  #draw(text: string, cursor: number): void {
    const width = this.#drawnWidth;
    const end = positionAfter(shown(text), width);
    const at = positionAfter(shown(text.slice(0, cursor)), width);
    // A text that fills its last row leaves the terminal waiting to wrap at the right
    // edge; a space makes it wrap, so the cursor is where the next character goes.
    const wrap = end.row > 0 && end.column === 0 ? " \r" : "";
    this.#terminal.write(
      `${this.#toFirstRow()}${CLEAR_ROWS_BELOW}${shown(text)}${wrap}${up(end.row - at.row)}${toColumn(at.column)}`,
    );
    this.#cursorRow = at.row;
    this.#drawnText = text;
    this.#drawnCursor = cursor;
  }

  /**
   * Moves to the typed line's first row. A cursor that may stand past the end of a full
   * row writes a space there first, which takes it to the next row's start either way.
   */
  #toFirstRow(): string {
    const toRowStart = this.#isCursorAtRowEnd ? " \r" : "";
    this.#isCursorAtRowEnd = false;
    return `${toRowStart}${up(this.#cursorRow)}`;
  }

  /** Moves below the drawn line; what is drawn next starts a row of its own. */
  #leaveLine(): void {
    const end = positionAfter(shown(this.#drawnText), this.#drawnWidth);
    // A line that filled its last row has the cursor on the next already, over a space.
    const below = end.column === 0 ? `\r${CSI}K` : "\n";
    this.#terminal.write(`${down(end.row - this.#cursorRow)}${below}`);
    this.#forgetDrawing();
  }

  /** The cursor is at the start of a row with nothing of the typed line drawn from there. */
  #forgetDrawing(): void {
    this.#cursorRow = 0;
    this.#isCursorAtRowEnd = false;
    this.#drawnText = "";
    this.#drawnCursor = 0;
  }

  #width(): number {
    return Math.max(this.#terminal.columns ?? 80, 2);
  }
}
