/** The memory table. */
import { firstLine } from "../lib/plan.js";
import { MEMORY_SETTLE_SECONDS, type MemoryReport } from "../scenarios/memory.js";
import { serverLabel } from "../servers/index.js";
import { formatCount, formatFixed, formatMiB, formatRatio, printHeading, printTable, serverOrder } from "./format.js";

export function printMemory(report: MemoryReport): void {
  printHeading("Memory: idle connections, after every join notice was delivered");
  const sorted = [...report.runs].sort(
    (a, b) => a.clients - b.clients || serverOrder(a.server) - serverOrder(b.server),
  );
  printTable(
    [
      "server",
      "connections",
      "RSS before",
      "RSS drained",
      "RSS idle",
      "KiB/conn",
      "peak RSS",
      "joins took",
      "server us/notice",
    ],
    sorted.map((run) => [
      serverLabel(run.server),
      formatCount(run.clients),
      formatMiB(run.rssBeforeKiB),
      formatMiB(run.rssDrainedKiB),
      formatMiB(run.rssAfterKiB),
      run.kibPerConnection.toFixed(2),
      formatMiB(run.peakRssKiB),
      `${run.joinSeconds.toFixed(1)} s`,
      formatFixed(run.serverCpuUsPerNotice ?? undefined, 3),
    ]),
  );
  for (const failure of report.errors) {
    console.log(
      `  ${serverLabel(failure.server)} at ${formatCount(failure.clients)}: failed: ${firstLine(failure.error)}`,
    );
  }
  const counts = [...new Set(report.runs.map((run) => run.clients))].sort((a, b) => a - b);
  for (const clients of counts) {
    const parley = report.runs.find((run) => run.server === "parley" && run.clients === clients);
    const naive = report.runs.find((run) => run.server === "naive" && run.clients === clients);
    if (parley === undefined || naive === undefined) continue;
    console.log(
      `  Parley / naive at ${formatCount(clients)}: ${formatRatio(parley.kibPerConnection, naive.kibPerConnection)} ` +
        "memory per connection",
    );
  }
  for (const note of report.notes) console.log(`  Note: ${note}`);
  console.log(
    `  RSS drained: right after the last notice arrived; RSS idle and KiB/conn: the lowest over the next ${MEMORY_SETTLE_SECONDS} s of idleness.`,
  );
  console.log("  RSS is user-space memory; kernel socket buffers are not in it.");
}
