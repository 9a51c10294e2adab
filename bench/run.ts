/**
 * Parley's benchmark suite (`npm run bench`): the driver.
 *
 * Reads the plan from the command line, prepares (compiles the C programs,
 * builds Parley if needed), then runs each scenario against each server kind
 * and prints its tables. The pieces:
 *   - lib/: the plan and flags, child processes, /proc readings, the load
 *     generator (bench/loadgen.c) and one server run with one generator;
 *   - servers/: one module per server kind, each knowing how to start it;
 *   - scenarios/: one module per scenario, measuring;
 *   - report/: formatting and one module per scenario's tables.
 * Each server is pinned to core 0 and the load generator to core 1. Results go
 * to stdout as tables and to bench/.build/last.json.
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { unexpectedStops } from "./lib/loadgen.js";
import { checkQuietCores } from "./lib/machine.js";
import {
  BENCH_DIR,
  BUILD_DIR,
  C_RELAY_BIN,
  LOADGEN_BIN,
  LOADGEN_CORE,
  PARLEY_BIN,
  RESULTS_FILE,
  ROOT,
  SERVER_CORE,
} from "./lib/paths.js";
import { fail, readPlan, type ScenarioId, type ServerId } from "./lib/plan.js";
import { installExitCleanup } from "./lib/processes.js";
import { printFanout } from "./report/fanout.js";
import { progress } from "./report/format.js";
import { printMemory } from "./report/memory.js";
import { printPage } from "./report/page.js";
import { printSteady } from "./report/steady.js";
import { runFanout } from "./scenarios/fanout.js";
import { runHistoryBenches } from "./scenarios/history.js";
import { runMemory } from "./scenarios/memory.js";
import { runPage } from "./scenarios/page.js";
import { runStartupBench } from "./scenarios/startup.js";
import { runSteady } from "./scenarios/steady.js";
import { serverKinds } from "./servers/index.js";
import { type ServerKind, whyUnavailable } from "./servers/kind.js";

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

const LOAD_SCENARIOS: ScenarioId[] = ["fanout", "steady", "memory"];

const PARLEY_IDS: ServerId[] = ["parley", "parley-nohist", "parley-irc", "parley-ws", "parley-irc-ws"];

/** Servers that start; the others are named as skipped, so the run goes on without them. */
async function startableKinds(kinds: ServerKind[], skipped: Record<string, string>): Promise<ServerKind[]> {
  const startable: ServerKind[] = [];
  for (const kind of kinds) {
    const reason = await whyUnavailable(kind);
    if (reason === null) {
      startable.push(kind);
      continue;
    }
    skipped[kind.id] = reason;
    console.log(`${kind.label}: skipped: not available (${reason})`);
  }
  return startable;
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

async function main(): Promise<number> {
  installExitCleanup();
  const { plan, serverIds } = readPlan();
  const notes: string[] = [];
  const startedAt = new Date();
  checkPinning();
  compileC();
  const needsParley = serverIds.some((id) => PARLEY_IDS.includes(id)) || plan.scenarios.includes("page");
  const isParleyBuilt = !needsParley || ensureParley(notes);
  for (const note of notes) console.log(`Note: ${note}`);
  const skipped: Record<string, string> = {};
  const kinds = await startableKinds(
    serverKinds(serverIds.filter((id) => isParleyBuilt || !PARLEY_IDS.includes(id))),
    skipped,
  );
  const ids = kinds.map((kind) => kind.id);
  console.log(
    `Parley bench: servers on core ${SERVER_CORE}, load generator on core ${LOADGEN_CORE}; ` +
      `${kinds.map((kind) => kind.label).join(", ") || "no servers"}${plan.quick ? " (quick run)" : ""}`,
  );

  const results: Record<string, unknown> = {
    startedAt: startedAt.toISOString(),
    machine: machineInfo(),
    plan,
    servers: ids,
    skipped,
    notes,
  };
  const save = () => {
    results.finishedAt = new Date().toISOString();
    results.durationS = (Date.now() - startedAt.getTime()) / 1000;
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  };

  // Fan-out, steady rate and memory need a server; history and start-up bring their own.
  const isAnyServerUp = kinds.length > 0;
  if (!isAnyServerUp && plan.scenarios.some((scenario) => LOAD_SCENARIOS.includes(scenario))) {
    console.log("Note: no chosen server could start, so fan-out, steady rate and memory are left out.");
  }
  const idleCores: Record<string, Record<string, number>> = {};
  results.idleCoresBefore = idleCores;
  if (isAnyServerUp && plan.scenarios.includes("fanout")) {
    idleCores.fanout = await checkQuietCores("fan-out", notes);
    const fanout = await runFanout(plan, kinds);
    results.fanout = fanout;
    save();
    printFanout(plan, fanout);
  }
  if (isAnyServerUp && plan.scenarios.includes("steady")) {
    idleCores.steady = await checkQuietCores("steady rate", notes);
    const steady = await runSteady(plan, kinds);
    results.steady = steady;
    save();
    printSteady(plan, steady);
  }
  if (isAnyServerUp && plan.scenarios.includes("memory")) {
    idleCores.memory = await checkQuietCores("memory", notes);
    const memory = await runMemory(plan, kinds);
    results.memory = memory;
    save();
    printMemory(memory);
  }
  if (plan.scenarios.includes("page")) {
    const page = await runPage(plan);
    results.page = page;
    save();
    printPage(plan, page);
  }
  if (plan.scenarios.includes("history")) runHistoryBenches();
  if (plan.scenarios.includes("startup")) runStartupBench();
  for (const stop of unexpectedStops) console.log(`Note: ${stop}`);
  results.unexpectedStops = unexpectedStops;
  save();
  console.log(
    `\nDone in ${(Number(results.durationS) / 60).toFixed(1)} min; results in ${path.relative(ROOT, RESULTS_FILE)}`,
  );
  return 0;
}

process.exitCode = await main();
