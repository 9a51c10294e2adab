import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import Database from "better-sqlite3";
import { SqliteStore } from "../src/store/sqlite-store.js";
import type { HistoryEntry } from "../src/store/store.js";

function tempDataDir(t: TestContext): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parley-space-"));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

function entries(first: number, count: number): HistoryEntry[] {
  return Array.from({ length: count }, (_, offset) => {
    const sequence = first + offset;
    return {
      id: sequence.toString(36).padStart(13, "0"),
      at: sequence,
      kind: "message",
      target: "#busy",
      sender: "ann",
      senderKey: "ann",
      recipientKey: null,
      text: `message ${sequence} ${"words to fill the page ".repeat(12)}`,
    };
  });
}

/** Reads a pragma of a closed store's file. */
function pragmaOf(file: string, name: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
}

describe("disk space", () => {
  it("gives the space retention frees back to the disk", async (t) => {
    const dataDir = tempDataDir(t);
    const file = path.join(dataDir, "parley.db");
    const filling = SqliteStore.open(dataDir);
    for (let first = 1; first <= 20_000; first += 1_000) filling.appendBatch(entries(first, 1_000));
    await filling.close();
    const fullBytes = fs.statSync(file).size;

    const trimming = SqliteStore.open(dataDir);
    const deleted = await trimming.applyRetention({ maxAgeMs: 0, maxPerRoom: 100 }, Date.now());
    await trimming.close();
    assert.equal(deleted, 19_900);
    assert.equal(pragmaOf(file, "freelist_count"), 0);
    const trimmedBytes = fs.statSync(file).size;
    // The search index keeps a record of what it forgot until it merges, so not all of it goes.
    assert.ok(trimmedBytes < fullBytes / 3, `${fullBytes} bytes before, ${trimmedBytes} after`);
  });

  it("sets a small database made without it to give space back, at start", async (t) => {
    const dataDir = tempDataDir(t);
    const file = path.join(dataDir, "parley.db");
    await SqliteStore.open(dataDir).close();
    const older = new Database(file);
    older.pragma("auto_vacuum = NONE");
    older.exec("VACUUM");
    older.close();
    assert.equal(pragmaOf(file, "auto_vacuum"), 0);

    await SqliteStore.open(dataDir).close();
    assert.equal(pragmaOf(file, "auto_vacuum"), 2);
  });
});
