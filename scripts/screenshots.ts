// Takes the README's pictures of the chat page (light and dark, desktop and phone) into
// docs/screenshots/, from a real server with a short conversation in it.
//
//   npm run build && node --import tsx scripts/screenshots.ts
//
// Needs Chromium (Debian's `chromium`; PARLEY_CHROMIUM names another).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { Browser, Page } from "playwright-core";
import { defaultServerConfig } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";
import { launchChromium } from "./chromium.js";

const OUT_DIR = "docs/screenshots";
const SHOTS = [
  { name: "desktop-light", width: 1280, height: 800, scheme: "light" },
  { name: "desktop-dark", width: 1280, height: 800, scheme: "dark" },
  { name: "phone-light", width: 390, height: 844, scheme: "light" },
  { name: "phone-dark", width: 390, height: 844, scheme: "dark" },
] as const;

const dataDir = mkdtempSync(join(tmpdir(), "parley-screenshots-"));
const server = await startServer(
  {
    ...defaultServerConfig,
    host: "127.0.0.1",
    port: 0,
    ircPort: 0,
    httpPort: 0,
    transcript: false,
    dataDir,
    commandsPerSecond: Number.POSITIVE_INFINITY,
  },
  pino({ level: "silent" }),
);
const browser = await launchChromium();
try {
  mkdirSync(OUT_DIR, { recursive: true });
  const page = await stageConversation(browser, server);
  for (const shot of SHOTS) {
    await page.emulateMedia({ colorScheme: shot.scheme });
    await page.setViewportSize({ width: shot.width, height: shot.height });
    await page.locator("#messages").evaluate((list) => {
      list.scrollTop = list.scrollHeight;
    });
    await page.screenshot({ path: join(OUT_DIR, `${shot.name}.png`) });
    process.stdout.write(`${OUT_DIR}/${shot.name}.png\n`);
  }
  // On a phone the room list is one tap away.
  await page.emulateMedia({ colorScheme: "light" });
  await page.locator("#toggle-rooms").click();
  await page.screenshot({ path: join(OUT_DIR, "phone-rooms.png") });
  process.stdout.write(`${OUT_DIR}/phone-rooms.png\n`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

/** Ann at the page in #lobby, with Bob (another page) and Carol (netcat) talking to her. */
async function stageConversation(browser: Browser, server: RunningServer): Promise<Page> {
  const url = `http://127.0.0.1:${server.httpAddress?.port}/`;
  const ann = await openPage(browser, url, "ann");
  const bob = await openPage(browser, url, "bob");
  const carol = await lineClient(server.lineAddress?.port ?? 0);
  carol.write("/nick carol\n");
  await say(ann, "/topic Parley's lobby: netcat, IRC and the browser in one room");
  await say(bob, "morning! the web page is live: https://example.org/parley");
  carol.write("hi from netcat :)\n");
  await say(ann, "/me waves");
  await say(bob, "ann: can you try /history and scroll up?");
  await say(ann, "works, older messages load as I scroll");
  carol.write("/join #dev\n");
  carol.write("/join #lobby\n");
  await say(bob, "/join #dev");
  await say(bob, "build is green again");
  await say(bob, "/msg ann lunch later?");
  await ann.locator("#messages li", { hasText: "can you try" }).waitFor();
  await ann.locator("#direct-list .unread").waitFor();
  await say(ann, "/join #dev");
  await ann.locator("#room-list button", { hasText: "#lobby" }).click();
  await ann.locator("#input").fill("sounds good, see you at ");
  return ann;
}

async function openPage(browser: Browser, url: string, name: string): Promise<Page> {
  const context = await browser.newContext({ locale: "en-GB", timezoneId: "UTC" });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator("#title", { hasText: "#lobby" }).waitFor();
  await say(page, `/nick ${name}`);
  await page.locator("#open-account", { hasText: name }).waitFor();
  return page;
}

async function say(page: Page, line: string): Promise<void> {
  await page.locator("#input").fill(line);
  await page.locator("#input").press("Enter");
}

function lineClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}
