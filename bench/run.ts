/**
 * Parley's benchmark suite (`npm run bench`).
 *
 * Drives three servers that speak the same line protocol with one C load
 * generator (bench/loadgen.c):
 *   - parley:  dist/parley.js, the server under test;
 *   - naive:   bench/naive-relay.mjs, the obvious Node relay, one socket.write
 *              per recipient per line;
 *   - ceiling: bench/c-relay.c, one epoll loop in C with batched writes, to
 *              show that the load generator is not what limits the others.
 * Each server is pinned to core 0 and the load generator to core 1.
 *
 * Scenarios: fan-out (windowed senders, throughput, CPU per delivery,
 * latency), steady rate (paced senders, latency and completeness) and memory
 * (RSS per idle connection). Results go to stdout as tables and to
 * bench/.build/last.json.
 *
 * Flags: --quick (short run), --only fanout,steady,memory,history,startup (startup, which
 *        builds a 2 GB database the first time, runs only when named),
 *        --servers parley,naive,ceiling, --fanout-clients N,N..., --memory-clients N, --help.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BENCH_DIR = path.join(ROOT, "bench");
const BUILD_DIR = path.join(BENCH_DIR, ".build");
const LOADGEN_BIN = path.join(BUILD_DIR, "loadgen");
const C_RELAY_BIN = path.join(BUILD_DIR, "c-relay");
const PARLEY_BIN = path.join(ROOT, "dist", "parley.js");
const RESULTS_FILE = path.join(BUILD_DIR, "last.json");

const SERVER_CORE = 0;
const LOADGEN_CORE = 1;
/** Every sent line is this long, "\n" included. */
const LINE_BYTES = 64;
const START_LINE = /Chat Server started on port (\d+)\./;
const SERVER_START_TIMEOUT_MS = 15_000;
const SERVER_STOP_GRACE_MS = 5_000;

// ---------- plan ----------

type ServerId = "parley" | "parley-nohist" | "naive" | "ceiling";
type ScenarioId = "fanout" | "steady" | "memory" | "history" | "startup";

interface ServerKind {
  id: ServerId;
  label: string;
  command: string[];
}

interface Plan {
  quick: boolean;
  scenarios: ScenarioId[];
  fanoutClients: number[];
  fanoutSenders: number;
  /** Messages a sender may have in flight beyond what the tracking receiver saw: 4 x 128 x ~82 B stays far below the 1 MiB send queue. */
  fanoutWindow: number;
  fanoutRepeats: number;
  fanoutWarmupMs: number;
  fanoutMeasureMs: number;
  /** Parse one chat line in this many for latency, so parsing never limits the generator. */
  fanoutSampleEvery: number;
  steadyClients: number;
  steadySenders: number;
  steadyRates: number[];
  steadyDurationMs: number;
  steadyDrainMs: number;
  memoryTarget: number;
  memoryProbe: number;
  /** Longest a memory run's joins may take; joins cost one notice per earlier client, so N^2. */
  memoryBudgetS: number;
  memoryForced: number | null;
}

const SERVER_IDS: ServerId[] = ["parley", "parley-nohist", "naive", "ceiling"];
const SCENARIO_IDS: ScenarioId[] = ["fanout", "steady", "memory", "history", "startup"];
/** Start-up needs a 2 GB database (built once, minutes): only a run that names it pays for that. */
const ON_REQUEST: ScenarioId[] = ["startup"];

const USAGE = `usage: npm run bench -- [--quick] [--only fanout,steady,memory,history,startup]
       [--servers parley,parley-nohist,naive,ceiling] [--fanout-clients 100,1000] [--memory-clients N]`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        servers: { type: "string" },
        "fanout-clients": { type: "string" },
        "memory-clients": { type: "string" },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    return fail(`${describe(error)}\n${USAGE}`);
  }
}

