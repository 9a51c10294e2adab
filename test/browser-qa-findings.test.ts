import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import { chromiumSkip, launchChromium } from "./helpers/chromium.js";
import { describeUnlessSkipped } from "./helpers/environment.js";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { DEFAULT_WAIT_MS } from "./helpers/wait-until.js";

/**
 * What a person meets at the page that its other tests do not look at: recalling lines,
 * reversed text, unread counts, a phone's width, and the ways a connection fails.
 */

let browser: Browser;
let server: TestServer;

describeUnlessSkipped(chromiumSkip(), "the chat page, as a person uses it", () => {
  before(async () => {
    browser = await launchChromium();
    server = await startTestServer();
  });
  after(async () => {
    await browser.close();
    await server.stop();
  });

  test("each Up recalls the line sent before, as in a terminal client (one press per line)", async () => {
    const page = await open();
    const input = page.locator("#input");
    for (const line of ["one", "two", "three"]) {
      await input.fill(line);
      await input.press("Enter");
    }
    const seen: string[] = [];
    for (let press = 0; press < 3; press++) {
      await input.press("ArrowUp");
      seen.push(await input.inputValue());
    }
    assert.deepEqual(seen, ["three", "two", "one"]);
    const back: string[] = [];
    for (let press = 0; press < 3; press++) {
      await input.press("ArrowDown");
      back.push(await input.inputValue());
    }
    assert.deepEqual(back, ["two", "three", ""], "and each Down the line after it");
    await page.context().close();
  });

  test("a right-to-left override in a message cannot reverse a link's text or what follows it", async () => {
    const page = await open();
    const input = page.locator("#input");
    await input.fill("see http://example.com/\u202Egpj.exe and more");
    await input.press("Enter");
    const link = page.locator("#messages a").last();
    await link.waitFor({ timeout: DEFAULT_WAIT_MS });
    // Shown as written, a link to an .exe reads as a picture ("exe.jpg"), and the words after it
    // read backwards: the override must reach the screen as a visible mark (as the line protocol
    // shows <U+202E>), never as an instruction to the browser's layout.
    const line = page.locator("#messages li", { hasText: "example.com" }).last();
    const shown = await line.textContent();
    assert.doesNotMatch(shown ?? "", /[\u202A-\u202E\u2066-\u2069]/u, "no raw bidi override reaches the page");
    await page.context().close();
  });

  test("ESC in a message shows as ^[, as a terminal shows it, not as a blank box", async () => {
    const page = await open();
    await say(page, "bell\u001b[31mred");
    await page.locator("#messages li", { hasText: "bell^[[31mred" }).waitFor({ timeout: DEFAULT_WAIT_MS });
    await page.context().close();
  });

  test("one's own messages are never unread: not a direct message one sent, nor a line from another tab of the same account", async () => {
    const ann = await open();
    const victor = await open();
    await nameAs(ann, "ann");
    await nameAs(victor, "victor");
    await say(ann, "/msg victor hello victor");
    await victor
      .locator("#direct-list button", { hasText: "ann" })
      .locator(".unread")
      .waitFor({ timeout: DEFAULT_WAIT_MS });
    const toVictor = ann.locator("#direct-list button", { hasText: "victor" });
    await toVictor.waitFor({ timeout: DEFAULT_WAIT_MS });
    assert.equal(await toVictor.locator(".unread").count(), 0, "what one sent is not unread");
    assert.doesNotMatch(await ann.title(), /^\(/u, "nor counted in the title");

    // The same account in a second tab, looking at another room: its lines in #lobby are not news there.
    await say(ann, "/register correct horse battery");
    await ann.locator("#messages li", { hasText: "registered" }).waitFor({ timeout: DEFAULT_WAIT_MS });
    const annAgain = await open();
    await say(annAgain, "/login ann correct horse battery");
    await annAgain
      .locator("#account-state", { hasText: "Logged in as ann." })
      .waitFor({ state: "attached", timeout: DEFAULT_WAIT_MS });
    await say(annAgain, "/join #elsewhere");
    await annAgain.locator("#title", { hasText: "#elsewhere" }).waitFor({ timeout: DEFAULT_WAIT_MS });
    await openConversation(ann, "#lobby");
    await say(ann, "from my first tab");
    await say(victor, "and victor answers");
    const lobby = annAgain.locator("#room-list button", { hasText: "#lobby" }).locator(".unread");
    await lobby.waitFor({ timeout: DEFAULT_WAIT_MS });
    assert.equal(await lobby.textContent(), "1", "only victor's line is unread in the second tab");
    for (const page of [ann, victor, annAgain]) await page.context().close();
  });

  test("a message to nobody leaves no conversation behind", async () => {
    const page = await open();
    await say(page, "/msg nobody-here hi");
    await page.locator("#messages li.error", { hasText: "nobody-here" }).waitFor({ timeout: DEFAULT_WAIT_MS });
    assert.equal(await page.locator("#direct-list button", { hasText: "nobody-here" }).count(), 0);
    await page.context().close();
  });

  test("text typed while offline stays in the box, and goes once back online", async () => {
    const gate = new SocketGate();
    const page = await open(gate);
    gate.drop();
    await page.locator("#status.waiting").waitFor({ timeout: DEFAULT_WAIT_MS });
    const input = page.locator("#input");
    await input.fill("said while away");
    await input.press("Enter");
    await page.locator("#messages li.error", { hasText: "Not connected" }).waitFor({ timeout: DEFAULT_WAIT_MS });
    assert.equal(await input.inputValue(), "said while away", "kept in the box");
    gate.open();
    await page.locator("#status.online").waitFor({ timeout: 20_000 });
    await input.press("Enter");
    await page.locator("#messages li .body", { hasText: "said while away" }).waitFor({ timeout: DEFAULT_WAIT_MS });
    assert.equal(await input.inputValue(), "");
    await page.context().close();
  });

  test("when the server keeps refusing the WebSocket, the page says so (and keeps trying)", async () => {
    const gate = new SocketGate();
    gate.close();
    const page = await open(gate, false);
    await page.locator("#status.waiting", { hasText: "refused" }).waitFor({ timeout: 15_000 });
    await page.context().close();
  });

  test("a page cut off for flooding says why, and does not reconnect at once", async () => {
    // A server quick to call a flood (the default lets 200 lines wait, ~40 s of pacing).
    const strict = await startTestServer({ maxPacedLines: 4, commandBurst: 2 });
    const gate = new SocketGate();
    try {
      const page = await open(gate, true, strict);
      // Frames straight to the server, as a script in the page could send them.
      for (let n = 0; n < 200; n++)
        gate.sendToServer(JSON.stringify({ type: "say", room: "#lobby", text: `flood ${n}` }));
      await page.locator("#status.waiting", { hasText: "too fast" }).waitFor({ timeout: 15_000 });
      const seconds = Number((await page.locator("#status").textContent())?.match(/(\d+) s/u)?.[1]);
      assert.ok(seconds >= 20, `waits before coming back (${seconds} s)`);
      await page.locator("#messages li.error", { hasText: "flood" }).waitFor({ timeout: DEFAULT_WAIT_MS });
      await page.context().close();
    } finally {
      await strict.stop();
    }
  });

  test("when the page's script cannot load, it says so and suggests a reload", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route(/\/assets\/.*\.js$/u, (route) => route.fulfill({ status: 503, body: "busy" }));
    await page.goto(`http://127.0.0.1:${httpPortOf(server)}/`);
    await page.locator("#load-problem", { hasText: "Reload" }).waitFor({ state: "visible", timeout: DEFAULT_WAIT_MS });
    await context.close();
  });

  test("on a working load, the loading problem note is gone", async () => {
    const page = await open();
    assert.equal(await page.locator("#load-problem").count(), 0);
    await page.context().close();
  });

  test("at a phone's width, the text has the whole width, the Alerts button is reachable, and the newest lines stay in view", async () => {
    const page = await open();
    // One paste of many lines: the server paces them, so wait for the last.
    await say(page, Array.from({ length: 30 }, (_, n) => `line ${n} ${"words that wrap ".repeat(8)}`).join("\n"));
    await page.locator("#messages li", { hasText: "line 29 " }).waitFor({ timeout: 15_000 });
    await page.setViewportSize({ width: 375, height: 700 });
    await page.waitForFunction(
      () => {
        const list = document.getElementById("messages");
        return list !== null && list.scrollHeight - list.scrollTop - list.clientHeight < 8;
      },
      undefined,
      { timeout: DEFAULT_WAIT_MS },
    );
    const alerts = page.locator("#notify");
    assert.ok(await alerts.isVisible(), "Alerts is shown");
    const box = await alerts.boundingBox();
    assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 375, "and within the screen");
    const body = await page.locator("#messages li.message .body").last().boundingBox();
    const list = await page.locator("#messages").boundingBox();
    assert.ok(
      body !== null && list !== null && body.width > list.width * 0.8,
      "the text is not squeezed beside name and time",
    );
    await page.context().close();
  });
});

