// How Parley drives a browser, in one place for the browser tests, the page benchmark and the
// README's screenshots: Debian's Chromium (package `chromium`), never a downloaded one.
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium; PARLEY_CHROMIUM names another. */
export const CHROMIUM_PATH = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";

/** Headless, without a sandbox (a container may have none), and quiet: no updates, sync or first-run pages. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** One headless Chromium; a caller opens a context per user. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