function readPlan(): { plan: Plan; serverIds: ServerId[] } {
  const values = parseFlags();
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const scenarios = pickList(values.only, SCENARIO_IDS, "--only").filter(
    (scenario) => values.only !== undefined || !ON_REQUEST.includes(scenario),
  );
  const serverIds = pickList(values.servers, SERVER_IDS, "--servers");
  const memoryForced = values["memory-clients"] === undefined ? null : Number(values["memory-clients"]);
  if (memoryForced !== null && !(Number.isInteger(memoryForced) && memoryForced >= 2)) {
    fail("--memory-clients must be an integer of at least 2");
  }
  const fanoutClients = (values["fanout-clients"] ?? "100,1000").split(",").map(Number);
  if (!fanoutClients.every((clients) => Number.isInteger(clients) && clients >= 2)) {
    fail("--fanout-clients must be a comma-separated list of integers of at least 2");
  }
  const quick = values.quick === true;
  const plan: Plan = {
    quick,
    scenarios,
    fanoutClients,
    fanoutSenders: 4,
    fanoutWindow: 128,
    fanoutRepeats: quick ? 1 : 3,
    fanoutWarmupMs: quick ? 500 : 1000,
    fanoutMeasureMs: quick ? 1500 : 2500,
    fanoutSampleEvery: 16,
    steadyClients: 500,
    steadySenders: 10,
    steadyRates: [2000, 20000],
    steadyDurationMs: quick ? 3000 : 5000,
    steadyDrainMs: 3000,
    memoryTarget: 10_000,
    memoryProbe: 1000,
    memoryBudgetS: quick ? 10 : 30,
    memoryForced,
  };
  return { plan, serverIds };
}

function pickList<T extends string>(raw: string | undefined, allowed: T[], flag: string): T[] {
  if (raw === undefined) return [...allowed];
  const picked = raw.split(",").map((item) => item.trim());
  for (const item of picked) {
    if (!allowed.includes(item as T)) fail(`${flag}: unknown "${item}" (choose from ${allowed.join(", ")})`);
  }
  return allowed.filter((item) => picked.includes(item));
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

// ---------- child processes ----------

/** Everything we started, so that it is all killed on the way out, error or not. */
const liveChildren = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  return child;
}

function killAllChildren(): void {
  for (const child of liveChildren) child.kill("SIGKILL");
  liveChildren.clear();
}

function installExitCleanup(): void {
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/**
 * Runs `command` pinned to `core`. The shell raises the open-file limit to its
 * hard maximum first (10,000 connections need more than a common default of
 * 1024) and then execs, so the child's PID is the program's own PID.
 */
function spawnPinned(core: number, command: string[]): ChildProcess {
  const raiseLimitThenExec = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec taskset -c "$0" "$@"';
  const child = spawn("sh", ["-c", raiseLimitThenExec, String(core), ...command], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  return track(child);
}

function childPid(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error("child process has no pid");
  return child.pid;
}

/** Keeps the last few KiB a stream printed, for error messages. */
function keepTail(stream: Readable, maxChars = 4096): () => string {
  let tail = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-maxChars);
  });
  return () => tail.trim();
}

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<ExitStatus | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(null);
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal });
    };
    child.once("exit", onExit);
  });
}

