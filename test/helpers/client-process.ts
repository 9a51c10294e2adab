import { PARLEY_BIN } from "./server.js";
import { SpawnedProgram } from "./spawned-program.js";

/** `parley client` as a user runs it on pipes: what is typed goes to its stdin, what it prints is collected. */
export class ClientProcess extends SpawnedProgram {
  constructor(port: number, host = "127.0.0.1") {
    super("parley client", process.execPath, [PARLEY_BIN, "client", host, String(port)]);
  }
}
