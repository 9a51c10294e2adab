/** Runs bench/loadgen.c against a started server and reads its one JSON line of results. */
import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { formatPercent } from "../report/format.js";
import { type RunningServer, type ServerKind, type ServerStop, stopServer } from "../servers/kind.js";
import { LOADGEN_BIN, LOADGEN_CORE, SERVER_CORE } from "./paths.js";
import type { ServerId } from "./plan.js";
import { keepTail, spawnPinned, terminate, waitForExit } from "./processes.js";

/** The JSON line bench/loadgen.c prints; fields depend on the mode. */
export interface LoadgenResult {
  ok: boolean;
  error?: string;
  mode: string;
  clients: number;
  connect_ms: number;
  join_drain_ms: number;
  join_server_cpu_s?: number;
  join_server_core_busy_s?: number;
  disconnects: number;
  malformed: number;
  unexpected_lines: number;
  /** Share of reads the kernel stamped with their arrival; the rest are timed at the read. */
  reads_kernel_stamped?: number;
  [field: string]: unknown;
}

/** CPU that other processes took on the server's and the generator's cores during the run, as a share of one core. */
export interface OtherWork {
  other_work_server_core?: number;
  other_work_loadgen_core?: number;
}

/** Above this, a run measured the machine's other work as well as the server. */
export const DISTURBED_SHARE = 0.05;

export function disturbance(run: OtherWork): string | null {
  const parts: string[] = [];
  if ((run.other_work_server_core ?? 0) > DISTURBED_SHARE) {
    parts.push(`other work took ${formatPercent(run.other_work_server_core)} of the server's core`);
  }
  if ((run.other_work_loadgen_core ?? 0) > DISTURBED_SHARE) {
    parts.push(`other work took ${formatPercent(run.other_work_loadgen_core)} of the generator's core`);
  }
  return parts.length === 0 ? null : parts.join(", ");
}

export interface LatencySummary {
  samples: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}

export interface FanoutResult extends LoadgenResult, OtherWork {
  deliveries_per_s: number;
  deliveries: number;
  messages_sent: number;
  seconds: number;
  server_cpu_us_per_delivery?: number;
  server_core_us_per_delivery?: number;
  server_cpu_s?: number;
  /** Share of one core the generator itself used while measuring. */
  loadgen_cpu_share: number;
  latency: LatencySummary;
  latency_at_read: LatencySummary;
}

export interface SteadyResult extends LoadgenResult, OtherWork {
  target_rate: number;
  messages_planned: number;
  messages_sent: number;
  achieved_rate: number;
  max_send_lateness_ms: number;
  expected_deliveries: number;
  deliveries: number;
  missing_deliveries: number;
  short_clients: number;
  all_sent: boolean;
  last_delivery_after_last_send_ms: number;
  loadgen_cpu_share: number;
  server_cpu_share?: number;
  latency: LatencySummary;
  /** The same deliveries timed when the generator read them: adds the generator's own delay. */
  latency_at_read: LatencySummary;
  latency_first_second: LatencySummary;
  latency_last_second: LatencySummary;
  p50_by_second_us: number[];
}

export interface Loadgen {
  result: LoadgenResult;
  /** Lets the generator close its connections and exit. */
  release: () => Promise<void>;
}

/**
 * Starts the generator and waits for its one JSON line. The generator then
 * holds its connections until its stdin closes, so that the server can be
 * stopped first and is not measured (or delayed) replaying leave notices.
 */
export async function runLoadgen(args: string[], timeoutMs: number): Promise<Loadgen> {
  const child = spawnPinned(LOADGEN_CORE, [LOADGEN_BIN, ...args, "--hold-ms", "60000"]);
  const stderrTail = keepTail(child.stderr as Readable);
  const release = async () => {
    child.stdin?.end();
    if ((await waitForExit(child, 5000)) === null) await terminate(child, 1000);
  };
  try {
    const line = await readFirstLine(child.stdout as Readable, child, timeoutMs);
    const result = JSON.parse(line) as LoadgenResult;
    if (!result.ok) throw new Error(`load generator: ${result.error ?? "failed"}`);
    return { result, release };
  } catch (error) {
    await terminate(child, 1000);
    const detail = stderrTail();
    if (error instanceof Error && detail !== "") error.message += `\n${detail}`;
    throw error;
  }
}

