import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { chromiumSkip, launchChromium } from "./helpers/chromium.js";
import { describeUnlessSkipped } from "./helpers/environment.js";
import { IrcFrameworkClient } from "./helpers/irc-framework-client.js";
import { LineClient } from "./helpers/line-client.js";
import {
  httpPortOf,
  ircPortOf,
  makeDataDir,
  ServerProcess,
  startTestServer,
  type TestServer,
} from "./helpers/server.js";
import { DEFAULT_WAIT_MS } from "./helpers/wait-until.js";

/**
 * The chat page in a real browser (Debian's Chromium) against a real server: what people
 * see when they chat, scroll back, lose the server, and meet markup in what others write.
 */

/** A person at the page: a browser context of their own (storage, cookies) and its one tab. */
interface Visitor {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Dialogs that opened (alert, confirm): any is a script that should not have run. */
  readonly dialogs: string[];
  /** Uncaught exceptions in the page. */
  readonly errors: string[];
  /** What the browser logged as errors (a failed resource; a refused WebSocket while the server is down). */
  readonly consoleErrors: string[];
}

let browser: Browser;

describeUnlessSkipped(chromiumSkip(), "the chat page in a browser", () => {
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test("two people chat from two browsers, and each sees the other in the member list", async () => {
    const server = await startTestServer();
    const [ann, bob] = [await visit(server), await visit(server)];
    try {
      await typeLine(ann, "/nick ann");
      await typeLine(bob, "/nick bob");
      await waitForMember(ann, "bob");
      await typeLine(ann, "hello bob, see https://example.org/docs");
      const line = await waitForMessage(bob, "hello bob");
      assert.match(line, /ann/);
      const link = bob.page.locator("#messages a");
      assert.equal(await link.getAttribute("href"), "https://example.org/docs");
      assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
      assert.equal(await link.getAttribute("target"), "_blank");
      await typeLine(bob, "/me waves");
      await waitForMessage(ann, "* bob waves");
      await typeLine(bob, "/msg ann a word in private");
      await waitForConversation(ann, "bob");
      assert.deepEqual(await unreadOf(ann, "bob"), "1", "a direct message waits, counted, in its own conversation");
      await ann.page.locator("#direct-list button", { hasText: "bob" }).click();
      await waitForMessage(ann, "a word in private");
      assertClean(ann);
      assertClean(bob);
    } finally {
      await leave(ann, bob);
      await server.stop();
    }
  });

  test("a browser, a netcat-style client and an IRC client in one room all see each other", async () => {
    const server = await startTestServer();
    const ann = await visit(server);
    const carol = await LineClient.join(server.port);
    const dave = await IrcFrameworkClient.connect({ port: ircPortOf(server), nick: "dave" });
    try {
      await typeLine(ann, "/nick ann");
      carol.send("/nick carol\n");
      dave.client.join("#lobby");
      await dave.waitForEvent("join", (event) => event.nick === "dave");
      await waitForMember(ann, "carol");
      await waitForMember(ann, "dave");

      await typeLine(ann, "from the browser");
      await carol.waitFor("[ann] from the browser");
      await dave.waitForEvent("privmsg", (event) => event.nick === "ann" && event.message === "from the browser");

      carol.send("from netcat\n");
      await waitForMessage(ann, "from netcat");
      await dave.waitForEvent("privmsg", (event) => event.nick === "carol" && event.message === "from netcat");

      dave.client.say("#lobby", "from IRC");
      await waitForMessage(ann, "from IRC");
      await carol.waitFor("[dave] from IRC");
      assertClean(ann);
    } finally {
      await dave.quit();
      await carol.close();
      await leave(ann);
      await server.stop();
    }
  });

  test("scrolling up loads older history, a page at a time, up to the beginning", async () => {
    const server = await startTestServer({ commandsPerSecond: Number.POSITIVE_INFINITY });
    const carol = await LineClient.join(server.port);
    try {
      carol.send("/nick carol\n");
      const said = 130;
      for (let n = 1; n <= said; n++) carol.send(`old line ${String(n).padStart(3, "0")}\n`);
      await storedThrough(carol, `old line ${said}`);
      const ann = await visit(server);
      try {
        await waitForMessage(ann, `old line ${said}`);
        const messages = ann.page.locator("#messages li", { hasText: "old line" });
        const firstShown = await messages.count();
        assert.ok(firstShown < said, `the first view shows recent lines (${firstShown}), not all ${said}`);
        // Each scroll to the top asks for the page before the oldest line shown.
        while ((await ann.page.locator("#messages li", { hasText: "old line 001" }).count()) === 0) {
          const shown = await messages.count();
          const lines = await ann.page.locator("#messages li").count();
          await ann.page.locator("#messages").evaluate((list) => {
            list.scrollTop = 0;
          });
          await ann.page.waitForFunction((before) => document.querySelectorAll("#messages li").length > before, lines, {
            timeout: DEFAULT_WAIT_MS,
          });
          assert.ok((await messages.count()) > shown);
        }
        await ann.page.locator("#older-state", { hasText: "beginning" }).waitFor({ timeout: DEFAULT_WAIT_MS });
        const texts = await messages.allTextContents();
        assert.equal(texts.length, said, "every line once");
        const numbers = texts.map((text) => Number(text.match(/old line (\d+)/)?.[1]));
        assert.deepEqual(
          numbers,
          [...numbers].sort((a, b) => a - b),
          "oldest first",
        );
        assertClean(ann);
      } finally {
        await leave(ann);
      }
    } finally {
      await carol.close();
      await server.stop();
    }
  });

  test("after the server restarts, the page reconnects by itself, logs in again and shows what it missed, once", async () => {
    const { dataDir, remove } = makeDataDir();
    let server = await ServerProcess.start(["server", "127.0.0.1", "0", "--data-dir", dataDir]);
    const httpPort = await server.portOf("http");
    const gate = new ConnectionGate();
    const ann = await visit(httpPort, gate);
    try {
      // The account dialog: a name, then that name registered with a password (kept in the tab's memory).
      await ann.page.locator("#open-account").click();
      await ann.page.locator("#account-name").fill("ann");
      await ann.page.locator("#account-dialog button[value=nick]").click();
      await ann.page.locator("#open-account", { hasText: "ann" }).waitFor();
      await ann.page.locator("#open-account").click();
      await ann.page.locator("#account-password").fill("correct horse battery");
      await ann.page.locator("#account-dialog button[value=register]").click();
      await waitForMessage(ann, "ann is registered to you");
      await typeLine(ann, "/join #den");
      await ann.page.locator("#title", { hasText: "#den" }).waitFor();
      await typeLine(ann, "before the restart");
      await waitForMessage(ann, "before the restart");

      gate.close();
      await server.kill("SIGTERM");
      await ann.page.locator("#status.waiting").waitFor({ timeout: DEFAULT_WAIT_MS });
      server = await ServerProcess.start([
        "server",
        "127.0.0.1",
        "0",
        "--data-dir",
        dataDir,
        "--http-port",
        String(httpPort),
      ]);
      const carol = await LineClient.join(server.port);
      carol.send("/nick carol\n/join #den\n");
      await carol.waitFor((line) => line.startsWith("- You joined #den"));
      for (const n of [1, 2, 3]) carol.send(`missed ${n}\n`);
      await storedThrough(carol, "missed 3");
      carol.send("/join #lobby\n");
      await carol.waitFor(/^- You (joined|are already in) #lobby/);
      carol.send("said in the lobby\n");
      await storedThrough(carol, "said in the lobby");

      gate.open();
      await ann.page.locator("#status.online").waitFor({ timeout: 20_000 });
      for (const n of [1, 2, 3]) await waitForMessage(ann, `missed ${n}`);
      const texts = await ann.page.locator("#messages li .body").allTextContents();
      const said = texts.filter((text) => text === "before the restart" || text.startsWith("missed "));
      assert.deepEqual(said, ["before the restart", "missed 1", "missed 2", "missed 3"], "in order, none twice");
      const lobbyUnread = ann.page.locator(".conversation-list button", { hasText: "#lobby" }).locator(".unread");
      await lobbyUnread.waitFor({ timeout: DEFAULT_WAIT_MS });
      assert.equal(await lobbyUnread.textContent(), "1", "what was said in another room is counted there");
      assert.equal(await ann.page.locator("#open-account").textContent(), "ann", "the name is taken back");
      assert.equal(await ann.page.locator("#account-state").textContent(), "Logged in as ann.", "by logging in again");
      await carol.close();
      assertClean(ann, true);
    } finally {
      await leave(ann);
      await server.kill();
      remove();
    }
  });

  test("markup in messages, names, topics and room names is shown as text and never runs", async () => {
    const server = await startTestServer({ commandsPerSecond: Number.POSITIVE_INFINITY });
    const ann = await visit(server);
    const carol = await LineClient.join(server.port);
    try {
      await typeLine(ann, "/nick ann");
      const payloads = [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        '"><svg onload=alert(1)>',
        "[link](javascript:alert(1)) <a href=javascript:alert(1)>x</a>",
      ];
      for (const payload of payloads) carol.send(`${payload}\n`);
      await typeLine(ann, `/topic ${payloads[0]} ${payloads[3]}`);
      // Names and rooms have no spaces: the same attacks, spelled without.
      carol.send("/nick <svg/onload=alert(1)>\n");
      await waitForMember(ann, "<svg/onload=alert(1)>");
      carol.send("/join #<img/src=x/onerror=alert(1)>\n");
      await carol.waitFor((line) => line.includes("#<img/src=x/onerror=alert(1)>"));
      carol.send("/invite ann #<img/src=x/onerror=alert(1)>\n");
      await typeLine(ann, "/join #<script>alert(1)</script>");
      await typeLine(ann, '/join #"><svg/onload=alert(1)>');
      await typeLine(ann, "/join #<img/src=x/onerror=alert(1)>");
      await ann.page.locator("#title", { hasText: "#<img/src=x/onerror=alert(1)>" }).waitFor();
      await ann.page.locator("#room-list button", { hasText: "#lobby" }).click();

      for (const payload of payloads) {
        const bodies = await ann.page.locator("#messages li .body").allTextContents();
        assert.ok(bodies.includes(payload), `${payload} is shown as it was written`);
      }
      await ann.page.locator("#topic", { hasText: "<svg onload=alert(1)>" }).waitFor();
      for (const where of ["#messages", "#topic", "#room-list", "#member-list", "#title"]) {
        const injected = await ann.page.locator(`${where} img, ${where} script, ${where} svg, ${where} iframe`).count();
        assert.equal(injected, 0, `no element made from text in ${where}`);
      }
      const hrefs = await ann.page
        .locator("a[href]")
        .evaluateAll((links) => links.map((link) => link.getAttribute("href")));
      for (const href of hrefs) assert.match(String(href), /^https?:/, "links are http or https only");
      assertClean(ann);
    } finally {
      await carol.close();
      await leave(ann);
      await server.stop();
    }
  });
});

/**
 * Holds the page's WebSocket connections back while closed (each attempt fails at once, as
 * with a server that is down), so a test decides when the page gets back in.
 */
class ConnectionGate {
  #isOpen = true;

  open(): void {
    this.#isOpen = true;
  }

  close(): void {
    this.#isOpen = false;
  }

  handle(route: WebSocketRoute): void {
    if (this.#isOpen) route.connectToServer();
    else void route.close();
  }
}

async function visit(server: TestServer | number, gate?: ConnectionGate): Promise<Visitor> {
  const port = typeof server === "number" ? server : httpPortOf(server);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const visitor: Visitor = { context, page, dialogs: [], errors: [], consoleErrors: [] };
  page.on("dialog", (dialog) => {
    visitor.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => visitor.errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") visitor.consoleErrors.push(message.text());
  });
  if (gate !== undefined) await page.routeWebSocket(/\/ws$/, (route) => gate.handle(route));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator("#status.online").waitFor({ timeout: DEFAULT_WAIT_MS });
  await page.locator("#title", { hasText: "#lobby" }).waitFor({ timeout: DEFAULT_WAIT_MS });
  return visitor;
}

async function leave(...visitors: Visitor[]): Promise<void> {
  for (const visitor of visitors) await visitor.context.close();
}

async function typeLine(visitor: Visitor, line: string): Promise<void> {
  await visitor.page.locator("#input").fill(line);
  await visitor.page.locator("#input").press("Enter");
}

/** Waits for a line of the open conversation that holds `text`; returns the line's text. */
async function waitForMessage(visitor: Visitor, text: string): Promise<string> {
  const line = visitor.page.locator("#messages li", { hasText: text }).first();
  await line.waitFor({ timeout: DEFAULT_WAIT_MS });
  return (await line.textContent()) ?? "";
}

async function waitForMember(visitor: Visitor, name: string): Promise<void> {
  await visitor.page
    .locator("#member-list .name")
    .filter({ hasText: new RegExp(`^${escapeRegExp(name)}$`) })
    .waitFor({ timeout: DEFAULT_WAIT_MS });
}

async function waitForConversation(visitor: Visitor, name: string): Promise<void> {
  await visitor.page.locator("#direct-list button", { hasText: name }).waitFor({ timeout: DEFAULT_WAIT_MS });
}

async function unreadOf(visitor: Visitor, name: string): Promise<string | null> {
  const button = visitor.page.locator(".conversation-list button", { hasText: name });
  const badge = button.locator(".unread");
  return (await badge.count()) === 0 ? null : badge.textContent();
}

/** No dialog opened and no script failed; unless `isOffline` (the server went away), nothing failed to load. */
function assertClean(visitor: Visitor, isOffline = false): void {
  assert.deepEqual(visitor.dialogs, [], "no dialog opened");
  assert.deepEqual(visitor.errors, [], "no script error");
  if (!isOffline) assert.deepEqual(visitor.consoleErrors, [], "nothing failed to load");
}

/** Waits until what a line client said last is stored: its own /history shows it (the line protocol echoes nothing). */
async function storedThrough(client: LineClient, text: string): Promise<void> {
  const from = client.lines.length;
  client.send("/history 1\n");
  await client.waitFor((line) => line.startsWith("~ ") && line.endsWith(text), DEFAULT_WAIT_MS, from);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
