import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { promisify } from "node:util";
import { canRun, skipUnless } from "./environment.js";
import { DEFAULT_WAIT_MS } from "./wait-until.js";

const run = promisify(execFile);

/** How often the screen is read back while waiting for it to show something. */
const SCREEN_POLL_MS = 20;

/** Why the terminal tests cannot run here, or null when they can (under CI, a missing tmux fails). */
export function tmuxSkip(): string | null {
  return skipUnless(canRun("tmux", "-V"), "tmux");
}

let panesStarted = 0;

/**
 * A real terminal for tests: one program in a detached tmux pane, on a tmux server of
 * its own (`-L`), so that keys can be typed into it and its screen read back as lines.
 */
export class TerminalPane {
  readonly #serverName: string;
  /** tmux leaves its socket behind when its server ends; it is removed with the pane. */
  #socketPath = "";

  private constructor(serverName: string) {
    this.#serverName = serverName;
  }

  /** Runs `argv` (no shell) in a pane of `columns` x `rows`; the pane stays readable after the program exits. */
  static async start(argv: string[], { columns = 100, rows = 20 } = {}): Promise<TerminalPane> {
    panesStarted += 1;
    const pane = new TerminalPane(`parley-test-${process.pid}-${panesStarted}`);
    try {
      await pane.#tmux(
        "set-option",
        "-g",
        "remain-on-exit",
        "on",
        ";",
        "new-session",
        "-d",
        "-s",
        "pane",
        "-x",
        String(columns),
        "-y",
        String(rows),
        "--",
        ...argv,
      );
      const { stdout } = await pane.#tmux("display-message", "-p", "-t", "pane", "#{socket_path}");
      pane.#socketPath = stdout.trim();
    } catch (error) {
      await pane.kill();
      throw error;
    }
    return pane;
  }

  /** Types `text` as it is, without pressing Enter. */
  async type(text: string): Promise<void> {
    await this.#tmux("send-keys", "-t", "pane", "-l", text);
  }

  /** Presses named keys: "Enter", "C-c", ... */
  async press(...keys: string[]): Promise<void> {
    await this.#tmux("send-keys", "-t", "pane", ...keys);
  }

  /**
   * Resizes the pane's window, as a user dragging the terminal's edge does, and waits until
   * the program's terminal device has the new size. tmux rewraps the screen at once, but
   * gives the device a size that follows another closely only a moment later, and the
   * program learns of its new width (SIGWINCH) only then.
   */
  async resize({ columns, rows }: { columns: number; rows: number }, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.#tmux("resize-window", "-t", "pane", "-x", String(columns), "-y", String(rows));
    const { stdout } = await this.#tmux("display-message", "-p", "-t", "pane", "#{pane_tty}");
    const device = stdout.trim();
    const wanted = `${rows} ${columns}`;
    await this.#waitFor(
      // stty reads the size of its standard input: the same on GNU and BSD systems, unlike -F and -f.
      async () => [(await run("sh", ["-c", 'exec stty size < "$1"', "sh", device])).stdout.trim()],
      "terminal size",
      [wanted],
      timeoutMs,
    );
  }

  /** The visible screen, one string per row, without trailing blanks or trailing empty rows. */
  async screen(): Promise<string[]> {
    return this.#capture();
  }

  /** What scrolled off the top of the screen, then the screen, as `screen()` gives it. */
  async transcript(): Promise<string[]> {
    return this.#capture("-S", "-");
  }

  async cursor(): Promise<{ column: number; row: number }> {
    const { stdout } = await this.#tmux("display-message", "-p", "-t", "pane", "#{cursor_x} #{cursor_y}");
    const [column, row] = stdout.trim().split(" ").map(Number);
    return { column, row };
  }

  /** Whether the program in the pane has exited. */
  async hasExited(): Promise<boolean> {
    const { stdout } = await this.#tmux("display-message", "-p", "-t", "pane", "#{pane_dead}");
    return stdout.trim() === "1";
  }

  /** Reads the screen until it is exactly `expected` (or `expected` accepts it); returns that screen. */
  waitForScreen(expected: string[] | ((rows: string[]) => boolean), timeoutMs = DEFAULT_WAIT_MS): Promise<string[]> {
    return this.#waitFor(() => this.screen(), "screen", expected, timeoutMs);
  }

  /** Reads the transcript until it is exactly `expected` (or `expected` accepts it); returns it. */
  waitForTranscript(
    expected: string[] | ((rows: string[]) => boolean),
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<string[]> {
    return this.#waitFor(() => this.transcript(), "transcript", expected, timeoutMs);
  }

  async waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.hasExited())) {
      if (Date.now() > deadline) throw new Error(`the program in the pane still runs after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, SCREEN_POLL_MS));
    }
  }

  /** Ends the pane's program and this pane's tmux server. */
  async kill(): Promise<void> {
    await this.#tmux("kill-server").catch(() => {});
    if (this.#socketPath !== "") await rm(this.#socketPath, { force: true });
  }

  async #capture(...range: string[]): Promise<string[]> {
    const { stdout } = await this.#tmux("capture-pane", "-p", ...range, "-t", "pane");
    const rows = stdout.split("\n").map((row) => row.trimEnd());
    while (rows.length > 0 && rows[rows.length - 1] === "") rows.pop();
    return rows;
  }

  async #waitFor(
    read: () => Promise<string[]>,
    what: string,
    expected: string[] | ((rows: string[]) => boolean),
    timeoutMs: number,
  ): Promise<string[]> {
    const isExpected =
      typeof expected === "function"
        ? expected
        : (rows: string[]) => rows.length === expected.length && rows.every((row, i) => row === expected[i]);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await read();
      if (isExpected(rows)) return rows;
      if (Date.now() > deadline) {
        const wanted = typeof expected === "function" ? `the expected ${what}` : `\n${expected.join("\n")}`;
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${wanted}\n${what}:\n${rows.join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, SCREEN_POLL_MS));
    }
  }

  #tmux(...args: string[]): Promise<{ stdout: string }> {
    const env = { ...process.env };
    // A test run from inside tmux must not talk to the outer session.
    delete env.TMUX;
    return run("tmux", ["-L", this.#serverName, "-f", "/dev/null", ...args], { env });
  }
}
