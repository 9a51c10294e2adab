import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { skipUnless } from "./environment.js";

/** Debian's Chromium (package `chromium`): the browser tests drive it, never a downloaded one. */
export const CHROMIUM_PATH = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why Chromium cannot be driven here, or null when it can (under CI, a missing Chromium fails). */
export function chromiumSkip(): string | null {
  return skipUnless(existsSync(CHROMIUM_PATH), `Chromium (${CHROMIUM_PATH})`);
}

/** One headless Chromium; a test file launches one and opens a context per user. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
