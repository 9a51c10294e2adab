import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CapDefinition, CapNegotiation, type CapReply } from "../src/frontends/irc/caps.js";
import { formatIrcLine } from "../src/frontends/irc/message.js";

const SUPPORTED: CapDefinition[] = [
  { name: "cap-notify" },
  { name: "message-tags" },
  { name: "server-time" },
  { name: "multi-prefix" },
  { name: "sasl", value: "PLAIN,EXTERNAL" },
  { name: "draft/chathistory", value: "500" },
];
const SERVER = "irc.example";
const unregistered = { nick: null, isRegistered: false };

function negotiation(supported = SUPPORTED): CapNegotiation {
  return new CapNegotiation(supported, SERVER);
}

function lineOf(reply: CapReply): string {
  return formatIrcLine({ tags: null, source: SERVER, command: reply.command, params: reply.params });
}

describe("CAP negotiation", () => {
  it("answers CAP LS 302 with values, and implies cap-notify", () => {
    const caps = negotiation();
    assert.deepEqual(caps.handle(["LS", "302"], unregistered), [
      {
        command: "CAP",
        params: [
          "*",
          "LS",
          "cap-notify message-tags server-time multi-prefix sasl=PLAIN,EXTERNAL draft/chathistory=500",
        ],
      },
    ]);
    assert.equal(caps.version, 302);
    assert.ok(caps.isEnabled("cap-notify"));
    assert.ok(caps.receivesCapNotify);
    assert.ok(caps.isHoldingRegistration);
  });

  it("answers a bare CAP LS without values, and without cap-notify enabled", () => {
    const caps = negotiation();
    const [reply, ...more] = caps.handle(["LS"], unregistered);
    assert.equal(more.length, 0);
    assert.deepEqual(reply?.params, [
      "*",
      "LS",
      "cap-notify message-tags server-time multi-prefix sasl draft/chathistory",
    ]);
    assert.equal(caps.version, 301);
    assert.equal(caps.receivesCapNotify, false);
    assert.deepEqual([...caps.enabled], []);
  });

  it("keeps the highest version sent, and treats a higher one as 302", () => {
    const caps = negotiation();
    caps.handle(["LS", "303"], unregistered);
    caps.handle(["LS"], unregistered);
    assert.equal(caps.version, 303);
    assert.match(caps.handle(["LS"], unregistered)[0]?.params[2] ?? "", /sasl=PLAIN/);
  });

  it("splits a long LS over lines marked '*' for 302, all within 512 bytes", () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ name: `example.org/capability-${i}`, value: "x" }));
    const caps = negotiation(many);
    const replies = caps.handle(["LS", "302"], { nick: "alice", isRegistered: true });
    assert.ok(replies.length > 1);
    for (const [index, reply] of replies.entries()) {
      const isLast = index === replies.length - 1;
      assert.equal(reply.params[2] === "*", !isLast);
      assert.ok(Buffer.byteLength(lineOf(reply)) <= 512);
    }
    const listed = replies.flatMap((reply) => (reply.params.at(-1) ?? "").split(" "));
    assert.deepEqual(
      listed,
      many.map((cap) => `${cap.name}=x`),
    );
  });

  it("splits a long LS for an older client into plain lines, never '*'", () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ name: `example.org/capability-${i}` }));
    const replies = negotiation(many).handle(["LS"], unregistered);
    assert.ok(replies.length > 1);
    for (const reply of replies) assert.equal(reply.params.length, 3);
  });

  it("acknowledges a request as a whole, echoing it", () => {
    const caps = negotiation();
    caps.handle(["LS", "302"], unregistered);
    assert.deepEqual(caps.handle(["REQ", "server-time multi-prefix "], unregistered), [
      { command: "CAP", params: ["*", "ACK", "server-time multi-prefix"] },
    ]);
    assert.ok(caps.isEnabled("server-time") && caps.isEnabled("multi-prefix"));
  });

  it("refuses a request as a whole when any part is unknown, changing nothing", () => {
    const caps = negotiation();
    caps.handle(["REQ", "server-time"], unregistered);
    assert.deepEqual(caps.handle(["REQ", "foo multi-prefix -server-time bar"], unregistered), [
      { command: "CAP", params: ["*", "NAK", "foo multi-prefix -server-time bar"] },
    ]);
    assert.ok(caps.isEnabled("server-time"));
    assert.ok(!caps.isEnabled("multi-prefix"));
  });

  it("refuses a capability requested with a value, and an empty request", () => {
    const caps = negotiation();
    assert.equal(caps.handle(["REQ", "sasl=PLAIN"], unregistered)[0]?.params[1], "NAK");
    assert.equal(caps.handle(["REQ", ""], unregistered)[0]?.params[1], "NAK");
    assert.deepEqual([...caps.enabled], []);
  });

  it("disables with '-', and accepts disabling what is not enabled", () => {
    const caps = negotiation();
    caps.handle(["REQ", "server-time message-tags"], unregistered);
    assert.equal(caps.handle(["REQ", "-server-time -multi-prefix"], unregistered)[0]?.params[1], "ACK");
    assert.deepEqual([...caps.enabled], ["message-tags"]);
  });

  it("refuses to turn off cap-notify for a 302 client, but not for an older one", () => {
    const modern = negotiation();
    modern.handle(["LS", "302"], unregistered);
    assert.equal(modern.handle(["REQ", "-cap-notify"], unregistered)[0]?.params[1], "NAK");
    const older = negotiation();
    older.handle(["REQ", "cap-notify"], unregistered);
    assert.ok(older.receivesCapNotify);
    assert.equal(older.handle(["REQ", "-cap-notify"], unregistered)[0]?.params[1], "ACK");
    assert.equal(older.receivesCapNotify, false);
  });

  it("lists enabled capabilities without values, and an empty list as an empty parameter", () => {
    const caps = negotiation();
    assert.deepEqual(caps.handle(["LIST"], unregistered), [{ command: "CAP", params: ["*", "LIST", ""] }]);
    caps.handle(["LS", "302"], unregistered);
    caps.handle(["REQ", "sasl"], unregistered);
    assert.deepEqual(caps.handle(["list"], { nick: "bob", isRegistered: true }), [
      { command: "CAP", params: ["bob", "LIST", "cap-notify sasl"] },
    ]);
  });

  it("holds registration from LS or REQ until END, but not for LIST or once registered", () => {
    const listing = negotiation();
    listing.handle(["LIST"], unregistered);
    assert.equal(listing.isHoldingRegistration, false);

    const requesting = negotiation();
    requesting.handle(["REQ", "server-time"], unregistered);
    assert.ok(requesting.isHoldingRegistration);
    assert.deepEqual(requesting.handle(["END"], unregistered), []);
    assert.equal(requesting.isHoldingRegistration, false);

    const registered = negotiation();
    registered.handle(["LS", "302"], { nick: "a", isRegistered: true });
    registered.handle(["REQ", "server-time"], { nick: "a", isRegistered: true });
    assert.equal(registered.isHoldingRegistration, false);
    assert.deepEqual(registered.handle(["END"], { nick: "a", isRegistered: true }), []);
  });

  it("answers an unknown subcommand with 410 and a missing one with 461", () => {
    const caps = negotiation();
    assert.deepEqual(caps.handle(["FOO"], { nick: "a", isRegistered: true }), [
      { command: "410", params: ["a", "FOO", "Invalid CAP command"] },
    ]);
    assert.deepEqual(caps.handle([], unregistered), [
      { command: "461", params: ["*", "CAP", "Not enough parameters"] },
    ]);
    assert.equal(caps.handle(["REQ"], unregistered)[0]?.command, "461");
  });

  it("announces new and withdrawn capabilities only to clients that asked, and disables what is withdrawn", () => {
    const modern = negotiation();
    modern.handle(["LS", "302"], unregistered);
    modern.handle(["REQ", "sasl"], unregistered);
    assert.deepEqual(modern.offer([{ name: "away-notify" }, { name: "sasl" }], "a"), [
      { command: "CAP", params: ["a", "NEW", "away-notify"] },
    ]);
    assert.equal(modern.handle(["REQ", "away-notify"], unregistered)[0]?.params[1], "ACK");
    assert.deepEqual(modern.withdraw(["sasl", "nope"], "a"), [{ command: "CAP", params: ["a", "DEL", "sasl"] }]);
    assert.ok(!modern.isEnabled("sasl"));
    assert.equal(modern.handle(["REQ", "sasl"], unregistered)[0]?.params[1], "NAK");

    const older = negotiation();
    older.handle(["LS"], unregistered);
    assert.deepEqual(older.offer([{ name: "away-notify" }], "a"), []);
    assert.equal(older.handle(["REQ", "away-notify"], unregistered)[0]?.params[1], "ACK");
  });
});
