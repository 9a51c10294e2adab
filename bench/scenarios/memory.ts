/**
 * Memory: RSS per idle connection once every welcome (and, for line clients,
 * every join notice) has arrived.
 */

import { joinTimeoutMs, runSession, serverTarget } from "../lib/loadgen.js";
import { readMemoryStatus } from "../lib/machine.js";
import { describe, firstLine, type Plan, type ServerId } from "../lib/plan.js";
import { sleep } from "../lib/processes.js";
import { formatCount, formatFixed, medianBy, progress } from "../report/format.js";
import { serverLabel } from "../servers/index.js";
import type { ServerKind } from "../servers/kind.js";

export interface MemoryRun {
  server: ServerId;
  clients: number;
  rssBeforeKiB: number;
  /** The lowest RSS over MEMORY_SETTLE_SECONDS of idleness after the notices drained. */
  rssAfterKiB: number;
  /** RSS right after the notices drained, burst garbage included. */
  rssDrainedKiB: number;
  peakRssKiB: number;
  kibPerConnection: number;
  /** KiB per connection in each run at this count, when it ran more than once (this run is their median). */
  kibPerConnectionRuns: number[];
  joinSeconds: number;
  joinCpuSeconds: number | null;
  joinNotices: number;
  serverCpuUsPerNotice: number | null;
}

export interface MemoryReport {
  runs: MemoryRun[];
  errors: { server: ServerId; clients: number; error: string }[];
  notes: string[];
}

/**
 * A line client is in the one room from its welcome on. An idle IRC client registers and
 * joins nothing, as most of a network's users sit in no busy channel: what is measured is
 * what the server keeps per registered user, not a join storm's leftovers.
 */
export function joinsRoom(kind: ServerKind): boolean {
  return kind.protocol === "line";
}

/**
 * Welcome lines plus, when clients join, join notices: the k-th client to join is announced
 * to the k-1 before it.
 */
export function noticesFor(clients: number, joins = true): number {
  return clients + (joins ? (clients * (clients - 1)) / 2 : 0);
}

/**
 * V8's memory reducer looks every 8 s and collects once allocation has been quiet for a whole
 * period: with 10 s a run caught that collection or not (4.2 against 6.7 KiB for Parley IRC).
 */
export const MEMORY_SETTLE_SECONDS = 20;

export async function measureMemoryOnce(kind: ServerKind, clients: number): Promise<MemoryRun> {
  let rssBeforeKiB = 0;
  const joins = joinsRoom(kind);
  const session = await runSession({
    kind,
    timeoutMs: joinTimeoutMs(clients) + 30_000,
    beforeLoad: async (server) => {
      // Let the freshly started server settle before taking its baseline.
      await sleep(500);
      rssBeforeKiB = readMemoryStatus(server.pid).rssKiB;
    },
    loadgenArgs: (server) => [
      "--mode",
      "idle",
      ...serverTarget(server),
      "--clients",
      String(clients),
      "--join-timeout-ms",
      String(joinTimeoutMs(clients)),
      ...(joins ? [] : ["--no-join"]),
    ],
    whileHeld: async (server) => {
      // A moment for the last writes' buffers to be released before reading.
      await sleep(1000);
      const drained = readMemoryStatus(server.pid);
      // Idle memory is what the connections hold, not the join burst's garbage, which a
      // garbage-collected server returns over the next seconds: keep the lowest reading.
      let settled = drained;
      for (let second = 0; second < MEMORY_SETTLE_SECONDS; second++) {
        await sleep(1000);
        const now = readMemoryStatus(server.pid);
        if (now.rssKiB < settled.rssKiB) settled = now;
      }
      return { ...settled, drainedRssKiB: drained.rssKiB };
    },
  });
  const result = session.result;
  const joinSeconds = (result.connect_ms + result.join_drain_ms) / 1000;
  const joinCpuSeconds = result.join_server_cpu_s ?? null;
  return {
    server: kind.id,
    clients,
    rssBeforeKiB,
    rssAfterKiB: session.extra.rssKiB,
    rssDrainedKiB: session.extra.drainedRssKiB,
    peakRssKiB: session.extra.peakRssKiB,
    kibPerConnection: (session.extra.rssKiB - rssBeforeKiB) / clients,
    kibPerConnectionRuns: [],
    joinSeconds,
    joinCpuSeconds,
    joinNotices: noticesFor(clients, joins),
    serverCpuUsPerNotice: joinCpuSeconds === null ? null : (joinCpuSeconds * 1e6) / noticesFor(clients, joins),
  };
}

