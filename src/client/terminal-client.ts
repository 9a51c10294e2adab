import { connect } from "node:net";
import { createInterface, type Interface } from "node:readline";
import { pino } from "pino";
import { type CloseReason, Connection, type ConnectionHandler } from "../net/connection.js";
import type { FramerFactory } from "../net/framer.js";
import { LineFramer } from "../net/line-framer.js";
import { toTerminalText } from "../text/terminal-text.js";
import { type TerminalInput, type TerminalOutput, TypedLineScreen } from "./typed-line-screen.js";

export interface ClientOptions {
  host: string;
  port: number;
  input: TerminalInput;
  output: TerminalOutput;
  /** Where a failure to connect is reported. */
  errorOutput: NodeJS.WritableStream;
}

/** Generous: this bounds what a misbehaving server can make us hold, not what users may say. */
const CLIENT_LIMITS = { sendQueueBytes: 16 * 1024 * 1024 } as const;

// The original server sends each message bare; a short quiet ends it.
const serverLines: FramerFactory = (sink) =>
  new LineFramer(
    { maxLineBytes: 1024 * 1024, maxUnterminatedBytes: 4 * 1024 * 1024, quietFlushMs: 30, quietFlush: "always" },
    sink,
  );

/**
 * The terminal client, as the original's: prints what arrives, sends what is typed and
 * echoes it as `[You] TEXT`; an empty line disconnects. On a terminal, incoming lines
 * are printed above the line being typed, every row of which is then redrawn intact.
 * Resolves with the process exit code.
 */
export function runClient(options: ClientOptions): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: options.host, port: options.port });
    let prompt: Interface | null = null;
    const isTerminal = options.input.isTTY === true && options.output.isTTY === true;
    const screen = isTerminal ? new TypedLineScreen(options.input, options.output) : null;
    let connection: Connection | null = null;
    let isDone = false;

    /** Prints the last line, lets what was typed reach the server, then resolves. */
    const finish = (message: string, code: number): void => {
      if (isDone) return;
      isDone = true;
      const typing = prompt;
      prompt = null;
      // Leave anything half typed on screen, and say the last word on a line of its own.
      screen?.leave();
      typing?.close();
      (code === 0 ? options.output : options.errorOutput).write(`${message}\n`);
      if (connection?.isOpen) {
        socket.once("close", () => resolve(code));
        connection.end("quit", 500);
      } else {
        socket.destroy();
        resolve(code);
      }
    };

    const print = (text: string): void => {
      if (screen !== null) screen.printAbove(text);
      else options.output.write(`${text}\n`);
    };

    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (prompt === null)
        finish(`Could not connect to ${options.host}:${options.port}: ${error.code ?? error.message}`, 1);
    });

    socket.once("connect", () => {
      const open = new Connection(socket, CLIENT_LIMITS, serverLines, pino({ level: "silent" }));
      connection = open;
      const handler: ConnectionHandler = {
        onMessage: (line) => print(toTerminalText(line.toString("utf8"))),
        onMessageTooLong: (bytes) => print(`! (a ${bytes}-byte line from the server was not shown)`),
        onClose: (_reason: CloseReason) => finish("Server closed the connection.", 0),
      };
      open.attach(handler);

      prompt = createInterface({
        input: options.input,
        output: screen?.readlineOutput ?? options.output,
        prompt: "",
        terminal: options.input.isTTY === true,
      });
      prompt.on("line", (typed) => {
        if (typed === "") {
          finish("You have been disconnected.", 0);
          return;
        }
        open.send(Buffer.from(`${typed}\n`));
        print(`[You] ${typed}`);
      });
      // End of input is the original's empty read: the user is done.
      prompt.on("close", () => finish("You have been disconnected.", 0));
      prompt.on("SIGINT", () => finish("KeyboardInterrupt", 0));
      process.once("SIGINT", () => finish("KeyboardInterrupt", 0));
      screen?.show(prompt);
      if (options.input.isTTY) prompt.prompt();
    });
  });
}
