import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Conversation, type Entry, mentions } from "../src/web/conversations.js";
import { completeName, SentLines } from "../src/web/input-keys.js";
import { hueOfName, safeLink, shownText } from "../src/web/rich-text.js";
import { readTypedLine } from "../src/web/typed-commands.js";

function entry(key: string): Entry {
  return { key, at: 0, kind: "message", from: "ann", text: key, mentions: false };
}

describe("what the page sends for a typed line", () => {
  it("plain text goes to the open room, or to the person of a direct conversation", () => {
    assert.deepEqual(readTypedLine("hello", "#lobby", true), {
      kind: "send",
      frame: { type: "say", room: "#lobby", text: "hello", action: false },
    });
    assert.deepEqual(readTypedLine("hi", "bob", true), {
      kind: "send",
      frame: { type: "direct", to: "bob", text: "hi", action: false },
    });
    assert.deepEqual(readTypedLine("//not a command", "#a", true), {
      kind: "send",
      frame: { type: "say", room: "#a", text: "/not a command", action: false },
    });
  });

  it("slash commands are the line protocol's, in the JSON protocol's words", () => {
    const sent = (line: string, current: string | null = "#lobby") => {
      const typed = readTypedLine(line, current, true);
      assert.equal(typed.kind, "send", line);
      return typed.kind === "send" ? typed.frame : null;
    };
    assert.deepEqual(sent("/join #dev"), { type: "join", room: "#dev" });
    assert.deepEqual(sent("/join #dev sesame"), { type: "join", room: "#dev", key: "sesame" });
    assert.deepEqual(sent("/part"), { type: "part", room: "#lobby" });
    assert.deepEqual(sent("/part #dev bye now"), { type: "part", room: "#dev", reason: "bye now" });
    assert.deepEqual(sent("/nick ann"), { type: "nick", name: "ann" });
    assert.deepEqual(sent("/me waves"), { type: "say", room: "#lobby", text: "waves", action: true });
    assert.deepEqual(sent("/me waves", "bob"), { type: "direct", to: "bob", text: "waves", action: true });
    assert.deepEqual(sent("/msg bob hi there"), { type: "direct", to: "bob", text: "hi there", action: false });
    assert.deepEqual(sent("/topic"), { type: "topic", room: "#lobby" });
    assert.deepEqual(sent("/topic new words"), { type: "topic", room: "#lobby", topic: "new words" });
    assert.deepEqual(sent("/topic -delete"), { type: "topic", room: "#lobby", topic: "" });
    assert.deepEqual(sent("/who"), { type: "who", room: "#lobby" });
    assert.deepEqual(sent("/rooms"), { type: "rooms" });
    assert.deepEqual(sent("/register hunter22"), { type: "register", password: "hunter22" });
    assert.deepEqual(sent("/login ann hunter22"), { type: "login", name: "ann", password: "hunter22" });
    assert.deepEqual(sent("/logout"), { type: "logout" });
    assert.deepEqual(sent("/history 20"), { type: "history", where: "#lobby", limit: 20 });
    assert.deepEqual(sent("/search cats"), { type: "search", query: "cats" });
    assert.deepEqual(sent("/away lunch"), { type: "away", message: "lunch" });
    assert.deepEqual(sent("/away"), { type: "away", message: null });
    assert.deepEqual(sent("/quit"), { type: "quit" });
    assert.deepEqual(sent("/op bob"), { type: "mode", room: "#lobby", changes: [{ mode: "o", on: true, arg: "bob" }] });
    assert.deepEqual(sent("/whois bob"), { type: "whois", names: ["bob"] });
  });

  it("mistakes are explained, not sent", () => {
    assert.equal(readTypedLine("/frobnicate", "#a", true).kind, "problem");
    assert.equal(readTypedLine("/msg bob", "#a", true).kind, "problem");
    assert.equal(readTypedLine("hello", null, true).kind, "problem");
    assert.equal(readTypedLine("   ", "#a", true).kind, "nothing");
    const help = readTypedLine("/help", "#a", false);
    assert.equal(help.kind, "help");
    if (help.kind === "help") {
      assert.ok(help.lines.some((line) => line.startsWith("/join")));
      assert.ok(!help.lines.some((line) => line.startsWith("/search")), "no /search on a server without history");
    }
  });
});

