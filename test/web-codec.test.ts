import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Command } from "../src/core/commands.js";
import type { MessageEvent, QuitEvent, Reply, RoomMember, UserRef } from "../src/core/events.js";
import {
  DEFAULT_HISTORY_LIMIT,
  type DecodedFrame,
  decodeWebFrame,
  MAX_REQUEST_ID,
  WEB_COMMAND_TYPES,
} from "../src/frontends/web/web-commands.js";
import { errorCodeOf } from "../src/frontends/web/web-errors.js";
import { messageFrame, replyFrame, WebEventRenderer, webFrame, webUserOf } from "../src/frontends/web/web-render.js";
import { webSocketTextFrame, webSocketTextFrameOf, webSocketTextFrameOfAscii } from "../src/net/websocket-frame.js";

const LIMITS = { maxTextBytes: 64, maxHistoryRequest: 100 };

function decode(frame: unknown): DecodedFrame {
  return decodeWebFrame(typeof frame === "string" ? frame : JSON.stringify(frame), LIMITS);
}

function commandOf(frame: object): Command {
  const decoded = decode(frame);
  assert.equal(decoded.kind, "request", JSON.stringify(decoded));
  return (decoded as Extract<DecodedFrame, { kind: "request" }>).command;
}

function refusalOf(frame: unknown): Extract<DecodedFrame, { kind: "refused" }> {
  const decoded = decode(frame);
  assert.equal(decoded.kind, "refused", `expected a refusal of ${JSON.stringify(frame)}`);
  return decoded as Extract<DecodedFrame, { kind: "refused" }>;
}

describe("web requests decode to the core's commands", () => {
  const cases: [object, Command][] = [
    [
      { type: "say", room: "#a", text: "hi" },
      { kind: "say", room: "#a", text: "hi", isAction: false },
    ],
    [
      { type: "say", room: "#a", text: "waves", action: true },
      { kind: "say", room: "#a", text: "waves", isAction: true },
    ],
    [
      { type: "direct", to: "ann", text: "hi" },
      { kind: "direct", to: "ann", text: "hi", isAction: false },
    ],
    [
      { type: "nick", name: "bob" },
      { kind: "nick", name: "bob" },
    ],
    [
      { type: "join", room: "#a" },
      { kind: "join", room: "#a", key: "", replay: -1 },
    ],
    [
      { type: "join", room: "#a", key: "k", replay: 0 },
      { kind: "join", room: "#a", key: "k", replay: 0 },
    ],
    [
      { type: "part", room: "#a" },
      { kind: "part", room: "#a", reason: "" },
    ],
    [
      { type: "part", room: "#a", reason: "bye" },
      { kind: "part", room: "#a", reason: "bye" },
    ],
    [{ type: "rooms" }, { kind: "rooms" }],
    [
      { type: "who", room: "#a" },
      { kind: "who", room: "#a" },
    ],
    [
      { type: "topic", room: "#a" },
      { kind: "topic", room: "#a", topic: null },
    ],
    [
      { type: "topic", room: "#a", topic: "" },
      { kind: "topic", room: "#a", topic: "" },
    ],
    [
      { type: "mode", room: "#a" },
      { kind: "mode", room: "#a", changes: null },
    ],
    [
      {
        type: "mode",
        room: "#a",
        changes: [
          { mode: "o", on: true, arg: "bob" },
          { mode: "i", on: false },
        ],
      },
      {
        kind: "mode",
        room: "#a",
        changes: [
          { mode: "o", on: true, arg: "bob" },
          { mode: "i", on: false },
        ],
      },
    ],
    [
      { type: "kick", room: "#a", name: "bob" },
      { kind: "kick", room: "#a", name: "bob", reason: "" },
    ],
    [
      { type: "invite", name: "bob", room: "#a" },
      { kind: "invite", name: "bob", room: "#a" },
    ],
    [
      { type: "register", password: "secret!" },
      { kind: "register", password: "secret!" },
    ],
    [
      { type: "login", name: "ann", password: "pw" },
      { kind: "login", name: "ann", password: "pw" },
    ],
    [{ type: "logout" }, { kind: "logout" }],
    [
      { type: "history", where: "#a" },
      { kind: "history", where: "#a", limit: DEFAULT_HISTORY_LIMIT, before: "", after: "" },
    ],
    [
      { type: "history", where: "*", limit: 5, before: "b", after: "a" },
      { kind: "history", where: "*", limit: 5, before: "b", after: "a" },
    ],
    [
      { type: "search", query: "cats" },
      { kind: "search", query: "cats", before: "" },
    ],
    [
      { type: "whois", names: ["ann", "bob"] },
      { kind: "whois", names: ["ann", "bob"] },
    ],
    [
      { type: "away", message: "lunch" },
      { kind: "away", message: "lunch" },
    ],
    [
      { type: "away", message: null },
      { kind: "away", message: null },
    ],
    [{ type: "quit" }, { kind: "quit", reason: "" }],
    [
      { type: "oper", name: "root", password: "pw" },
      { kind: "oper", name: "root", password: "pw" },
    ],
    [
      { type: "kill", name: "bob", reason: "spam" },
      { kind: "kill", name: "bob", reason: "spam" },
    ],
    [
      { type: "wallops", text: "hello ops" },
      { kind: "wallops", text: "hello ops" },
    ],
  ];
  for (const [frame, command] of cases) {
    it(JSON.stringify(frame), () => assert.deepEqual(commandOf(frame), command));
  }

  it("covers every request type the protocol names", () => {
    const covered = new Set(cases.map(([frame]) => (frame as { type: string }).type));
    assert.deepEqual([...WEB_COMMAND_TYPES].sort(), [...covered].sort());
    assert.deepEqual([...WEB_COMMAND_TYPES].sort(), Object.keys(FIELDS_OF).sort());
  });

  it("carries the request id", () => {
    const decoded = decode({ type: "rooms", id: 7 });
    assert.equal(decoded.kind, "request");
    assert.equal(decoded.id, 7);
    assert.equal(decode({ type: "rooms", id: MAX_REQUEST_ID }).id, MAX_REQUEST_ID);
  });
});

