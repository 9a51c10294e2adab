import type { TestContext } from "node:test";
import type { ServerConfig } from "../../src/config.js";
import { LineClient } from "./line-client.js";
import { startTestServer, type TestServer } from "./server.js";
import { DEFAULT_WAIT_MS } from "./wait-until.js";

/** Pacing off, for tests that send many commands from one user without meaning to flood. */
export const UNPACED: Partial<ServerConfig> = {
  commandsPerSecond: Number.POSITIVE_INFINITY,
  commandBurst: Number.POSITIVE_INFINITY,
};

/** One test's own server, and the users it connects; all of them are gone when the test ends. */
export interface ChatFixture {
  readonly server: TestServer;
  /** Connects a line user and, given a name, takes it with /nick. */
  connect(name?: string): Promise<LineClient>;
}

/** Starts an in-process server for the test `t` (unpaced unless `overrides` say otherwise). */
export async function startChat(t: TestContext, overrides: Partial<ServerConfig> = {}): Promise<ChatFixture> {
  const server = await startTestServer({ ...UNPACED, ...overrides });
  const clients: LineClient[] = [];
  t.after(async () => {
    for (const client of clients) client.socket.destroy();
    await server.stop();
  });
  return {
    server,
    connect: async (name) => {
      const client = await LineClient.join(server.port);
      clients.push(client);
      if (name !== undefined) await ask(client, `/nick ${name}`, `- You are now known as ${name}.`);
      return client;
    },
  };
}

/**
 * Sends one line and waits for the line that ends its answer. Returns the answer: the
 * lines meant for this user alone (`- ` replies, `! ` errors, `~ ` history, direct
 * messages to or from them) that arrived from the moment it was sent, up to and including
 * the awaited line. What others did meanwhile (arrivals, renames, messages) is left out.
 */
export async function ask(
  client: LineClient,
  line: string,
  last: string | ((line: string) => boolean),
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<string[]> {
  const from = client.lines.length;
  const isLast = typeof last === "string" ? (candidate: string) => candidate === last : last;
  client.send(`${line}\n`);
  await client.waitFor(isLast, timeoutMs, from);
  const end = client.lines.findIndex((candidate, index) => index >= from && isLast(candidate));
  return client.lines.slice(from, end + 1).filter((candidate, index) => index === end - from || isAnswer(candidate));
}

/** Direct messages show as "[you -> name] text" and "[name -> you] text"; names have no spaces. */
const DIRECT_LINE = /^\[(you -> [^\]\s]+|[^\]\s]+ -> you)\] /;

function isAnswer(line: string): boolean {
  return line.startsWith("- ") || line.startsWith("! ") || line.startsWith("~ ") || DIRECT_LINE.test(line);
}

/**
 * The last line of a history reply: "- End of history.", or, when there is more, one that
 * names the request for the page before it ("- End of history; older: /history …").
 */
export function isHistoryEnd(line: string): boolean {
  return line === "- End of history." || line.startsWith("- End of history; ");
}

/** The request an end line names for the page before it, or null when there is none. */
export function olderPageIn(endLine: string): string | null {
  return /^- End of history; (?:\d+ )?older: (\/history .*)$/.exec(endLine)?.[1] ?? null;
}

/** The lines between `header` and the end of history, in order; throws if there is no such block. */
export function historyBlock(lines: readonly string[], header: string): string[] {
  const start = lines.indexOf(header);
  if (start === -1) throw new Error(`no "${header}" in:\n${lines.join("\n")}`);
  const end = lines.findIndex((line, index) => index > start && isHistoryEnd(line));
  if (end === -1) throw new Error(`no end of history after "${header}" in:\n${lines.join("\n")}`);
  return lines.slice(start + 1, end);
}

/** A history line without its time stamp: "~ 2026-11-25 14:05Z #room [name] text" becomes "#room [name] text". */
export function withoutTime(line: string): string {
  const match = /^~ \d{4}-\d{2}-\d{2} \d{2}:\d{2}Z (.*)$/.exec(line);
  if (match === null) throw new Error(`not a history line: ${line}`);
  return match[1];
}
