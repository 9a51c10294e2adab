import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "./helpers/server.js";
import { SpawnedProgram } from "./helpers/spawned-program.js";

/** A test run without the reference programs beside the repository, as in a fresh clone. */

/** Starting a test file under tsx is slow on a loaded machine. */
const RUN_WAIT_MS = 120_000;

/** Runs one test file in a child `node --test` that finds no reference programs; returns its exit and output. */
async function runWithoutReference(file: string, ci: boolean): Promise<{ code: number | null; output: string }> {
  const nowhere = mkdtempSync(join(tmpdir(), "parley-no-reference-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_REFERENCE_DIR: join(nowhere, "reference") };
  delete env.CI;
  // Set by the outer runner: a child that sees it reports to it instead of printing a summary.
  delete env.NODE_TEST_CONTEXT;
  if (ci) env.CI = "true";
  const run = new SpawnedProgram(
    "node --test",
    process.execPath,
    ["--import", "tsx", "--test", "--test-reporter=tap", file],
    { cwd: REPO_ROOT, env, stdin: "ignore", waitMs: RUN_WAIT_MS },
  );
  try {
    const { code } = await run.waitForExit();
    return { code, output: `${run.stdout}${run.stderr}` };
  } finally {
    await run.kill();
    rmSync(nowhere, { recursive: true, force: true });
  }
}

test("without the reference programs, the compatibility suites are counted as skipped, and the run passes", async () => {
  const { code, output } = await runWithoutReference("test/compat.test.ts", false);
  const skipped = Number(/^# skipped (\d+)$/m.exec(output)?.[1]);
  assert.ok(skipped > 0, output);
  assert.match(output, /# SKIP .*reference programs .* not available/, output);
  assert.equal(code, 0, output);
});

test("under CI=true, missing reference programs fail the run", async () => {
  const { code, output } = await runWithoutReference("test/compat.test.ts", true);
  assert.notEqual(code, 0, output);
  assert.match(output, /reference programs .* required under CI/, output);
});
