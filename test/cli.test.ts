import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { defaultServerConfig, type ServerConfig } from "../src/config.js";
import { MAX_LINE_LIMIT, SERVER_OPTIONS } from "../src/server-options.js";
import { IrcRawClient } from "./helpers/irc-raw-client.js";
import { LineClient } from "./helpers/line-client.js";
import { makeDataDir, PARLEY_BIN, ServerProcess } from "./helpers/server.js";

function runParley(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [PARLEY_BIN, ...args], { encoding: "utf8", timeout: 10_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the parley command", () => {
  it("prints usage for --help and exits 0", () => {
    const result = runParley(["--help"]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /server \[options\] \[HOST\] \[PORT\]/);
    assert.match(result.stdout, /client <HOST> <PORT>/);
  });

  it("prints every server option with its default for server --help", () => {
    const result = runParley(["server", "--help"]);
    assert.equal(result.status, 0);
    const help = result.stdout.replace(/\s+/g, " ");
    for (const option of SERVER_OPTIONS) {
      const flags = option.argument === null ? option.name : `${option.name} <${option.argument}>`;
      assert.ok(help.includes(flags), `--help lists ${flags}`);
      assert.ok(help.includes(`(default: ${option.shownDefault})`), `--help shows the default of ${option.name}`);
    }
  });

  it("prints the client's usage for client --help", () => {
    const result = runParley(["client", "--help"]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /parley client \[options\] <HOST> <PORT>/);
  });

  it("prints its version for --version", () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    const result = runParley(["--version"]);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `parley ${version}\n`);
  });

  for (const [args, what, help] of [
    [[], /a command is needed/, "parley"],
    [["serve"], /unknown command 'serve'/, "parley"],
    [["help", "serve"], /unknown command 'help'/, "parley"],
    [["server", "--bogus"], /unknown option '--bogus'/, "parley server"],
    [
      ["server", "127.0.0.1", "70000"],
      /PORT must be a port number from 0 to 65535, or off, not "70000"/,
      "parley server",
    ],
    [["server", "a", "1", "b"], /too many arguments/, "parley server"],
    [["client", "127.0.0.1"], /missing required argument 'PORT'/, "parley client"],
    [["client", "127.0.0.1", "port"], /PORT must be a port number/, "parley client"],
    [["server", "--rate", "5:0"], /--rate must be N .*BURST at least 1.* not "5:0"/, "parley server"],
    [["server", "--rate", "0"], /--rate must be N/, "parley server"],
    [["server", "--max-line", "-1"], /--max-line must be a whole number from 64 to 65536, not "-1"/, "parley server"],
    [["server", "--max-line", "1073741824"], /--max-line must be a whole number from 64 to 65536/, "parley server"],
    [["server", "--max-line"], /'--max-line <BYTES>' argument missing/, "parley server"],
    [["server", "--sendq", "1e6"], /--sendq must be a whole number 4096 or more, not "1e6"/, "parley server"],
    [
      ["server", "--max-line", "65536", "--sendq", "65536"],
      /--sendq must be at least twice --max-line \(131072 /,
      "parley server",
    ],
    [["server", "--lobby-replay", "100000"], /--lobby-replay must be a whole number from 0 to 500/, "parley server"],
    [
      ["server", "--keepalive", "32768"],
      /--keepalive must be a whole number of seconds from 0 to 32767, or off/,
      "parley server",
    ],
    [["server", "--data-dir", ""], /--data-dir must not be empty/, "parley server"],
    [["server", "--host", " "], /--host must not be empty/, "parley server"],
    [["server", "127.0.0.1", "0", "--port", "5"], /PORT is given twice: "0" and --port/, "parley server"],
    [["server", "::1", "--host", "127.0.0.1"], /HOST is given twice: "::1" and --host/, "parley server"],
    [["server", "--history", "no"], /--history must be on or off, not "no"/, "parley server"],
    [["server", "--port", "of"], /--port must be a port number from 0 to 65535, or off, not "of"/, "parley server"],
    [["server", "127.0.0.1", "OFF"], /PORT must be a port number from 0 to 65535, or off, not "OFF"/, "parley server"],
    [
      ["server", "--port", "off", "--irc-port", "off", "--http-port", "off"],
      /--port, --irc-port and --http-port are all off: the server would serve no one/,
      "parley server",
    ],
    [["server", "--log-level", "loud"], /--log-level must be one of fatal, .*silent, not "loud"/, "parley server"],
    [["server", "--http-port", "80800"], /--http-port must be a port number from 0 to 65535/, "parley server"],
    [["server", "--allowed-origins", "chat.example.org"], /--allowed-origins must be origins such as/, "parley server"],
    [
      ["server", "--allowed-origins", "https://chat.example.org/page"],
      /--allowed-origins takes origins, a scheme, host and port only \(an Origin header has no path.* not "https:\/\/chat.example.org\/page"/,
      "parley server",
    ],
    [
      ["server", "--trust-proxy", "proxy.local"],
      /--trust-proxy must be IP addresses, .*not "proxy.local"/,
      "parley server",
    ],
    [
      ["server", "--web-connections-per-address", "0"],
      /--web-connections-per-address must be a whole number 1 or more/,
      "parley server",
    ],
  ] as const) {
    it(`refuses ${JSON.stringify(args)} with one line naming what is wrong, then where help is, exit 2`, () => {
      const result = runParley([...args]);
      assert.equal(result.status, 2);
      const lines = result.stderr.split("\n");
      assert.equal(lines.length, 3, result.stderr);
      assert.match(lines[0], /^parley: /);
      assert.match(lines[0], what);
      assert.equal(lines[1], `see ${help} --help`);
      assert.equal(lines[2], "");
      assert.equal(result.stdout, "");
    });
  }

  it("takes the largest values the options allow, and switches and words as documented", () => {
    const config: ServerConfig = { ...defaultServerConfig };
    const apply = (name: string, value: string | true): void => {
      const option = SERVER_OPTIONS.find((candidate) => candidate.name === name);
      assert.ok(option, name);
      option.apply(config, value);
    };
    apply("--max-line", String(MAX_LINE_LIMIT));
    apply("--lobby-replay", String(defaultServerConfig.maxHistoryRequest));
    apply("--history", "off");
    apply("--rate", "2");
    apply("--quiet", true);
    apply("--log-level", "debug");
    apply("--keepalive", "32767");
    assert.equal(config.keepaliveSeconds, 32767);
    assert.equal(config.maxLineBytes, MAX_LINE_LIMIT);
    assert.ok(config.maxUnterminatedBytes > MAX_LINE_LIMIT);
    assert.equal(config.lobbyReplay, defaultServerConfig.maxHistoryRequest);
    assert.equal(config.history, false);
    assert.deepEqual([config.commandsPerSecond, config.commandBurst], [2, 4]);
    assert.equal(config.transcript, false);
    assert.equal(config.logLevel, "debug");
    apply("--rate", "off");
    assert.equal(config.commandsPerSecond, Number.POSITIVE_INFINITY);
    apply("--keepalive", "off");
    assert.equal(config.keepaliveSeconds, 0);
    apply("--http-port", "off");
    assert.equal(config.httpPort, null);
    apply("--allowed-origins", "https://Chat.Example.org, http://localhost:8080/");
    assert.deepEqual(config.allowedOrigins, ["https://chat.example.org", "http://localhost:8080"]);
    // A default port is no part of an origin as browsers send it (RFC 6454 §6.1).
    apply("--allowed-origins", "https://chat.example.org:443,http://x.example:80,https://y.example:8443");
    assert.deepEqual(config.allowedOrigins, ["https://chat.example.org", "http://x.example", "https://y.example:8443"]);
    apply("--trust-proxy", "10.0.0.2, ::1");
    assert.deepEqual(config.trustedProxies, ["10.0.0.2", "::1"]);
  });

  it("documents every server option in the README's table, with its argument, meaning and default", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Running the server"), readme.indexOf("## Connecting"));
    const rows = section
      .split("\n")
      .filter((line) => line.startsWith("| `--"))
      .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| /, "").replace(/ \|$/, "").trim()));
    const documented = rows.map(([option, meaning, shownDefault]) => ({
      option: option.replaceAll("`", ""),
      meaning,
      shownDefault: shownDefault.replaceAll("`", ""),
    }));
    const defined = SERVER_OPTIONS.map((option) => ({
      option: option.argument === null ? option.name : `${option.name} ${option.argument}`,
      meaning: option.help,
      shownDefault: option.shownDefault,
    }));
    assert.deepEqual(documented, defined);
  });

  it("starts with the original's start line, on the port it actually bound", async () => {
    const server = await ServerProcess.start(["server", "--host", "127.0.0.1", "--port", "0"]);
    try {
      assert.equal(server.stdoutLines[0], `Chat Server started on port ${server.port}.`);
      assert.ok(server.port > 0);
      const listening = await waitForLog(server, "listening");
      assert.equal(listening.port, server.port);
      assert.equal(listening.address, "127.0.0.1");
      const limit = await waitForLog(server, "descriptor-limit");
      assert.match(String(limit.soft), /^(\d+|unlimited)$/);
    } finally {
      await server.kill();
    }
  });

  it("with --port off serves IRC alone, and its start line says the line protocol is off", async () => {
    // The positional PORT takes `off` as --port does.
    const server = await ServerProcess.start(["server", "127.0.0.1", "off", "--http-port", "off"]);
    try {
      assert.equal(server.stdoutLines[0], "Chat Server started (the line protocol is off).");
      const ircPort = await server.portOf("irc");
      const irc = await IrcRawClient.connect(ircPort, "solo");
      try {
        // The MOTD names no front end that is off.
        const motd = irc.lines.filter((line) => / 372 solo :/.test(line));
        assert.match(motd[0] ?? "", / 372 solo :- Welcome to Parley\.$/);
        // A join replays the channel's latest, seen or not: the MOTD promises no more than that.
        assert.match(motd[1] ?? "", / 372 solo :- Joining a channel shows its last 50 messages\.$/);
        irc.send("JOIN #lobby");
        await irc.waitFor(/ 366 solo #lobby /);
      } finally {
        irc.socket.destroy();
      }
      const listening = server.stderrLines
        .map((line) => JSON.parse(line) as LogEntry)
        .filter((entry) => entry.event === "listening")
        .map((entry) => entry.frontend);
      assert.deepEqual(listening, ["irc"]);
    } finally {
      await server.kill();
    }
  });

  it("prints the original console transcript on stdout and structured logs on stderr", async () => {
    const server = await ServerProcess.start();
    try {
      const alice = await LineClient.join(server.port);
      const bob = await LineClient.join(server.port);
      alice.send("hello\n");
      await bob.waitFor(`[${alice.address}] hello`);
      await alice.close();
      await server.waitForLine((line) => line.startsWith("< The user"));
      assert.deepEqual(server.stdoutLines.slice(1), [
        `> New user ${alice.address} entered. (1 user online)`,
        `> New user ${bob.address} entered. (2 users online)`,
        `[${alice.address}] hello`,
        `< The user ${alice.address} left. (1 user online)`,
      ]);
      const connect = await waitForLog(server, "connect");
      assert.equal(connect.peer, alice.address);
      await bob.close();
    } finally {
      await server.kill();
    }
  });

  it("logs each command received and each fan-out at debug, never what users say", async () => {
    const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--log-level", "debug"]);
    try {
      const alice = await LineClient.join(server.port);
      const bob = await LineClient.join(server.port);
      alice.send("/nick ann\nsecret words\n");
      await bob.waitFor("[ann] secret words");
      const nick = await waitForLog(server, "command", (entry) => entry.command === "nick");
      assert.match(String(nick.session), /^[\w-]{12}:\d+$/, "a session id: the run's tag and a number");
      await waitForLog(server, "command", (entry) => entry.command === "say");
      const fanOut = await waitForLog(server, "fan-out", (entry) => entry.kind === "message");
      assert.equal(fanOut.recipients, 2);
      // An operator can tell who is behind a name: the connect line's address, by session.
      const renamed = await waitForLog(server, "renamed", (entry) => entry.name === "ann");
      const connected = await waitForLog(server, "connect", (entry) => entry.peer === alice.address);
      assert.equal(renamed.session, connected.session);
      assert.equal(renamed.session, nick.session);
      assert.ok(!server.stderrLines.some((line) => line.includes("secret")), "no message text in the log");
      await alice.close();
      await bob.close();
    } finally {
      await server.kill();
    }
  });

  it("logs failed and refused logins with the account guessed at and the address, never the password", async () => {
    const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--rate", "off", "--log-level", "debug"]);
    try {
      const owner = await LineClient.join(server.port);
      owner.send("/nick alice\n/register password1\n");
      await owner.waitFor((line) => line.startsWith("- The name alice is now yours."));
      const guessers = await Promise.all(Array.from({ length: 6 }, () => LineClient.join(server.port)));
      for (const guesser of guessers) guesser.send("/login alice wrong-guess\n");
      const failed = await waitForLog(server, "login-failed");
      assert.equal(failed.account, "alice");
      assert.ok(
        guessers.some((guesser) => guesser.address === failed.peer),
        String(failed.peer),
      );
      const refused = await waitForLog(server, "login-throttled");
      assert.equal(refused.account, "alice");
      assert.ok(!server.stderrLines.some((line) => line.includes("wrong-guess")), "no password in the log");
      for (const client of [owner, ...guessers]) client.socket.destroy();
    } finally {
      await server.kill();
    }
  });

  it("says in one line, without a stack, that it cannot listen on a port in use or an address it lacks", async () => {
    const taken = await ServerProcess.start();
    const { dataDir, remove } = makeDataDir();
    try {
      for (const [args, why] of [
        [["127.0.0.1", String(taken.port)], `127.0.0.1:${taken.port}: the port is in use`],
        // TEST-NET-1 (RFC 5737): no machine has it.
        [["192.0.2.1", "0"], "192.0.2.1:0: this machine has no such address"],
      ]) {
        const result = runParley(["server", ...args, "--data-dir", dataDir]);
        assert.equal(result.status, 1);
        const lines = result.stderr.trimEnd().split("\n");
        assert.ok(lines.at(-1)?.startsWith(`parley: cannot listen on ${why}`), result.stderr);
        assert.doesNotMatch(result.stderr, /stack|\n\s+at /);
        assert.deepEqual(
          readdirSync(dataDir).filter((name) => name.endsWith("-wal")),
          [],
          "the database is closed",
        );
      }
    } finally {
      await taken.kill();
      remove();
    }
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`on ${signal} tells every client, closes every connection and exits 0`, async () => {
      const server = await ServerProcess.start();
      const clients = await Promise.all(Array.from({ length: 3 }, () => LineClient.join(server.port)));
      server.child.kill(signal);
      for (const client of clients) {
        await client.waitFor("! The server is shutting down.");
        await client.waitForClose();
      }
      const { code } = await server.exited;
      assert.equal(code, 0);
    });
  }

  it("on SIGTERM logs every connection's end and then that it stopped, however much it had to log", async () => {
    const server = await ServerProcess.start();
    const clients = await Promise.all(Array.from({ length: 300 }, () => LineClient.join(server.port)));
    server.child.kill("SIGTERM");
    const { code } = await server.exited;
    assert.equal(code, 0);
    const events = server.stderrLines.map((line) => JSON.parse(line) as LogEntry);
    const ends = events.filter((entry) => entry.event === "disconnect" && entry.reason === "server-shutdown");
    assert.equal(ends.length, clients.length, "a disconnect line for each connection");
    assert.equal(events.at(-1)?.event, "stopped", `the last line says it stopped: ${JSON.stringify(events.at(-1))}`);
    for (const client of clients) client.socket.destroy();
  });

  it("on SIGHUP (a closed terminal) says goodbye, logs the signal, leaves no WAL behind and exits 0", async () => {
    const { dataDir, remove } = makeDataDir();
    try {
      const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--data-dir", dataDir]);
      const client = await LineClient.join(server.port);
      client.send("kept\n");
      await server.waitForLine((line) => line.endsWith("] kept"));
      server.child.kill("SIGHUP");
      await client.waitFor("! The server is shutting down.");
      await client.waitForClose();
      const { code } = await server.exited;
      assert.equal(code, 0);
      const signal = await waitForLog(server, "signal");
      assert.equal(signal.signal, "SIGHUP");
      assert.deepEqual(
        readdirSync(dataDir).filter((name) => name.endsWith("-wal")),
        [],
      );
    } finally {
      remove();
    }
  });

  it("exits 0 on a signal even while a client refuses to read", async () => {
    const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--rate", "off"]);
    const stuck = await LineClient.join(server.port);
    stuck.socket.pause();
    const talker = await LineClient.join(server.port);
    for (let i = 0; i < 2000; i++) talker.send(`${i} ${"z".repeat(200)}\n`);
    await server.waitForLine((line) => line.includes("] 1999 "));
    server.child.kill("SIGTERM");
    const { code } = await server.exited;
    assert.equal(code, 0);
    stuck.socket.destroy();
    talker.socket.destroy();
  });
});

type LogEntry = Record<string, unknown>;

/** The first structured log entry the server has written on stderr for `event` (and matching `isWanted`). */
function waitForLog(
  server: ServerProcess,
  event: string,
  isWanted: (entry: LogEntry) => boolean = () => true,
): Promise<LogEntry> {
  return server.waitFor(
    () =>
      server.stderrLines
        .map((line) => JSON.parse(line) as LogEntry)
        .find((entry) => entry.event === event && isWanted(entry)),
    `a "${event}" log line`,
    5000,
  );
}
