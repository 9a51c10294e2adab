import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Server } from "node:net";
import { describe, type TestContext, test } from "node:test";
import { ClientProcess } from "./helpers/client-process.js";
import { canRun, skipUnless } from "./helpers/environment.js";
import { addressIn, LineClient } from "./helpers/line-client.js";
import { PARLEY_BIN, ServerProcess, startTestServer, type TestServer } from "./helpers/server.js";
import { TerminalPane, tmuxSkip } from "./helpers/tmux.js";

/** `parley client` as a user runs it: its own process, on a pipe or on a real terminal. */

/** An in-process server with one raw peer in it; both are stopped when the test ends. */
async function serverWithPeer(t: TestContext): Promise<{ server: TestServer; peer: LineClient }> {
  const server = await startTestServer();
  t.after(() => server.stop());
  const peer = await LineClient.join(server.port);
  t.after(() => peer.socket.destroy());
  return { server, peer };
}

/**
 * An in-process server with one raw peer already in it, and the client connected after
 * it; everything is stopped when the test ends.
 */
async function clientBesidePeer(
  t: TestContext,
): Promise<{ client: ClientProcess; peer: LineClient; clientAddress: string }> {
  const { server, peer } = await serverWithPeer(t);
  const client = new ClientProcess(server.port);
  t.after(() => client.kill());
  await client.waitForLine("> Connected to the chat server (2 users online)");
  const clientAddress = addressIn(await peer.waitFor((line) => line.startsWith("> New user ")));
  return { client, peer, clientAddress };
}

/** The rows `text` takes on a terminal `columns` wide (one column a character), as the screen reads back. */
function rowsOf(text: string, columns: number): string[] {
  return Array.from({ length: Math.ceil(text.length / columns) }, (_, i) =>
    text.slice(i * columns, (i + 1) * columns).trimEnd(),
  );
}

