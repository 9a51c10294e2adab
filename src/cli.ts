import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Command, CommanderError, Option } from "commander";
import { runClient } from "./client/terminal-client.js";
import { defaultServerConfig, type ServerConfig } from "./config.js";
import { createLogger, releaseTerminal, whenLogDrained } from "./log.js";
import { type RunningServer, startServer } from "./server.js";
import { nonEmpty, parsePort, parsePortOrOff, refuseConflicts, SERVER_OPTIONS, UsageError } from "./server-options.js";

/** Exit status for a wrong command line, as getopt-style tools use. */
const EXIT_USAGE = 2;

function version(): string {
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(readFileSync(require.resolve("../package.json"), "utf8")) as { version: string };
  return manifest.version;
}

/** `--help` shows plain text where the README shows `code`. */
function plain(text: string): string {
  return text.replaceAll("`", "");
}

/** What is wrong, on one line, and where to read more: nothing else, whatever the mistake. */
function printUsageError(message: string, helpCommand: string): void {
  const line = message
    .replace(/^error: /, "")
    .trim()
    .replace(/\s*\n\s*/g, " ");
  process.stderr.write(`parley: ${line}\nsee ${helpCommand} --help\n`);
}

/** Commander's settings for one command: errors as one line pointing at this command's --help. */
function configure(command: Command, helpCommand: string): Command {
  return command
    .exitOverride()
    .helpOption("-h, --help", "show this help")
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: (text) => printUsageError(text, helpCommand),
    });
}

/** What the command line asked for, ready to run once parsing has succeeded. */
type Run = () => Promise<number>;

function serverCommand(onParsed: (run: Run) => void): Command {
  const command = configure(new Command("server"), "parley server")
    .description("run the chat server")
    .argument("[HOST]", "address to listen on, as --host")
    .argument("[PORT]", "port to listen on, as --port");
  const declared = SERVER_OPTIONS.map((option) => {
    const flags = option.argument === null ? option.name : `${option.name} <${option.argument}>`;
    const declaration = new Option(flags, `${plain(option.help)} (default: ${option.shownDefault})`);
    command.addOption(declaration);
    return { option, key: declaration.attributeName() };
  });
  return command.action((host: string | undefined, port: string | undefined) => {
    const config: ServerConfig = { ...defaultServerConfig };
    const given = (name: string): boolean => command.getOptionValue(name) !== undefined;
    if (host !== undefined && given("host"))
      throw new UsageError(`HOST is given twice: "${host}" and --host`, "parley server");
    if (port !== undefined && given("port"))
      throw new UsageError(`PORT is given twice: "${port}" and --port`, "parley server");
    if (host !== undefined) config.host = nonEmpty(host, "HOST");
    if (port !== undefined) config.port = parsePortOrOff(port, "PORT");
    for (const { option, key } of declared) {
      const value = command.getOptionValue(key) as string | true | undefined;
      if (value !== undefined) option.apply(config, value);
    }
    refuseConflicts(config);
    onParsed(async () => {
      await serve(config);
      return -1;
    });
  });
}

function clientCommand(onParsed: (run: Run) => void): Command {
  return configure(new Command("client"), "parley client")
    .description("connect to a chat server from this terminal")
    .argument("<HOST>", "the server's address")
    .argument("<PORT>", "the server's port")
    .action((host: string, port: string) => {
      const options = { host, port: parsePort(port, "PORT", "parley client") };
      onParsed(() =>
        runClient({ ...options, input: process.stdin, output: process.stdout, errorOutput: process.stderr }),
      );
    });
}

/** Parses the command line (throwing UsageError or CommanderError) into what to run. */
function parseCommandLine(argv: string[]): Run | null {
  if (argv.length === 0) throw new UsageError("a command is needed: server or client");
  let run: Run | null = null;
  const onParsed = (parsed: Run): void => {
    run = parsed;
  };
  const program = configure(new Command("parley"), "parley")
    .description("A multi-user, real-time chat server and terminal client.")
    .version(`parley ${version()}`, "-v, --version", "print the version")
    // `parley help NOPE` would print the whole help as an error; `--help` is the one way.
    .helpCommand(false)
    .addCommand(serverCommand(onParsed))
    .addCommand(clientCommand(onParsed))
    .addHelpText("after", "\nRun 'parley server --help' for the server's options.");
  program.parse(argv, { from: "user" });
  return run;
}

/**
 * Node raises the soft descriptor limit to the hard one at start; say what we got, since
 * it bounds how many users one process can hold.
 */
function logDescriptorLimit(log: ReturnType<typeof createLogger>): void {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const [soft, hard] = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits)?.slice(1) ?? [];
    log.info({ event: "descriptor-limit", soft, hard }, "open-file limit");
    if (soft !== undefined && soft !== hard) {
      log.warn({ event: "descriptor-limit-low", soft, hard }, "the soft open-file limit is below the hard one");
    }
  } catch {
    log.info({ event: "descriptor-limit", soft: "unknown" }, "open-file limit unknown on this system");
  }
}

/** How long a stopping server waits for its log to drain. */
const LOG_DRAIN_MS = 2000;

async function serve(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  // Whoever read stdout has gone (`parley server | head -1`): the transcript stops (it says
  // so in the log), and nothing else written there may end the server.
  process.stdout.on("error", () => {});
  let server: RunningServer | null = null;
  let isStopping = false;
  const stopServer = (running: RunningServer): void => {
    // The log may still hold the last lines; let it drain, then leave, but never wait long
    // on a stderr that takes nothing.
    const exitAfterLog = (code: number): void => {
      whenLogDrained(log, LOG_DRAIN_MS, () => {
        releaseTerminal(log);
        process.exit(code);
      });
    };
    running.stop().then(
      () => exitAfterLog(0),
      (error: unknown) => {
        log.error({ event: "stop-failed", err: error }, "stopping failed");
        exitAfterLog(1);
      },
    );
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (isStopping) {
      log.warn({ event: "forced-exit", signal }, "second signal: exiting now");
      process.exit(1);
    }
    isStopping = true;
    log.info({ event: "signal", signal }, "stopping");
    // During start-up, the stop waits for the server to be whole.
    if (server !== null) stopServer(server);
  };
  // Before anything is opened: until a handler is set, a signal kills the process outright,
  // and one that came the moment the start line was read would leave the database unclosed.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // A closed terminal sends SIGHUP, whose default is to die without a word. There is no
  // configuration to reload yet, so it stops the server as SIGTERM does.
  process.on("SIGHUP", stop);
  server = await startServer(config, log);
  if (isStopping) {
    stopServer(server);
    return;
  }
  logDescriptorLimit(log);
  // The original's start line names the line protocol's port; scripts wait for its first words.
  const where = server.lineAddress === null ? " (the line protocol is off)" : ` on port ${server.lineAddress.port}`;
  process.stdout.write(`Chat Server started${where}.\n`);
}

/** Runs what the command line asks for; resolves to the exit status, or -1 while a server keeps running. */
async function main(argv: string[]): Promise<number> {
  let run: Run | null;
  try {
    run = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and the version were printed; an error was printed by `printUsageError`.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      printUsageError(error.message, error.helpCommand);
      return EXIT_USAGE;
    }
    throw error;
  }
  return run === null ? 0 : run();
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    // Start-up failures the operator can fix (a port in use, an unusable data directory) are one line, not a stack.
    process.stderr.write(`parley: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  },
);
