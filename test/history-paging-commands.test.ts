import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { olderPageCommand } from "../src/frontends/line/codec.js";
import { parseLineCommand } from "../src/frontends/line/line-commands.js";

describe("the next-page requests the line protocol prints", () => {
  const before = "0mk3p2q1a0000x7z";
  const after = "0mj2a1b0c0000x7z";

  it("parse back to the page they name, whatever the room or person is called", () => {
    const wheres = ["#rust", "*", "ann", "Infinity", "before", "after", "1e3", "0x10", "42", "127.0.0.1:5555"];
    for (const where of wheres) {
      for (const page of [
        { where, limit: 500, before, after: "" },
        { where, limit: 37, before, after },
      ]) {
        const parsed = parseLineCommand(olderPageCommand(page), "#lobby");
        assert.deepEqual(parsed, { kind: "history", ...page }, olderPageCommand(page));
      }
    }
  });

  it("still reads a bare count, and refuses counts that are not whole numbers", () => {
    assert.deepEqual(parseLineCommand("/history 20", "#lobby"), {
      kind: "history",
      where: "#lobby",
      limit: 20,
      before: "",
      after: "",
    });
    for (const count of ["-1", "1.5", "1e3", "0x10"]) {
      assert.equal((parseLineCommand(`/history ${count}`, "#lobby") as { code?: string }).code, "ERR_USAGE", count);
    }
  });
});