async function listenOnce(onConnection: Parameters<typeof createServer>[1]): Promise<Server & { port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

describe("the client on pipes", () => {
  test("echoes a typed line as [You], sends it, and prints what others say", async (t) => {
    const { client, peer, clientAddress } = await clientBesidePeer(t);
    client.type("hi");
    await client.waitForLine("[You] hi");
    await peer.waitFor(`[${clientAddress}] hi`);
    peer.send("hello, client\n");
    await client.waitForLine(`[${peer.address}] hello, client`);
    // The peer spoke after "hi" reached it, so an echo of "hi" from the server would be printed before.
    assert.deepEqual(client.stdoutLines, [
      "> Connected to the chat server (2 users online)",
      "[You] hi",
      `[${peer.address}] hello, client`,
    ]);
  });

  test("an empty line disconnects, and the client exits 0", async (t) => {
    const { client, peer, clientAddress } = await clientBesidePeer(t);
    client.type("");
    await client.waitForLine("You have been disconnected.");
    assert.deepEqual(await client.waitForExit(), { code: 0, signal: null });
    await peer.waitFor(`< The user ${clientAddress} left. (1 user online)`);
  });

  test("the end of input disconnects, and the client exits 0", async (t) => {
    const { client, peer, clientAddress } = await clientBesidePeer(t);
    client.type("last words");
    client.endInput();
    await client.waitForLine("You have been disconnected.");
    assert.deepEqual(await client.waitForExit(), { code: 0, signal: null });
    await peer.waitFor(`< The user ${clientAddress} left. (1 user online)`);
    assert.ok(
      peer.lines.indexOf(`[${clientAddress}] last words`) > 0,
      `what was typed before the end of input was not delivered: ${peer.lines.join("\n")}`,
    );
  });

  test("SIGINT prints KeyboardInterrupt, and the client leaves and exits 0", async (t) => {
    const { client, peer, clientAddress } = await clientBesidePeer(t);
    client.child.kill("SIGINT");
    await client.waitForLine("KeyboardInterrupt");
    assert.deepEqual(await client.waitForExit(), { code: 0, signal: null });
    await peer.waitFor(`< The user ${clientAddress} left. (1 user online)`);
  });

  test("a server shutting down is shown, then the client says the server closed and exits 0", async (t) => {
    const server = await ServerProcess.start(["server", "127.0.0.1", "0", "--quiet", "--log-level", "silent"]);
    t.after(() => server.kill());
    const client = new ClientProcess(server.port);
    t.after(() => client.kill());
    await client.waitForLine("> Connected to the chat server (1 user online)");
    server.child.kill("SIGTERM");
    await client.waitForLine("Server closed the connection.");
    assert.deepEqual(await client.waitForExit(), { code: 0, signal: null });
    assert.deepEqual(client.stdoutLines, [
      "> Connected to the chat server (1 user online)",
      "! The server is shutting down.",
      "Server closed the connection.",
    ]);
    assert.equal((await server.exited).code, 0);
  });

  test("a refused connection is reported, and the client exits non-zero", async () => {
    const closed = await listenOnce(() => {});
    const port = closed.port;
    await new Promise((resolve) => closed.close(resolve));
    const client = new ClientProcess(port);
    try {
      const exit = await client.waitForExit();
      assert.notEqual(exit.code, 0);
      assert.match(`${client.stdout}${client.stderr}`, /ECONNREFUSED|refused/i);
      assert.doesNotMatch(client.stdout, /Connected to the chat server|You have been disconnected/);
    } finally {
      await client.kill();
    }
  });

  test("control sequences from a server never reach the terminal", async (t) => {
    // A hostile server: retitles the window, clears the screen, and sends a C1 CSI, in a
    // terminated line and in a bare message, as the original server sends them.
    const hostile = await listenOnce((socket) => {
      socket.end(
        "> Connected to the chat server (1 user online)\n" +
          "[6.6.6.6:666] \x1b]0;pwned\x07\x1b[2Jgotcha\n" +
          "[6.6.6.6:666] \u009b31mred\x1b[0m",
      );
    });
    t.after(() => hostile.close());
    const client = new ClientProcess(hostile.port);
    t.after(() => client.kill());
    await client.waitForLine("Server closed the connection.");
    assert.deepEqual(await client.waitForExit(), { code: 0, signal: null });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none of them is printed.
    assert.doesNotMatch(client.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const lines = client.stdoutLines;
    assert.equal(lines.length, 4, client.stdout);
    assert.equal(lines[0], "> Connected to the chat server (1 user online)");
    // Shown, not obeyed: the text around each sequence is still there for the user to see.
    assert.match(lines[1], /^\[6\.6\.6\.6:666\] .*0;pwned.*gotcha$/);
    assert.match(lines[2], /^\[6\.6\.6\.6:666\] .*31mred.*$/);
    assert.equal(lines[3], "Server closed the connection.");
  });
});

describe("the client on a terminal", () => {
  /** A server, a raw peer in it, and the client in a tmux pane; all stopped when the test ends. */
  async function clientInPane(
    t: TestContext,
    size: { columns: number; rows: number } = { columns: 100, rows: 20 },
  ): Promise<{ pane: TerminalPane; peer: LineClient; clientAddress: string }> {
    const { server, peer } = await serverWithPeer(t);
    const argv = [process.execPath, PARLEY_BIN, "client", "127.0.0.1", String(server.port)];
    const pane = await TerminalPane.start(argv, size);
    t.after(() => pane.kill());
    await pane.waitForScreen(["> Connected to the chat server (2 users online)"]);
    const clientAddress = addressIn(await peer.waitFor((line) => line.startsWith("> New user ")));
    return { pane, peer, clientAddress };
  }

  test("incoming lines are printed above the line being typed, which stays intact", async (t) => {
    const skip = tmuxSkip();
    if (skip !== null) return t.skip(skip);
    const { pane, peer, clientAddress } = await clientInPane(t);
    const welcome = "> Connected to the chat server (2 users online)";
    const typed = "half a thought";

    await pane.type(typed);
    await pane.waitForScreen([welcome, typed]);
    peer.send("news while you type\n");
    await pane.waitForScreen([welcome, `[${peer.address}] news while you type`, typed]);
    assert.deepEqual(await pane.cursor(), { column: typed.length, row: 2 });
    peer.send("and more news\n");
    await pane.waitForScreen([
      welcome,
      `[${peer.address}] news while you type`,
      `[${peer.address}] and more news`,
      typed,
    ]);
    assert.deepEqual(await pane.cursor(), { column: typed.length, row: 3 });

    await pane.type(", now finished");
    await pane.press("Enter");
    await peer.waitFor(`[${clientAddress}] half a thought, now finished`);
    await pane.waitForScreen((rows) => rows.at(-1) === "[You] half a thought, now finished");
    // Nothing was sent while the line was being typed: the finished line is all the peer got.
    assert.deepEqual(peer.lines.slice(2), [`[${clientAddress}] half a thought, now finished`]);
  });

  test("Ctrl+C prints KeyboardInterrupt, and the client leaves without sending the unfinished line", async (t) => {
    const skip = tmuxSkip();
    if (skip !== null) return t.skip(skip);
    const { pane, peer, clientAddress } = await clientInPane(t);

    await pane.type("never sent");
    await pane.waitForScreen((rows) => rows.at(-1) === "never sent");
    await pane.press("C-c");
    await pane.waitForScreen((rows) => rows.some((row) => row.endsWith("KeyboardInterrupt")));
    await pane.waitForExit();
    await peer.waitFor(`< The user ${clientAddress} left. (1 user online)`);
    assert.deepEqual(peer.lines.slice(2), [`< The user ${clientAddress} left. (1 user online)`]);
  });

  test("a typed line longer than the terminal is redrawn whole, once, below a message that arrives", async (t) => {
    const skip = tmuxSkip();
    if (skip !== null) return t.skip(skip);
    const { pane, peer, clientAddress } = await clientInPane(t, { columns: 50, rows: 20 });
    const welcome = "> Connected to the chat server (2 users online)";
    const typed = "0123456789".repeat(12);
    const typedRows = ["0123456789".repeat(5), "0123456789".repeat(5), "0123456789".repeat(2)];

    await pane.type(typed);
    await pane.waitForScreen([welcome, ...typedRows]);
    peer.send("news while you type\n");
    await pane.waitForScreen([welcome, `[${peer.address}] news while you type`, ...typedRows]);
    assert.deepEqual(await pane.cursor(), { column: 20, row: 4 });
    peer.send("and more news\n");
    await pane.waitForScreen([
      welcome,
      `[${peer.address}] news while you type`,
      `[${peer.address}] and more news`,
      ...typedRows,
    ]);
    assert.deepEqual(await pane.cursor(), { column: 20, row: 5 });

    // An edit at the start moves every row along.
    await pane.press("Home");
    await pane.type("edited ");
    const edited = `edited ${typed}`;
    const editedRows = [edited.slice(0, 50), edited.slice(50, 100), edited.slice(100)];
    await pane.waitForScreen([
      welcome,
      `[${peer.address}] news while you type`,
      `[${peer.address}] and more news`,
      ...editedRows,
    ]);
    assert.deepEqual(await pane.cursor(), { column: 7, row: 3 });

    await pane.press("Enter");
    await peer.waitFor(`[${clientAddress}] ${edited}`);
    // What was typed stays on screen as it was drawn, followed by its echo.
    const echoRows = [`[You] ${edited.slice(0, 44)}`, edited.slice(44, 94), edited.slice(94)];
    await pane.waitForScreen((rows) => rows.slice(-6).join("\n") === [...editedRows, ...echoRows].join("\n"));
  });

  test("wide characters and combining marks are counted by the columns they take", async (t) => {
    const skip = tmuxSkip();
    if (skip !== null) return t.skip(skip);
    const { pane, peer } = await clientInPane(t, { columns: 50, rows: 20 });
    const welcome = "> Connected to the chat server (2 users online)";
    // 1 + 30 × 2 columns: a wide character never straddles the edge, so the first row holds
    // 24 of them and leaves its last column empty.
    const wide = `a${"漢".repeat(30)}`;
    await pane.type(wide);
    await pane.waitForScreen([welcome, `a${"漢".repeat(24)}`, "漢".repeat(6)]);
    // Sixty letters with an accent each take sixty columns, not a hundred and twenty.
    const accented = " e\u0301".repeat(30);
    await pane.type(accented);
    const typedRows = [`a${"漢".repeat(24)}`, `${"漢".repeat(6)}${" e\u0301".repeat(19)}`, " e\u0301".repeat(11)];
    await pane.waitForScreen([welcome, ...typedRows]);
    peer.send("news while you type\n");
    await pane.waitForScreen([welcome, `[${peer.address}] news while you type`, ...typedRows]);
    assert.deepEqual(await pane.cursor(), { column: 22, row: 4 });
  });

  test("a resize while a long line is typed shows it whole, once, at the new width", async (t) => {
    const skip = tmuxSkip();
    if (skip !== null) return t.skip(skip);
    const { pane, peer, clientAddress } = await clientInPane(t, { columns: 80, rows: 20 });
    const welcome = "> Connected to the chat server (2 users online)";
    const typed = "abcdefghij".repeat(17);
    const rowsAt = (columns: number): string[] =>
      Array.from({ length: Math.ceil(typed.length / columns) }, (_, i) => typed.slice(i * columns, (i + 1) * columns));

    await pane.type(typed);
    await pane.waitForScreen([welcome, ...rowsAt(80)]);
    // tmux, like most terminals, rewraps what it shows at the new width; it keeps the cursor
    // on its row, so what no longer fits above it scrolls off the top.
    await pane.resize({ columns: 50, rows: 20 });
    await pane.waitForTranscript([welcome, ...rowsAt(50)]);
    assert.equal((await pane.cursor()).column, 20);
    peer.send("news after a resize\n");
    await pane.waitForTranscript([welcome, `[${peer.address}] news after a resize`, ...rowsAt(50)]);
    await pane.resize({ columns: 120, rows: 20 });
    await pane.waitForTranscript([welcome, `[${peer.address}] news after a resize`, ...rowsAt(120)]);
    assert.equal((await pane.cursor()).column, 50);

    await pane.press("Enter");
    await peer.waitFor(`[${clientAddress}] ${typed}`);
  });

  test("narrowing then widening leaves no copy of a long typed line's first rows in the scrollback", async (t) => {
    const skip = tmuxSkip();
    if (skip !== null) return t.skip(skip);
    const { pane, peer, clientAddress } = await clientInPane(t, { columns: 80, rows: 24 });
    const welcome = "> Connected to the chat server (2 users online)";
    const typed = "abcdefghij".repeat(17);
    const rowsAt = (columns: number): string[] => rowsOf(typed, columns);

    await pane.type(typed);
    await pane.waitForScreen([welcome, ...rowsAt(80)]);
    // At 40 columns the line takes five rows and the cursor keeps its row, the fourth: the
    // line's first row goes to the scrollback, out of the client's reach.
    await pane.resize({ columns: 40, rows: 24 });
    await pane.waitForTranscript([...rowsOf(welcome, 40), ...rowsAt(40)]);
    await pane.resize({ columns: 80, rows: 24 });
    await pane.waitForTranscript([welcome, ...rowsAt(80)]);
    peer.send("news after the resizes\n");
    await pane.waitForTranscript([welcome, `[${peer.address}] news after the resizes`, ...rowsAt(80)]);
    assert.deepEqual(await pane.cursor(), { column: 10, row: 4 });

    await pane.press("Enter");
    await peer.waitFor(`[${clientAddress}] ${typed}`);
  });

  test("resizes back and forth with lines arriving between them leave the typed line once, at the last width", async (t) => {
    const skip = tmuxSkip();
    if (skip !== null) return t.skip(skip);
    const { pane, peer, clientAddress } = await clientInPane(t, { columns: 80, rows: 24 });
    const welcome = "> Connected to the chat server (2 users online)";
    const typed = "abcdefghij".repeat(17);
    const earlier = [1, 2, 3, 4, 5, 6].map((n) => `[${peer.address}] news ${n}`);
    for (let n = 1; n <= 6; n += 1) peer.send(`news ${n}\n`);
    await pane.waitForScreen([welcome, ...earlier]);
    await pane.type(typed);
    await pane.waitForScreen([welcome, ...earlier, ...rowsOf(typed, 80)]);

    // 34 columns: the line fills its five rows, and the cursor stands past the last one's end.
    const widths = [40, 100, 34, 61, 80];
    for (const columns of widths) {
      await pane.resize({ columns, rows: 24 });
      const news = `[${peer.address}] news at ${columns} columns`;
      peer.send(`news at ${columns} columns\n`);
      const typedRows = rowsOf(typed, columns);
      await pane.waitForTranscript(
        (rows) => rows.slice(-typedRows.length).join("\n") === typedRows.join("\n") && rows.join("").includes(news),
      );
    }
    const newsRows = widths.map((columns) => `[${peer.address}] news at ${columns} columns`);
    await pane.waitForTranscript([welcome, ...earlier, ...newsRows, ...rowsOf(typed, 80)]);
    assert.equal((await pane.cursor()).column, 10);

    await pane.type("!");
    await pane.press("Enter");
    await peer.waitFor(`[${clientAddress}] ${typed}!`);
  });

  test("after Ctrl+Z and fg, the typed line is drawn again and typing goes on", async (t) => {
    const skip = tmuxSkip() ?? skipUnless(canRun("bash", "--version"), "bash");
    if (skip !== null) return t.skip(skip);
    const { server, peer } = await serverWithPeer(t);
    // A shell with job control, as a user has, to suspend the client and bring it back.
    const pane = await TerminalPane.start(["bash", "--norc", "--noprofile", "-i"]);
    t.after(() => pane.kill());
    await pane.type(`PS1='$ '; ${process.execPath} ${PARLEY_BIN} client 127.0.0.1 ${server.port}`);
    await pane.press("Enter");
    await pane.waitForScreen((rows) => rows.at(-1) === "> Connected to the chat server (2 users online)");
    const clientAddress = addressIn(await peer.waitFor((line) => line.startsWith("> New user ")));

    await pane.type("half a thought");
    await pane.waitForScreen((rows) => rows.at(-1) === "half a thought");
    await pane.press("C-z");
    await pane.waitForScreen((rows) => rows.at(-1) === "$" && rows.some((row) => row.includes("Stopped")));
    await pane.type("fg");
    await pane.press("Enter");
    await pane.waitForScreen((rows) => rows.at(-1) === "half a thought" && rows.at(-2)?.includes("client") === true);
    await pane.type(", finished");
    await pane.press("Enter");
    await peer.waitFor(`[${clientAddress}] half a thought, finished`);
    await pane.waitForScreen((rows) => rows.at(-1) === "[You] half a thought, finished");
  });

  test("lines that arrive while the client is stopped are printed above the typed line, drawn once after fg", async (t) => {
    const skip = tmuxSkip() ?? skipUnless(canRun("bash", "--version"), "bash");
    if (skip !== null) return t.skip(skip);
    const { server, peer } = await serverWithPeer(t);
    // Sees what the server relays, so that the line is known to be on its way to the client.
    const observer = await LineClient.join(server.port);
    t.after(() => observer.socket.destroy());
    const pane = await TerminalPane.start(["bash", "--norc", "--noprofile", "-i"]);
    t.after(() => pane.kill());
    await pane.type(`PS1='$ '; ${process.execPath} ${PARLEY_BIN} client 127.0.0.1 ${server.port}`);
    await pane.press("Enter");
    await pane.waitForScreen((rows) => rows.at(-1) === "> Connected to the chat server (3 users online)");
    const clientAddress = addressIn(await peer.waitFor((line) => line.endsWith(" entered. (3 users online)")));

    await pane.type("third try");
    await pane.waitForScreen((rows) => rows.at(-1) === "third try");
    await pane.press("C-z");
    await pane.waitForScreen((rows) => rows.at(-1) === "$" && rows.some((row) => row.includes("Stopped")));
    peer.send("news while stopped\n");
    await observer.waitFor(`[${peer.address}] news while stopped`);
    await pane.type("fg");
    await pane.press("Enter");
    const news = `[${peer.address}] news while stopped`;
    await pane.waitForScreen((rows) => rows.at(-2) === news && rows.at(-1)?.startsWith("third try") === true);
    await pane.type(", finished");
    const screen = await pane.waitForScreen((rows) => rows.at(-1)?.endsWith(", finished") === true);
    assert.equal(screen.at(-1), "third try, finished");
    assert.equal(screen.at(-2), news);
    await pane.press("Enter");
    await peer.waitFor(`[${clientAddress}] third try, finished`);
  });
});