export function readFirstLine(stream: Readable, child: ChildProcess, timeoutMs: number): Promise<string> {
  stream.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(
      () => finish(new Error(`load generator gave no result within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline !== -1) finish(null, buffered.slice(0, newline));
    };
    const onExit = () => finish(new Error(`load generator exited without a result: ${buffered.trim()}`));
    const finish = (error: Error | null, line?: string) => {
      clearTimeout(timer);
      stream.off("data", onData);
      child.off("exit", onExit);
      stream.resume(); // keep draining whatever else it prints
      if (error !== null || line === undefined) reject(error ?? new Error("no line"));
      else resolve(line);
    };
    stream.on("data", onData);
    child.once("exit", onExit);
  });
}

export function joinTimeoutMs(clients: number): number {
  // Generous: a server paying ~10 us per join notice needs N^2/2 of them.
  return Math.max(30_000, Math.ceil(((clients * clients) / 2) * 0.02));
}

export interface SessionSpec<T> {
  kind: ServerKind;
  timeoutMs: number;
  loadgenArgs: (server: RunningServer) => string[];
  /** Runs once the server is up, before any client connects. */
  beforeLoad?: (server: RunningServer) => Promise<void>;
  /** Runs after the generator reported but before any connection closes (the memory reading needs that). */
  whileHeld: (server: RunningServer, result: LoadgenResult) => Promise<T>;
}

export interface Session<T> {
  result: LoadgenResult;
  extra: T;
}

/** One server, one load generator run; both are stopped whatever happens. */
export async function runSession<T>(spec: SessionSpec<T>): Promise<Session<T>> {
  const server = await spec.kind.start();
  let loadgen: Loadgen | null = null;
  try {
    await spec.beforeLoad?.(server);
    loadgen = await runLoadgen(spec.loadgenArgs(server), spec.timeoutMs);
    const extra = await spec.whileHeld(server, loadgen.result);
    return { result: loadgen.result, extra };
  } catch (error) {
    if (error instanceof Error && server.child.exitCode !== null) {
      error.message += `\nserver exited with code ${server.child.exitCode}: ${server.stderrTail().slice(-1500)}`;
    }
    throw error;
  } finally {
    // The server goes first, so it is not busy telling everyone who left.
    const stop = await stopServer(server);
    noteUnexpectedStop(spec.kind, stop);
    await loadgen?.release();
  }
}

/** Parley as shipped should exit 0 within a few seconds of SIGTERM; anything else is worth reporting. */
export const unexpectedStops: string[] = [];

const SHIPPED_PARLEY: ServerId[] = ["parley", "parley-irc"];

export function noteUnexpectedStop(kind: ServerKind, stop: ServerStop): void {
  if (!SHIPPED_PARLEY.includes(kind.id) || (stop.graceful && stop.code === 0)) return;
  const how = stop.graceful ? `exited with code ${stop.code} (signal ${stop.signal})` : "had to be killed";
  unexpectedStops.push(`${kind.label} ${how} after SIGTERM`);
}

export function noExtra(): Promise<null> {
  return Promise.resolve(null);
}

/** Where the generator connects, what it speaks, and whose CPU it reads. */
export function serverTarget(server: RunningServer): string[] {
  return [
    "--port",
    String(server.port),
    "--protocol",
    server.kind.protocol,
    "--pending",
    String(server.kind.connectWindow),
    "--server-pid",
    String(server.pid),
    "--server-cpu",
    String(SERVER_CORE),
  ];
}
