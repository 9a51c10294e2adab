import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import {
  formatIrcLine,
  formatIrcMessage,
  type IrcLineError,
  type IrcMessage,
  ircText,
  isIrcLineError,
  PreparedIrcMessage,
  parseIrcLine,
  UnsafeIrcText,
} from "../src/frontends/irc/message.js";

function parse(line: string | Buffer): IrcMessage | IrcLineError {
  return parseIrcLine(typeof line === "string" ? Buffer.from(line, "utf8") : line);
}

function parsed(line: string | Buffer): IrcMessage {
  const result = parse(line);
  if (isIrcLineError(result)) assert.fail(`expected a message, got ${JSON.stringify(result)}`);
  return result;
}

function tagsOf(line: string): Record<string, string> {
  const { tags } = parsed(line);
  assert.ok(tags !== null, "expected tags");
  return Object.fromEntries(tags);
}

function message(command: string, params: string[], extra: Partial<IrcMessage> = {}): IrcMessage {
  return { tags: null, source: null, command, params, ...extra };
}

describe("parsing an IRC line", () => {
  it("reads source, command and parameters, with a trailing parameter holding spaces and colons", () => {
    assert.deepEqual(parsed(":nick!u@h PRIVMSG #room :hello there: :) "), {
      tags: null,
      source: "nick!u@h",
      command: "PRIVMSG",
      params: ["#room", "hello there: :) "],
    });
  });

  it("uppercases the command and accepts three-digit numerics", () => {
    assert.equal(parsed("privMsg a b").command, "PRIVMSG");
    assert.deepEqual(parsed(":srv 001 me :Welcome").params, ["me", "Welcome"]);
  });

  it("refuses a command that is neither letters nor three digits", () => {
    for (const command of ["PR1VMSG", "01", "0001", "PRIV-MSG", "ÄB", "1A2"]) {
      assert.deepEqual(parse(`${command} x`), { kind: "bad-command", command, tags: null }, command);
    }
  });

  it("takes an empty trailing parameter", () => {
    assert.deepEqual(parsed("TOPIC #room :").params, ["#room", ""]);
    assert.deepEqual(parsed("AWAY :").params, [""]);
  });

  it("takes a trailing parameter that starts with a colon", () => {
    assert.deepEqual(parsed("PRIVMSG #r ::)").params, ["#r", ":)"]);
  });

  it("is lenient with several spaces and a trailing space", () => {
    assert.deepEqual(parsed("  :src   PRIVMSG   #a    b   :  c  d").params, ["#a", "b", "  c  d"]);
    assert.equal(parsed("  :src   PRIVMSG   #a    b   :  c  d").source, "src");
    assert.deepEqual(parsed("JOIN #a   ").params, ["#a"]);
    assert.deepEqual(parsed("PING").params, []);
  });

  it("strips stray CRs at the end, and refuses one inside the line", () => {
    assert.deepEqual(parsed("PING :x\r").params, ["x"]);
    assert.deepEqual(parsed("PING :x\r\r").params, ["x"]);
    assert.deepEqual(parse("PRIVMSG #a :hi\r:evil!x@y PRIVMSG #a :owned"), { kind: "line-break" });
    assert.deepEqual(parse("PRIVMSG #a :hi\nQUIT"), { kind: "line-break" });
  });

  it("refuses NUL anywhere", () => {
    assert.deepEqual(parse("PRIVMSG #a :hi\0there"), { kind: "nul" });
    assert.deepEqual(parse("@a=\0 PING"), { kind: "nul" });
  });

  it("calls an empty or all-space line empty", () => {
    assert.deepEqual(parse(""), { kind: "empty" });
    assert.deepEqual(parse("    "), { kind: "empty" });
    assert.deepEqual(parse("\r"), { kind: "empty" });
  });

  it("calls tags or a source with no command no-command", () => {
    assert.deepEqual(parse("@a=b"), { kind: "no-command" });
    assert.deepEqual(parse("@a=b "), { kind: "no-command" });
    assert.deepEqual(parse(":src"), { kind: "no-command" });
    assert.deepEqual(parse(":src   "), { kind: "no-command" });
  });

  it("reads an empty source as none", () => {
    assert.equal(parsed(": PING x").source, null);
  });

  describe("fifteen parameters", () => {
    const fourteen = Array.from({ length: 14 }, (_, i) => `p${i + 1}`);

    it("reads up to fifteen as written", () => {
      assert.deepEqual(parsed(`CMD ${fourteen.join(" ")} :last one`).params, [...fourteen, "last one"]);
      assert.deepEqual(parsed(`CMD ${fourteen.join(" ")} last`).params, [...fourteen, "last"]);
    });

    it("folds what is past the fourteenth middle into the fifteenth, spaces kept (RFC 2812 §2.3.1)", () => {
      const params = parsed(`CMD ${fourteen.join(" ")} p15 p16  p17 :p18`).params;
      assert.equal(params.length, 15);
      assert.equal(params[14], "p15 p16  p17 :p18");
    });

    it("drops the colon of a fifteenth parameter", () => {
      assert.equal(parsed(`CMD ${fourteen.join(" ")} :x y`).params[14], "x y");
    });
  });

  describe("tags", () => {
    it("reads keys, values and tags without values", () => {
      assert.deepEqual(tagsOf("@time=2026-01-01T00:00:00.000Z;+draft/reply=abc;flag :s PRIVMSG #a :x"), {
        time: "2026-01-01T00:00:00.000Z",
        "+draft/reply": "abc",
        flag: "",
      });
    });

    it("unescapes values per IRCv3 message-tags", () => {
      assert.deepEqual(tagsOf("@a=semi\\:colon;b=sp\\sace;c=back\\\\slash;d=cr\\rlf\\n;e=\\x\\y;f=end\\ PING"), {
        a: "semi;colon",
        b: "sp ace",
        c: "back\\slash",
        d: "cr\rlf\n",
        e: "xy",
        f: "end",
      });
    });

    it("treats an empty value as none and keeps the last of a repeated key", () => {
      assert.deepEqual(tagsOf("@a=;b=1;b=2;;c PING"), { a: "", b: "2", c: "" });
    });

    it("reads an empty tag section as no tags but a map", () => {
      const result = parsed("@ PING");
      assert.equal(result.tags?.size, 0);
      assert.equal(result.command, "PING");
    });
  });

  describe("limits", () => {
    it("takes a 510-byte line and refuses 511", () => {
      const at = `PRIVMSG #a :${"x".repeat(510 - 12)}`;
      assert.equal(Buffer.byteLength(at), 510);
      assert.equal(parsed(at).params[1]?.length, 498);
      assert.deepEqual(parse(`${at}x`), { kind: "input-too-long" });
    });

    it("does not count the stray CR", () => {
      const at = `PRIVMSG #a :${"x".repeat(498)}\r`;
      assert.equal(isIrcLineError(parse(at)), false);
    });

    it("counts multi-byte characters as bytes", () => {
      const line = `PRIVMSG #a :${"é".repeat(249)}`;
      assert.equal(Buffer.byteLength(line), 510);
      assert.equal(isIrcLineError(parse(line)), false);
      assert.deepEqual(parse(`${line}x`), { kind: "input-too-long" });
    });

    it("takes a tag section of 8191 bytes with its space and refuses 8192", () => {
      const tags = `@a=${"v".repeat(8191 - 4)} `;
      assert.equal(tags.length, 8191);
      const body = `PRIVMSG #a :${"x".repeat(498)}`;
      assert.equal(parsed(tags + body).tags?.get("a")?.length, 8187);
      assert.deepEqual(parse(`@a=${"v".repeat(8191 - 3)} ${body}`), { kind: "input-too-long" });
    });

    it("counts the body apart from the tags", () => {
      const tags = "@a=b ";
      assert.equal(isIrcLineError(parse(`${tags}PRIVMSG #a :${"x".repeat(498)}`)), false);
      assert.deepEqual(parse(`${tags}PRIVMSG #a :${"x".repeat(499)}`), { kind: "input-too-long" });
    });

    it("refuses an overlong tag section with no space at all", () => {
      assert.deepEqual(parse(`@${"a".repeat(8191)}`), { kind: "input-too-long" });
    });
  });

  describe("UTF-8", () => {
    it("refuses invalid UTF-8 and names the command", () => {
      const line = Buffer.concat([Buffer.from("privmsg #room :hi"), Buffer.of(0xaa)]);
      assert.deepEqual(parse(line), { kind: "invalid-utf8", command: "PRIVMSG" });
    });

    it("refuses overlong forms and surrogates", () => {
      for (const bad of [Buffer.of(0xc0, 0xaf), Buffer.of(0xed, 0xa0, 0x80), Buffer.of(0xf4, 0x90, 0x80, 0x80)]) {
        const line = Buffer.concat([Buffer.from("@t=x :src TOPIC #a :"), bad]);
        assert.deepEqual(parse(line), { kind: "invalid-utf8", command: "TOPIC" });
      }
    });

    it("gives no command when the command itself is not readable", () => {
      assert.deepEqual(parse(Buffer.from([0xff, 0x20, 0x41])), { kind: "invalid-utf8", command: null });
      assert.deepEqual(parse(Buffer.from([0x41, 0xff, 0x20, 0x41])), { kind: "invalid-utf8", command: null });
    });

    it("accepts valid UTF-8 everywhere", () => {
      assert.deepEqual(parsed("@+tag=héllo :ñick PRIVMSG #café :日本語 🙂").params, ["#café", "日本語 🙂"]);
    });
  });
});

