import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { toTerminalText } from "../src/text/terminal-text.js";
import { LineClient } from "./helpers/line-client.js";
import { ServerProcess } from "./helpers/server.js";

const OVERRIDES_AND_ISOLATES = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
/** Every character that can reorder text without being seen, for checking none got through. */
const DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

describe("direction controls in text for terminals", () => {
  it("are shown by name, each of them", () => {
    for (const code of OVERRIDES_AND_ISOLATES) {
      const name = `<U+${code.toString(16).toUpperCase()}>`;
      assert.equal(toTerminalText(`a${String.fromCharCode(code)}b`), `a${name}b`);
    }
    assert.equal(toTerminalText("abc \u202egnp.exe"), "abc <U+202E>gnp.exe");
    assert.equal(toTerminalText("\x1b[2J\u202e"), "^[[2J<U+202E>");
  });

  it("leave right-to-left text and the direction marks as they are", () => {
    for (const text of ["שלום עולם", "مرحبا بالعالم", "abc \u200fשלום\u200e 12", "\u061cعربي", "plain"]) {
      assert.equal(toTerminalText(text), text);
    }
  });

  describe("from one user to another", () => {
    let server: ServerProcess;
    let alice: LineClient;
    let bob: LineClient;
    before(async () => {
      server = await ServerProcess.start();
      alice = await LineClient.join(server.port);
      bob = await LineClient.join(server.port);
      await alice.waitFor((line) => line.includes(bob.address));
    });
    after(async () => {
      await Promise.all([alice.close(), bob.close()]);
      await server.kill();
    });

    it("are shown in messages, actions and topics, on the console transcript too, and right-to-left text is not", async () => {
      alice.send("abc \u202egnp.exe\n");
      alice.send("/me waves \u2067back\u2069\n");
      alice.send("/topic \u202bnews\u202c\n");
      alice.send("שלום \u200fعربي\n");
      const expected = [
        `[${alice.address}] abc <U+202E>gnp.exe`,
        `* ${alice.address} waves <U+2067>back<U+2069>`,
        `> ${alice.address} set the topic: <U+202B>news<U+202C>`,
        `[${alice.address}] שלום \u200fعربي`,
      ];
      await bob.waitFor(expected[3]);
      assert.deepEqual(
        bob.lines.filter((line) => line.includes(alice.address) && !line.startsWith("> New user")),
        expected,
      );
      await server.waitForLine(expected[3]);
      for (const line of expected) assert.ok(server.stdoutLines.includes(line), line);
      assert.doesNotMatch(server.stdoutLines.join("\n"), DIRECTION_CONTROL);
      bob.send("/topic\n");
      const topic = await bob.waitFor((line) => line.startsWith("- Topic of #lobby"));
      assert.match(topic, /^- Topic of #lobby: <U\+202B>news<U\+202C> \(set by /);
    });

    it("are shown in history replays and search results", async () => {
      bob.send("/history #lobby 10\n");
      await bob.waitFor("- End of history.");
      const replayed = bob.lines.filter((line) => line.startsWith("~ "));
      assert.ok(
        replayed.some((line) => line.endsWith(`[${alice.address}] abc <U+202E>gnp.exe`)),
        replayed.join("\n"),
      );
      assert.ok(replayed.some((line) => line.endsWith(`* ${alice.address} waves <U+2067>back<U+2069>`)));
      bob.send("/search gnp\n");
      const found = await bob.waitFor(
        (line) => line.startsWith("~ ") && line.includes("gnp"),
        undefined,
        bob.lines.length,
      );
      assert.ok(found.endsWith("abc <U+202E>gnp.exe"), found);
      assert.doesNotMatch(bob.lines.join("\n"), DIRECTION_CONTROL);
    });

    it("are refused in room names, and shown when the refusal repeats the name", async () => {
      alice.send("/join #a\u202eb\n");
      const refusal = await alice.waitFor((line) => line.startsWith("! ") && line.includes("room name"));
      assert.match(refusal, /^! "#a<U\+202E>b" cannot be a room name/);
      assert.doesNotMatch(alice.lines.join("\n"), DIRECTION_CONTROL);
    });
  });
});
