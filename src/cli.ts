import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { runClient } from "./client/terminal-client.js";
import { defaultServerConfig, type ServerConfig } from "./config.js";
import { createLogger } from "./log.js";
import { startServer } from "./server.js";

const USAGE = `Usage:
  parley server [HOST] [PORT] [options]   run the chat server
  parley client HOST PORT                 connect to a chat server from this terminal
  parley --help | --version

Server options:
  --host HOST        address to listen on (default: every address)
  --port PORT        line-protocol port; 0 takes a free port (default: ${defaultServerConfig.port})
  --max-line BYTES   longest accepted line (default: ${defaultServerConfig.maxLineBytes})
  --sendq BYTES      per-connection send queue; a reader further behind is disconnected
                     (default: ${defaultServerConfig.sendQueueBytes})
  --quiet            do not print the chat transcript on stdout
  --log-level LEVEL  fatal, error, warn, info, debug, trace or silent (default: ${defaultServerConfig.logLevel})
  --hide-addresses   show guest names (guest-7f3a…) instead of IP:PORT to others
  --data-dir DIR     where history and accounts are kept (default: ${defaultServerConfig.dataDir})
  --history off      keep no history (and so no accounts, replay or search)
  --check-db         check every page of the database at start (done anyway after a crash)
  --retention-days N delete history older than N days; 0 keeps it forever (default: 0)
  --retention-per-room N
                     keep only the newest N entries of each room; 0 keeps all (default: 0)
  --lobby-replay N   show the last N messages of ${defaultServerConfig.defaultRoom} on connect (default: 0,
                     which keeps the original transcript)
  --rate N[:BURST]   lines per second a user may send after a burst, or off
                     (a /search counts as 10 lines, a /history as 5)
                     (default: ${defaultServerConfig.commandsPerSecond}:${defaultServerConfig.commandBurst})
`;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

class UsageError extends Error {}

function version(): string {
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(readFileSync(require.resolve("../package.json"), "utf8")) as { version: string };
  return manifest.version;
}

function parsePort(text: string, what: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`${what} must be a port number from 0 to 65535, not "${text}"`);
  return port;
}

function parseBytes(text: string, what: string, minimum: number): number {
  const bytes = Number(text);
  if (!/^\d+$/.test(text) || bytes < minimum)
    throw new UsageError(`${what} must be a whole number of bytes, at least ${minimum}`);
  return bytes;
}

function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number`);
  return Number(text);
}

function parseRate(text: string, config: ServerConfig): void {
  if (text === "off") {
    config.commandsPerSecond = Number.POSITIVE_INFINITY;
    config.commandBurst = Number.POSITIVE_INFINITY;
    return;
  }
  const match = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(text);
  if (match === null || Number(match[1]) <= 0 || (match[2] !== undefined && Number(match[2]) < 1)) {
    throw new UsageError("--rate must be N, N:BURST (BURST at least 1) or off");
  }
  config.commandsPerSecond = Number(match[1]);
  config.commandBurst = match[2] === undefined ? Math.max(1, Math.ceil(Number(match[1]) * 2)) : Number(match[2]);
}

function parseServerArgs(args: string[]): ServerConfig {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "max-line": { type: "string" },
      sendq: { type: "string" },
      quiet: { type: "boolean" },
      "log-level": { type: "string" },
      "hide-addresses": { type: "boolean" },
      "data-dir": { type: "string" },
      history: { type: "string" },
      "check-db": { type: "boolean" },
      "retention-days": { type: "string" },
      "retention-per-room": { type: "string" },
      "lobby-replay": { type: "string" },
      rate: { type: "string" },
    },
  });
  if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`);
  const config: ServerConfig = { ...defaultServerConfig };
  const host = values.host ?? positionals[0];
  if (host !== undefined) config.host = host;
  const port = values.port ?? positionals[1];
  if (port !== undefined) config.port = parsePort(port, "PORT");
  if (values["max-line"] !== undefined) config.maxLineBytes = parseBytes(values["max-line"], "--max-line", 64);
  config.maxUnterminatedBytes = Math.max(defaultServerConfig.maxUnterminatedBytes, config.maxLineBytes * 4);
  if (values.sendq !== undefined) config.sendQueueBytes = parseBytes(values.sendq, "--sendq", 4096);
  if (values.quiet) config.transcript = false;
  if (values["hide-addresses"]) config.hideAddresses = true;
  if (values["data-dir"] !== undefined) config.dataDir = values["data-dir"];
  if (values.history !== undefined) {
    if (values.history !== "on" && values.history !== "off") throw new UsageError("--history must be on or off");
    config.history = values.history === "on";
  }
  if (values["check-db"]) config.checkDatabase = true;
  if (values["retention-days"] !== undefined)
    config.retentionDays = parseCount(values["retention-days"], "--retention-days");
  if (values["retention-per-room"] !== undefined) {
    config.retentionPerRoom = parseCount(values["retention-per-room"], "--retention-per-room");
  }
  if (values["lobby-replay"] !== undefined) config.lobbyReplay = parseCount(values["lobby-replay"], "--lobby-replay");
  if (values.rate !== undefined) parseRate(values.rate, config);
  const level = values["log-level"];
  if (level !== undefined) {
    const known = LOG_LEVELS.find((candidate) => candidate === level);
    if (known === undefined) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
    config.logLevel = known;
  }
  return config;
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

async function serve(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log);
  logDescriptorLimit(log);
  process.stdout.write(`Chat Server started on port ${server.lineAddress.port}.\n`);
  let isStopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (isStopping) {
      log.warn({ event: "forced-exit", signal }, "second signal: exiting now");
      process.exit(1);
    }
    isStopping = true;
    log.info({ event: "signal", signal }, "stopping");
    void server.stop().then(() => {
      log.flush();
      process.exitCode = 0;
      // Standard streams may still hold the last lines; let them drain, then leave.
      setImmediate(() => process.exit(0));
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`parley ${version()}\n`);
    return 0;
  }
  if (command === "server") {
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(USAGE);
      return 0;
    }
    await serve(parseServerArgs(rest));
    return -1;
  }
  if (command === "client") {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
    if (positionals.length !== 2) throw new UsageError("client needs HOST and PORT");
    return runClient({
      host: positionals[0],
      port: parsePort(positionals[1], "PORT"),
      input: process.stdin,
      output: process.stdout,
      errorOutput: process.stderr,
    });
  }
  throw new UsageError(command === undefined ? "a command is needed" : `unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const isUsage = error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (isUsage) {
      process.stderr.write(`parley: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    // Start-up failures the operator can fix (a port in use, an unusable data directory) are one line, not a stack.
    process.stderr.write(`parley: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  },
);
