/** Parley with history off: what history costs, beside `parley`. */
import type { ServerKind } from "./kind.js";
import { DEFAULT_CONNECT_WINDOW, launchServer } from "./kind.js";
import { PARLEY_COMMAND, PARLEY_SERVER_ARGS, readLineStartPort } from "./parley.js";

export const parleyNoHistory: ServerKind = {
  id: "parley-nohist",
  label: "Parley, history off",
  protocol: "line",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    const command = [...PARLEY_COMMAND, ...PARLEY_SERVER_ARGS, "--history", "off"];
    return launchServer(this, command, readLineStartPort);
  },
};
