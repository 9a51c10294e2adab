/** Steady rate: paced senders; latency, completeness and whether the server kept up. */
import { disturbance, joinTimeoutMs, noExtra, runSession, type SteadyResult, serverTarget } from "../lib/loadgen.js";
import { LINE_BYTES } from "../lib/paths.js";
import { describe, firstLine, type Plan, type ServerId } from "../lib/plan.js";
import { formatCount, formatLatency, medianBy, progress } from "../report/format.js";
import type { RunningServer, ServerKind } from "../servers/kind.js";

export interface SteadySummary {
  rate: number;
  server: ServerId;
  /** The run with the median p99 (undisturbed runs first); every column of its row comes from that one run. */
  run: SteadyResult | null;
  /** Every run that finished, in the order they ran. */
  runs: SteadyResult[];
  errors: string[];
  sustained: boolean;
  verdict: string;
  latencyGrew: boolean;
}

export async function runSteady(plan: Plan, kinds: ServerKind[]): Promise<SteadySummary[]> {
  const summaries: SteadySummary[] = [];
  for (const rate of plan.steadyRates) {
    const runs = new Map<ServerId, SteadyResult[]>(kinds.map((kind) => [kind.id, []]));
    const errors = new Map<ServerId, string[]>(kinds.map((kind) => [kind.id, []]));
    // Servers take turns within each repetition, as in fan-out: one run's p99
    // on a shared machine can be twice another's, and a drift in the
    // machine's speed should not land on one server alone.
    for (let repeat = 1; repeat <= plan.steadyRepeats; repeat++) {
      for (const kind of kinds) {
        const label = `steady ${formatCount(rate)} msg/s, run ${repeat}/${plan.steadyRepeats}, ${kind.label}`;
        try {
          const run = await measureSteadyOnce(plan, kind, rate);
          runs.get(kind.id)?.push(run);
          const judged = judgeSteady(run);
          progress(`${label}: ${judged.sustained ? "" : "NOT "}sustained, p99 ${formatLatency(run.latency.p99_us)}`);
        } catch (error) {
          errors.get(kind.id)?.push(describe(error));
          progress(`${label}: FAILED ${firstLine(error)}`);
        }
      }
    }
    for (const kind of kinds) {
      summaries.push(summarizeSteady(rate, kind.id, runs.get(kind.id) ?? [], errors.get(kind.id) ?? []));
    }
  }
  return summaries;
}

/**
 * One row per server and rate: the run whose p99 is the median stands for
 * them all, so that its p50, p99 and max were measured together. A server
 * sustained the rate only if it did in every run.
 */
export function summarizeSteady(rate: number, server: ServerId, runs: SteadyResult[], errors: string[]): SteadySummary {
  const quietRuns = runs.filter((run) => disturbance(run) === null);
  const run = medianBy(quietRuns.length > 0 ? quietRuns : runs, (each) => each.latency.p99_us);
  const problems = [...errors.map((error) => `failed: ${firstLine(error)}`)];
  runs.forEach((each, index) => {
    const judged = judgeSteady(each);
    if (!judged.sustained) problems.push(runs.length === 1 ? judged.verdict : `run ${index + 1}: ${judged.verdict}`);
  });
  const sustained = run !== null && problems.length === 0;
  return {
    rate,
    server,
    run,
    runs,
    errors,
    sustained,
    verdict: sustained ? "sustained" : problems.join("; "),
    latencyGrew: run !== null && judgeSteady(run).latencyGrew,
  };
}

export async function measureSteadyOnce(plan: Plan, kind: ServerKind, rate: number): Promise<SteadyResult> {
  // Parsing every timestamp at 10M deliveries/s would make the generator the
  // bottleneck; one in four is still millions of samples.
  const sampleEvery = rate * (plan.steadyClients - 1) > 2_000_000 ? 4 : 1;
  const args = (server: RunningServer) => [
    "--mode",
    "steady",
    ...serverTarget(server),
    "--clients",
    String(plan.steadyClients),
    "--senders",
    String(plan.steadySenders),
    "--rate",
    String(rate),
    "--size",
    String(LINE_BYTES),
    "--warmup-ms",
    String(plan.steadyWarmupMs),
    "--duration-ms",
    String(plan.steadyDurationMs),
    "--drain-ms",
    String(plan.steadyDrainMs),
    "--sample-every",
    String(sampleEvery),
    "--join-timeout-ms",
    String(joinTimeoutMs(plan.steadyClients)),
  ];
  const timeout =
    joinTimeoutMs(plan.steadyClients) + plan.steadyWarmupMs + plan.steadyDurationMs + plan.steadyDrainMs + 30_000;
  const session = await runSession({ kind, timeoutMs: timeout, loadgenArgs: args, whileHeld: noExtra });
  return session.result as SteadyResult;
}

/**
 * Sustained means: the generator sent on schedule, nobody was disconnected,
 * every message reached every other client, and the last delivery came
 * within a second of the last send (a server that only catches up during
 * the drain did not keep the rate).
 */
export function judgeSteady(run: SteadyResult): { sustained: boolean; verdict: string; latencyGrew: boolean } {
  const problems: string[] = [];
  if (!run.all_sent) problems.push("could not send everything");
  if (run.achieved_rate < run.target_rate * 0.98) problems.push(`sent ${formatCount(run.achieved_rate)}/s`);
  if (run.disconnects > 0) problems.push(`${run.disconnects} disconnected`);
  if (run.missing_deliveries > 0) {
    const share = (100 * run.missing_deliveries) / run.expected_deliveries;
    problems.push(`${share.toFixed(1)}% of deliveries missing`);
  }
  if (run.last_delivery_after_last_send_ms > 1000) {
    problems.push(`finished ${formatLatency(run.last_delivery_after_last_send_ms * 1000)} after the last send`);
  }
  const first = run.latency_first_second;
  const last = run.latency_last_second;
  // Growth worth naming: the last second's median more than doubles the
  // first's and by more than a millisecond (sub-ms jitter is noise).
  // Without deliveries from both seconds there is nothing to compare.
  const latencyGrew =
    first.samples > 0 && last.samples > 0 && last.p50_us > 2 * first.p50_us && last.p50_us - first.p50_us > 1000;
  const sustained = problems.length === 0;
  return { sustained, verdict: sustained ? "sustained" : problems.join(", "), latencyGrew };
}