/** Lets the page's WebSockets through or not, and drops the open one when asked. */
class SocketGate {
  #isOpen = true;
  readonly #routes: WebSocketRoute[] = [];
  readonly #toServer: WebSocketRoute[] = [];

  open(): void {
    this.#isOpen = true;
  }

  close(): void {
    this.#isOpen = false;
  }

  drop(): void {
    this.close();
    for (const route of this.#routes.splice(0)) void route.close();
  }

  handle(route: WebSocketRoute): void {
    if (!this.#isOpen) {
      void route.close();
      return;
    }
    this.#routes.push(route);
    this.#toServer.push(route.connectToServer());
  }

  /** A frame to the server as if the page had sent it. */
  sendToServer(frame: string): void {
    this.#toServer.at(-1)?.send(frame);
  }
}

async function open(gate?: SocketGate, isOnline = true, at: TestServer = server): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  if (gate !== undefined) await page.routeWebSocket(/\/ws$/u, (route) => gate.handle(route));
  await page.goto(`http://127.0.0.1:${httpPortOf(at)}/`);
  if (isOnline) await page.locator("#title", { hasText: "#lobby" }).waitFor({ timeout: DEFAULT_WAIT_MS });
  return page;
}

async function say(page: Page, line: string): Promise<void> {
  await page.locator("#input").fill(line);
  await page.locator("#input").press("Enter");
}

async function nameAs(page: Page, name: string): Promise<void> {
  await say(page, `/nick ${name}`);
  await page.locator("#open-account", { hasText: name }).waitFor({ timeout: DEFAULT_WAIT_MS });
}

async function openConversation(page: Page, name: string): Promise<void> {
  await page.locator(".conversation-list button", { hasText: name }).click();
  await page.locator("#title", { hasText: name }).waitFor({ timeout: DEFAULT_WAIT_MS });
}
