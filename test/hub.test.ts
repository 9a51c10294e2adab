import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocalBus } from "../src/bus/local-bus.js";
import type { ChatEvent } from "../src/core/events.js";
import { Hub } from "../src/core/hub.js";
import { MessageIdGenerator } from "../src/core/message-id.js";

/** The core needs no socket: a session's sink is a plain array here. */
function connectUser(hub: Hub, address: string): { events: ChatEvent[]; session: ReturnType<Hub["connect"]> } {
  const events: ChatEvent[] = [];
  const session = hub.connect(address, { deliver: (event) => events.push(event) });
  return { events, session };
}

describe("hub", () => {
  it("tells every member of a room about joins, messages and leaves, with room counts", () => {
    const hub = new Hub(new LocalBus());
    const alice = connectUser(hub, "10.0.0.1:1");
    const bob = connectUser(hub, "10.0.0.2:2");
    assert.equal(hub.execute(alice.session, { kind: "join", room: "#lobby" }), null);
    assert.equal(hub.execute(bob.session, { kind: "join", room: "#lobby" }), null);
    assert.equal(hub.execute(alice.session, { kind: "say", room: "#lobby", text: "hi" }), null);
    hub.disconnect(alice.session);

    assert.deepEqual(
      bob.events.map((event) => [event.kind, "members" in event ? event.members : null]),
      [
        ["joined", 2],
        ["message", null],
        ["left", 1],
      ],
    );
    const message = bob.events[1];
    assert.equal(message.kind, "message");
    if (message.kind === "message") {
      assert.equal(message.text, "hi");
      assert.equal(message.from.displayName, "10.0.0.1:1");
      assert.match(message.id, /^[0-9a-z]{16}$/);
      assert.ok(Math.abs(message.at - Date.now()) < 5000);
    }
  });

  it("refuses a message to a room the user is not in", () => {
    const hub = new Hub(new LocalBus());
    const alice = connectUser(hub, "10.0.0.1:1");
    assert.deepEqual(hub.execute(alice.session, { kind: "say", room: "#nowhere", text: "hi" }), {
      code: "ERR_NOT_IN_ROOM",
      detail: { room: "#nowhere" },
    });
    assert.deepEqual(alice.events, []);
  });

  it("delivers a shutdown to every session and announces no leaves during it", () => {
    const hub = new Hub(new LocalBus());
    const users = [connectUser(hub, "a:1"), connectUser(hub, "b:2"), connectUser(hub, "c:3")];
    for (const user of users) hub.execute(user.session, { kind: "join", room: "#lobby" });
    hub.shutdown();
    for (const user of users) hub.disconnect(user.session);
    for (const user of users) assert.deepEqual(user.events.at(-1), { kind: "shutdown" });
    assert.equal(hub.sessionCount, 0);
  });
});

describe("message ids", () => {
  it("are unique and sort in the order they were minted, even within one millisecond", () => {
    const ids = new MessageIdGenerator("abc");
    const minted = Array.from({ length: 5000 }, () => ids.next(1_700_000_000_000));
    assert.equal(new Set(minted).size, minted.length);
    assert.deepEqual([...minted].sort(), minted);
    const later = ids.next(1_700_000_000_001 + 10);
    assert.ok(later > minted[minted.length - 1]);
  });
});
