/** History: the store on its own and catch-up replay, each a script of its own. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { BENCH_DIR, ROOT } from "../lib/paths.js";
import { printHeading } from "../report/format.js";

/**
 * The store on its own (insert rate, search over a million messages) and catch-up
 * replay end to end. History on against off under fan-out is in the fan-out table.
 */
export function runHistoryBenches(): void {
  for (const script of ["store-bench.ts", "replay-bench.ts"]) runScript(`History: ${script}`, script);
}

/** A bench of its own, in its own process, printing its own figures. */
export function runScript(heading: string, script: string): void {
  printHeading(heading);
  const run = spawnSync(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, script)], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (run.status !== 0) console.log(`  ${script} failed (exit ${run.status ?? run.signal})`);
}