describe("formatting an IRC message", () => {
  it("writes tags, source, command and parameters with CR LF", () => {
    const line = formatIrcLine({
      tags: new Map([
        ["time", "2026-01-01T00:00:00.000Z"],
        ["flag", ""],
      ]),
      source: "nick!u@h",
      command: "PRIVMSG",
      params: ["#room", "hello there"],
    });
    assert.equal(line, "@time=2026-01-01T00:00:00.000Z;flag :nick!u@h PRIVMSG #room :hello there\r\n");
  });

  it("writes the last parameter bare when it can, and with a colon when it is empty, has a space or starts with one", () => {
    assert.equal(formatIrcLine(message("JOIN", ["#a"])), "JOIN #a\r\n");
    assert.equal(formatIrcLine(message("AWAY", [""])), "AWAY :\r\n");
    assert.equal(formatIrcLine(message("PRIVMSG", ["#a", "a b"])), "PRIVMSG #a :a b\r\n");
    assert.equal(formatIrcLine(message("PRIVMSG", ["#a", ":)"])), "PRIVMSG #a ::)\r\n");
    assert.equal(formatIrcLine(message("PING", [])), "PING\r\n");
  });

  it("escapes tag values", () => {
    const line = formatIrcLine(message("PING", [], { tags: new Map([["a", "x; y\\z"]]) }));
    assert.equal(line, "@a=x\\:\\sy\\\\z PING\r\n");
  });

  it("writes no tag section for an empty map", () => {
    assert.equal(formatIrcLine(message("PING", [], { tags: new Map() })), "PING\r\n");
  });

  it("cuts the last parameter between characters so the line is at most 512 bytes with CR LF", () => {
    const reason = "é日😀x".repeat(200);
    for (const source of ["n!u@h", "a-much-longer-nick!someone@a.host.example.org"]) {
      const line = formatIrcLine(message("PART", ["#room", reason], { source }));
      assert.ok(Buffer.byteLength(line) <= 512 && Buffer.byteLength(line) >= 509, `${Buffer.byteLength(line)} bytes`);
      const kept = (parsed(line.slice(0, -2)).params as string[])[1] as string;
      assert.ok(reason.startsWith(kept) && kept.length > 100, kept);
      assert.ok(!kept.endsWith("\ud83d"), "no half of a surrogate pair");
    }
    const short = message("PART", ["#room", "bye now"], { source: "n!u@h" });
    assert.equal(formatIrcLine(short), ":n!u@h PART #room :bye now\r\n");
  });

  it("cuts between characters as a reader sees them: never inside a flag, an accented letter or a joined emoji", () => {
    for (const unit of ["🇫🇷", "e\u0301", "👨\u200d👩\u200d👧"]) {
      for (let pad = 0; pad < 8; pad++) {
        const reason = "x".repeat(pad) + unit.repeat(200);
        const line = formatIrcLine(message("PART", ["#room", reason], { source: "n!u@h" }));
        assert.ok(Buffer.byteLength(line) <= 512);
        const kept = (parsed(line.slice(0, -2)).params as string[])[1] as string;
        assert.equal(kept.slice(pad).split(unit).join(""), "", `${JSON.stringify(unit)} whole, ${kept.length} units`);
      }
    }
    // One character longer than a line is still cut, between its code points.
    const heavy = `a${"\u0301".repeat(400)}`;
    const line = formatIrcLine(message("PART", ["#room", heavy], { source: "n!u@h" }));
    assert.ok(Buffer.byteLength(line) <= 512 && Buffer.byteLength(line) > 500);
  });

  it("returns the same bytes as a Buffer", () => {
    const msg = message("PRIVMSG", ["#a", "日本語"], { source: "n" });
    assert.deepEqual(formatIrcMessage(msg), Buffer.from(formatIrcLine(msg), "utf8"));
  });

  it("renders a prepared message with each recipient's tags as the one-off formatter does", () => {
    const body = { source: "alice!a@h", command: "PRIVMSG", params: ["#room", "hi there"] };
    const prepared = new PreparedIrcMessage(body);
    const tags = new Map([["time", "2026-01-01T00:00:00.000Z"]]);
    assert.deepEqual(prepared.format(tags), formatIrcMessage({ ...body, tags }));
    assert.deepEqual(prepared.format(null), formatIrcMessage({ ...body, tags: null }));
    assert.throws(() => new PreparedIrcMessage({ ...body, params: ["#room", "a\rb"] }), UnsafeIrcText);
    assert.throws(() => prepared.format(new Map([["a", "\n"]])), UnsafeIrcText);
  });

  it("makes text others wrote one line: each CR, LF or NUL a space, terminal controls in caret notation", () => {
    assert.equal(ircText("first\r:evil PRIVMSG #x :second"), "first :evil PRIVMSG #x :second");
    assert.equal(ircText("a\nb\0c\r\n"), "a b c  ");
    const same = "tabs\tand ünïcödé \x01ACTION\x01 \x02b\x03 4\x04 \x0f\x11\x16\x1d\x1e\x1f \u00a0\u200f";
    assert.equal(ircText(same), same);
    assert.equal(ircText("\x1b[31mred\x07 \u009b2J \x7f\x05\x1c"), "^[[31mred^G ^[[2J ^?^E^\\");
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const line = formatIrcLine(message("PRIVMSG", ["#a", ircText(text)]));
        assert.equal(line.indexOf("\r"), line.length - 2);
        assert.equal(line.indexOf("\n"), line.length - 1);
      }),
    );
  });

  it("throws UnsafeIrcText for CR, LF or NUL in any parameter, source or tag value", () => {
    for (const bad of ["a\rb", "a\nb", "a\0b", "\r\n:evil PRIVMSG #x :owned"]) {
      assert.throws(() => formatIrcMessage(message("PRIVMSG", ["#a", bad])), UnsafeIrcText);
      assert.throws(() => formatIrcMessage(message("PRIVMSG", [bad.replace(/ /g, "_"), "x"])), UnsafeIrcText);
      assert.throws(() => formatIrcMessage(message("PING", [], { source: bad })), UnsafeIrcText);
      assert.throws(() => formatIrcMessage(message("PING", [], { tags: new Map([["a", bad]]) })), UnsafeIrcText);
    }
  });

  it("throws for a middle parameter the grammar cannot carry", () => {
    for (const middle of ["", "a b", ":a"]) {
      assert.throws(() => formatIrcMessage(message("PRIVMSG", [middle, "x"])), /middle parameter/);
    }
  });

  it("throws for more than fifteen parameters, a bad command, source or tag key", () => {
    assert.throws(
      () =>
        formatIrcMessage(
          message(
            "CMD",
            Array.from({ length: 16 }, () => "p"),
          ),
        ),
      /15/,
    );
    assert.throws(() => formatIrcMessage(message("PRIV MSG", [])), /command/);
    assert.throws(() => formatIrcMessage(message("", [])), /command/);
    assert.throws(() => formatIrcMessage(message("PING", [], { source: "a b" })), /source/);
    assert.throws(() => formatIrcMessage(message("PING", [], { source: "" })), /source/);
    for (const key of ["", "a b", "a=b", "a;b"]) {
      assert.throws(() => formatIrcMessage(message("PING", [], { tags: new Map([[key, "v"]]) })), /tag key/);
    }
  });
});

