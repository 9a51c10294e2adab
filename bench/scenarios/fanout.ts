/** Fan-out: windowed senders into one room; throughput, CPU per delivery and latency. */
import { disturbance, type FanoutResult, joinTimeoutMs, noExtra, runSession, serverTarget } from "../lib/loadgen.js";
import { LINE_BYTES } from "../lib/paths.js";
import { describe, firstLine, type Plan, type ServerId } from "../lib/plan.js";
import { formatCount, median, progress } from "../report/format.js";
import type { RunningServer, ServerKind } from "../servers/kind.js";

export interface FanoutSummary {
  clients: number;
  server: ServerId;
  runs: FanoutResult[];
  errors: string[];
  deliveriesPerS: number;
  cpuUsPerDelivery: number;
  coreUsPerDelivery: number;
  p50Us: number;
  p99Us: number;
  loadgenCpuShare: number;
  serverCpuShare: number;
  /** Runs left out of the medians because other work competed for the bench's cores. */
  disturbedRuns: number;
}

export async function runFanout(plan: Plan, kinds: ServerKind[]): Promise<FanoutSummary[]> {
  const summaries: FanoutSummary[] = [];
  for (const clients of plan.fanoutClients) {
    const runs = new Map<ServerId, FanoutResult[]>(kinds.map((kind) => [kind.id, []]));
    const errors = new Map<ServerId, string[]>(kinds.map((kind) => [kind.id, []]));
    // Servers take turns within each repetition, so slow drifts in the
    // machine's speed spread over all of them rather than favour one.
    for (let repeat = 1; repeat <= plan.fanoutRepeats; repeat++) {
      for (const kind of kinds) {
        try {
          const run = await measureFanoutOnce(plan, kind, clients);
          runs.get(kind.id)?.push(run);
          const disturbed = disturbance(run);
          progress(
            `fan-out ${clients} clients, run ${repeat}/${plan.fanoutRepeats}, ${kind.label}: ` +
              `${formatCount(run.deliveries_per_s)} deliveries/s${disturbed === null ? "" : ` (disturbed: ${disturbed})`}`,
          );
        } catch (error) {
          errors.get(kind.id)?.push(describe(error));
          progress(`fan-out ${clients} clients, ${kind.label}: FAILED ${firstLine(error)}`);
        }
      }
    }
    for (const kind of kinds) {
      const allRuns = runs.get(kind.id) ?? [];
      // Medians come from undisturbed runs when there are any: a run whose
      // server shared its core measured the neighbour as much as the server.
      const quietRuns = allRuns.filter((run) => disturbance(run) === null);
      const kindRuns = quietRuns.length > 0 ? quietRuns : allRuns;
      summaries.push({
        clients,
        server: kind.id,
        runs: allRuns,
        disturbedRuns: allRuns.length - quietRuns.length,
        errors: errors.get(kind.id) ?? [],
        deliveriesPerS: median(kindRuns.map((run) => run.deliveries_per_s)),
        cpuUsPerDelivery: median(kindRuns.map((run) => run.server_cpu_us_per_delivery ?? Number.NaN)),
        coreUsPerDelivery: median(kindRuns.map((run) => run.server_core_us_per_delivery ?? Number.NaN)),
        p50Us: median(kindRuns.map((run) => run.latency.p50_us)),
        p99Us: median(kindRuns.map((run) => run.latency.p99_us)),
        loadgenCpuShare: median(kindRuns.map((run) => run.loadgen_cpu_share)),
        serverCpuShare: median(kindRuns.map((run) => (run.server_cpu_s ?? Number.NaN) / run.seconds)),
      });
    }
  }
  return summaries;
}

export async function measureFanoutOnce(plan: Plan, kind: ServerKind, clients: number): Promise<FanoutResult> {
  const args = (server: RunningServer) => [
    "--mode",
    "fanout",
    ...serverTarget(server),
    "--clients",
    String(clients),
    "--senders",
    String(plan.fanoutSenders),
    "--window",
    String(plan.fanoutWindow),
    "--size",
    String(LINE_BYTES),
    "--warmup-ms",
    String(plan.fanoutWarmupMs),
    "--measure-ms",
    String(plan.fanoutMeasureMs),
    "--sample-every",
    String(plan.fanoutSampleEvery),
    "--join-timeout-ms",
    String(joinTimeoutMs(clients)),
  ];
  const timeout = joinTimeoutMs(clients) + plan.fanoutWarmupMs + plan.fanoutMeasureMs + 30_000;
  const session = await runSession({ kind, timeoutMs: timeout, loadgenArgs: args, whileHeld: noExtra });
  const result = session.result as FanoutResult;
  if (result.disconnects > 0) throw new Error(`${result.disconnects} clients were disconnected during the run`);
  return result;
}
