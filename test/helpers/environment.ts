import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "./server.js";

/** CI must run every test: there, a missing peer or service is a failure, never a skip. */
export const IS_CI = process.env.CI === "true";

/**
 * The original Python programs, kept beside the repository, never copied into it;
 * PARLEY_REFERENCE_DIR points elsewhere (the skip test uses it to make them absent).
 */
export const REFERENCE_DIR = process.env.PARLEY_REFERENCE_DIR || join(REPO_ROOT, "..", "shared", "reference");

/**
 * Returns a skip message when `what` is unavailable on this machine, or null when it is
 * there. Under CI it throws instead, so the run fails rather than passing silently.
 */
export function skipUnless(isAvailable: boolean, what: string): string | null {
  if (isAvailable) return null;
  if (IS_CI) throw new Error(`${what} is required under CI but is not available`);
  return `${what} is not available on this machine`;
}

/** Whether `command` runs here; `args` should make it print a version and exit 0. */
export function canRun(command: string, ...args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

export function python3Skip(): string | null {
  return skipUnless(canRun("python3", "--version"), "python3");
}

export function referenceSkip(): string | null {
  return (
    python3Skip() ?? skipUnless(existsSync(join(REFERENCE_DIR, "srv.py")), `the reference programs (${REFERENCE_DIR})`)
  );
}

/**
 * A suite that needs something this machine may lack. node:test does not count a skipped
 * suite in its `# skipped` total, so when `skip` is a reason the suite is replaced by one
 * skipped test that carries it, and the skip is seen where people look.
 */
export function describeUnlessSkipped(skip: string | null, name: string, body: () => void): void {
  if (skip === null) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    test("(skipped)", { skip }, () => {});
  });
}
