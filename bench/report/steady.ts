/** The steady-rate tables. */
import { disturbance } from "../lib/loadgen.js";
import type { Plan } from "../lib/plan.js";
import type { SteadySummary } from "../scenarios/steady.js";
import { serverLabel } from "../servers/index.js";
import {
  COMPARISONS,
  formatCount,
  formatLatency,
  formatPercent,
  formatRatio,
  formatSampledLatency,
  printHeading,
  printIrcFramingNote,
  printTable,
} from "./format.js";

export function printSteady(plan: Plan, summaries: SteadySummary[]): void {
  for (const rate of plan.steadyRates) {
    const rows = summaries.filter((summary) => summary.rate === rate);
    printHeading(
      `Steady rate: ${formatCount(rate)} msg/s over ${plan.steadySenders} senders, ` +
        `${formatCount(plan.steadyClients)} clients, ${plan.steadyDurationMs / 1000} s after ${plan.steadyWarmupMs / 1000} s of warm-up ` +
        `(${formatCount(rate * (plan.steadyClients - 1))} deliveries/s asked)` +
        (plan.steadyRepeats > 1 ? `, the run with the median p99 of ${plan.steadyRepeats}` : ""),
    );
    printTable(
      [
        "server",
        "sustained",
        "delivered",
        "p50",
        "p99",
        "p99 read",
        "max",
        "p50 1st s",
        "p50 last s",
        "grew",
        "gen busy",
        "gen late",
      ],
      rows.map((row) => {
        const run = row.run;
        if (run === null) return [serverLabel(row.server), "failed", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"];
        return [
          serverLabel(row.server),
          row.sustained ? "yes" : "NO",
          `${((100 * run.deliveries) / run.expected_deliveries).toFixed(1)}%`,
          formatSampledLatency(run.latency, (summary) => summary.p50_us),
          formatSampledLatency(run.latency, (summary) => summary.p99_us),
          formatSampledLatency(run.latency_at_read, (summary) => summary.p99_us),
          formatSampledLatency(run.latency, (summary) => summary.max_us),
          formatSampledLatency(run.latency_first_second, (summary) => summary.p50_us),
          formatSampledLatency(run.latency_last_second, (summary) => summary.p50_us),
          row.latencyGrew ? "yes" : "no",
          formatPercent(run.loadgen_cpu_share),
          formatLatency(run.max_send_lateness_ms * 1000),
        ];
      }),
    );
    for (const row of rows) {
      if (row.runs.length > 1) {
        const p99s = row.runs.map((run) => formatLatency(run.latency.p99_us)).join(", ");
        console.log(`  ${serverLabel(row.server)} p99 in each run: ${p99s}`);
      }
      row.runs.forEach((run, index) => {
        const disturbed = disturbance(run);
        const which = row.runs.length > 1 ? `run ${index + 1}` : "run";
        if (disturbed !== null) console.log(`  ${serverLabel(row.server)} ${which} was disturbed: ${disturbed}`);
      });
    }
    for (const row of rows) {
      if (!row.sustained) console.log(`  ${serverLabel(row.server)} did not sustain it: ${row.verdict}`);
    }
    for (const [subject, baseline] of COMPARISONS) {
      const first = rows.find((row) => row.server === subject)?.run;
      const other = rows.find((row) => row.server === baseline)?.run;
      if (first == null || other == null) continue;
      // Latency of a server that fell behind covers only what it delivered.
      const isEitherShort = rows.some((row) => (row.server === subject || row.server === baseline) && !row.sustained);
      const caveat = isEitherShort ? " (not both sustained: see above)" : "";
      console.log(
        `  ${serverLabel(subject)} / ${serverLabel(baseline)}: ` +
          `${formatRatio(first.latency.p50_us, other.latency.p50_us)} p50, ` +
          `${formatRatio(first.latency.p99_us, other.latency.p99_us)} p99${caveat}`,
      );
    }
  }
  console.log(
    "  Latency: from the sender's timestamp (taken when the line was generated) to the moment its bytes reached the" +
      " receiving socket (the kernel's stamp), for the lines generated after the warm-up (sent at the same rate, delivered" +
      " and counted, its latency not recorded); p99 read: to the generator's read of them, which adds the generator's" +
      " own delay in reading 500 sockets on one core.",
  );
  printIrcFramingNote([...new Set(summaries.map((summary) => summary.server))]);
  console.log(
    "  gen late: the most a message was generated behind its schedule; the C ceiling's latency is the floor for a" +
      " server on one core (one write per client per turn, nothing else).",
  );
}
