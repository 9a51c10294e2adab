/** Where the bench's files live and how the two cores are shared out. */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BENCH_DIR = path.join(ROOT, "bench");
export const BUILD_DIR = path.join(BENCH_DIR, ".build");
export const LOADGEN_BIN = path.join(BUILD_DIR, "loadgen");
export const C_RELAY_BIN = path.join(BUILD_DIR, "c-relay");
export const PARLEY_BIN = path.join(ROOT, "dist", "parley.js");
export const RESULTS_FILE = path.join(BUILD_DIR, "last.json");

export const SERVER_CORE = 0;
export const LOADGEN_CORE = 1;
/** Every sent line is this long, "\n" included. */
export const LINE_BYTES = 64;
