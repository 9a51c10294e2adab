/** Statistics and the plain-text tables every scenario prints. */

import type { LatencySummary } from "../lib/loadgen.js";
import { LINE_BYTES } from "../lib/paths.js";
import { SERVER_IDS, type ServerId } from "../lib/plan.js";
import { isIrcServer, isWebSocketServer } from "../servers/index.js";

export function median(values: number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

/** The item whose `figure` is the median (the lower of the middle two): a whole run, not an average of runs. */
export function medianBy<T>(items: readonly T[], figure: (item: T) => number): T | null {
  if (items.length === 0) return null;
  const sorted = [...items].sort((first, second) => figure(first) - figure(second));
  return sorted[(sorted.length - 1) >> 1] as T;
}

export const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatCount(value: number): string {
  return Number.isFinite(value) ? integer.format(value) : "-";
}

export function formatFixed(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : "-";
}

/** Latency in the unit that keeps it readable. */
export function formatSampledLatency(summary: LatencySummary, pick: (summary: LatencySummary) => number): string {
  return summary.samples > 0 ? formatLatency(pick(summary)) : "-";
}

export function formatLatency(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return "-";
  if (us < 1000) return `${us.toFixed(0)} us`;
  if (us < 1_000_000) return `${(us / 1000).toPrecision(3)} ms`;
  return `${(us / 1_000_000).toPrecision(3)} s`;
}

export function formatRatio(numerator: number | undefined, denominator: number | undefined): string {
  if (numerator === undefined || denominator === undefined) return "-";
  const ratio = numerator / denominator;
  if (!Number.isFinite(ratio) || ratio === 0) return "-";
  if (ratio >= 10) return `${ratio.toFixed(1)}x`;
  return ratio >= 0.1 ? `${ratio.toFixed(2)}x` : `${ratio.toPrecision(2)}x`;
}

export function formatPercent(share: number | undefined): string {
  return share !== undefined && Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : "-";
}

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join("  ");
  console.log(`  ${render(headers)}`);
  for (const row of rows) console.log(`  ${render(row)}`);
}

export function printHeading(title: string): void {
  console.log(`\n${title}\n${"-".repeat(title.length)}`);
}

export function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

export function formatMiB(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

export function serverOrder(id: ServerId): number {
  return SERVER_IDS.indexOf(id);
}

/**
 * Pairs worth a ratio line, first over second: Parley against each baseline of
 * the line protocol, Parley's IRC front end against ngIRCd and against
 * Parley's own line protocol (what speaking IRC costs), and each WebSocket
 * endpoint against the line protocol (and IRC over WebSocket against IRC over TCP).
 */
export const COMPARISONS: readonly (readonly [ServerId, ServerId])[] = [
  ["parley", "parley-nohist"],
  ["parley", "naive"],
  ["parley", "ceiling"],
  ["parley-irc", "ngircd"],
  ["parley-irc", "parley"],
  ["parley-ws", "parley"],
  ["parley-irc-ws", "parley"],
  ["parley-irc-ws", "parley-irc"],
];

/** The browser feature's targets: WebSocket fan-out at least this share of the line protocol's deliveries/s... */
export const WEB_FANOUT_TARGET_RATIO = 0.7;
/** ...and at most this much memory per idle WebSocket connection. */
export const WEB_IDLE_TARGET_KIB = 12;

/** " (target >= 0.70x: met)" after a WebSocket endpoint's fan-out ratio to the line protocol; "" for other pairs. */
export function webFanoutTarget(subject: ServerId, baseline: ServerId, ratio: number): string {
  if (!isWebSocketServer(subject) || baseline !== "parley" || !Number.isFinite(ratio)) return "";
  const verdict = ratio >= WEB_FANOUT_TARGET_RATIO ? "met" : "NOT met";
  return ` (target >= ${WEB_FANOUT_TARGET_RATIO.toFixed(2)}x deliveries/s: ${verdict})`;
}

/** IRC lines carry the same text as line-protocol lines, framed longer. */
export function printIrcFramingNote(servers: ServerId[]): void {
  if (servers.some(isIrcServer)) {
    console.log(
      `  IRC servers: the same ${LINE_BYTES - 1}-byte text is sent as "PRIVMSG #bench :TEXT" CR LF ` +
        `(${LINE_BYTES - 1 + 18} bytes) and delivered behind the sender's ":nick!user@host" prefix.`,
    );
  }
  if (servers.some(isWebSocketServer)) {
    console.log(
      `  WebSocket: the same text in masked text frames: Parley WS sends {"type":"say","room":"#bench","text":TEXT} ` +
        `(${LINE_BYTES - 1 + 40} bytes of payload) and receives "message" events (JSON with id, time, room and sender, ` +
        `about 195 bytes: no false or null fields); a sender's own message comes back to it and is not counted. Parley IRC/WS sends ` +
        `"PRIVMSG #bench :TEXT" (${LINE_BYTES - 1 + 16} bytes), one IRC line per frame.`,
    );
  }
}
