import assert from "node:assert/strict";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { ClientProcess } from "./helpers/client-process.js";
import { describeUnlessSkipped, REFERENCE_DIR, referenceSkip } from "./helpers/environment.js";
import { addressIn, LineClient } from "./helpers/line-client.js";
import { ServerProcess } from "./helpers/server.js";
import { SpawnedProgram } from "./helpers/spawned-program.js";
import { DEFAULT_WAIT_MS, type LineMatch, toLinePredicate, Wakeups, waitUntil } from "./helpers/wait-until.js";

/**
 * Parley beside the original Python programs (`srv.py`, `cli.py`), each run from the
 * reference folder: the original client on Parley's server, Parley's client on the
 * original server, and one scripted session on both servers, compared line for line.
 */

const referenceMissing = referenceSkip();

/** The original sends each message bare, one send() each: a quiet this long ends a message. */
const MESSAGE_QUIET_MS = 30;

/**
 * A raw socket peer that reads the way a person would: a message ends at a line
 * terminator (Parley) or at a short quiet (the original, which sends messages bare).
 */
class MessagePeer {
  readonly socket: Socket;
  /** "IP:PORT" as a server shows this peer. */
  readonly address: string;
  readonly messages: string[] = [];
  #unterminated = "";
  #quiet: NodeJS.Timeout | null = null;
  #nextIndex = 0;
  #isClosed = false;
  readonly #wakeups = new Wakeups();
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.address = `${socket.localAddress}:${socket.localPort}`;
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => this.#receive(text));
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.#endMessage();
        this.#isClosed = true;
        this.#wakeups.wakeAll();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<MessagePeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new MessagePeer(socket));
      });
    });
  }

  /** Sends `text` bare, as the original client does. */
  say(text: string): void {
    this.socket.write(text);
  }

  waitFor(match: LineMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const isMatch = toLinePredicate(match);
    return this.#until(() => this.messages.find(isMatch), `a message matching ${String(match)}`, timeoutMs);
  }

  /** Waits for a message matching `match` that came after the one this last found: expectations in order. */
  async waitForNext(match: LineMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const isMatch = toLinePredicate(match);
    const index = await this.#until(
      () => {
        const found = this.messages.findIndex((message, i) => i >= this.#nextIndex && isMatch(message));
        return found === -1 ? undefined : found;
      },
      `a message matching ${String(match)} after message ${this.#nextIndex}`,
      timeoutMs,
    );
    this.#nextIndex = index + 1;
    return this.messages[index];
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  #receive(text: string): void {
    const parts = (this.#unterminated + text).split("\n");
    this.#unterminated = parts.pop() ?? "";
    this.messages.push(...parts);
    if (this.#quiet !== null) clearTimeout(this.#quiet);
    this.#quiet = this.#unterminated === "" ? null : setTimeout(() => this.#endMessage(), MESSAGE_QUIET_MS);
    this.#wakeups.wakeAll();
  }

  #endMessage(): void {
    if (this.#quiet !== null) clearTimeout(this.#quiet);
    this.#quiet = null;
    if (this.#unterminated === "") return;
    this.messages.push(this.#unterminated);
    this.#unterminated = "";
    this.#wakeups.wakeAll();
  }

  #until<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return waitUntil(probe, {
      what,
      wakeups: this.#wakeups,
      timeoutMs,
      seen: () => `got:\n${this.messages.join("\n")}`,
      end: { hasEnded: () => this.#isClosed, description: "connection closed" },
    });
  }
}

/** A chat server under comparison: where it listens and what its console prints. */
interface ChatServer {
  readonly port: number;
  readonly console: string[];
  waitForConsole(line: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** One of the original Python programs, run from the reference folder as the original's users run it. */
function startReferenceProgram(script: string, args: string[]): SpawnedProgram {
  return new SpawnedProgram(script, "python3", [script, ...args], { cwd: REFERENCE_DIR });
}

/** `srv.py` on a free port, run from the reference folder; retried if the port was taken meanwhile. */
async function startOriginalServer(): Promise<ChatServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const program = startReferenceProgram("srv.py", ["127.0.0.1", String(port)]);
    try {
      await program.waitForLine(`Chat Server started on port ${port}.`);
    } catch (error) {
      await program.kill();
      if (attempt < 3 && program.stderr.includes("Address already in use")) continue;
      throw error;
    }
    return {
      port,
      console: program.stdoutLines,
      waitForConsole: async (line) => {
        await program.waitForLine(line);
      },
      stop: async () => {
        // Ctrl+C is how the original is stopped: it closes every socket and exits.
        if (program.isRunning) program.child.kill("SIGINT");
        await program.waitForExit().catch(() => program.kill());
      },
    };
  }
}

async function startParleyServer(): Promise<ChatServer> {
  const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--log-level", "silent"]);
  return {
    port: server.port,
    console: server.stdoutLines,
    waitForConsole: async (line) => {
      await server.waitForLine(line);
    },
    stop: () => server.kill(),
  };
}

describeUnlessSkipped(referenceMissing, "the original client (cli.py) on Parley's server", () => {
  let server: ChatServer;
  before(async () => {
    server = await startParleyServer();
  });
  after(() => server.stop());

  test("shows every message on a line of its own, and what it types reaches the others", async () => {
    const peer = await LineClient.join(server.port);
    const original = startReferenceProgram("cli.py", ["127.0.0.1", String(server.port)]);
    try {
      await original.waitForLine("> Connected to the chat server (2 users online)");
      const originalAddress = addressIn(await peer.waitFor((line) => line.startsWith("> New user ")));

      const other = await LineClient.join(server.port);
      const otherAddress = other.address;
      await original.waitForLine(`> New user ${otherAddress} entered. (3 users online)`);

      peer.send("hello from a raw socket\n");
      await original.waitForLine(`[${peer.address}] hello from a raw socket`);

      // The original reads stdin with select() and then readline(): one line at a time.
      original.type("hi from the original client");
      await original.waitForLine("[You] hi from the original client");
      await peer.waitFor(`[${originalAddress}] hi from the original client`);
      await other.waitFor(`[${originalAddress}] hi from the original client`);

      await other.close();
      await original.waitForLine(`< The user ${otherAddress} left. (2 users online)`);

      original.type("");
      await original.waitForLine("You have been disconnected.");
      assert.equal((await original.waitForExit()).code, 0);
      await peer.waitFor(`< The user ${originalAddress} left. (1 user online)`);

      // Parley ends each message with "\n" and the original print()s each recv, so blank
      // lines fall between messages; what matters is that no two messages share a line.
      assert.deepEqual(
        original.stdoutLines.filter((line) => line !== ""),
        [
          "> Connected to the chat server (2 users online)",
          `> New user ${otherAddress} entered. (3 users online)`,
          `[${peer.address}] hello from a raw socket`,
          "[You] hi from the original client",
          `< The user ${otherAddress} left. (2 users online)`,
          "You have been disconnected.",
        ],
      );
      assert.deepEqual(peer.lines, [
        "> Connected to the chat server (1 user online)",
        `> New user ${originalAddress} entered. (2 users online)`,
        `> New user ${otherAddress} entered. (3 users online)`,
        `[${originalAddress}] hi from the original client`,
        `< The user ${otherAddress} left. (2 users online)`,
        `< The user ${originalAddress} left. (1 user online)`,
      ]);
    } finally {
      await original.kill();
      await peer.close();
    }
  });
});

describeUnlessSkipped(referenceMissing, "Parley's client on the original server (srv.py)", () => {
  test("receives each bare message as a line, and what it types reaches the others", async () => {
    const server = await startOriginalServer();
    const peer = await MessagePeer.open(server.port);
    let client: ClientProcess | null = null;
    let third: MessagePeer | null = null;
    try {
      await peer.waitFor("> Connected to the chat server (1 user online)");
      client = new ClientProcess(server.port);
      await client.waitForLine("> Connected to the chat server (2 users online)");
      const clientAddress = addressIn(await peer.waitFor((message) => message.startsWith("> New user ")));

      peer.say("hello from a raw socket");
      await client.waitForLine(`[${peer.address}] hello from a raw socket`);

      client.type("hi from Parley");
      await client.waitForLine("[You] hi from Parley");
      await peer.waitFor(`[${clientAddress}] hi from Parley`);

      third = await MessagePeer.open(server.port);
      await client.waitForLine(`> New user ${third.address} entered. (3 users online)`);
      await peer.waitFor(`> New user ${third.address} entered. (3 users online)`);
      await third.close();
      await client.waitForLine(`< The user ${third.address} left. (2 users online)`);
      await peer.waitFor(`< The user ${third.address} left. (2 users online)`);

      client.type("");
      await client.waitForLine("You have been disconnected.");
      assert.equal((await client.waitForExit()).code, 0);
      await peer.waitFor(`< The user ${clientAddress} left. (1 user online)`);

      assert.deepEqual(client.stdoutLines, [
        "> Connected to the chat server (2 users online)",
        `[${peer.address}] hello from a raw socket`,
        "[You] hi from Parley",
        `> New user ${third.address} entered. (3 users online)`,
        `< The user ${third.address} left. (2 users online)`,
        "You have been disconnected.",
      ]);
      assert.deepEqual(peer.messages, [
        "> Connected to the chat server (1 user online)",
        `> New user ${clientAddress} entered. (2 users online)`,
        `[${clientAddress}] hi from Parley`,
        `> New user ${third.address} entered. (3 users online)`,
        `< The user ${third.address} left. (2 users online)`,
        `< The user ${clientAddress} left. (1 user online)`,
      ]);
    } finally {
      await client?.kill();
      await server.stop();
    }
  });

  test("says so and exits 0 when the original server stops", async () => {
    const server = await startOriginalServer();
    const client = new ClientProcess(server.port);
    try {
      await client.waitForLine("> Connected to the chat server (1 user online)");
      await server.stop();
      await client.waitForLine("Server closed the connection.");
      assert.equal((await client.waitForExit()).code, 0);
      assert.deepEqual(client.stdoutLines, [
        "> Connected to the chat server (1 user online)",
        "Server closed the connection.",
      ]);
    } finally {
      await client.kill();
      await server.stop();
    }
  });
});

test("a raw socket, as netcat would use it, chats on Parley's server", async () => {
  const server = await startParleyServer();
  try {
    const first = await LineClient.join(server.port);
    const second = await LineClient.join(server.port);
    const secondAddress = second.address;
    await first.waitFor(`> New user ${secondAddress} entered. (2 users online)`);
    // netcat -C ends lines with "\r\n"; plain netcat with "\n".
    first.send("hello over CRLF\r\n");
    await second.waitFor(`[${first.address}] hello over CRLF`);
    second.send("hello over LF\n");
    await first.waitFor(`[${secondAddress}] hello over LF`);
    await second.close();
    await first.waitFor(`< The user ${secondAddress} left. (1 user online)`);
    // Each reply was sent after its cause arrived, so an echo to the sender would show here.
    assert.deepEqual(first.lines, [
      "> Connected to the chat server (1 user online)",
      `> New user ${secondAddress} entered. (2 users online)`,
      `[${secondAddress}] hello over LF`,
      `< The user ${secondAddress} left. (1 user online)`,
    ]);
    await first.close();
  } finally {
    await server.stop();
  }
});

/** One step of the scripted session, and what each user then sees, with A, B and C for addresses. */
type Step =
  | { kind: "connect"; who: User; sees: Partial<Record<User, string>> }
  | { kind: "say"; who: User; text: string; sees: Partial<Record<User, string>> }
  | { kind: "leave"; who: User; sees: Partial<Record<User, string>> };
type User = "A" | "B" | "C";

const SESSION: Step[] = [
  { kind: "connect", who: "A", sees: { A: "> Connected to the chat server (1 user online)" } },
  {
    kind: "connect",
    who: "B",
    sees: { B: "> Connected to the chat server (2 users online)", A: "> New user B entered. (2 users online)" },
  },
  { kind: "say", who: "A", text: "hello, anyone here?", sees: { B: "[A] hello, anyone here?" } },
  { kind: "say", who: "B", text: "B here, hi A", sees: { A: "[B] B here, hi A" } },
  {
    kind: "connect",
    who: "C",
    sees: {
      C: "> Connected to the chat server (3 users online)",
      A: "> New user C entered. (3 users online)",
      B: "> New user C entered. (3 users online)",
    },
  },
  { kind: "say", who: "C", text: "C joins in", sees: { A: "[C] C joins in", B: "[C] C joins in" } },
  {
    kind: "leave",
    who: "B",
    sees: { A: "< The user B left. (2 users online)", C: "< The user B left. (2 users online)" },
  },
  { kind: "say", who: "A", text: "bye now", sees: { C: "[A] bye now" } },
  { kind: "leave", who: "A", sees: { C: "< The user A left. (1 user online)" } },
  { kind: "leave", who: "C", sees: {} },
];

const SESSION_CONSOLE = [
  "Chat Server started on port PORT.",
  "> New user A entered. (1 user online)",
  "> New user B entered. (2 users online)",
  "[A] hello, anyone here?",
  "[B] B here, hi A",
  "> New user C entered. (3 users online)",
  "[C] C joins in",
  "< The user B left. (2 users online)",
  "[A] bye now",
  "< The user A left. (1 user online)",
  "< The user C left. (0 user online)",
];

interface SessionRecord {
  seen: Record<User, string[]>;
  console: string[];
}

/**
 * Plays SESSION on `server`, waiting after each step until every message it causes has
 * arrived, so that no user ever has two messages in flight (the original would merge them).
 */
async function playSession(server: ChatServer): Promise<SessionRecord> {
  const peers = new Map<User, MessagePeer>();
  const names = new Map<string, User>();
  const peer = (who: User): MessagePeer => {
    const found = peers.get(who);
    assert.ok(found, `${who} is not connected`);
    return found;
  };
  const anonymise = (line: string): string =>
    line
      .replace(/\d{1,3}(?:\.\d{1,3}){3}:\d+/g, (address) => names.get(address) ?? `unknown(${address})`)
      .replace(/^Chat Server started on port \d+\.$/, "Chat Server started on port PORT.");
  try {
    for (const step of SESSION) {
      if (step.kind === "connect") {
        const connected = await MessagePeer.open(server.port);
        peers.set(step.who, connected);
        names.set(connected.address, step.who);
      } else if (step.kind === "say") {
        peer(step.who).say(step.text);
      } else {
        await peer(step.who).close();
      }
      const deliveries = Object.entries(step.sees) as Array<[User, string]>;
      await Promise.all(
        deliveries.map(([who, expected]) => peer(who).waitForNext((message) => anonymise(message) === expected)),
      );
    }
    await server.waitForConsole(`< The user ${peer("C").address} left. (0 user online)`);
    return {
      seen: {
        A: peer("A").messages.map(anonymise),
        B: peer("B").messages.map(anonymise),
        C: peer("C").messages.map(anonymise),
      },
      console: server.console.map(anonymise),
    };
  } finally {
    for (const connected of peers.values()) connected.socket.destroy();
  }
}

function expectedSightings(who: User): string[] {
  return SESSION.flatMap((step) => {
    const seen = step.sees[who];
    return seen === undefined ? [] : [seen];
  });
}

describeUnlessSkipped(referenceMissing, "one scripted three-user session on both servers", () => {
  let onOriginal: SessionRecord;
  let onParley: SessionRecord;

  before(async () => {
    const original = await startOriginalServer();
    try {
      onOriginal = await playSession(original);
    } finally {
      await original.stop();
    }
    const parley = await startParleyServer();
    try {
      onParley = await playSession(parley);
    } finally {
      await parley.stop();
    }
  });

  test("every user sees the same lines from Parley as from the original", () => {
    assert.deepEqual(onParley.seen, onOriginal.seen);
    assert.deepEqual(onParley.seen, {
      A: expectedSightings("A"),
      B: expectedSightings("B"),
      C: expectedSightings("C"),
    });
  });

  test("Parley's console prints the same transcript as the original's", () => {
    assert.deepEqual(onParley.console, onOriginal.console);
    assert.deepEqual(onParley.console, SESSION_CONSOLE);
  });
});