/** Asks politely, then insists. */
async function terminate(child: ChildProcess, graceMs: number): Promise<ExitStatus & { graceful: boolean }> {
  child.kill("SIGTERM");
  const status = await waitForExit(child, graceMs);
  if (status !== null) return { ...status, graceful: true };
  child.kill("SIGKILL");
  const killed = await waitForExit(child, 2000);
  return { code: killed?.code ?? null, signal: killed?.signal ?? "SIGKILL", graceful: false };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------- servers ----------

let dataDir: string | null = null;

/** One fresh history directory per bench run, removed when the run ends. */
function benchDataDir(): string {
  if (dataDir === null) {
    const created = mkdtempSync(path.join(os.tmpdir(), "parley-bench-"));
    dataDir = created;
    process.on("exit", () => rmSync(created, { recursive: true, force: true }));
  }
  return dataDir;
}

interface RunningServer {
  kind: ServerKind;
  child: ChildProcess;
  pid: number;
  port: number;
  stderrTail: () => string;
}

interface ServerStop {
  code: number | null;
  signal: string | null;
  graceful: boolean;
}

function serverKinds(ids: ServerId[]): ServerKind[] {
  const listen = ["--host", "127.0.0.1", "--port", "0"];
  const all: Record<ServerId, ServerKind> = {
    // Pacing off: the load generator's senders are far past any human rate.
    parley: {
      id: "parley",
      label: "Parley",
      command: [process.execPath, PARLEY_BIN, "server", ...listen, "--rate", "off", "--data-dir", benchDataDir()],
    },
    "parley-nohist": {
      id: "parley-nohist",
      label: "Parley, history off",
      command: [process.execPath, PARLEY_BIN, "server", ...listen, "--rate", "off", "--history", "off"],
    },
    naive: {
      id: "naive",
      label: "naive",
      command: [process.execPath, path.join(BENCH_DIR, "naive-relay.mjs"), ...listen],
    },
    ceiling: { id: "ceiling", label: "C ceiling", command: [C_RELAY_BIN, ...listen] },
  };
  return ids.map((id) => all[id]);
}

async function startServer(kind: ServerKind): Promise<RunningServer> {
  const child = spawnPinned(SERVER_CORE, kind.command);
  const stderrTail = keepTail(child.stderr as Readable);
  try {
    const port = await waitForStartLine(child, stderrTail);
    return { kind, child, pid: childPid(child), port, stderrTail };
  } catch (error) {
    // A server that never announced itself must not linger on the bench core.
    await terminate(child, 1000);
    throw error;
  }
}

/**
 * Resolves with the port from the start line. The server keeps printing a
 * transcript afterwards; the listener stays on so that stdout is drained and
 * the server never blocks on a full pipe.
 */
function waitForStartLine(child: ChildProcess, stderrTail: () => string): Promise<number> {
  const stdout = child.stdout as Readable;
  stdout.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let seen = "";
    let isStarted = false;
    const timer = setTimeout(() => {
      reject(new Error(`no start line within ${SERVER_START_TIMEOUT_MS} ms\n${stderrTail()}`));
    }, SERVER_START_TIMEOUT_MS);
    stdout.on("data", (chunk: string) => {
      if (isStarted) return;
      seen = (seen + chunk).slice(-65536);
      const match = START_LINE.exec(seen);
      if (match === null) return;
      isStarted = true;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.once("exit", (code, signal) => {
      if (isStarted) return;
      clearTimeout(timer);
      reject(new Error(`server exited before starting (code ${code}, signal ${signal})\n${stderrTail()}`));
    });
  });
}

async function stopServer(server: RunningServer): Promise<ServerStop> {
  return terminate(server.child, SERVER_STOP_GRACE_MS);
}

// ---------- /proc ----------

interface MemoryStatus {
  rssKiB: number;
  peakRssKiB: number;
}

function readMemoryStatus(pid: number): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (match === null) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { rssKiB: field("VmRSS"), peakRssKiB: field("VmHWM") };
}

interface CoreTimes {
  busy: number;
  total: number;
}