describe("bad web frames are refused with the reason", () => {
  it("not JSON: invalid-json", () => {
    for (const text of ["", "{", "hello", '{"type":"say",}', "\u0000"]) {
      const refusal = refusalOf(text);
      assert.equal(refusal.code, "invalid-json");
      assert.equal(refusal.id, undefined);
    }
  });

  const invalid: [string, unknown, RegExp][] = [
    ["a JSON array", [1, 2], /object/],
    ["a JSON string", '"say"', /object/],
    ["null", null, /object/],
    ["no type", { room: "#a" }, /type/],
    ["an unknown type", { type: "dance" }, /unknown type "dance"/],
    ["a type inherited from Object", { type: "constructor" }, /unknown type/],
    ["a type that is not a string", { type: 3 }, /type/],
    ["a missing field", { type: "say", room: "#a" }, /"text" is missing/],
    ["a field of the wrong type", { type: "say", room: "#a", text: 5 }, /"text" must be a string/],
    [
      "a boolean that is not one",
      { type: "say", room: "#a", text: "x", action: "yes" },
      /"action" must be true or false/,
    ],
    ["an unknown field", { type: "say", room: "#a", text: "x", colour: "red" }, /unknown field "colour"/],
    ["a __proto__ field", JSON.parse('{"type":"rooms","__proto__":{"x":1}}'), /unknown field "__proto__"/],
    ["text over the byte limit", { type: "say", room: "#a", text: "é".repeat(33) }, /longer than 64 bytes/],
    ["a lone surrogate", '{"type":"say","room":"#a","text":"\\ud800"}', /well-formed/],
    ["a name far too long", { type: "nick", name: "n".repeat(129) }, /longer than 128/],
    ["a fractional limit", { type: "history", where: "#a", limit: 1.5 }, /whole number/],
    ["a limit over the most", { type: "history", where: "#a", limit: 101 }, /from 1 to 100/],
    ["a negative replay", { type: "join", room: "#a", replay: -1 }, /from 0 to 100/],
    ["an away with no message", { type: "away" }, /null for none/],
    ["an empty whois", { type: "whois", names: [] }, /list of 1 to 16/],
    ["a whois of a number", { type: "whois", names: [3] }, /names\[0\]/],
    ["a mode of two letters", { type: "mode", room: "#a", changes: [{ mode: "ov", on: true }] }, /one letter/],
    ["a mode with an extra field", { type: "mode", room: "#a", changes: [{ mode: "o", on: true, x: 1 }] }, /"x"/],
    ["a mode without on", { type: "mode", room: "#a", changes: [{ mode: "i" }] }, /on must be/],
  ];
  for (const [what, frame, message] of invalid) {
    it(`${what}: invalid-frame`, () => {
      const refusal = refusalOf(frame);
      assert.equal(refusal.code, "invalid-frame");
      assert.match(refusal.message, message);
    });
  }

  it("keeps a valid id of a refused frame, so its error and done carry it", () => {
    assert.equal(refusalOf({ type: "say", id: 9 }).id, 9);
    assert.equal(refusalOf({ type: "dance", id: 10 }).id, 10);
  });

  it("refuses an id that is not a positive 31-bit integer", () => {
    for (const id of [0, -1, 1.5, MAX_REQUEST_ID + 1, "7", null]) {
      const refusal = refusalOf({ type: "rooms", id });
      assert.match(refusal.message, /"id"/);
      assert.equal(refusal.id, undefined);
    }
  });
});

