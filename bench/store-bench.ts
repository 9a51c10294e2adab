/**
 * The SQLite history store on its own (`node --import tsx bench/store-bench.ts`), on a
 * temporary database that is removed at the end:
 *   - insert rate with batches of 1, 10, 100 and 1,000 entries (median of 3 runs);
 *   - the store filled to 1,000,000 entries of varied text, then search latency
 *     (p50/p99 of 200 searches of one or two words, common and rare), the time of
 *     `missedSince` returning 10,000 entries, reopening (integrity check included)
 *     and a retention run, with the longest the event loop waited during it.
 * Text is drawn from a Zipf-distributed vocabulary, so a few words are in most
 * messages and most words are in a few, as in real chat. Takes about a minute.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { MessageIdGenerator } from "../src/core/message-id.js";
import { SqliteStore } from "../src/store/sqlite-store.js";
import type { HistoryEntry } from "../src/store/store.js";

const TOTAL_ENTRIES = 1_000_000;
const ROOM_COUNT = 50;
const USER_COUNT = 500;
/** Share of entries that are direct messages; the rest go to rooms. */
const DIRECT_SHARE = 0.05;
/** The history spans this long, so retention by age has something to do. */
const HISTORY_SPAN_MS = 30 * 24 * 3600 * 1000;
const RATE_RUNS: readonly { batchSize: number; entries: number }[] = [
  { batchSize: 1, entries: 20_000 },
  { batchSize: 10, entries: 50_000 },
  { batchSize: 100, entries: 100_000 },
  { batchSize: 1_000, entries: 100_000 },
];
const REPEATS = 3;
const SEARCHES_PER_KIND = 50;
const SEARCH_LIMIT = 50;
const MISSED_LIMIT = 10_000;
/** The reading user is in these rooms (a tenth of the traffic). */
const USER_ROOMS = Array.from({ length: 5 }, (_, index) => `#room${index}`);
const READER_KEY = "user7";

const COMMON_WORDS = (
  "the be to of and a in that have it for not on with he as you do at this but his by from they we say her she " +
  "or an will my one all would there their what so up out if about who get which go me when make can like time no " +
  "just him know take people into year your good some could them see other than then now look only come its over " +
  "think also back after use two how our work first well way even new want because any these give day most us " +
  "deploy build release server client test bug fix merge branch review lunch coffee meeting tomorrow today"
).split(" ");

/** Deterministic, so two runs measure the same data (mulberry32). */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = createRandom(20240601);
const SYLLABLES = ["ka", "lo", "mir", "ve", "tan", "os", "rel", "du", "ph", "qu", "zen", "ar", "bi", "to", "ny"];

