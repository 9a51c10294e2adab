import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatLines, messageLines } from "../src/frontends/irc/irc-render.js";
import { isIrcLineError, parseIrcLine } from "../src/frontends/irc/message.js";

const SOURCE = "someone!~someone@n4ooyplq.w6g4fa3g.parley";

/** The lines a message becomes, parsed back: each line's bytes and its text. */
function sent(text: string, isAction: boolean, target = "#room"): Array<{ bytes: number; text: string }> {
  const wire = formatLines(messageLines(SOURCE, { text, isAction }, target), null).toString("utf8");
  return wire
    .split("\r\n")
    .slice(0, -1)
    .map((line) => {
      const parsed = parseIrcLine(Buffer.from(line, "utf8"));
      assert.ok(!isIrcLineError(parsed), line);
      const last = parsed.params[1] ?? "";
      const said = isAction ? last.slice("\x01ACTION ".length, -1) : last;
      return { bytes: Buffer.byteLength(`${line}\r\n`), text: said };
    });
}

describe("a message as IRC lines", () => {
  it("fits every line in 512 bytes and loses no character, whatever the text and its scripts", () => {
    const character = fc.constantFrom("a", " ", "é", "€", "😀", "中", "x");
    fc.assert(
      fc.property(fc.array(character, { minLength: 1, maxLength: 700 }), fc.boolean(), (characters, isAction) => {
        const text = characters.join("");
        const lines = sent(text, isAction);
        for (const line of lines) assert.ok(line.bytes <= 512, `${line.bytes} bytes`);
        assert.equal(lines.map((line) => line.text).join(""), text);
      }),
      { numRuns: 300 },
    );
  });

  it("sends a message that fits as one line, and one that does not as several", () => {
    assert.equal(sent("hello there", false).length, 1);
    assert.equal(sent("😀".repeat(100), false).length, 1);
    assert.equal(sent("😀".repeat(200), false).length, 2);
  });
});