describe("properties", () => {
  const safeChar = fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }).filter((c) => !/[\r\n\0]/.test(c));
  const safeText = fc.array(fc.oneof(safeChar, fc.constantFrom(" ", ":", ";", "\\", "@", "=")), { maxLength: 20 });
  const trailing = safeText.map((chars) => chars.join(""));
  const middle = trailing.filter((text) => text.length > 0 && !text.includes(" ") && !text.startsWith(":"));
  const command = fc.oneof(
    fc.stringMatching(/^[A-Z]{1,12}$/),
    fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, "0")),
  );
  const tagKey = fc.stringMatching(/^\+?([a-z0-9.-]+\/)?[a-zA-Z0-9-]{1,12}$/);
  const tags = fc.option(
    fc
      .uniqueArray(fc.tuple(tagKey, trailing), { minLength: 1, maxLength: 5, selector: ([key]) => key })
      .map((entries) => new Map(entries)),
  );
  const source = fc.option(middle);
  const params = fc
    .tuple(fc.array(middle, { maxLength: 14 }), fc.option(trailing))
    .map(([middles, last]) => (last === null ? middles : [...middles, last]));
  // fast-check's records have no prototype; the parser's messages are plain objects.
  const validMessage = fc.record({ tags, source, command, params }).map((msg): IrcMessage => ({ ...msg }));

  it("formatting then parsing gives the message back, its last parameter cut only where the line would pass 512 bytes", () => {
    fc.assert(
      fc.property(validMessage, (msg) => {
        // Middle parameters cannot be cut: a line whose others fill it is a caller's bug.
        fc.pre(Buffer.byteLength(formatIrcLine({ ...msg, tags: null, params: msg.params.slice(0, -1) })) < 400);
        const line = formatIrcLine(msg);
        const body = Buffer.byteLength(formatIrcLine({ ...msg, tags: null }));
        assert.ok(body <= 512, `${body} bytes`);
        const back = parsed(line.slice(0, -2));
        if (isDeepStrictEqual(back, msg)) return;
        // Cut: to within a character of the limit, the rest as it was.
        assert.ok(body > 512 - 4, `cut to ${body} bytes`);
        const last = msg.params.length - 1;
        assert.ok((msg.params[last] as string).startsWith(back.params[last] as string));
        assert.deepEqual({ ...back, params: back.params.slice(0, -1) }, { ...msg, params: msg.params.slice(0, -1) });
      }),
      { numRuns: 2000 },
    );
  });

  it("a long last parameter is cut between characters, never inside one", () => {
    const longText = fc
      .array(fc.oneof(safeChar, fc.constant(" ")), { minLength: 100, maxLength: 400 })
      .map((c) => c.join(""));
    fc.assert(
      fc.property(fc.option(middle), fc.array(middle, { maxLength: 3 }), longText, (source, middles, text) => {
        const msg: IrcMessage = { tags: null, source, command: "PART", params: [...middles, text] };
        const line = formatIrcLine(msg);
        assert.ok(Buffer.byteLength(line) <= 512);
        const kept = parsed(line.slice(0, -2)).params.at(-1) as string;
        assert.ok(text.startsWith(kept));
        assert.equal(Buffer.from(kept, "utf8").toString("utf8"), kept, "no lone surrogate");
      }),
      { numRuns: 500 },
    );
  });

  it("parsing arbitrary bytes never throws", () => {
    const interesting = fc.constantFrom(..." :@;=\\\r\n\0\xff\xc3".split("").map((c) => c.charCodeAt(0)));
    const bytes = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), interesting, fc.constant(0x41)), {
      maxLength: 600,
    });
    fc.assert(
      fc.property(bytes, (array) => {
        const result = parseIrcLine(Buffer.from(array));
        assert.ok(result !== undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it("formatting never writes CR, LF or NUL but the final CR LF, or throws UnsafeIrcText", () => {
    const anyText = fc.string({ unit: "binary", maxLength: 20 });
    const anyMessage = fc.record({
      tags: fc.option(fc.array(fc.tuple(tagKey, anyText), { maxLength: 3 }).map((entries) => new Map(entries))),
      source: fc.option(anyText.filter((text) => text.length > 0 && !text.includes(" "))),
      command,
      params: fc
        .tuple(
          fc.array(
            anyText.filter((text) => text.length > 0 && !text.includes(" ") && !text.startsWith(":")),
            {
              maxLength: 5,
            },
          ),
          anyText,
        )
        .map(([middles, last]) => [...middles, last]),
    });
    fc.assert(
      fc.property(anyMessage, (msg) => {
        let line: Buffer;
        try {
          line = formatIrcMessage(msg);
        } catch (error) {
          assert.ok(error instanceof UnsafeIrcText, String(error));
          return;
        }
        const body = line.subarray(0, -2);
        assert.equal(line.subarray(-2).toString("latin1"), "\r\n");
        assert.equal(body.indexOf(0x0d), -1);
        assert.equal(body.indexOf(0x0a), -1);
        assert.equal(body.indexOf(0x00), -1);
      }),
      { numRuns: 3000 },
    );
  });
});
