/** The ceiling: one epoll loop in C that batches each turn's output into one write per client. */
import { C_RELAY_BIN } from "../lib/paths.js";
import { DEFAULT_CONNECT_WINDOW, launchServer, type ServerKind } from "./kind.js";
import { readLineStartPort } from "./parley.js";

export const ceiling: ServerKind = {
  id: "ceiling",
  label: "C ceiling",
  protocol: "line",
  connectWindow: DEFAULT_CONNECT_WINDOW,
  start() {
    return launchServer(this, [C_RELAY_BIN, "--host", "127.0.0.1", "--port", "0"], readLineStartPort);
  },
};
