/** Statistics and the plain-text tables every scenario prints. */

import type { LatencySummary } from "../lib/loadgen.js";
import { LINE_BYTES } from "../lib/paths.js";
import { SERVER_IDS, type ServerId } from "../lib/plan.js";
import { isIrcServer } from "../servers/index.js";

export function median(values: number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
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
 * the line protocol, and Parley's IRC front end against ngIRCd and against
 * Parley's own line protocol (what speaking IRC costs).
 */
export const COMPARISONS: readonly (readonly [ServerId, ServerId])[] = [
  ["parley", "parley-nohist"],
  ["parley", "naive"],
  ["parley", "ceiling"],
  ["parley-irc", "ngircd"],
  ["parley-irc", "parley"],
];

/** IRC lines carry the same text as line-protocol lines, framed longer. */
export function printIrcFramingNote(servers: ServerId[]): void {
  if (!servers.some(isIrcServer)) return;
  console.log(
    `  IRC servers: the same ${LINE_BYTES - 1}-byte text is sent as "PRIVMSG #bench :TEXT" CR LF ` +
      `(${LINE_BYTES - 1 + 18} bytes) and delivered behind the sender's ":nick!user@host" prefix.`,
  );
}
