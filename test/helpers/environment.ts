import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./server.js";

/** CI must run every test: there, a missing peer or service is a failure, never a skip. */
export const IS_CI = process.env.CI === "true";

/** The original Python programs, kept beside the repository, never copied into it. */
export const REFERENCE_DIR = join(REPO_ROOT, "..", "shared", "reference");

/**
 * Returns a skip message when `what` is unavailable on this machine, or null when it is
 * there. Under CI it throws instead, so the run fails rather than passing silently.
 */
export function skipUnless(isAvailable: boolean, what: string): string | null {
  if (isAvailable) return null;
  if (IS_CI) throw new Error(`${what} is required under CI but is not available`);
  return `${what} is not available on this machine`;
}

export function referenceSkip(): string | null {
  return skipUnless(existsSync(join(REFERENCE_DIR, "srv.py")), `the reference programs (${REFERENCE_DIR})`);
}