/** The fields each request type takes, as docs/protocol.md lists them. */
const FIELDS_OF: Record<string, string[]> = {
  say: ["room", "text", "action"],
  direct: ["to", "text", "action"],
  nick: ["name"],
  join: ["room", "key", "replay"],
  part: ["room", "reason"],
  rooms: [],
  who: ["room"],
  topic: ["room", "topic"],
  mode: ["room", "changes"],
  kick: ["room", "name", "reason"],
  invite: ["name", "room"],
  register: ["password"],
  login: ["name", "password"],
  logout: [],
  history: ["where", "limit", "before", "after"],
  search: ["query", "before"],
  whois: ["names"],
  away: ["message"],
  quit: ["reason"],
  oper: ["name", "password"],
  kill: ["name", "reason"],
  wallops: ["text"],
};
const ALL_FIELDS = [...new Set(Object.values(FIELDS_OF).flat()), "colour"];

/** What the core may be handed: every field of the right type and within the protocol's bounds. */
function assertWellFormed(command: Command): void {
  const isBoundedString = (value: unknown, max: number): boolean =>
    typeof value === "string" && value.length <= max && !/\p{Surrogate}/u.test(value);
  for (const [field, value] of Object.entries(command)) {
    if (field === "kind") continue;
    if (typeof value === "string") {
      assert.ok(isBoundedString(value, 1024), `${field} out of bounds`);
      if (field === "text" || field === "reason" || field === "topic" || field === "message") {
        assert.ok(Buffer.byteLength(value) <= LIMITS.maxTextBytes, `${field} over the byte limit`);
      }
    } else if (typeof value === "number") {
      assert.ok(Number.isInteger(value), `${field} not an integer`);
      assert.ok(value >= -1 && value <= LIMITS.maxHistoryRequest, `${field} out of range`);
    } else if (typeof value === "boolean" || value === null) {
      // Booleans and "none" are always well formed.
    } else if (Array.isArray(value)) {
      assert.ok(value.length <= 16, `${field} too long`);
      for (const item of value) {
        if (typeof item === "string") assert.ok(isBoundedString(item, 128));
        else {
          assert.equal(typeof item.mode, "string");
          assert.equal(item.mode.length, 1);
          assert.equal(typeof item.on, "boolean");
        }
      }
    } else assert.fail(`${field} has an unexpected type`);
  }
}

describe("web frame decoding, for any input", () => {
  it("never throws, and a request it lets through is well formed", () => {
    const anyValue = fc.oneof(fc.jsonValue(), fc.string(), fc.constant(null), fc.integer(), fc.boolean());
    const fieldValue = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.string({ unit: "grapheme", maxLength: 80 }),
      fc.integer({ min: -2, max: 200 }),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 20 }),
      fc.array(fc.record({ mode: fc.string(), on: fc.boolean(), arg: fc.string() }, { requiredKeys: ["on"] })),
      anyValue,
    );
    const requestLike = fc
      .tuple(
        fc.constantFrom(...Object.keys(FIELDS_OF)),
        fc.dictionary(fc.constantFrom(...ALL_FIELDS), fieldValue, { maxKeys: 4 }),
        fc.option(fc.oneof(fc.integer(), fc.double())),
      )
      .map(([type, fields, id]) => {
        // Mostly the fields the type takes, sometimes others.
        const picked = Object.fromEntries(
          Object.entries(fields).filter(([field], index) => FIELDS_OF[type].includes(field) || index === 3),
        );
        return id === null ? { type, ...picked } : { type, id, ...picked };
      });
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(requestLike, fc.jsonValue()), (frame) => {
        const decoded = decode(JSON.stringify(frame) ?? "null");
        if (decoded.kind === "request") {
          accepted++;
          assertWellFormed(decoded.command);
        } else assert.ok(decoded.message.length > 0);
      }),
      { numRuns: 2000 },
    );
    // The property is about what gets through: some must.
    assert.ok(accepted > 20, `only ${accepted} requests were accepted`);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const decoded = decodeWebFrame(text, LIMITS);
        if (decoded.kind === "request") assertWellFormed(decoded.command);
      }),
      { numRuns: 2000 },
    );
  });
});

