import type { Logger } from "pino";
import type { BusEvent } from "../bus/bus.js";
import type { ChatEvent, DirectEvent, InvitedEvent, MessageEvent, RoomEvent, SignalEvent } from "./events.js";
import type { Room } from "./room.js";
import type { Session, SessionId } from "./session.js";

/** Anything that wants to see every event this process delivers (the console transcript). */
export type EventObserver = (event: BusEvent) => void;

/** Where the fan-out finds an event's recipients: the hub's registry, read only. */
export interface Recipients {
  roomNamed(name: string): Room | undefined;
  sessionsNamed(nameKey: string): readonly Session[] | undefined;
  session(sessionId: SessionId): Session | undefined;
}

/**
 * Who receives what: every event the bus delivers goes through `deliver`, once, and from
 * there to each session it is for. A front end that throws while receiving (a bug) is
 * logged and its session handed to `onBroken`; the event still reaches everyone else.
 */
export class FanOut {
  readonly #recipients: Recipients;
  readonly #log: Pick<Logger, "error" | "debug">;
  /** Decided once: a disabled debug line would still cost an object per event. */
  readonly #isDebugLogged: boolean;
  readonly #onBroken: (session: Session) => void;
  readonly #observers: EventObserver[] = [];
  /** Logged once each, then closed. */
  readonly #brokenSessions = new WeakSet<Session>();
  #lastDeliveredId: string;

  /**
   * `startPosition` stands for everything before this run: below every id the run will
   * mint, above every id an earlier run minted. A member or a login in the run's first
   * moments then counts what came before as not yet seen here, as later ones do.
   */
  constructor(
    recipients: Recipients,
    log: Pick<Logger, "error" | "debug" | "isLevelEnabled">,
    onBroken: (session: Session) => void,
    startPosition: string,
  ) {
    this.#lastDeliveredId = startPosition;
    this.#recipients = recipients;
    this.#log = log;
    this.#isDebugLogged = log.isLevelEnabled("debug");
    this.#onBroken = onBroken;
  }

  /** Every event with an id up to this one has been delivered. */
  get lastDeliveredId(): string {
    return this.#lastDeliveredId;
  }

  observe(observer: EventObserver): void {
    this.#observers.push(observer);
  }

