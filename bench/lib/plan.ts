/** What to run: scenarios, servers and their sizes, read from the command line. */
import { parseArgs } from "node:util";

export type ServerId =
  | "parley"
  | "parley-nohist"
  | "naive"
  | "ceiling"
  | "parley-irc"
  | "ngircd"
  | "parley-ws"
  | "parley-irc-ws";
export type ScenarioId = "fanout" | "steady" | "memory" | "page" | "history" | "startup";

export interface Plan {
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
  steadyRepeats: number;
  /** At the rate before latency is recorded: a first second of compiling and cold caches is start-up, not rate. */
  steadyWarmupMs: number;
  steadyDurationMs: number;
  steadyDrainMs: number;
  memoryTarget: number;
  memoryProbe: number;
  /** Longest a memory run's joins may take; joins cost one notice per earlier client, so N^2. */
  memoryBudgetS: number;
  memoryForced: number | null;
  memoryRepeats: number;
  /** Fresh loads of the chat page timed in Chromium (after one uncounted). */
  pageLoads: number;
}

export const SERVER_IDS: ServerId[] = [
  "parley",
  "parley-nohist",
  "naive",
  "ceiling",
  "parley-irc",
  "ngircd",
  "parley-ws",
  "parley-irc-ws",
];
export const SCENARIO_IDS: ScenarioId[] = ["fanout", "steady", "memory", "page", "history", "startup"];
/** Start-up needs a 2 GB database (built once, minutes): only a run that names it pays for that. */
export const ON_REQUEST: ScenarioId[] = ["startup"];

export const USAGE = `usage: npm run bench -- [--quick] [--only fanout,steady,memory,page,history,startup]
       [--servers parley,parley-nohist,naive,ceiling,parley-irc,ngircd,parley-ws,parley-irc-ws] [--fanout-clients 100,1000]
       [--memory-clients N]`;

export function parseFlags() {
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

export function readPlan(): { plan: Plan; serverIds: ServerId[] } {
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
    steadyRepeats: quick ? 1 : 3,
    steadyWarmupMs: 1000,
    steadyDurationMs: quick ? 3000 : 5000,
    steadyDrainMs: 3000,
    memoryTarget: 10_000,
    memoryProbe: 1000,
    memoryBudgetS: quick ? 10 : 30,
    memoryForced,
    memoryRepeats: quick ? 1 : 3,
    pageLoads: quick ? 3 : 5,
  };
  return { plan, serverIds };
}

export function pickList<T extends string>(raw: string | undefined, allowed: T[], flag: string): T[] {
  if (raw === undefined) return [...allowed];
  const picked = raw.split(",").map((item) => item.trim());
  for (const item of picked) {
    if (!allowed.includes(item as T)) fail(`${flag}: unknown "${item}" (choose from ${allowed.join(", ")})`);
  }
  return allowed.filter((item) => picked.includes(item));
}

export function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function firstLine(error: unknown): string {
  return describe(error).split("\n")[0];
}