describe("a conversation's entries", () => {
  it("keeps them in id order and shows an id once, whatever order they arrive in", () => {
    const conversation = new Conversation("#a");
    assert.equal(conversation.add(entry("0000000b0000aaa")), 0);
    assert.equal(conversation.add(entry("0000000d0000aaa")), 1);
    assert.equal(conversation.add(entry("0000000a0000aaa")), 0);
    assert.equal(conversation.add(entry("0000000c0000aaa")), 2);
    assert.equal(conversation.add(entry("0000000c0000aaa")), -1);
    assert.deepEqual(
      conversation.entries.map((each) => each.key[7]),
      ["a", "b", "c", "d"],
    );
    assert.equal(conversation.oldestId, "0000000a0000aaa");
    assert.equal(conversation.lastId, "0000000d0000aaa");
  });

  it("forgets its oldest entries when asked, and may be given them again", () => {
    const conversation = new Conversation("#a");
    for (const letter of "abcd") conversation.add(entry(`0000000${letter}0000aaa`));
    conversation.reachedBeginning = true;
    conversation.dropOldest(2);
    assert.equal(conversation.oldestId, "0000000c0000aaa");
    assert.equal(conversation.reachedBeginning, false);
    assert.equal(conversation.add(entry("0000000a0000aaa")), 0, "an entry forgotten is new again");
  });

  it("places the page's notes after what was shown and before what comes later", () => {
    const conversation = new Conversation("#a");
    conversation.add({ ...entry(conversation.noteKey()), kind: "note" });
    conversation.add(entry("0000000b0000aaa"));
    conversation.add({ ...entry(conversation.noteKey()), kind: "note" });
    conversation.add(entry("0000000c0000aaa"));
    assert.deepEqual(
      conversation.entries.map((each) => each.kind),
      ["note", "message", "note", "message"],
    );
    assert.equal(conversation.lastId, "0000000c0000aaa", "a note is never where a catch-up starts");
  });

  it("a mention is the reader's name as a word", () => {
    assert.ok(mentions("hi Ann!", "ann"));
    assert.ok(mentions("ann: look", "ann"));
    assert.ok(!mentions("annabel is here", "ann"));
    assert.ok(!mentions("joanne", "ann"));
    assert.ok(!mentions("anything", ""));
  });
});

describe("links and names", () => {
  it("only http and https become links", () => {
    assert.equal(safeLink("https://example.org/a?b=c"), "https://example.org/a?b=c");
    assert.equal(safeLink("http://example.org"), "http://example.org/");
    assert.equal(safeLink("javascript:alert(1)"), null);
    assert.equal(safeLink("data:text/html,<script>alert(1)</script>"), null);
    assert.equal(safeLink("not a url"), null);
  });

  it("a name's colour is the same every time, whatever its case", () => {
    assert.equal(hueOfName("Ann"), hueOfName("ann"));
    assert.ok(hueOfName("ann") >= 0 && hueOfName("ann") < 360);
    assert.notEqual(hueOfName("ann"), hueOfName("bob"));
  });
});

describe("the input line's keys", () => {
  it("Tab completes a name, cycling through matches, with a colon at the start of a line", () => {
    const names = ["bob", "Bea", "carol"];
    assert.deepEqual(completeName("b", 1, names, 0), { text: "Bea: ", caret: 5 });
    assert.deepEqual(completeName("b", 1, names, 1), { text: "bob: ", caret: 5 });
    assert.deepEqual(completeName("hi ca and", 5, names, 0), { text: "hi carol and", caret: 8 });
    assert.equal(completeName("zed", 3, names, 0), null);
    assert.equal(completeName("", 0, names, 0), null);
  });

  it("Up walks back through the lines sent and Down forward again", () => {
    const sent = new SentLines();
    sent.remember("one");
    sent.remember("two");
    assert.equal(sent.older(), "two");
    assert.equal(sent.older(), "one");
    assert.equal(sent.older(), null);
    assert.equal(sent.newer(), "two");
    assert.equal(sent.newer(), "");
    assert.equal(sent.newer(), null);
  });
});

describe("user text as the page shows it", () => {
  it("marks bidi overrides, embeddings and isolates by name, as the line protocol does", () => {
    assert.equal(shownText("see \u202Egpj.exe"), "see <U+202E>gpj.exe");
    assert.equal(shownText("\u2066a\u2069"), "<U+2066>a<U+2069>");
  });

  it("shows ESC and the C1 controls in caret notation, not as a blank box", () => {
    assert.equal(shownText("a\u001b[31mb"), "a^[[31mb");
    assert.equal(shownText("\u009b"), "^[[");
  });

  it("leaves Hebrew, Arabic, emoji and the direction marks as they are", () => {
    for (const text of ["שלום", "مرحبا", "a\u200Fb", "👩\u200D💻"]) assert.equal(shownText(text), text);
  });
});
