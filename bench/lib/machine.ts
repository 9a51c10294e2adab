/** Readings from /proc: memory of a process, busy time of each core. */
import { readFileSync } from "node:fs";
import { formatPercent } from "../report/format.js";
import { LOADGEN_CORE, SERVER_CORE } from "./paths.js";
import { sleep } from "./processes.js";

export interface MemoryStatus {
  rssKiB: number;
  peakRssKiB: number;
}

export function readMemoryStatus(pid: number): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (match === null) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssKiB: field("VmRSS"), peakRssKiB: field("VmHWM") };
}

export interface CoreTimes {
  busy: number;
  total: number;
}

export function readCoreTimes(): Map<number, CoreTimes> {
  const cores = new Map<number, CoreTimes>();
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (match === null) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].trim().split(/\s+/).map(Number);
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    cores.set(Number(match[1]), { busy, total: busy + idle + iowait });
  }
  return cores;
}

/** Share of each core that was busy over `ms`: anything else running skews every figure. */
export async function coreBusyShares(ms: number): Promise<Map<number, number>> {
  const before = readCoreTimes();
  await sleep(ms);
  const shares = new Map<number, number>();
  for (const [core, after] of readCoreTimes()) {
    const start = before.get(core);
    if (start === undefined) continue;
    const total = after.total - start.total;
    shares.set(core, total > 0 ? (after.busy - start.busy) / total : 0);
  }
  return shares;
}

export const BUSY_MACHINE_SHARE = 0.1;

/** Warns (and records) when the bench's cores are already busy before a scenario. */
export async function checkQuietCores(scenario: string, notes: string[]): Promise<Record<string, number>> {
  const shares = await coreBusyShares(1000);
  const record: Record<string, number> = {};
  for (const core of [SERVER_CORE, LOADGEN_CORE]) {
    const share = shares.get(core) ?? 0;
    record[`core${core}`] = Number(share.toFixed(3));
    if (share > BUSY_MACHINE_SHARE) {
      const note = `core ${core} was ${formatPercent(share)} busy with other work just before ${scenario}: its figures are skewed.`;
      notes.push(note);
      console.log(`Warning: ${note}`);
    }
  }
  return record;
}