const ann: UserRef = {
  sessionId: "t:1",
  displayName: "127.0.0.1:5000",
  name: null,
  account: null,
  address: "127.0.0.1:5000",
  guestName: "guest-ab1",
};
const bob: UserRef = {
  ...ann,
  sessionId: "t:2",
  displayName: "bob",
  name: "bob",
  account: "bob",
  guestName: "guest-cd2",
};

function payloadOf(frame: Buffer): unknown {
  // Frames here are under 64 KiB: a two- or four-byte header, then the payload.
  assert.equal(frame[0], 0x81);
  return JSON.parse(frame.subarray(frame[1] < 126 ? 2 : 4).toString("utf8"));
}

describe("web events render as the protocol says", () => {
  it("a guest is shown by its guest name, never its address", () => {
    assert.deepEqual(webUserOf(ann), { name: "guest-ab1", guest: true });
    assert.deepEqual(webUserOf(bob), { name: "bob", account: "bob" });
    assert.deepEqual(webUserOf({ ...bob, account: null }), { name: "bob" });
  });

  it("a room message is rendered once and the same frame shared by its recipients", () => {
    const renderer = new WebEventRenderer();
    const event: MessageEvent = {
      kind: "message",
      id: "m1",
      at: 5,
      room: "#a",
      from: ann,
      text: "hi",
      isAction: false,
    };
    const first = renderer.render(event);
    const second = renderer.render(event);
    assert.equal(first, second);
    assert.deepEqual(payloadOf(first.bytes), {
      type: "message",
      id: "m1",
      at: 5,
      room: "#a",
      from: { name: "guest-ab1", guest: true },
      text: "hi",
    });
    assert.doesNotMatch(first.bytes.toString(), /127\.0\.0\.1/);
  });

  it("a room message written by hand is byte for byte what webFrame makes of it", () => {
    // Printable ASCII mostly (written as it is), now and then anything (escaped, or beyond ASCII).
    const anyText = (maxLength: number) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.string({ maxLength }) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength }) },
      );
    const anyRef = fc.record({
      name: fc.option(anyText(40)),
      account: fc.option(anyText(40)),
      guestName: anyText(40),
    });
    fc.assert(
      fc.property(
        anyText(20),
        fc.nat(),
        anyText(20),
        anyRef,
        anyText(300),
        fc.boolean(),
        fc.option(fc.boolean(), { nil: undefined }),
        (id, at, room, names, text, isAction, isNotice) => {
          const from: UserRef = { ...ann, ...names };
          const event: MessageEvent = { kind: "message", id, at, room, from, text, isAction, isNotice };
          const generic = webFrame({
            type: "message",
            id,
            at,
            room,
            from: webUserOf(from),
            text,
            action: isAction,
            notice: isNotice,
          });
          assert.deepEqual(messageFrame(event), generic);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a quit lists only the rooms a recipient shares, one rendering per set of rooms", () => {
    const renderer = new WebEventRenderer();
    const event: QuitEvent = {
      kind: "quit",
      id: "q1",
      at: 1,
      who: bob,
      reason: "bye",
      rooms: [
        { room: "#a", members: 3 },
        { room: "#secret", members: 1 },
      ],
    };
    const all = renderer.render(event);
    const onlyA = renderer.renderQuit(event, [0]);
    assert.equal(renderer.renderQuit(event, [0]), onlyA);
    assert.deepEqual((payloadOf(all.bytes) as { rooms: unknown }).rooms, event.rooms);
    assert.deepEqual((payloadOf(onlyA.bytes) as { rooms: unknown }).rooms, [{ room: "#a", members: 3 }]);
  });

  it("a join reply lists its members as users, with their standing, false and null fields left out", () => {
    const member: RoomMember = { ref: ann, isServerOperator: false, isOperator: true, isVoiced: false, away: null };
    const reply: Reply = {
      kind: "joined",
      room: "#a",
      members: 1,
      listMembers: () => [member],
      topic: "",
      topicBy: "127.0.0.1:5000",
      topicAt: 0,
      isSecret: false,
      wasMember: false,
      asked: "#a",
    };
    assert.deepEqual(payloadOf(replyFrame(reply, 3)), {
      type: "reply",
      re: 3,
      reply: {
        kind: "joined",
        room: "#a",
        members: [{ name: "guest-ab1", guest: true, operator: true }],
        topic: "",
        topicBy: "guest",
        topicAt: 0,
      },
    });
  });

  it("any text goes out exactly as said, and a guest's address never goes out", () => {
    const renderer = new WebEventRenderer();
    let n = 0;
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (text, ip, port) => {
        const from: UserRef = { ...ann, address: `${ip}:${port}`, displayName: `${ip}:${port}` };
        const event: MessageEvent = { kind: "message", id: `m${n++}`, at: 1, room: "#a", from, text, isAction: false };
        const bytes = renderer.render(event).bytes;
        const frame = payloadOf(bytes) as { text: string; from: { name: string } };
        assert.equal(frame.text, text);
        assert.equal(frame.from.name, "guest-ab1");
        assert.ok(!bytes.includes(`${ip}:${port}`) || text.includes(`${ip}:${port}`));
      }),
      { numRuns: 500 },
    );
  });

  it("history shows a guest recorded by address under its guest name", () => {
    const item = {
      id: "h1",
      at: 1,
      kind: "message",
      where: "#a",
      sender: "10.0.0.1:999",
      text: "hi",
      sentByViewer: null,
    };
    const reply: Reply = {
      kind: "history",
      reason: "request",
      where: "#a",
      items: [
        { ...item, kind: "message", guestSender: "guest-ab1" },
        { ...item, kind: "message", id: "h2" },
      ],
      more: 0,
      older: null,
    };
    const { sentByViewer: _null, ...sent } = item;
    const shown = payloadOf(replyFrame(reply, undefined)) as { reply: { items: object[] } };
    assert.deepEqual(shown.reply.items, [
      { ...sent, sender: "guest-ab1" },
      { ...sent, id: "h2", sender: "guest" },
    ]);
  });

  it("error codes are the core's, in kebab-case", () => {
    assert.equal(errorCodeOf("ERR_NAME_IN_USE"), "name-in-use");
    assert.equal(errorCodeOf("ERR_NOT_IN_ROOM"), "not-in-room");
  });
});

