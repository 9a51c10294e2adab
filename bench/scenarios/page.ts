/**
 * The chat page's first load, from Parley's own HTTP listener on loopback: the bytes of
 * index.html and every asset it names, as served for each Accept-Encoding, and the time
 * from navigation start until the page says it is online (its WebSocket open and welcomed),
 * in headless Chromium with an empty cache each time.
 */
import { existsSync } from "node:fs";
import { get, type IncomingHttpHeaders } from "node:http";
import path from "node:path";
import { CHROMIUM_PATH, launchChromium } from "../../scripts/chromium.js";
import { PARLEY_BIN } from "../lib/paths.js";
import { describe, type Plan } from "../lib/plan.js";
import { median, progress } from "../report/format.js";
import { type RunningServer, stopServer } from "../servers/kind.js";
import { parleyWs } from "../servers/parley-web.js";

export const ENCODINGS = ["identity", "gzip", "br"] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface PageFile {
  path: string;
  contentType: string;
  /** Bytes on the wire for each Accept-Encoding (the body as sent, headers not counted). */
  bytes: Record<Encoding, number>;
}

export interface PageReport {
  /** Why nothing was measured, when nothing was. */
  skipped: string | null;
  files: PageFile[];
  totals: Record<Encoding, number>;
  /** Navigation start to the page's online state, one per fresh load. */
  interactiveMs: number[];
  /** Navigation start to the end of the load event, the same loads. */
  loadEventMs: number[];
  interactiveMedianMs: number;
  loadEventMedianMs: number;
  /** Why time to interactive was not measured (no Chromium, or the page never went online). */
  interactiveSkipped: string | null;
}

/** The page shows its connection in `#status`, whose class gains `online` once the welcome arrived. */
const ONLINE_SELECTOR = "#status.online";
const INTERACTIVE_TIMEOUT_MS = 10_000;

function emptyTotals(): Record<Encoding, number> {
  return { identity: 0, gzip: 0, br: 0 };
}

function skippedReport(reason: string): PageReport {
  return {
    skipped: reason,
    files: [],
    totals: emptyTotals(),
    interactiveMs: [],
    loadEventMs: [],
    interactiveMedianMs: Number.NaN,
    loadEventMedianMs: Number.NaN,
    interactiveSkipped: reason,
  };
}

export async function runPage(plan: Plan): Promise<PageReport> {
  const built = path.join(path.dirname(PARLEY_BIN), "web", "index.html");
  if (!existsSync(PARLEY_BIN)) return skippedReport("dist/parley.js is missing (npm run build)");
  if (!existsSync(built)) return skippedReport("the page is not built: dist/web/index.html is missing (npm run build)");
  const server = await parleyWs.start();
  try {
    const files = await measureFiles(server.port);
    const totals = emptyTotals();
    for (const file of files) for (const encoding of ENCODINGS) totals[encoding] += file.bytes[encoding];
    progress(
      `page: ${files.length} files, ${totals.br} bytes with brotli, ${totals.gzip} with gzip, ${totals.identity} uncompressed`,
    );
    const loads = await measureLoads(server.port, plan.pageLoads);
    return {
      skipped: null,
      files,
      totals,
      interactiveMs: loads.interactiveMs,
      loadEventMs: loads.loadEventMs,
      interactiveMedianMs: median(loads.interactiveMs),
      loadEventMedianMs: median(loads.loadEventMs),
      interactiveSkipped: loads.skipped,
    };
  } finally {
    await stopServer(server as RunningServer);
  }
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One GET, its body as it came over the wire (still compressed). */
function getRaw(port: number, urlPath: string, encoding: Encoding): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = get(
      { host: "127.0.0.1", port, path: urlPath, headers: { "Accept-Encoding": encoding } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
  });
}

/** Same-origin paths named in index.html (src, href) and in style sheets (url()); data: URLs cost nothing more. */
export function referencedPaths(text: string, from: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\b(?:src|href)\s*=\s*"([^"]+)"|url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
    const reference = match[1] ?? match[2];
    if (/^[a-z][a-z0-9+.-]*:/i.test(reference) || reference.startsWith("//") || reference.startsWith("#")) continue;
    found.push(new URL(reference, `http://page${from}`).pathname);
  }
  return found;
}

async function measureFiles(port: number): Promise<PageFile[]> {
  const files: PageFile[] = [];
  const queue = ["/"];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const urlPath = queue.shift() as string;
    if (seen.has(urlPath)) continue;
    seen.add(urlPath);
    const bytes = emptyTotals();
    let plain: RawResponse | null = null;
    for (const encoding of ENCODINGS) {
      const response = await getRaw(port, urlPath, encoding);
      if (response.status !== 200) throw new Error(`GET ${urlPath} (${encoding}): status ${response.status}`);
      const sent = response.headers["content-encoding"] ?? "identity";
      if (sent !== encoding && encoding !== "identity") {
        progress(`page: ${urlPath} asked as ${encoding} came as ${sent}`);
      }
      bytes[encoding] = response.body.length;
      if (encoding === "identity") plain = response;
    }
    const contentType = String(plain?.headers["content-type"] ?? "");
    files.push({ path: urlPath, contentType, bytes });
    if (plain !== null && /text\/(html|css)/.test(contentType)) {
      queue.push(...referencedPaths(plain.body.toString("utf8"), urlPath));
    }
  }
  return files;
}

interface Loads {
  interactiveMs: number[];
  loadEventMs: number[];
  skipped: string | null;
}

async function measureLoads(port: number, count: number): Promise<Loads> {
  const loads: Loads = { interactiveMs: [], loadEventMs: [], skipped: null };
  if (!existsSync(CHROMIUM_PATH)) {
    loads.skipped = `Chromium is not installed (${CHROMIUM_PATH}; Debian package chromium, or set PARLEY_CHROMIUM)`;
    return loads;
  }
  const browser = await launchChromium();
  try {
    // One load first, not counted: Chromium's own start-up (its first renderer) is not the page's.
    for (let load = 0; load <= count; load++) {
      const context = await browser.newContext();
      try {
        await context.addInitScript(MARK_ONLINE);
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: "load" });
        await page.waitForSelector(ONLINE_SELECTOR, { timeout: INTERACTIVE_TIMEOUT_MS });
        const timing = (await page.evaluate(READ_TIMING)) as { onlineMs: number; loadEventMs: number };
        if (load === 0) continue;
        loads.interactiveMs.push(timing.onlineMs);
        loads.loadEventMs.push(timing.loadEventMs);
      } finally {
        await context.close();
      }
    }
  } catch (error) {
    loads.skipped = `the page did not come online: ${describe(error).split("\n")[0]}`;
  } finally {
    await browser.close();
  }
  return loads;
}

/*
 * Scripts that run in the page, as text: a function passed from here would be this file's
 * compiled code, which may call helpers the page does not have.
 * The first marks when the status went online (startTime counts from navigation start);
 * the second reads that mark and the load event's end.
 */
const MARK_ONLINE = `(() => {
  const observer = new MutationObserver(() => {
    if (document.querySelector(${JSON.stringify(ONLINE_SELECTOR)}) === null) return;
    performance.mark("parley-online");
    observer.disconnect();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
})()`;

const READ_TIMING = `(() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const online = performance.getEntriesByName("parley-online")[0];
  return { onlineMs: online ? online.startTime : NaN, loadEventMs: navigation ? navigation.loadEventEnd : NaN };
})()`;
