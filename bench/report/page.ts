/** The page's first load: bytes as served, time to interactive. */
import type { Plan } from "../lib/plan.js";
import { ENCODINGS, type PageReport } from "../scenarios/page.js";
import { formatCount, printHeading, printTable } from "./format.js";

/** The browser feature's targets for a first load. */
const PAGE_TARGET_COMPRESSED_BYTES = 100_000;
const PAGE_TARGET_INTERACTIVE_MS = 300;

export function printPage(plan: Plan, report: PageReport): void {
  printHeading("Page: first load from Parley's HTTP listener on loopback");
  if (report.skipped !== null) {
    console.log(`  skipped: ${report.skipped}`);
    return;
  }
  printTable(
    ["file", "type", ...ENCODINGS.map((encoding) => `${encoding} bytes`)],
    [
      ...report.files.map((file) => [
        file.path,
        file.contentType.split(";")[0],
        ...ENCODINGS.map((encoding) => formatCount(file.bytes[encoding])),
      ]),
      ["total", "", ...ENCODINGS.map((encoding) => formatCount(report.totals[encoding]))],
    ],
  );
  const compressed = Math.min(report.totals.br, report.totals.gzip);
  console.log(
    `  Compressed first load: ${formatCount(compressed)} bytes (target < ${formatCount(PAGE_TARGET_COMPRESSED_BYTES)}: ` +
      `${compressed < PAGE_TARGET_COMPRESSED_BYTES ? "met" : "NOT met"}); headers not counted.`,
  );
  if (report.interactiveSkipped !== null) {
    console.log(`  Time to interactive: not measured: ${report.interactiveSkipped}`);
    return;
  }
  const runs = report.interactiveMs.map((ms) => ms.toFixed(0)).join(" / ");
  console.log(
    `  Time to interactive: ${report.interactiveMedianMs.toFixed(0)} ms, median of ${plan.pageLoads} fresh loads ` +
      `(${runs} ms; target < ${PAGE_TARGET_INTERACTIVE_MS} ms: ` +
      `${report.interactiveMedianMs < PAGE_TARGET_INTERACTIVE_MS ? "met" : "NOT met"}); load event ends at ` +
      `${report.loadEventMedianMs.toFixed(0)} ms.`,
  );
  console.log(
    "  Headless Chromium, an empty cache for each load (one load before them, uncounted, warms the browser itself);" +
      " interactive: navigation start to the page showing itself online (its WebSocket open and welcomed).",
  );
}
