/** The memory table. */
import { firstLine, type ServerId } from "../lib/plan.js";
import { MEMORY_SETTLE_SECONDS, type MemoryReport } from "../scenarios/memory.js";
import { isWebSocketServer, serverLabel } from "../servers/index.js";
import {
  formatCount,
  formatFixed,
  formatMiB,
  formatRatio,
  printHeading,
  printTable,
  serverOrder,
  WEB_IDLE_TARGET_KIB,
} from "./format.js";

/** The pairs that run at the same count (see the memory scenario). */
const MEMORY_COMPARISONS: readonly (readonly [ServerId, ServerId])[] = [
  ["parley", "naive"],
  ["parley-irc", "ngircd"],
  ["parley-irc-ws", "parley-irc"],
  ["parley-ws", "parley-irc"],
];

export function printMemory(report: MemoryReport): void {
  printHeading("Memory: idle connections, after every welcome and join notice was delivered");
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
      "arrivals took",
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
  for (const run of sorted) {
    if (run.kibPerConnectionRuns.length === 0) continue;
    const figures = run.kibPerConnectionRuns.map((figure) => figure.toFixed(2)).join(", ");
    console.log(`  ${serverLabel(run.server)} KiB/conn in each run: ${figures} (the median's row above)`);
  }
  for (const failure of report.errors) {
    console.log(
      `  ${serverLabel(failure.server)} at ${formatCount(failure.clients)}: failed: ${firstLine(failure.error)}`,
    );
  }
  const counts = [...new Set(report.runs.map((run) => run.clients))].sort((a, b) => a - b);
  for (const clients of counts) {
    for (const [subject, baseline] of MEMORY_COMPARISONS) {
      const first = report.runs.find((run) => run.server === subject && run.clients === clients);
      const other = report.runs.find((run) => run.server === baseline && run.clients === clients);
      if (first === undefined || other === undefined) continue;
      console.log(
        `  ${serverLabel(subject)} / ${serverLabel(baseline)} at ${formatCount(clients)}: ` +
          `${formatRatio(first.kibPerConnection, other.kibPerConnection)} memory per connection`,
      );
    }
  }
  printWebSocketMemory(report);
  if (report.runs.some((run) => isWebSocketServer(run.server))) {
    console.log(
      "  WebSocket clients upgrade and join nothing: Parley WS's until their welcome event, Parley IRC/WS's until registered.",
    );
  }
  for (const note of report.notes) console.log(`  Note: ${note}`);
  console.log(
    "  Line clients join the one room (N^2/2 join notices); IRC clients register (NICK/USER to the end of the MOTD) and join nothing.",
  );
  console.log(
    `  RSS drained: right after the last notice arrived; RSS idle and KiB/conn: the lowest over the next ${MEMORY_SETTLE_SECONDS} s of idleness.`,
  );
  console.log("  RSS is user-space memory; kernel socket buffers are not in it.");
}

/**
 * Each WebSocket endpoint's largest run against its target, and against the line protocol's
 * largest run of the same bench. Line clients sit in one room, which idle WebSocket clients do
 * not, and the counts may differ, so that ratio says both.
 */
function printWebSocketMemory(report: MemoryReport): void {
  const largest = (server: ServerId) =>
    report.runs.filter((run) => run.server === server).sort((a, b) => b.clients - a.clients)[0];
  const line = largest("parley");
  for (const server of [...new Set(report.runs.map((run) => run.server))].filter(isWebSocketServer)) {
    const run = largest(server);
    const verdict = run.kibPerConnection <= WEB_IDLE_TARGET_KIB ? "met" : "NOT met";
    const againstLine =
      line === undefined
        ? ""
        : `; ${formatRatio(run.kibPerConnection, line.kibPerConnection)} of ${serverLabel("parley")}'s ` +
          `${line.kibPerConnection.toFixed(2)} KiB (${formatCount(line.clients)} connections, in one room)`;
    console.log(
      `  ${serverLabel(server)}: ${run.kibPerConnection.toFixed(2)} KiB per idle connection at ${formatCount(run.clients)} ` +
        `(target <= ${WEB_IDLE_TARGET_KIB} KiB: ${verdict})${againstLine}`,
    );
  }
}
