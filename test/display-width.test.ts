import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { columnsOf, positionAfter } from "../src/client/display-width.js";

describe("the columns text takes on a terminal", () => {
  it("counts letters one, CJK, fullwidth forms and emoji two, combining marks and joiners none", () => {
    assert.deepEqual(
      ["a", "é", "Ж", "漢", "か", "한", "Ａ", "😀", "\u0301", "\u200d", "\u200b", "\u1161"].map(columnsOf),
      [1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0],
    );
  });

  it("wraps a filled row, and a wide character that does not fit, to the next row", () => {
    assert.deepEqual(positionAfter("", 10), { row: 0, column: 0 });
    assert.deepEqual(positionAfter("abcdefghij", 10), { row: 1, column: 0 });
    assert.deepEqual(positionAfter("abcdefghijk", 10), { row: 1, column: 1 });
    assert.deepEqual(positionAfter(`a${"漢".repeat(5)}`, 10), { row: 1, column: 2 });
    assert.deepEqual(positionAfter("漢".repeat(5), 10), { row: 1, column: 0 });
    assert.deepEqual(positionAfter("e\u0301".repeat(12), 10), { row: 1, column: 2 });
  });
});
