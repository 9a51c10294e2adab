import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { chromiumSkip, launchChromium } from "./helpers/chromium.js";
import { describeUnlessSkipped } from "./helpers/environment.js";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { DEFAULT_WAIT_MS } from "./helpers/wait-until.js";

/** What a person meets at the page that its other tests do not look at: recalling lines, reversed text. */

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
});

async function open(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${httpPortOf(server)}/`);
  await page.locator("#status.online").waitFor({ timeout: DEFAULT_WAIT_MS });
  return page;
}
