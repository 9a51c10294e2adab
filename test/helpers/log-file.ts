import { readFile } from "node:fs/promises";
import { DEFAULT_WAIT_MS, describeLineMatch, type LineMatch, toLinePredicate } from "./wait-until.js";

/** How often a log is read again while waiting: a program writing a file gives no event to wait on. */
const LOG_POLL_MS = 20;

/** The complete lines of a log a program appends to; none while the file does not exist yet. */
export async function readLogLines(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const lines = text.split("\n");
  // The last piece is a line still being written, or "" after the final newline.
  lines.pop();
  return lines;
}

/** Reads the log at `path` until one of its lines matches; returns that line. */
export async function waitForLogLine(path: string, match: LineMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
  const isMatch = toLinePredicate(match);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await readLogLines(path);
    const found = lines.find(isMatch);
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${describeLineMatch(match)} in ${path}; it has:\n${lines.join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LOG_POLL_MS));
  }
}
