import type { Command } from "./commands.js";
import type { ChatEvent, UserRef } from "./events.js";
import { TokenBucket } from "./rate-limit.js";
import type { Room } from "./room.js";

const NO_ROOMS: ReadonlySet<Room> = new Set();

/** A front end's side of a session: where the core's events for one user go. */
export interface EventSink {
  deliver(event: ChatEvent): void;
  /**
   * For a sink that can fall behind (a peer on the network): the id of the last event up to
   * which everything it was given reached the network, or null when it is not behind. A
   * sink without this method is never behind. The delivery cursor saved for the user is
   * this, so a login replays what a slow or dead connection never passed on.
   */
  deliveredThrough?(): string | null;
}

/**
 * A command a front end can only decide when its turn comes: the line protocol's plain line
 * goes to the room that is current once the commands before it (a join waiting on the store)
 * have run. Null when the front end answered it itself (an error) and there is nothing to run.
 */
export type DecidedOnItsTurn = () => Command | null;

/** A command waiting for an earlier one of its session, with the request it answers. */
export interface QueuedCommand {
  readonly command: Command | DecidedOnItsTurn;
  readonly requestId: number | undefined;
}

export interface CommandRate {
  burst: number;
  perSecond: number;
}

/**
 * A session's id: "RUNTAG:N", the run's random tag (72 bits) and a counter. Unique across
 * processes and runs, so events from another process on a shared bus never pass for this
 * one's sessions.
 */
export type SessionId = string;

/** One connected user, whatever the front end. */
export class Session {
  readonly sessionId: SessionId;
  /** "IP:PORT" of the user's connection. */
  readonly address: string;
  /** What others see before a name is chosen: the address, or a guest name when addresses are hidden. */
  readonly anonymousName: string;
  /** This session's identity while it is not logged in: unique to it, in this run and every other. */
  readonly guestKey: string;
  /** Its guest name ("guest-7f3a"), made from `guestKey`: shown where an address cannot be. */
  readonly guestName: string;
  /** The chosen name, and its identity key; null until one is chosen. */
  name: string | null = null;
  nameKey: string | null = null;
  /** Key of the account this session is logged in to. */
  account: string | null = null;
  /**
   * How events show this user. Replaced, never mutated, when the name changes, so an
   * event keeps the name its sender had when it was sent.
   */
  ref: UserRef;
  readonly sink: EventSink;
  /**
   * Null while in no room: an IRC user may sit in none for days, and ten thousand empty
   * sets (a table each) add up.
   */
  #rooms: Set<Room> | null = null;
  readonly commandBucket: TokenBucket;
  /** The pace `commandBucket` keeps (shared by every session: memory per connection matters). */
  readonly commandRate: CommandRate;
  /**
   * Commands waiting for an earlier one that is still working (on the store, on a
   * password hash): a user's commands take effect in the order they were sent.
   */
  queuedCommands: QueuedCommand[] | null = null;
  /** A command is running (or waiting on the store, on a password hash): the next ones queue. */
  isBusy = false;
  readonly connectedAt = Date.now();
  /** When the user last said something; null until then (a time each for ten thousand silent users adds up). */
  #lastSpokeAt: number | null = null;
  /** The away message; null when not away. */
  away: string | null = null;
  /** A server operator (see ServerConfig.operators). */
  isServerOperator = false;
  /** Set when the session is to leave (with this reason) once its queued commands have run. */
  leavingWith: string | null = null;
  /**
   * False for a session that logged in after its client had gone (a script piped into nc):
   * it still carries out what was sent, but showed the account nothing, so where its
   * delivery stands says nothing of what the account has seen.
   */
  isCursorKept = true;
  /**
   * Set by the front end when the client has closed: the session may still carry out what
   * it sent (paced lines, queued commands), but nothing reaches the user any more.
   */
  isClientGone = false;

  constructor(
    sessionId: SessionId,
    address: string,
    anonymousName: string,
    guestKey: string,
    guestName: string,
    sink: EventSink,
    rate: CommandRate,
  ) {
    this.sessionId = sessionId;
    this.address = address;
    this.anonymousName = anonymousName;
    this.guestKey = guestKey;
    this.guestName = guestName;
    this.ref = Object.freeze({ sessionId, displayName: anonymousName, name: null, account: null, address, guestName });
    this.sink = sink;
    this.commandBucket = new TokenBucket(rate.burst, rate.perSecond);
    this.commandRate = rate;
  }

  /** When the user last said something, or connected if never; see OnlineUser. */
  get lastSpokeAt(): number {
    return this.#lastSpokeAt ?? this.connectedAt;
  }

  set lastSpokeAt(at: number) {
    this.#lastSpokeAt = at;
  }

  /** The rooms this session is in, in the order it joined them. */
  get rooms(): ReadonlySet<Room> {
    return this.#rooms ?? NO_ROOMS;
  }

  enteredRoom(room: Room): void {
    if (this.#rooms === null) this.#rooms = new Set([room]);
    else this.#rooms.add(room);
  }

  leftRoom(room: Room): void {
    const rooms = this.#rooms;
    if (rooms === null || !rooms.delete(room)) return;
    if (rooms.size === 0) this.#rooms = null;
  }

  roomNames(): string[] {
    return [...this.rooms].map((room) => room.name);
  }

  get displayName(): string {
    return this.ref.displayName;
  }

  /**
   * What direct messages and search belong to: the account when logged in; otherwise
   * this session alone, so whoever takes an unregistered name later cannot read them.
   */
  get identityKey(): string {
    return this.account ?? this.guestKey;
  }

  rename(name: string | null, nameKey: string | null): void {
    this.name = name;
    this.nameKey = nameKey;
    this.ref = Object.freeze({
      sessionId: this.sessionId,
      displayName: name ?? this.anonymousName,
      name,
      account: this.account === null ? null : name,
      address: this.address,
      guestName: this.guestName,
    });
  }
}
