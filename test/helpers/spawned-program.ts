import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  DEFAULT_WAIT_MS,
  describeLineMatch,
  type LineMatch,
  toLinePredicate,
  type Wait,
  Wakeups,
  waitUntil,
} from "./wait-until.js";

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface SpawnOptions {
  cwd?: string;
  /** The program's whole environment; the test runner's own by default. */
  env?: NodeJS.ProcessEnv;
  /** "ignore" gives the program an empty stdin, as a service started by a supervisor has. */
  stdin?: "pipe" | "ignore";
  /** How long the waits wait unless told otherwise. */
  waitMs?: number;
}

/** One output stream, kept as written and as lines. */
class CollectedOutput {
  text = "";
  /** Complete lines, without terminators; the unterminated tail joins them at `end()`. */
  readonly lines: string[] = [];
  #tail = "";

  add(chunk: string): void {
    this.text += chunk;
    const parts = (this.#tail + chunk).split("\n");
    this.#tail = parts.pop() ?? "";
    this.lines.push(...parts);
  }

  end(): void {
    if (this.#tail !== "") this.lines.push(this.#tail);
    this.#tail = "";
  }
}

/**
 * A program as its own process: stdin to type into, stdout and stderr collected, and
 * waits for what it prints or for its exit instead of sleeping.
 */
export class SpawnedProgram {
  /** Names the program in error messages. */
  readonly name: string;
  readonly child: ChildProcess;
  /** Settles once the program has exited and all it printed has been collected. */
  readonly exited: Promise<Exit>;
  readonly #stdout = new CollectedOutput();
  readonly #stderr = new CollectedOutput();
  readonly #wakeups = new Wakeups();
  readonly #waitMs: number;
  #exit: Exit | undefined;

  constructor(name: string, command: string, args: string[], options: SpawnOptions = {}) {
    this.name = name;
    this.#waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.stdin ?? "pipe", "pipe", "pipe"],
    });
    // Typing into a program that has just exited is a race the tests expect, not a failure.
    this.child.stdin?.on("error", () => {});
    this.#collect(this.child.stdout, this.#stdout);
    this.#collect(this.child.stderr, this.#stderr);
    // "close", not "exit": only then has everything the program printed been read.
    this.exited = once(this.child, "close").then(([code, signal]) => {
      this.#stdout.end();
      this.#stderr.end();
      this.#exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      this.#wakeups.wakeAll();
      return this.#exit;
    });
  }

  /** Everything printed on stdout, exactly as written. */
  get stdout(): string {
    return this.#stdout.text;
  }

  /** Every line printed on stdout, in order, empty ones included; an unterminated last one joins at exit. */
  get stdoutLines(): string[] {
    return this.#stdout.lines;
  }

  get stderr(): string {
    return this.#stderr.text;
  }

  /** Lines printed on stderr, as `stdoutLines` are. */
  get stderrLines(): string[] {
    return this.#stderr.lines;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Types one line, Enter included. */
  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Closes stdin, as Ctrl+D on an empty line does. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /** Waits until a line on stdout matches; returns it. */
  waitForLine(match: LineMatch, timeoutMs = this.#waitMs): Promise<string> {
    const isMatch = toLinePredicate(match);
    return this.waitFor(
      () => this.stdoutLines.find(isMatch),
      `${this.name} to print ${describeLineMatch(match)}`,
      timeoutMs,
    );
  }

  /**
   * Waits until `probe`, run again whenever the program prints, returns a value; fails if the
   * program exits first. `what` names what is awaited, for the error.
   */
  waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = this.#waitMs): Promise<T> {
    return waitUntil(probe, {
      ...this.#wait(what, timeoutMs),
      end: { hasEnded: () => this.#exit !== undefined, description: `${this.name} exited` },
    });
  }

  waitForExit(timeoutMs = this.#waitMs): Promise<Exit> {
    return waitUntil(() => this.#exit, this.#wait(`${this.name} to exit`, timeoutMs));
  }

  /** Ends the program if it still runs, and waits until it has. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.isRunning) this.child.kill(signal);
    await this.exited;
  }

  #wait(what: string, timeoutMs: number): Wait {
    return {
      what,
      wakeups: this.#wakeups,
      timeoutMs,
      seen: () => `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
    };
  }

  #collect(stream: NodeJS.ReadableStream | null, into: CollectedOutput): void {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      into.add(chunk);
      this.#wakeups.wakeAll();
    });
  }
}
