import { access, appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canRun, skipUnless } from "./environment.js";
import { waitForLogLine } from "./log-file.js";
import { SpawnedProgram } from "./spawned-program.js";
import { DEFAULT_WAIT_MS, type LineMatch } from "./wait-until.js";

/** Why WeeChat cannot be driven here, or null when it can (under CI, a missing weechat-headless fails). */
export function weechatSkip(): string | null {
  return skipUnless(canRun("weechat-headless", "--version"), "weechat-headless");
}

export interface WeechatOptions {
  readonly port: number;
  readonly nick: string;
  readonly host?: string;
  /** Channels joined once registered (the server's autojoin). */
  readonly autojoin?: readonly string[];
  /** How long to wait for registration to complete. */
  readonly timeoutMs?: number;
}

/** WeeChat's name for the one server it is given; buffers are then "irc.test.#lobby", "irc.server.test". */
const SERVER = "test";

/** Printed into the server buffer by the server's `command` option, which runs once 001 arrives. */
const REGISTERED_MARKER = "weechat-registered";

/** How often the directory is looked at for the fifo WeeChat creates as it starts. */
const FIFO_POLL_MS = 20;

/**
 * WeeChat without a terminal (weechat-headless), with a fresh --dir of its own, connecting to
 * `host:port` as `nick` (user name and real name too), driven through its fifo and read through
 * its logs (flush_delay 0: written at once, not every 120 s).
 *
 * What it sends at connect: `CAP LS 302`, `NICK nick`, `USER nick 0 * :nick` without waiting;
 * once the server has listed its caps, `CAP REQ` for those it supports among the offered
 * (multi-prefix server-time message-tags away-notify extended-join account-notify chghost
 * cap-notify setname userhost-in-names invite-notify) and `CAP END`, or just `CAP END`; after
 * 001, `JOIN` for the autojoin channels. `stop()` makes it send `QUIT :WeeChat 3.8`.
 *
 *   const dave = await Weechat.start({ port, nick: "dave", autojoin: ["#lobby"] });  // registered
 *   await dave.waitForLog("#lobby", /dave has joined #lobby/);
 *   await dave.send("#lobby", "hello");            // input as typed: "/..." runs a command there
 *   await dave.waitForLog("#lobby", /\tbob\thi dave$/);
 *   await dave.stop();
 */
export class Weechat {
  readonly dir: string;
  readonly program: SpawnedProgram;

  private constructor(dir: string, program: SpawnedProgram) {
    this.dir = dir;
    this.program = program;
  }

  static async start(options: WeechatOptions): Promise<Weechat> {
    const dir = await mkdtemp(join(tmpdir(), "parley-weechat-"));
    const { host = "127.0.0.1", port, nick, autojoin = [] } = options;
    const autojoinOption = autojoin.length > 0 ? ` -autojoin=${autojoin.join(",")}` : "";
    const commands = [
      "/set fifo.file.enabled on",
      "/set logger.file.flush_delay 0",
      `/server add ${SERVER} ${host}/${port} -notls -nicks=${nick} -username=${nick} -realname=${nick}${autojoinOption}`,
      `/set irc.server.${SERVER}.command "/print ${REGISTERED_MARKER}"`,
      `/connect ${SERVER}`,
    ];
    const program = new SpawnedProgram("weechat-headless", "weechat-headless", [
      "--dir",
      dir,
      "--run-command",
      commands.join(";"),
    ]);
    const weechat = new Weechat(dir, program);
    try {
      await weechat.waitForLog("server", (line) => line.endsWith(REGISTERED_MARKER), options.timeoutMs);
      await weechat.#waitForFifo(options.timeoutMs ?? DEFAULT_WAIT_MS);
    } catch (error) {
      await weechat.stop();
      throw new Error(`WeeChat did not register: ${(error as Error).message}\nstderr:\n${program.stderr}`);
    }
    return weechat;
  }

  /** The full name of a buffer: "#lobby" is the channel on our server, "server" its server buffer. */
  bufferName(buffer: string): string {
    if (buffer === "server") return `irc.server.${SERVER}`;
    if (buffer.startsWith("irc.") || buffer.startsWith("core.")) return buffer;
    return `irc.${SERVER}.${buffer}`;
  }

  /** Types `text` into `buffer` as a user would: text is said there, "/..." runs as a command there. */
  async send(buffer: string, text: string): Promise<void> {
    if (/[\r\n]/.test(text)) throw new Error(`one line at a time: ${JSON.stringify(text)}`);
    // The fifo protocol: "<full buffer name> *<input>", one a line (WeeChat's fifo plugin).
    await appendFile(this.fifoPath, `${this.bufferName(buffer)} *${text}\n`);
  }

  /**
   * Waits for a line in the log of `buffer` ("#lobby", "server", a full name); log lines read
   * "2026-01-01 12:00:00<TAB>bob<TAB>hello", "...<TAB>-->\tdave (~dave@host) has joined #lobby".
   */
  waitForLog(buffer: string, match: LineMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    return waitForLogLine(this.logPath(buffer), match, timeoutMs);
  }

  logPath(buffer: string): string {
    // logger.file.name_lower_case is on by default.
    return join(this.dir, "logs", `${this.bufferName(buffer).toLowerCase()}.weechatlog`);
  }

  get fifoPath(): string {
    return join(this.dir, `weechat_fifo_${this.program.child.pid}`);
  }

  /** Ends WeeChat (SIGTERM: it quits as /quit does) and removes its directory. */
  async stop(): Promise<void> {
    await this.program.kill("SIGTERM");
    await rm(this.dir, { recursive: true, force: true });
  }

  async #waitForFifo(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await access(this.fifoPath);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, FIFO_POLL_MS));
    }
  }
}