  deliver(event: BusEvent): void {
    if ("id" in event) this.#lastDeliveredId = event.id;
    let recipientCount = 0;
    switch (event.kind) {
      case "joined":
        if (event.isSilent === true) {
          const joiner = this.#recipients.session(event.who.sessionId);
          if (joiner !== undefined) this.#deliverTo(joiner, event);
          recipientCount = joiner === undefined ? 0 : 1;
          break;
        }
        recipientCount = this.#deliverToRoomNamed(event);
        break;
      case "message": {
        const room = this.#recipients.roomNamed(event.room);
        if (room === undefined) break;
        recipientCount = this.#deliverToRoom(room, event);
        // From outside a room open to that (-n): the sender, whom the room does not reach, sees it as sent.
        if (!room.modes.isMembersOnly) recipientCount += this.#deliverToOutsideSender(room, event);
        break;
      }
      case "left":
      case "topic":
      case "mode":
      case "kicked": {
        recipientCount = this.#deliverToRoomNamed(event);
        break;
      }
      case "invited":
        recipientCount = this.#deliverInvitation(event);
        break;
      case "signal":
        if (event.room !== null) {
          const room = this.#recipients.roomNamed(event.room);
          if (room !== undefined) for (const member of room.members.keys()) this.#deliverTo(member, event);
          recipientCount = room?.members.size ?? 0;
          break;
        }
        recipientCount = this.#deliverDirect(event);
        break;
      case "direct":
        recipientCount = this.#deliverDirect(event);
        break;
      case "renamed":
      case "away":
      case "real-name":
      case "quit": {
        const recipients = new Set<Session>();
        // A new real name is confirmed to its user, in a room or not.
        const self = event.kind === "real-name" ? this.#recipients.session(event.who.sessionId) : undefined;
        if (self !== undefined) recipients.add(self);
        for (const shared of event.rooms) {
          const room = this.#recipients.roomNamed(typeof shared === "string" ? shared : shared.room);
          if (room !== undefined) for (const member of room.members.keys()) recipients.add(member);
        }
        for (const session of recipients) this.#deliverTo(session, event);
        recipientCount = recipients.size;
        break;
      }
    }
    if (this.#isDebugLogged) {
      this.#log.debug({ event: "fan-out", kind: event.kind, recipients: recipientCount }, "event fanned out");
    }
    for (let i = 0; i < this.#observers.length; i++) this.#observers[i](event);
  }

  /** To the recipient's sessions and the sender's (its other sessions see what it sent); returns how many. */
  #deliverDirect(event: DirectEvent | SignalEvent): number {
    const recipients = new Set([
      ...(this.#recipients.sessionsNamed(event.toKey) ?? []),
      ...(this.#recipients.sessionsNamed(event.fromKey) ?? []),
    ]);
    const sender = this.#recipients.session(event.from.sessionId);
    if (sender !== undefined) recipients.add(sender);
    const guest = event.toSessionId === null ? undefined : this.#recipients.session(event.toSessionId);
    if (guest !== undefined) recipients.add(guest);
    for (const session of recipients) this.#deliverTo(session, event);
    return recipients.size;
  }

  /**
   * To the invited session, and to the room's operators but the inviter, whose front ends
   * may tell them (IRCv3 invite-notify: those with the privilege to invite); returns how many.
   */
  #deliverInvitation(event: InvitedEvent): number {
    let count = 0;
    const target = this.#recipients.session(event.target.sessionId);
    if (target !== undefined) {
      this.#deliverTo(target, event);
      count++;
    }
    const room = this.#recipients.roomNamed(event.room);
    if (room === undefined) return count;
    const inviterKey = this.#recipients.session(event.who.sessionId)?.identityKey;
    for (const [member, { isOperator, userKey }] of room.members) {
      if (!isOperator || member === target || userKey === inviterKey || member.sessionId === event.who.sessionId) {
        continue;
      }
      this.#deliverTo(member, event);
      count++;
    }
    return count;
  }

  #deliverToOutsideSender(room: Room, event: MessageEvent): number {
    const sender = this.#recipients.session(event.from.sessionId);
    if (sender === undefined || room.members.has(sender)) return 0;
    this.#deliverTo(sender, event);
    return 1;
  }

  /**
   * To the room's members, and to those who left it by an event not yet delivered when this
   * one came before it; a kicked user is told of its own kick (one who parted is answered).
   */
  #deliverToRoomNamed(event: RoomEvent): number {
    const room = this.#recipients.roomNamed(event.room);
    return room === undefined ? 0 : this.#deliverToRoom(room, event);
  }

  #deliverToRoom(room: Room, event: RoomEvent): number {
    for (const member of room.members.keys()) this.#deliverTo(member, event);
    let count = room.members.size;
    if (room.departing.size === 0) return count;
    const kicked = event.kind === "kicked" ? event.target.sessionId : -1;
    for (const [session, departureId] of room.departing) {
      // Gone from the server, or back in the room (and so reached as a member).
      if (this.#recipients.session(session.sessionId) !== session || room.members.has(session)) continue;
      if (event.id < departureId || (event.id === departureId && session.sessionId === kicked)) {
        this.#deliverTo(session, event);
        count++;
      }
    }
    return count;
  }

  /**
   * A notice from the server itself (history paused or resumed) to each of `sessions`,
   * with the same care as any event: one broken front end is closed, the rest are told.
   */
  deliverToEach(sessions: Iterable<Session>, event: ChatEvent): void {
    for (const session of sessions) this.#deliverTo(session, event);
  }

  #deliverTo(session: Session, event: ChatEvent): void {
    try {
      session.sink.deliver(event);
    } catch (error) {
      if (this.#brokenSessions.has(session)) return;
      this.#brokenSessions.add(session);
      this.#log.error({ event: "delivery-error", kind: event.kind, err: error }, "delivering to a session failed");
      // After this fan-out: closing the session now would change the member lists being walked.
      queueMicrotask(() => this.#onBroken(session));
    }
  }
}
