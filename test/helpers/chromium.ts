import { existsSync } from "node:fs";
import { CHROMIUM_PATH } from "../../scripts/chromium.js";
import { skipUnless } from "./environment.js";

export { launchChromium } from "../../scripts/chromium.js";

/** Why Chromium cannot be driven here, or null when it can (under CI, a missing Chromium fails). */
export function chromiumSkip(): string | null {
  return skipUnless(existsSync(CHROMIUM_PATH), `Chromium (${CHROMIUM_PATH})`);
}