describe("webSocketTextFrameOf", () => {
  it("frames text as its UTF-8 bytes, the header sized by their count, not the string's length", () => {
    for (const length of [0, 124, 125, 126, 65534, 65535, 65536, 70_000]) {
      // "é" is two bytes: the string is about half as long as its payload.
      const text = `${"é".repeat(length >> 1)}${length % 2 === 1 ? "a" : ""}`;
      assert.deepEqual(webSocketTextFrameOf(text), webSocketTextFrame(Buffer.from(text)));
      const ascii = "a".repeat(length);
      assert.deepEqual(webSocketTextFrameOfAscii(ascii), webSocketTextFrame(Buffer.from(ascii)));
    }
  });
});

describe("webSocketTextFrame", () => {
  it("uses 7-, 16- and 64-bit lengths as RFC 6455 §5.2 says", () => {
    for (const [length, header] of [
      [125, 2],
      [126, 4],
      [65535, 4],
      [65536, 10],
    ]) {
      const frame = webSocketTextFrame(Buffer.alloc(length, 0x61));
      assert.equal(frame.length, header + length);
      assert.equal(frame[0], 0x81);
      if (header === 2) assert.equal(frame[1], length);
      if (header === 4) assert.equal(frame.readUInt16BE(2), length);
      if (header === 10) assert.equal(frame.readBigUInt64BE(2), BigInt(length));
    }
  });
});