function readCoreTimes(): Map<number, CoreTimes> {
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
async function coreBusyShares(ms: number): Promise<Map<number, number>> {
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

const BUSY_MACHINE_SHARE = 0.1;

/** Warns (and records) when the bench's cores are already busy before a scenario. */
async function checkQuietCores(scenario: string, notes: string[]): Promise<Record<string, number>> {
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

// ---------- load generator ----------

/** The JSON line bench/loadgen.c prints; fields depend on the mode. */
interface LoadgenResult {
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
  [field: string]: unknown;
}

/** CPU that other processes took on the server's and the generator's cores during the run, as a share of one core. */
interface OtherWork {
  other_work_server_core?: number;
  other_work_loadgen_core?: number;
}

/** Above this, a run measured the machine's other work as well as the server. */
const DISTURBED_SHARE = 0.05;

function disturbance(run: OtherWork): string | null {
  const parts: string[] = [];
  if ((run.other_work_server_core ?? 0) > DISTURBED_SHARE) {
    parts.push(`other work took ${formatPercent(run.other_work_server_core)} of the server's core`);
  }
  if ((run.other_work_loadgen_core ?? 0) > DISTURBED_SHARE) {
    parts.push(`other work took ${formatPercent(run.other_work_loadgen_core)} of the generator's core`);
  }
  return parts.length === 0 ? null : parts.join(", ");
}

interface LatencySummary {
  samples: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}

interface FanoutResult extends LoadgenResult, OtherWork {
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
}

interface SteadyResult extends LoadgenResult, OtherWork {
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
  latency_first_second: LatencySummary;
  latency_last_second: LatencySummary;
  p50_by_second_us: number[];
}

interface Loadgen {
  result: LoadgenResult;
  /** Lets the generator close its connections and exit. */
  release: () => Promise<void>;
}

/**
 * Starts the generator and waits for its one JSON line. The generator then
 * holds its connections until its stdin closes, so that the server can be
 * stopped first and is not measured (or delayed) replaying leave notices.
 */
async function runLoadgen(args: string[], timeoutMs: number): Promise<Loadgen> {
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

function readFirstLine(stream: Readable, child: ChildProcess, timeoutMs: number): Promise<string> {
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

function joinTimeoutMs(clients: number): number {
  // Generous: a server paying ~10 us per join notice needs N^2/2 of them.
  return Math.max(30_000, Math.ceil(((clients * clients) / 2) * 0.02));
}

interface SessionSpec<T> {
  kind: ServerKind;
  timeoutMs: number;
  loadgenArgs: (server: RunningServer) => string[];
  /** Runs once the server is up, before any client connects. */
  beforeLoad?: (server: RunningServer) => Promise<void>;
  /** Runs after the generator reported but before any connection closes (the memory reading needs that). */
  whileHeld: (server: RunningServer, result: LoadgenResult) => Promise<T>;
}

interface Session<T> {
  result: LoadgenResult;
  extra: T;
}

/** One server, one load generator run; both are stopped whatever happens. */
async function runSession<T>(spec: SessionSpec<T>): Promise<Session<T>> {
  const server = await startServer(spec.kind);
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

/** Parley should exit 0 within a few seconds of SIGTERM; anything else is worth reporting. */
const unexpectedStops: string[] = [];

function noteUnexpectedStop(kind: ServerKind, stop: ServerStop): void {
  if (kind.id !== "parley" || (stop.graceful && stop.code === 0)) return;
  const how = stop.graceful ? `exited with code ${stop.code} (signal ${stop.signal})` : "had to be killed";
  unexpectedStops.push(`Parley ${how} after SIGTERM`);
}

function noExtra(): Promise<null> {
  return Promise.resolve(null);
}

function serverTarget(server: RunningServer): string[] {
  return ["--port", String(server.port), "--server-pid", String(server.pid), "--server-cpu", String(SERVER_CORE)];
}

// ---------- statistics and formatting ----------

function median(values: number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function formatCount(value: number): string {
  return Number.isFinite(value) ? integer.format(value) : "-";
}

function formatFixed(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : "-";
}

/** Latency in the unit that keeps it readable. */
function formatSampledLatency(summary: LatencySummary, pick: (summary: LatencySummary) => number): string {
  return summary.samples > 0 ? formatLatency(pick(summary)) : "-";
}

function formatLatency(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return "-";
  if (us < 1000) return `${us.toFixed(0)} us`;
  if (us < 1_000_000) return `${(us / 1000).toPrecision(3)} ms`;
  return `${(us / 1_000_000).toPrecision(3)} s`;
}

function formatRatio(numerator: number | undefined, denominator: number | undefined): string {
  if (numerator === undefined || denominator === undefined) return "-";
  const ratio = numerator / denominator;
  if (!Number.isFinite(ratio) || ratio === 0) return "-";
  if (ratio >= 10) return `${ratio.toFixed(1)}x`;
  return ratio >= 0.1 ? `${ratio.toFixed(2)}x` : `${ratio.toPrecision(2)}x`;
}

function formatPercent(share: number | undefined): string {
  return share !== undefined && Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : "-";
}

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join("  ");
  console.log(`  ${render(headers)}`);
  for (const row of rows) console.log(`  ${render(row)}`);
}

function printHeading(title: string): void {
  console.log(`\n${title}\n${"-".repeat(title.length)}`);
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

// ---------- scenario: fan-out ----------

interface FanoutSummary {
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

async function runFanout(plan: Plan, kinds: ServerKind[]): Promise<FanoutSummary[]> {
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

async function measureFanoutOnce(plan: Plan, kind: ServerKind, clients: number): Promise<FanoutResult> {
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

function printFanout(plan: Plan, summaries: FanoutSummary[]): void {
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
    const parley = rows.find((row) => row.server === "parley");
    for (const baseline of ["parley-nohist", "naive", "ceiling"] as const) {
      const other = rows.find((row) => row.server === baseline);
      if (parley === undefined || other === undefined) continue;
      console.log(
        `  Parley / ${serverLabel(baseline)}: ${formatRatio(parley.deliveriesPerS, other.deliveriesPerS)} deliveries/s, ` +
          `${formatRatio(parley.cpuUsPerDelivery, other.cpuUsPerDelivery)} CPU per delivery, ` +
          `${formatRatio(parley.p99Us, other.p99Us)} p99`,
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
  console.log(
    "  server busy / gen busy: CPU used by the server process and by the load generator, as a share of one core;" +
      " a server well short of 100% while the generator is near it would mean the generator set the pace.",
  );
}

// ---------- scenario: steady rate ----------

interface SteadySummary {
  rate: number;
  server: ServerId;
  run: SteadyResult | null;
  error: string | null;
  sustained: boolean;
  verdict: string;
  latencyGrew: boolean;
}

async function runSteady(plan: Plan, kinds: ServerKind[]): Promise<SteadySummary[]> {
  const summaries: SteadySummary[] = [];
  for (const rate of plan.steadyRates) {
    for (const kind of kinds) {
      try {
        const run = await measureSteadyOnce(plan, kind, rate);
        const judged = judgeSteady(run);
        summaries.push({ rate, server: kind.id, run, error: null, ...judged });
        progress(`steady ${formatCount(rate)} msg/s, ${kind.label}: ${judged.sustained ? "" : "NOT "}sustained`);
      } catch (error) {
        summaries.push({
          rate,
          server: kind.id,
          run: null,
          error: describe(error),
          sustained: false,
          verdict: "failed",
          latencyGrew: false,
        });
        progress(`steady ${formatCount(rate)} msg/s, ${kind.label}: FAILED ${firstLine(error)}`);
      }
    }
  }
  return summaries;
}

async function measureSteadyOnce(plan: Plan, kind: ServerKind, rate: number): Promise<SteadyResult> {
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
    "--duration-ms",
    String(plan.steadyDurationMs),
    "--drain-ms",
    String(plan.steadyDrainMs),
    "--sample-every",
    String(sampleEvery),
    "--join-timeout-ms",
    String(joinTimeoutMs(plan.steadyClients)),
  ];
  const timeout = joinTimeoutMs(plan.steadyClients) + plan.steadyDurationMs + plan.steadyDrainMs + 30_000;
  const session = await runSession({ kind, timeoutMs: timeout, loadgenArgs: args, whileHeld: noExtra });
  return session.result as SteadyResult;
}

/**
 * Sustained means: the generator sent on schedule, nobody was disconnected,
 * every message reached every other client, and the last delivery came
 * within a second of the last send (a server that only catches up during
 * the drain did not keep the rate).
 */
function judgeSteady(run: SteadyResult): { sustained: boolean; verdict: string; latencyGrew: boolean } {
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

function printSteady(plan: Plan, summaries: SteadySummary[]): void {
  for (const rate of plan.steadyRates) {
    const rows = summaries.filter((summary) => summary.rate === rate);
    printHeading(
      `Steady rate: ${formatCount(rate)} msg/s over ${plan.steadySenders} senders, ` +
        `${formatCount(plan.steadyClients)} clients, ${plan.steadyDurationMs / 1000} s ` +
        `(${formatCount(rate * (plan.steadyClients - 1))} deliveries/s asked)`,
    );
    printTable(
      [
        "server",
        "sustained",
        "delivered",
        "p50",
        "p99",
        "max",
        "p50 1st s",
        "p50 last s",
        "grew",
        "gen busy",
        "gen late",
      ],
      rows.map((row) => {
        const run = row.run;
        if (run === null) return [serverLabel(row.server), "failed", "-", "-", "-", "-", "-", "-", "-", "-", "-"];
        return [
          serverLabel(row.server),
          row.sustained ? "yes" : "NO",
          `${((100 * run.deliveries) / run.expected_deliveries).toFixed(1)}%`,
          formatSampledLatency(run.latency, (summary) => summary.p50_us),
          formatSampledLatency(run.latency, (summary) => summary.p99_us),
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
      const disturbed = row.run === null ? null : disturbance(row.run);
      if (disturbed !== null) console.log(`  ${serverLabel(row.server)} run was disturbed: ${disturbed}`);
    }
    for (const row of rows) {
      if (row.sustained) continue;
      const why = row.run === null ? `failed: ${firstLine(row.error)}` : row.verdict;
      console.log(`  ${serverLabel(row.server)} did not sustain it: ${why}`);
    }
    const parley = rows.find((row) => row.server === "parley")?.run;
    for (const baseline of ["parley-nohist", "naive", "ceiling"] as const) {
      const other = rows.find((row) => row.server === baseline)?.run;
      if (parley == null || other == null) continue;
      // Latency of a server that fell behind covers only what it delivered.
      const isEitherShort = rows.some((row) => (row.server === "parley" || row.server === baseline) && !row.sustained);
      const caveat = isEitherShort ? " (not both sustained: see above)" : "";
      console.log(
        `  Parley / ${serverLabel(baseline)}: ${formatRatio(parley.latency.p50_us, other.latency.p50_us)} p50, ` +
          `${formatRatio(parley.latency.p99_us, other.latency.p99_us)} p99${caveat}`,
      );
    }
  }
  console.log("  Latency: from the sender's timestamp (taken when the line was generated) to receipt.");
  console.log(
    "  gen late: the most a message was generated behind its schedule; the C ceiling's latency is the floor this" +
      " harness can resolve (one read per socket per sweep on one core).",
  );
}

// ---------- scenario: memory ----------

interface MemoryRun {
  server: ServerId;
  clients: number;
  rssBeforeKiB: number;
  /** The lowest RSS over MEMORY_SETTLE_SECONDS of idleness after the notices drained. */
  rssAfterKiB: number;
  /** RSS right after the notices drained, burst garbage included. */
  rssDrainedKiB: number;
  peakRssKiB: number;
  kibPerConnection: number;
  joinSeconds: number;
  joinCpuSeconds: number | null;
  joinNotices: number;
  serverCpuUsPerNotice: number | null;
}

interface MemoryReport {
  runs: MemoryRun[];
  errors: { server: ServerId; clients: number; error: string }[];
  notes: string[];
}

/** Welcome lines plus join notices: the k-th client to join is announced to the k-1 before it. */
function noticesFor(clients: number): number {
  return clients + (clients * (clients - 1)) / 2;
}

const MEMORY_SETTLE_SECONDS = 10;

async function measureMemoryOnce(kind: ServerKind, clients: number): Promise<MemoryRun> {
  let rssBeforeKiB = 0;
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
      "--pending",
      "200",
      "--join-timeout-ms",
      String(joinTimeoutMs(clients)),
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
    joinSeconds,
    joinCpuSeconds,
    joinNotices: noticesFor(clients),
    serverCpuUsPerNotice: joinCpuSeconds === null ? null : (joinCpuSeconds * 1e6) / noticesFor(clients),
  };
}

/**
 * How many connections fit the time budget, judged from the probe: joins
 * cost about the same per notice at any size, and notices grow as N^2.
 */
function clientsWithinBudget(probe: MemoryRun, target: number, budgetS: number): number {
  const secondsPerNotice = probe.joinSeconds / probe.joinNotices;
  let clients = target;
  while (clients > probe.clients && noticesFor(clients) * secondsPerNotice > budgetS) clients -= 500;
  return Math.max(clients, probe.clients);
}

async function runMemory(plan: Plan, kinds: ServerKind[]): Promise<MemoryReport> {
  const report: MemoryReport = { runs: [], errors: [], notes: [] };
  const attempt = async (kind: ServerKind, clients: number): Promise<MemoryRun | null> => {
    try {
      const run = await measureMemoryOnce(kind, clients);
      report.runs.push(run);
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

  if (plan.memoryForced !== null) {
    for (const kind of kinds) await attempt(kind, plan.memoryForced);
    return report;
  }
  // A probe with fewer connections tells how long the full count would take.
  const probes = new Map<ServerId, MemoryRun>();
  for (const kind of kinds) {
    const probe = await attempt(kind, plan.memoryProbe);
    if (probe !== null) probes.set(kind.id, probe);
  }
  // Parley and the naive relay run at the same count, so that their figures compare.
  const nodeKinds = kinds.filter((kind) => kind.id !== "ceiling" && probes.has(kind.id));
  const nodeClients = Math.min(
    ...nodeKinds.map((kind) =>
      clientsWithinBudget(probes.get(kind.id) as MemoryRun, plan.memoryTarget, plan.memoryBudgetS),
    ),
  );
  for (const kind of kinds) {
    const probe = probes.get(kind.id);
    if (probe === undefined) continue;
    const clients =
      kind.id === "ceiling" ? clientsWithinBudget(probe, plan.memoryTarget, plan.memoryBudgetS) : nodeClients;
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
  }
  return report;
}

function printMemory(report: MemoryReport): void {
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

function formatMiB(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

// ---------- preparation ----------

function compileC(): void {
  mkdirSync(BUILD_DIR, { recursive: true });
  for (const [source, binary] of [
    ["loadgen.c", LOADGEN_BIN],
    ["c-relay.c", C_RELAY_BIN],
  ]) {
    const compiled = spawnSync("cc", ["-O2", "-Wall", "-o", binary, path.join(BENCH_DIR, source)], {
      encoding: "utf8",
    });
    if (compiled.status !== 0) {
      fail(`cc could not build ${source}:\n${compiled.stderr || compiled.error?.message || ""}`);
    }
  }
}

/** Parley's bin is built by `npm run build`; only when it is missing do we build it here. */
function ensureParley(notes: string[]): boolean {
  if (existsSync(PARLEY_BIN)) return true;
  progress("dist/parley.js is missing: running npm run build");
  const built = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (built.status === 0 && existsSync(PARLEY_BIN)) return true;
  notes.push("Parley was skipped: dist/parley.js is missing and `npm run build` did not produce it.");
  return false;
}

function checkPinning(): void {
  const pinned = spawnSync("taskset", ["-c", `${SERVER_CORE},${LOADGEN_CORE}`, "true"]);
  if (pinned.status !== 0) fail("taskset cannot pin to cores 0 and 1 (needs util-linux and two cores)");
}

function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    kernel: os.release(),
    node: process.version,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

// ---------- history ----------

/**
 * The store on its own (insert rate, search over a million messages) and catch-up
 * replay end to end. History on against off under fan-out is in the fan-out table.
 */
function runHistoryBenches(): void {
  for (const script of ["store-bench.ts", "replay-bench.ts"]) runScript(`History: ${script}`, script);
}

/** A bench of its own, in its own process, printing its own figures. */
function runScript(heading: string, script: string): void {
  printHeading(heading);
  const run = spawnSync(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, script)], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (run.status !== 0) console.log(`  ${script} failed (exit ${run.status ?? run.signal})`);
}

// ---------- helpers ----------

function serverLabel(id: ServerId): string {
  return { parley: "Parley", "parley-nohist": "Parley, history off", naive: "naive", ceiling: "C ceiling" }[id];
}

function serverOrder(id: ServerId): number {
  return SERVER_IDS.indexOf(id);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(error: unknown): string {
  return describe(error).split("\n")[0];
}

// ---------- main ----------

async function main(): Promise<number> {
  installExitCleanup();
  const { plan, serverIds } = readPlan();
  const notes: string[] = [];
  const startedAt = new Date();
  checkPinning();
  compileC();
  const ids = serverIds.filter((id) => id !== "parley" || ensureParley(notes));
  const kinds = serverKinds(ids);
  for (const note of notes) console.log(`Note: ${note}`);
  console.log(
    `Parley bench: servers on core ${SERVER_CORE}, load generator on core ${LOADGEN_CORE}; ` +
      `${kinds.map((kind) => kind.label).join(", ")}${plan.quick ? " (quick run)" : ""}`,
  );

  const results: Record<string, unknown> = {
    startedAt: startedAt.toISOString(),
    machine: machineInfo(),
    plan,
    servers: ids,
    notes,
  };
  const save = () => {
    results.finishedAt = new Date().toISOString();
    results.durationS = (Date.now() - startedAt.getTime()) / 1000;
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  };

  const idleCores: Record<string, Record<string, number>> = {};
  results.idleCoresBefore = idleCores;
  if (plan.scenarios.includes("fanout")) {
    idleCores.fanout = await checkQuietCores("fan-out", notes);
    const fanout = await runFanout(plan, kinds);
    results.fanout = fanout;
    save();
    printFanout(plan, fanout);
  }
  if (plan.scenarios.includes("steady")) {
    idleCores.steady = await checkQuietCores("steady rate", notes);
    const steady = await runSteady(plan, kinds);
    results.steady = steady;
    save();
    printSteady(plan, steady);
  }
  if (plan.scenarios.includes("memory")) {
    idleCores.memory = await checkQuietCores("memory", notes);
    const memory = await runMemory(plan, kinds);
    results.memory = memory;
    save();
    printMemory(memory);
  }
  if (plan.scenarios.includes("history")) runHistoryBenches();
  if (plan.scenarios.includes("startup"))
    runScript("Start-up with a 2 GB database: startup-bench.ts", "startup-bench.ts");
  for (const stop of unexpectedStops) console.log(`Note: ${stop}`);
  results.unexpectedStops = unexpectedStops;
  save();
  console.log(
    `\nDone in ${(Number(results.durationS) / 60).toFixed(1)} min; results in ${path.relative(ROOT, RESULTS_FILE)}`,
  );
  return 0;
}

process.exitCode = await main();