function inventWord(): string {
  const syllableCount = 2 + Math.floor(random() * 3);
  return Array.from({ length: syllableCount }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join("");
}

/** Common words first, then invented ones: rank order for the Zipf draw. */
const VOCABULARY = [...COMMON_WORDS, ...Array.from({ length: 5_000 }, inventWord)];
const ZIPF_CUMULATIVE = (() => {
  const weights = VOCABULARY.map((_, rank) => 1 / (rank + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let running = 0;
  return weights.map((weight) => {
    running += weight / total;
    return running;
  });
})();

function drawWord(): string {
  const point = random();
  let low = 0;
  let high = ZIPF_CUMULATIVE.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (ZIPF_CUMULATIVE[middle] < point) low = middle + 1;
    else high = middle;
  }
  return VOCABULARY[low];
}

function drawText(): string {
  const wordCount = 3 + Math.floor(random() * 13);
  return Array.from({ length: wordCount }, drawWord).join(" ");
}

class EntryFactory {
  readonly #ids = new MessageIdGenerator("bnc");
  #made = 0;

  next(): HistoryEntry {
    const at = Date.now() - HISTORY_SPAN_MS + Math.floor((this.#made++ * HISTORY_SPAN_MS) / TOTAL_ENTRIES);
    const senderIndex = Math.floor(random() * USER_COUNT);
    const sender = `User${senderIndex}`;
    const isDirect = random() < DIRECT_SHARE;
    const recipientKey = isDirect ? `user${Math.floor(random() * USER_COUNT)}` : null;
    const kind = random() < 0.03 ? "action" : "message";
    return {
      id: this.#ids.next(at),
      at,
      kind,
      target: recipientKey ?? `#room${Math.floor(random() * ROOM_COUNT)}`,
      sender,
      senderKey: sender.toLowerCase(),
      recipientKey,
      text: drawText(),
    };
  }

  batches(entryCount: number, batchSize: number): HistoryEntry[][] {
    const batches: HistoryEntry[][] = [];
    for (let made = 0; made < entryCount; made += batchSize) {
      batches.push(Array.from({ length: Math.min(batchSize, entryCount - made) }, () => this.next()));
    }
    return batches;
  }

  get made(): number {
    return this.#made;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

function timeMs(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

async function timeAsyncMs(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/**
 * One batch per turn of the event loop, as the server appends, so the deferred text
 * indexing runs between batches as it would there; the time includes indexing what is
 * still pending at the end, so every entry is counted searchable.
 */
async function measureInsertRates(store: SqliteStore, factory: EntryFactory): Promise<string[][]> {
  const rows = [];
  for (const { batchSize, entries } of RATE_RUNS) {
    const rates: number[] = [];
    for (let run = 0; run < REPEATS; run++) {
      const batches = factory.batches(entries, batchSize);
      const elapsed = await timeAsyncMs(async () => {
        for (const batch of batches) {
          store.appendBatch(batch);
          await new Promise((resolve) => setImmediate(resolve));
        }
        store.indexPendingText();
      });
      rates.push(entries / (elapsed / 1000));
    }
    rows.push([`append, batches of ${batchSize}`, `${Math.round(median(rates)).toLocaleString("en")} entries/s`]);
  }
  return rows;
}

function fillTo(store: SqliteStore, factory: EntryFactory, total: number): void {
  while (factory.made < total) {
    for (const batch of factory.batches(Math.min(100_000, total - factory.made), 1_000)) store.appendBatch(batch);
  }
}

type SearchKind = "one common word" | "one rare word" | "two common words" | "common + rare word";

function drawSearch(kind: SearchKind): string {
  const common = () => COMMON_WORDS[Math.floor(random() * 40)];
  const rare = () => VOCABULARY[COMMON_WORDS.length + 2_000 + Math.floor(random() * 3_000)];
  switch (kind) {
    case "one common word":
      return common();
    case "one rare word":
      return rare();
    case "two common words":
      return `${common()} ${common()}`;
    case "common + rare word":
      return `${common()} ${rare()}`;
  }
}

async function measureSearch(store: SqliteStore): Promise<string[][]> {
  const kinds: SearchKind[] = ["one common word", "one rare word", "two common words", "common + rare word"];
  const all: number[] = [];
  const rows = [];
  for (const kind of kinds) {
    const latencies: number[] = [];
    let found = 0;
    for (let index = 0; index < SEARCHES_PER_KIND; index++) {
      const query = drawSearch(kind);
      latencies.push(
        await timeAsyncMs(async () => {
          found += (await store.search(query, USER_ROOMS, READER_KEY, SEARCH_LIMIT)).length;
        }),
      );
    }
    all.push(...latencies);
    rows.push([
      `search, ${kind}`,
      `p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms` +
        ` (${(found / SEARCHES_PER_KIND).toFixed(0)} results avg)`,
    ]);
  }
  rows.push([
    `search, all ${all.length}`,
    `p50 ${percentile(all, 0.5).toFixed(2)} ms, p99 ${percentile(all, 0.99).toFixed(2)} ms`,
  ]);
  return rows;
}

/** A cursor far enough back that the reader missed more than `MISSED_LIMIT` entries. */
async function measureMissed(store: SqliteStore, cursorBack: HistoryEntry): Promise<string[][]> {
  const rows = [];
  for (const [label, afterId] of [
    ["missedSince 10,000 of", cursorBack.id],
    ["missedSince 10,000 of (no cursor)", ""],
  ]) {
    let result = await store.missedSince(afterId, USER_ROOMS, READER_KEY, MISSED_LIMIT);
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      times.push(
        await timeAsyncMs(async () => {
          result = await store.missedSince(afterId, USER_ROOMS, READER_KEY, MISSED_LIMIT);
        }),
      );
    }
    const total = (result.entries.length + result.more).toLocaleString("en");
    rows.push([`${label} ${total}`, `${median(times).toFixed(1)} ms (median of 5)`]);
  }
  return rows;
}

/** Runs retention while a 1 ms timer measures how long the event loop was kept waiting. */
async function measureRetention(store: SqliteStore): Promise<string[][]> {
  let longestWaitMs = 0;
  let lastTick = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestWaitMs = Math.max(longestWaitMs, now - lastTick);
    lastTick = now;
  }, 1);
  const policy = { maxAgeMs: HISTORY_SPAN_MS * 0.9, maxPerRoom: 15_000 };
  let deleted = 0;
  const elapsed = await timeAsyncMs(async () => {
    deleted = await store.applyRetention(policy, Date.now());
  });
  clearInterval(timer);
  return [
    [
      `retention (oldest 10%, then 15,000 per room)`,
      `${deleted.toLocaleString("en")} deleted in ${(elapsed / 1000).toFixed(1)} s, ` +
        `${Math.round(deleted / (elapsed / 1000)).toLocaleString("en")} rows/s, event loop waited at most ${longestWaitMs.toFixed(0)} ms`,
    ],
  ];
}

function printTable(rows: readonly string[][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-store-bench-"));
  const started = performance.now();
  try {
    let store = SqliteStore.open(dataDir);
    const factory = new EntryFactory();
    const rows = await measureInsertRates(store, factory);
    fillTo(store, factory, TOTAL_ENTRIES - 200_000);
    const cursorBack = factory.next();
    store.appendBatch([cursorBack]);
    fillTo(store, factory, TOTAL_ENTRIES);
    await store.close();
    const fileBytes = fs.statSync(path.join(dataDir, "parley.db")).size;
    rows.push([
      `reopen ${factory.made.toLocaleString("en")} entries`,
      `${timeMs(() => {
        store = SqliteStore.open(dataDir);
      }).toFixed(0)} ms (file ${(fileBytes / 2 ** 20).toFixed(0)} MiB)`,
    ]);
    rows.push(...(await measureSearch(store)));
    rows.push(...(await measureMissed(store, cursorBack)));
    rows.push(...(await measureRetention(store)));
    await store.close();
    console.log(`SQLite history store, ${os.cpus()[0]?.model ?? "unknown CPU"}`);
    printTable(rows);
    console.log(`  (whole run ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
