/** Start-up with a 2 GB database: a script of its own, run only when named (it builds the database once). */
import { runScript } from "./history.js";

export function runStartupBench(): void {
  runScript("Start-up with a 2 GB database: startup-bench.ts", "startup-bench.ts");
}