/**
 * How many connections fit the time budget, judged from the probe: joins
 * cost about the same per notice at any size, and notices grow as N^2.
 */
export function clientsWithinBudget(probe: MemoryRun, target: number, budgetS: number): number {
  const secondsPerNotice = probe.joinSeconds / probe.joinNotices;
  let clients = target;
  while (clients > probe.clients && noticesFor(clients) * secondsPerNotice > budgetS) clients -= 500;
  return Math.max(clients, probe.clients);
}

/**
 * Parley and the naive relay (line protocol) share a count, as do Parley's IRC
 * front end and ngIRCd; the C ceiling runs at whatever fits its own budget.
 */
function comparedGroup(kind: ServerKind): string {
  return kind.id === "ceiling" ? "ceiling" : kind.protocol;
}

export async function runMemory(plan: Plan, kinds: ServerKind[]): Promise<MemoryReport> {
  const report: MemoryReport = { runs: [], errors: [], notes: [] };
  const measure = async (kind: ServerKind, clients: number): Promise<MemoryRun | null> => {
    try {
      const run = await measureMemoryOnce(kind, clients);
      progress(
        `memory ${formatCount(clients)} connections, ${kind.label}: ${run.kibPerConnection.toFixed(2)} KiB/connection, ` +
          `joins took ${run.joinSeconds.toFixed(1)} s`,
      );
      return run;
    } catch (error) {
      report.errors.push({ server: kind.id, clients, error: describe(error) });
      progress(`memory ${formatCount(clients)} connections, ${kind.label}: FAILED ${firstLine(error)}`);
      return null;
    }
  };
  // A garbage-collected server's figure depends on when its collector runs: the row is the run
  // with the median of `memoryRepeats`, and each run's figure is kept for the report.
  const attempt = async (kind: ServerKind, clients: number): Promise<MemoryRun | null> => {
    const runs: MemoryRun[] = [];
    for (let repeat = 0; repeat < plan.memoryRepeats; repeat++) {
      const run = await measure(kind, clients);
      if (run !== null) runs.push(run);
    }
    const median = medianBy(runs, (run) => run.kibPerConnection);
    if (median === null) return null;
    const kept = { ...median, kibPerConnectionRuns: runs.length > 1 ? runs.map((run) => run.kibPerConnection) : [] };
    report.runs.push(kept);
    return kept;
  };

  if (plan.memoryForced !== null) {
    for (const kind of kinds) await attempt(kind, plan.memoryForced);
    return report;
  }
  // Registrations without joins cost the same per client at any count: no probe needed.
  for (const kind of kinds) {
    if (!joinsRoom(kind)) await attempt(kind, plan.memoryTarget);
  }
  // A probe with fewer connections tells how long the full count of joins would take.
  const probes = new Map<ServerId, MemoryRun>();
  for (const kind of kinds) {
    if (!joinsRoom(kind)) continue;
    // A probe only sizes the real run: once is enough.
    const probe = await measure(kind, plan.memoryProbe);
    if (probe !== null) probes.set(kind.id, probe);
  }
  // Servers compared with each other run at the same count, so that their figures compare.
  const countOf = new Map<string, number>();
  for (const kind of kinds) {
    const probe = probes.get(kind.id);
    if (probe === undefined) continue;
    const group = comparedGroup(kind);
    const clients = clientsWithinBudget(probe, plan.memoryTarget, plan.memoryBudgetS);
    countOf.set(group, Math.min(countOf.get(group) ?? clients, clients));
  }
  for (const kind of kinds) {
    const probe = probes.get(kind.id);
    if (probe === undefined) continue;
    const clients = countOf.get(comparedGroup(kind)) ?? probe.clients;
    if (clients < plan.memoryTarget) {
      const secondsPerNotice = probe.joinSeconds / probe.joinNotices;
      const estimate = noticesFor(plan.memoryTarget) * secondsPerNotice;
      report.notes.push(
        `${serverLabel(kind.id)} ran at ${formatCount(clients)} connections, not ${formatCount(plan.memoryTarget)}: ` +
          `its joins cost ${formatFixed(secondsPerNotice * 1e6, 2)} us per notice, so ${formatCount(plan.memoryTarget)} ` +
          `connections (${formatCount(noticesFor(plan.memoryTarget))} notices) would take ~${estimate.toFixed(0)} s ` +
          `(budget ${plan.memoryBudgetS} s; force with --memory-clients ${plan.memoryTarget}).`,
      );
    }
    if (clients > probe.clients) await attempt(kind, clients);
    else report.runs.push(probe);
  }
  return report;
}
