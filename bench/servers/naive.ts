/** The naive baseline: a plain Node `net` relay, one socket.write per recipient per line. */
import path from "node:path";
import { BENCH_DIR } from "../lib/paths.js";
import { DEFAULT_CONNECT_WINDOW, launchServer, type ServerKind } from "./kind.js";
import { readLineStartPort } from "./parley.js";

export const naive: ServerKind = {
  id: "naive",
  label: "naive",
  protocol: "line",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    const command = [process.execPath, path.join(BENCH_DIR, "naive-relay.mjs"), "--host", "127.0.0.1", "--port", "0"];
    return launchServer(this, command, readLineStartPort);
  },
};
