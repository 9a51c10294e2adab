import type { FanoutBus } from "../bus/bus.js";
import type { Command } from "./commands.js";
import type { ChatError } from "./errors.js";
import type { RoomEvent } from "./events.js";
import { MessageIdGenerator } from "./message-id.js";
import { Room } from "./room.js";
import { type EventSink, Session } from "./session.js";

/** Anything that wants to see every room event this process delivers (the console transcript). */
export type RoomEventObserver = (event: RoomEvent) => void;

/**
 * The core: sessions, rooms and who receives what. It knows no protocol and no
 * socket: front ends hand it parsed commands and get typed events back.
 */
export class Hub {
  readonly #bus: FanoutBus;
  readonly #ids = new MessageIdGenerator();
  readonly #rooms = new Map<string, Room>();
  readonly #sessions = new Set<Session>();
  readonly #observers: RoomEventObserver[] = [];
  #nextSessionId = 1;
  #isShuttingDown = false;

  constructor(bus: FanoutBus) {
    this.#bus = bus;
    bus.subscribe((event) => this.#deliver(event));
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  observe(observer: RoomEventObserver): void {
    this.#observers.push(observer);
  }

  connect(address: string, sink: EventSink): Session {
    const session = new Session(this.#nextSessionId++, address, sink);
    this.#sessions.add(session);
    return session;
  }

  /** Returns an error value for the front end to render, or null when the command was carried out. */
  execute(session: Session, command: Command): ChatError | null {
    switch (command.kind) {
      case "join":
        return this.#join(session, command.room);
      case "say":
        return this.#say(session, command.room, command.text);
      default:
        return assertNever(command);
    }
  }

  /** The session is gone: it leaves every room. Safe to call twice. */
  disconnect(session: Session): void {
    if (!this.#sessions.delete(session)) return;
    for (const room of session.rooms) this.#leave(session, room);
  }

  /** Tells every session the server is going down; each front end then closes its own. */
  shutdown(): void {
    this.#isShuttingDown = true;
    const event = { kind: "shutdown" } as const;
    for (const session of [...this.#sessions]) session.sink.deliver(event);
  }

  #join(session: Session, roomName: string): ChatError | null {
    let room = this.#rooms.get(roomName);
    if (room === undefined) {
      room = new Room(roomName);
      this.#rooms.set(roomName, room);
    }
    if (room.members.has(session)) return null;
    room.members.add(session);
    session.rooms.add(room);
    this.#bus.publish({ kind: "joined", room: roomName, who: session.ref, members: room.members.size });
    return null;
  }

  #leave(session: Session, room: Room): void {
    room.members.delete(session);
    session.rooms.delete(room);
    // Keep room identity stable while anyone is in it; an empty room holds no memory.
    if (room.members.size === 0) this.#rooms.delete(room.name);
    // Everyone is leaving at once: telling each of them about the others is noise.
    if (this.#isShuttingDown) return;
    this.#bus.publish({ kind: "left", room: room.name, who: session.ref, members: room.members.size });
  }

  #say(session: Session, roomName: string, text: string): ChatError | null {
    const room = this.#rooms.get(roomName);
    if (room === undefined || !room.members.has(session)) {
      return { code: "ERR_NOT_IN_ROOM", detail: { room: roomName } };
    }
    if (text.length === 0) return { code: "ERR_EMPTY_MESSAGE" };
    const id = this.#ids.next();
    this.#bus.publish({ kind: "message", id, at: this.#ids.lastAt, room: roomName, from: session.ref, text });
    return null;
  }

  /** Fan-out: the one loop every delivered event goes through. */
  #deliver(event: RoomEvent): void {
    const room = this.#rooms.get(event.room);
    if (room !== undefined) {
      for (const member of room.members) member.sink.deliver(event);
    }
    for (let i = 0; i < this.#observers.length; i++) this.#observers[i](event);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled command ${JSON.stringify(value)}`);
}
