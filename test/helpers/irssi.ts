import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canRun, skipUnless } from "./environment.js";
import { waitForLogLine } from "./log-file.js";
import { TerminalPane, tmuxSkip } from "./tmux.js";
import { DEFAULT_WAIT_MS, type LineMatch } from "./wait-until.js";

/** Why irssi cannot be driven here, or null when it can (under CI, a missing irssi or tmux fails). */
export function irssiSkip(): string | null {
  return tmuxSkip() ?? skipUnless(canRun("irssi", "--version"), "irssi");
}

export interface IrssiOptions {
  readonly port: number;
  readonly nick: string;
  readonly host?: string;
  readonly columns?: number;
  readonly rows?: number;
  /** How long to wait for registration to complete. */
  readonly timeoutMs?: number;
}

/** Printed into the status window's log once the server has sent 001: registration is complete. */
const REGISTERED_MARKER = "irssi-registered";

/**
 * irssi, the terminal IRC client, in a tmux pane with a fresh home of its own (config, logs),
 * connecting to `host:port` as `nick` (its user name and real name too).
 *
 * What it sends at connect: `CAP LS 302` and `JOIN :` (nothing else until the server answers
 * CAP LS: a server that never does stalls it); then `CAP REQ` for those it wants among the caps
 * offered (multi-prefix extended-join setname invite-notify away-notify chghost account-notify
 * server-time) and `CAP END`, or just `CAP END`; `NICK nick`; `USER nick nick HOST :nick`; after
 * 001, `MODE nick +i`. `stop()` sends `QUIT :leaving`.
 *
 * It logs every channel and query to `<home>/logs/<target>.log`, and the status window to
 * `<home>/status.log` from registration on (irssi's own `/log` and autolog, unbuffered), so a
 * test can wait on a log line instead of on a screen that scrolls.
 *
 *   const alice = await Irssi.start({ port, nick: "alice" });   // resolves once registered
 *   await alice.command("/join #lobby");
 *   await alice.waitForLog("#lobby", /alice .* has joined #lobby/);
 *   await alice.say("hello");
 *   await alice.waitForScreen(/<@?alice> hello/);
 *   await alice.stop();
 */
export class Irssi {
  readonly home: string;
  readonly pane: TerminalPane;

  private constructor(home: string, pane: TerminalPane) {
    this.home = home;
    this.pane = pane;
  }

  static async start(options: IrssiOptions): Promise<Irssi> {
    const home = await mkdtemp(join(tmpdir(), "parley-irssi-"));
    let pane: TerminalPane | undefined;
    try {
      await writeFile(join(home, "config"), irssiConfig(home, options));
      pane = await TerminalPane.start(["irssi", `--home=${home}`], {
        columns: options.columns ?? 120,
        rows: options.rows ?? 30,
      });
      const irssi = new Irssi(home, pane);
      await irssi.#waitForRegistration(options.timeoutMs ?? DEFAULT_WAIT_MS);
      return irssi;
    } catch (error) {
      await pane?.kill();
      await removeHome(home);
      throw error;
    }
  }

  /** Types a line and presses Enter: a /command, or text for the active window. */
  async command(line: string): Promise<void> {
    await this.pane.type(line);
    await this.pane.press("Enter");
  }

  /**
   * Says `text` in the active channel or query, as typed; text that starts with "/" goes through
   * `/msg *` ("*": the active target), since typed it would be a command (and `/say /x` sends nothing).
   */
  say(text: string): Promise<void> {
    return this.command(text.startsWith("/") ? `/msg * ${text}` : text);
  }

  /** Reads the screen until its text (rows joined by "\n") matches; returns that text. */
  async waitForScreen(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const matcher = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    const rows = await this.pane.waitForScreen((screen) => matcher.test(screen.join("\n")), timeoutMs);
    return rows.join("\n");
  }

  /**
   * Waits for a line in the log of `target` ("#lobby", a nick for a query, or "status" for the
   * status window); log lines read "HH:MM <@alice> hello", "HH:MM -!- bob [...] has joined #lobby".
   */
  waitForLog(target: string, match: LineMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    return waitForLogLine(this.logPath(target), match, timeoutMs);
  }

  logPath(target: string): string {
    return target === "status" ? join(this.home, "status.log") : join(this.home, "logs", `${target}.log`);
  }

  /**
   * Quits irssi (QUIT reaches the server), ends its tmux server, and removes its home. It is
   * awaited first: killed, it may still be closing its logs while the home is removed.
   */
  async stop(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.command("/quit").catch(() => {});
    await this.pane.waitForExit(timeoutMs).catch(() => {});
    await this.pane.kill();
    await removeHome(this.home);
  }

  async #waitForRegistration(timeoutMs: number): Promise<void> {
    try {
      await this.waitForLog("status", (line) => line.endsWith(REGISTERED_MARKER), timeoutMs);
    } catch (error) {
      const screen = await this.pane.screen().catch(() => []);
      throw new Error(`irssi did not register: ${(error as Error).message}\nscreen:\n${screen.join("\n")}`);
    }
  }
}

/** Retries while a killed irssi may still be writing in it (ENOTEMPTY). */
function removeHome(home: string): Promise<void> {
  return rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
}

/**
 * A config with one server that connects at start, so nothing need be typed before irssi is
 * registered (keys typed while it starts up are lost). `autosendcmd` runs once 001 arrives.
 */
function irssiConfig(home: string, { host = "127.0.0.1", port, nick }: IrssiOptions): string {
  const quote = (text: string): string => JSON.stringify(text);
  const onRegistered = `/log open -window ${join(home, "status.log")} ALL; /echo ${REGISTERED_MARKER}`;
  return `servers = (
  { address = ${quote(host)}; port = "${port}"; chatnet = "test"; autoconnect = "yes"; use_tls = "no"; }
);
chatnets = { test = { type = "IRC"; autosendcmd = ${quote(onRegistered)}; }; };
settings = {
  core = { real_name = ${quote(nick)}; user_name = ${quote(nick)}; nick = ${quote(nick)}; };
  "fe-common/core" = {
    autolog = "yes";
    autolog_path = ${quote(join(home, "logs", "$0.log"))};
    autolog_level = "ALL";
  };
};
`;
}
