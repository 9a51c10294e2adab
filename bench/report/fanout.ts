/** The fan-out tables. */
import { DISTURBED_SHARE, disturbance } from "../lib/loadgen.js";
import { LINE_BYTES } from "../lib/paths.js";
import { firstLine, type Plan } from "../lib/plan.js";
import type { FanoutSummary } from "../scenarios/fanout.js";
import { serverLabel } from "../servers/index.js";
import {
  COMPARISONS,
  formatCount,
  formatFixed,
  formatLatency,
  formatPercent,
  formatRatio,
  printHeading,
  printIrcFramingNote,
  printTable,
  webFanoutTarget,
} from "./format.js";

export function printFanout(plan: Plan, summaries: FanoutSummary[]): void {
  for (const clients of plan.fanoutClients) {
    const rows = summaries.filter((summary) => summary.clients === clients);
    printHeading(
      `Fan-out: ${formatCount(clients)} clients, ${plan.fanoutSenders} senders (window ${plan.fanoutWindow}), ` +
        `${LINE_BYTES}-byte lines, median of ${plan.fanoutRepeats}`,
    );
    printTable(
      [
        "server",
        "deliveries/s",
        "cpu us/dlv",
        "core us/dlv",
        "p50",
        "p99",
        "server busy",
        "gen busy",
        "runs (deliveries/s)",
      ],
      rows.map((row) => [
        serverLabel(row.server),
        formatCount(row.deliveriesPerS),
        formatFixed(row.cpuUsPerDelivery, 3),
        formatFixed(row.coreUsPerDelivery, 3),
        formatLatency(row.p50Us),
        formatLatency(row.p99Us),
        formatPercent(row.serverCpuShare),
        formatPercent(row.loadgenCpuShare),
        row.errors.length > 0 && row.runs.length === 0
          ? `failed: ${firstLine(row.errors[0])}`
          : row.runs
              .map((run) => formatCount(run.deliveries_per_s) + (disturbance(run) === null ? "" : "*"))
              .join(" / "),
      ]),
    );
    for (const [subject, baseline] of COMPARISONS) {
      const first = rows.find((row) => row.server === subject);
      const other = rows.find((row) => row.server === baseline);
      if (first === undefined || other === undefined) continue;
      console.log(
        `  ${serverLabel(subject)} / ${serverLabel(baseline)}: ` +
          `${formatRatio(first.deliveriesPerS, other.deliveriesPerS)} deliveries/s, ` +
          `${formatRatio(first.cpuUsPerDelivery, other.cpuUsPerDelivery)} CPU per delivery, ` +
          `${formatRatio(first.p99Us, other.p99Us)} p99` +
          webFanoutTarget(subject, baseline, first.deliveriesPerS / other.deliveriesPerS),
      );
    }
  }
  if (summaries.some((summary) => summary.disturbedRuns > 0)) {
    console.log(
      `  * disturbed: other processes took more than ${formatPercent(DISTURBED_SHARE)} of the server's or the` +
        " generator's core during the run; left out of the medians unless every run was.",
    );
  }
  console.log(
    "  cpu us/dlv: the server's utime+stime per delivery; core us/dlv: all busy time of its core" +
      " (includes softirq work that is not charged to the process).",
  );
  console.log(
    "  Senders are windowed, so under saturation latency is about (messages in flight x receivers) / throughput.",
  );
  printIrcFramingNote([...new Set(summaries.map((summary) => summary.server))]);
  console.log(
    "  server busy / gen busy: CPU used by the server process and by the load generator, as a share of one core;" +
      " a server well short of 100% while the generator is near it would mean the generator set the pace.",
  );
}
