import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { BusEvent, FanoutBus } from "../bus/bus.js";
import {
  type HistoryEntry,
  type MessageStore,
  type RoomMaskList,
  type RoomRecord,
  StoreWriteError,
} from "../store/store.js";
import { CommandContext } from "./command-context.js";
import { COMMAND_HANDLERS } from "./commands/index.js";
import type { Command } from "./commands.js";
import { CommitPipeline, type HistoryPause } from "./commit-pipeline.js";
import { DeliveryCursors } from "./delivery-cursors.js";
import { type ChatError, chatError } from "./errors.js";
import type { ChatEvent, ModeChange, RoomMember, UserRef } from "./events.js";
import { type EventObserver, FanOut } from "./fan-out.js";
import type { FrontEndHub } from "./front-end-hub.js";
import { historyEntry } from "./history-entry.js";
import { LoginThrottle } from "./login-throttle.js";
import { idFloorForTime, MessageIdGenerator } from "./message-id.js";
import { guestKeyOf, guestNameOf, identityKey } from "./names.js";
import { Room } from "./room.js";
import { restoreRoomState, roomRecord } from "./room-records.js";
import {
  type CommandRate,
  type DecidedOnItsTurn,
  type EventSink,
  type QueuedCommand,
  Session,
  type SessionId,
} from "./session.js";
import { userMaskOfAddress } from "./user-mask.js";

export interface HubOptions {
  bus: FanoutBus;
  /** Null runs without history and accounts. */
  store: MessageStore | null;
  log: Logger;
  /** Show guest names instead of IP:PORT to others. */
  hideAddresses: boolean;
  commandRate: CommandRate;
  maxRoomsPerUser: number;
  /** Past messages shown on /join. */
  joinReplay: number;
  /** Most missed messages replayed on login; the rest are counted. */
  missedReplayCap: number;
  /** Most entries one /history may ask for. */
  maxHistoryRequest: number;
  /** While history is paused (a full disk), how often the store is tried again. */
  historyRetryMs: number;
  /** Server operators; see ServerConfig.operators. */
  operators: readonly { readonly name: string; readonly secret: string }[];
  /** The room users who type no command are put in: the server's own (see `joinRoom`). */
  defaultRoom: string;
}

/**
 * How a user reads as `name!user@host` when matched against a room's ban masks. The core
 * matches bans, once, for every front end; but the user and host parts are what a front end
 * shows (IRC's USER name and cloaked host), so the server gives the core the view of the
 * front end whose users see masks (see `Hub.describeUsersWith`). Matching on name and account
 * alone would let nobody ban a host, which is what an IRC operator reaches for first.
 */
export type UserMaskOf = (ref: UserRef) => string;

/**
 * The core: sessions, rooms, names and who receives what. It knows no protocol and no
 * socket: front ends hand it parsed commands and get typed events back. Every accepted
 * event is stored (when there is a store) before anyone sees it: see CommitPipeline.
 */
export class Hub implements FrontEndHub {
  readonly options: HubOptions;
  readonly log: Logger;
  readonly store: MessageStore | null;
  readonly loginThrottle = new LoginThrottle();
  readonly #bus: FanoutBus;
  readonly #ids = new MessageIdGenerator();
  readonly #roomsByKey = new Map<string, Room>();
  /** Events carry the room's canonical name; delivery looks it up here without folding it again. */
  readonly #roomsByName = new Map<string, Room>();
  readonly #sessions = new Map<SessionId, Session>();
  /** Who waits for the last session to go (a stop). */
  #emptyWaiters: (() => void)[] = [];
  /** Sessions by the name they use: an array, as a name is nearly always one session's, where a Set's table costs more. */
  readonly #sessionsByName = new Map<string, Session[]>();
  readonly #fanOut: FanOut;
  /** Null without a store: events then go straight to the bus. */
  readonly #commits: CommitPipeline | null;
  readonly #cursors: DeliveryCursors;
  #nextSessionId = 1;
  /**
   * Session numbers start again at 1 in every run and in every process, and history outlives
   * the run: session ids (and so a guest's identity and name) carry this run's random tag, so
   * a guest of the next run, or a session of another process on a shared bus, is nobody from
   * this one. 72 bits: two runs never draw the same.
   */
  readonly #runTag = randomBytes(9).toString("base64url");
  #isShuttingDown = false;
  #userMaskOf: UserMaskOf = userMaskOfAddress;
  /** Decided once: a disabled debug line would still cost an object per command. */
  readonly #isDebugLogged: boolean;

  constructor(options: HubOptions) {
    this.options = options;
    this.log = options.log;
    this.#isDebugLogged = options.log.isLevelEnabled("debug");
    this.store = options.store;
    this.#bus = options.bus;
    this.#fanOut = new FanOut(
      {
        roomNamed: (name) => this.#roomsByName.get(name),
        sessionsNamed: (nameKey) => this.#sessionsByName.get(nameKey),
        session: (sessionId) => this.#sessions.get(sessionId),
      },
      options.log,
      (session) => this.#closeBroken(session),
      idFloorForTime(Date.now()),
    );
    this.#bus.subscribe((event) => {
      this.#fanOut.deliver(event);
      this.#afterDelivery(event);
    });
    this.#cursors = new DeliveryCursors({
      lastDeliveredId: () => this.#fanOut.lastDeliveredId,
      sessionsNamed: (key) => this.#sessionsByName.get(key),
      isOnline: (session) => this.isOnline(session),
    });
    this.#commits =
      options.store === null
        ? null
        : new CommitPipeline(
            options.store,
            (event) => this.#bus.publish(event),
            {
              paused: (pause) => this.#tellEveryone({ kind: "error", error: historyPausedError(pause) }),
              resumed: (gap) => this.#tellEveryone({ kind: "reply", reply: { kind: "history-resumed", gap } }),
            },
            options.log,
            options.historyRetryMs,
          );
  }

  get hasHistory(): boolean {
    return this.store !== null;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  observe(observer: EventObserver): void {
    this.#fanOut.observe(observer);
  }

  /** Everyone online (a scan: for rare commands only). */
  sessions(): Iterable<Session> {
    return this.#sessions.values();
  }

  /** An event from the server to each of `sessions`, with the fan-out's care for a broken front end. */
  tell(sessions: Iterable<Session>, event: ChatEvent): void {
    this.#fanOut.deliverToEach(sessions, event);
  }

  /** Rooms known before any user arrives (those the store keeps: see `Room.isKept`). */
  restoreRoom(record: RoomRecord): void {
    // Kept from before names were compared as they are now: the first of look-alikes wins.
    if (this.#roomsByKey.has(identityKey(record.name))) return;
    restoreRoomState(this.#createRoom(record.name), record);
  }

  /**
   * Stores what a command changed of a room: all of it while the room is kept, and
   * forgets it once the room is no longer kept (its topic cleared, with no founder).
   */
  async saveRoom(room: Room): Promise<void> {
    if (this.store === null) return;
    // Decided now, not after the write: the next change may come before it settles.
    const wasStored = room.isStored;
    room.isStored = room.isKept;
    if (room.isKept) await this.store.saveRoom(roomRecord(room));
    else if (wasStored) await this.store.forgetRoom(room.name);
  }

  connect(address: string, sink: EventSink): Session {
    const sessionId: SessionId = `${this.#runTag}:${this.#nextSessionId++}`;
    const guestKey = guestKeyOf(sessionId);
    const guestName = guestNameOf(guestKey);
    const anonymousName = this.options.hideAddresses ? guestName : address;
    const session = new Session(sessionId, address, anonymousName, guestKey, guestName, sink, this.options.commandRate);
    this.#sessions.set(sessionId, session);
    return session;
  }

  /**
   * Carries out a command. A user's commands take effect in the order sent: while one
   * waits (on the store, on a password hash), the next ones queue behind it. With a
   * `requestId`, every reply and error the command sends carries it, and a "done" event
   * with it follows the last of them.
   */
  execute(session: Session, request: Command | DecidedOnItsTurn, requestId?: number): void {
    if (this.#sessions.get(session.sessionId) !== session) return;
    // One is running (or waiting): this one waits behind it. That holds too for a command a
    // front end asks for while drawing what the running one said.
    if (session.isBusy) {
      session.queuedCommands ??= [];
      session.queuedCommands.push({ command: request, requestId });
      return;
    }
    const command = typeof request === "function" ? request() : request;
    if (command === null) {
      if (requestId !== undefined) session.sink.deliver({ kind: "done", requestId });
      this.#runQueued(session);
      return;
    }
    if (this.#isDebugLogged) {
      this.log.debug({ event: "command", session: session.sessionId, command: command.kind }, "command received");
    }
    const handler = COMMAND_HANDLERS[command.kind] as (ctx: CommandContext, command: Command) => unknown;
    const ctx = new CommandContext(this, session, requestId);
    session.isBusy = true;
    let result: unknown;
    try {
      result = handler(ctx, command);
    } catch (error) {
      this.#failInternally(ctx, command, error);
    }
    if (!(result instanceof Promise)) {
      this.#finish(ctx);
      return;
    }
    result.catch((error: unknown) => this.#failInternally(ctx, command, error)).finally(() => this.#finish(ctx));
  }

  #finish(ctx: CommandContext): void {
    const { session } = ctx;
    session.isBusy = false;
    if (ctx.requestId !== undefined) session.sink.deliver({ kind: "done", requestId: ctx.requestId });
    this.#runQueued(session);
  }

  #runQueued(session: Session): void {
    const queued = session.queuedCommands;
    // Each command that finishes runs the next (a sync one here, an async one when it is done).
    if (queued !== null && queued.length > 0 && this.isOnline(session)) {
      const next = queued.shift() as QueuedCommand;
      this.execute(session, next.command, next.requestId);
      return;
    }
    session.queuedCommands = null;
    if (session.leavingWith !== null) this.disconnect(session, session.leavingWith);
  }

  /**
   * As `disconnect`, once the commands the session already sent have run (one may be
   * waiting on the store or a password hash): what a client sent before it closed counts.
   */
  disconnectAfterCommands(session: Session, reason = ""): void {
    if (!session.isBusy) this.disconnect(session, reason);
    else session.leavingWith = reason;
  }

  /** The session is gone: it leaves every room, and its delivery cursor is kept. Safe to call twice. */
  disconnect(session: Session, reason = ""): void {
    if (!this.#sessions.delete(session.sessionId)) return;
    this.saveCursorOf(session);
    this.#forgetName(session);
    this.#quitRooms(session, reason);
    if (this.#sessions.size === 0 && this.#emptyWaiters.length > 0) {
      const waiters = this.#emptyWaiters;
      this.#emptyWaiters = [];
      // After the front end's own bookkeeping for this session (its log line), not inside it.
      queueMicrotask(() => {
        for (const resolve of waiters) resolve();
      });
    }
  }

  /** Resolves once no session is left: at a stop, every connection has been closed and its end logged. */
  whenEmpty(): Promise<void> {
    if (this.#sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /** A user leaving the server leaves every room at once: one event, a history entry per room. */
  #quitRooms(session: Session, reason: string): void {
    // A room where another session of the user stays has lost nobody.
    const rooms = [...session.rooms].flatMap((room) =>
      this.#removeMember(session, room) ? [{ room: room.name, members: room.userCount }] : [],
    );
    // Everyone is leaving at once: telling each of them about the others is noise.
    if (this.#isShuttingDown) return;
    const entries = rooms.map(({ room }) => {
      const { id, at } = this.mintId();
      return historyEntry(id, at, "left", room, session, null, reason);
    });
    // A user in no room still quits: front ends that watch for someone (MONITOR, WHOWAS) hear of it.
    const { id, at } = entries.at(-1) ?? this.mintId();
    this.publish({ kind: "quit", id, at, who: session.ref, reason, rooms }, entries);
  }

  /** Tells every session the server is going down; each front end then closes its own. */
  shutdown(): void {
    this.#isShuttingDown = true;
    this.#commits?.flush();
    const event = { kind: "shutdown" } as const;
    for (const session of [...this.#sessions.values()]) session.sink.deliver(event);
  }

  /** How users read in ban masks from now on; without a call, `name!*@IP`. */
  describeUsersWith(userMaskOf: UserMaskOf): void {
    this.#userMaskOf = userMaskOf;
  }

  // ---- what command handlers use ----

  /** Whether one of the room's bans matches the user, and none of its ban exceptions (RFC 2811 §4.3.1). */
  isBanned(room: Room, session: Session): boolean {
    return this.isOnList(room, "ban", session) && !this.isOnList(room, "ban-exception", session);
  }

  /** Whether one of the room's masks on `list` matches the user. */
  isOnList(room: Room, list: RoomMaskList, session: Session): boolean {
    const masks = room.masks[list];
    if (masks.length === 0) return false;
    const mask = this.#userMaskOf(session.ref);
    return masks.some((listed) => listed.mask.matches(mask));
  }

  /** The room's members with their standing, sorted by display name. */
  membersOf(room: Room): RoomMember[] {
    // A user connected twice is listed once.
    const listed = new Set<string>();
    const members: RoomMember[] = [];
    for (const [member, { isOperator, isVoiced, userKey }] of room.members) {
      if (listed.has(userKey)) continue;
      listed.add(userKey);
      members.push({
        ref: member.ref,
        isOperator,
        isVoiced,
        away: member.away,
        isServerOperator: member.isServerOperator,
      });
    }
    return members.sort((a, b) => a.ref.displayName.localeCompare(b.ref.displayName));
  }

  isOnline(session: Session): boolean {
    return this.#sessions.get(session.sessionId) === session;
  }

  /** By canonical name first (what front ends echo back, and cheap), else by identity key. */
  findRoom(name: string): Room | undefined {
    return this.#roomsByName.get(name) ?? this.#roomsByKey.get(identityKey(name));
  }

  rooms(): Iterable<Room> {
    return this.#roomsByKey.values();
  }

  sessionsNamed(key: string): readonly Session[] | undefined {
    return this.#sessionsByName.get(key);
  }

  /** Whether someone else holds the name `key`: another session, and not one logged in to that account. */
  isNameHeldByOther(session: Session, key: string): boolean {
    const holders = this.#sessionsByName.get(key);
    if (holders === undefined) return false;
    for (const holder of holders) if (holder !== session && holder.account !== key) return true;
    return false;
  }

  /**
   * Whose direct messages a name stands for: the person using it now (a session keeps an
   * unregistered name's messages to itself), else the account registered to it.
   */
  identityOfName(nameKey: string): string {
    const online = this.#sessionsByName.get(nameKey);
    if (online !== undefined) for (const session of online) return session.identityKey;
    return nameKey;
  }

  /** The session shown as `shownName` that has chosen no name ("IP:PORT" or "guest-…"), if one is online. */
  guestShownAs(shownName: string): Session | undefined {
    // A scan, not an index: only a direct message to a guest asks, and an index would cost every connection.
    for (const session of this.#sessions.values()) {
      if (session.name === null && (session.anonymousName === shownName || session.guestName === shownName)) {
        return session;
      }
    }
    return undefined;
  }

  /** A new id and the server time it encodes. */
  mintId(): { id: string; at: number } {
    const id = this.#ids.next();
    return { id, at: this.#ids.lastAt };
  }

  /** Joins, creating the room if new; returns the room, or an error value. */
  joinRoom(session: Session, name: string): Room | ChatError {
    const existing = this.#roomsByKey.get(identityKey(name));
    if (existing?.members.has(session)) return existing;
    if (session.rooms.size >= this.options.maxRoomsPerUser) {
      return chatError("ERR_TOO_MANY_ROOMS", { limit: this.options.maxRoomsPerUser });
    }
    const room = existing ?? this.#createRoom(name);
    // The default room is the server's: whoever types no command is put in it, so no account
    // founds it and no first comer holds it (server operators moderate it, or those they make
    // operators). Anyone could otherwise bar every netcat user from the chat.
    const isDefaultRoom = room.key === identityKey(this.options.defaultRoom);
    if (existing === undefined && !isDefaultRoom) room.founder = session.account;
    const userKey = session.identityKey;
    // Another session of the same user (an account connected twice) joins with the user's standing.
    const standing = room.standingOf(userKey);
    // Whoever comes into an empty room nobody founded holds it, as on IRC; the founding
    // account, and accounts an operator made operators, whenever they come back.
    const isOperator =
      standing?.isOperator ??
      ((room.members.size === 0 && room.founder === null && !isDefaultRoom) || room.isOperatorAccount(session.account));
    const granted = session.account === null ? undefined : room.grantedStandings.get(session.account);
    const isVoiced = standing?.isVoiced ?? granted?.isVoiced ?? false;
    const isFirst = room.addMember(session, {
      joinedAfter: this.#fanOut.lastDeliveredId,
      isOperator,
      isVoiced,
      userKey,
    });
    room.invited.delete(userKey);
    session.enteredRoom(room);
    const { id, at } = this.mintId();
    const joined = {
      kind: "joined",
      id,
      at,
      room: room.name,
      who: session.ref,
      members: room.userCount,
      away: session.away,
    } as const;
    // The user was in already through another session: only the new session hears of its join.
    if (isFirst) this.publish(joined, historyEntry(id, at, "joined", room.name, session, null, ""));
    else this.publish({ ...joined, isSilent: true });
    return room;
  }

  leaveRoom(session: Session, room: Room, reason: string): void {
    // Another session of the user stays: to everyone else, nobody left.
    if (this.#isShuttingDown || !room.isLastSessionOfUser(session)) {
      this.#removeMember(session, room);
      return;
    }
    const { id, at } = this.mintId();
    this.#removeMember(session, room, id);
    this.publish(
      { kind: "left", id, at, room: room.name, who: session.ref, members: room.userCount, reason },
      historyEntry(id, at, "left", room.name, session, null, reason),
    );
  }

  /** An operator puts a user (every session of it in `targets`) out of the room: the members and it are told once. */
  kick(by: Session, room: Room, targets: readonly Session[], reason: string): void {
    const target = targets[0];
    if (target === undefined) return;
    const { id, at } = this.mintId();
    for (const each of targets) this.#removeMember(each, room, id);
    this.publish(
      { kind: "kicked", id, at, room: room.name, who: by.ref, target: target.ref, reason, members: room.userCount },
      historyEntry(id, at, "left", room.name, target, null, reason),
    );
  }

  /** Gives a session a name (null: back to its anonymous name) and tells those who share a room with it. */
  rename(session: Session, name: string | null, key: string | null): void {
    const before = session.ref;
    this.#forgetName(session);
    session.rename(name, key);
    if (key !== null) {
      const named = this.#sessionsByName.get(key);
      if (named === undefined) this.#sessionsByName.set(key, [session]);
      else if (!named.includes(session)) named.push(session);
    }
    const rooms = this.#recountRooms(session, before);
    // A name that became an account's (registered) is news too, to those shown accounts (IRCv3 account-notify).
    if (before.displayName === session.displayName && before.account === session.ref.account) return;
    // With the connect line's address, this lets an operator tell who is behind a name.
    this.log.info({ event: "renamed", session: session.sessionId, name: session.displayName }, "name changed");
    this.publish({
      kind: "renamed",
      who: before,
      now: session.ref,
      from: before.displayName,
      to: session.displayName,
      rooms,
    });
    if (before.account !== session.ref.account) this.#giveGrantedStanding(session);
  }

  /**
   * A login in rooms the account was given standing in (its founder's, an operator's grant)
   * brings it there and then, as a join would: an IRC client often joins before it logs in.
   * Told as the member's own mode change, after the rename that names it.
   */
  #giveGrantedStanding(session: Session): void {
    const account = session.account;
    if (account === null) return;
    for (const room of session.rooms) {
      const granted = room.grantedStandings.get(account);
      const changes: ModeChange[] = [];
      const member = session.ref;
      if (!room.isOperator(session) && room.isOperatorAccount(account)) {
        changes.push({ mode: "o", on: true, arg: member.displayName, member });
      }
      if (room.members.get(session)?.isVoiced === false && granted?.isVoiced === true) {
        changes.push({ mode: "v", on: true, arg: member.displayName, member });
      }
      if (changes.length === 0) continue;
      // One user has one standing in a room, whichever session it speaks through.
      for (const membership of room.members.values()) {
        if (membership.userKey !== session.identityKey) continue;
        membership.isOperator ||= changes.some((change) => change.mode === "o");
        membership.isVoiced ||= changes.some((change) => change.mode === "v");
      }
      const { id, at } = this.mintId();
      this.publish({ kind: "mode", id, at, room: room.name, who: member, changes });
    }
  }

  /**
   * A session whose identity changed (a login, a logout) counts as its new user in each of
   * its rooms. Where the new user was in already (an account connected twice), the old one
   * leaves; where the old user stays through another session, the new one arrives; elsewhere
   * it is a rename. Returns the rooms told of a rename.
   */
  #recountRooms(session: Session, before: UserRef): string[] {
    const renamedIn: string[] = [];
    const userKey = session.identityKey;
    for (const room of session.rooms) {
      const formerKey = room.members.get(session)?.userKey ?? userKey;
      const { wasLast, isFirst } = room.recount(session, userKey);
      if (wasLast === isFirst) {
        renamedIn.push(room.name);
        continue;
      }
      const { id, at } = this.mintId();
      if (wasLast) {
        const entry: HistoryEntry = {
          ...{ id, at, kind: "left", target: room.name, sender: before.displayName, senderKey: formerKey },
          ...{ recipientKey: null, text: "" },
        };
        this.publish(
          { kind: "left", id, at, room: room.name, who: before, members: room.userCount, reason: "" },
          entry,
        );
      } else {
        const joined = { kind: "joined", id, at, room: room.name, who: session.ref, members: room.userCount } as const;
        this.publish({ ...joined, away: session.away }, historyEntry(id, at, "joined", room.name, session, null, ""));
      }
    }
    return renamedIn;
  }

  /**
   * Fans an event out, after its history entry (if any) is committed. Events keep their
   * order whether or not they have an entry.
   */
  publish(event: BusEvent, entries: HistoryEntry | readonly HistoryEntry[] | null = null): void {
    if (this.#commits === null) this.#bus.publish(event);
    else this.#commits.add(event, entries);
  }

  /**
   * Resolves once everything accepted so far is stored and fanned out: a user's /history
   * or /search then includes what they said a moment before (read your own writes).
   */
  settled(): Promise<void> {
    return this.#commits?.settled() ?? Promise.resolve();
  }

  /** Whether the event with this id went out without being stored, history being paused (asked after `settled`). */
  wasNotStored(id: string): boolean {
    return this.#commits?.wasNotStored(id) ?? false;
  }

  /** Since when, and why, history is not being kept (a full disk); null while it is. */
  get historyPause(): HistoryPause | null {
    return this.#commits?.pause ?? null;
  }

  /** What a session that arrives while history is paused is told, as those online were; null while it is kept. */
  get historyPausedError(): ChatError | null {
    const pause = this.historyPause;
    return pause === null ? null : historyPausedError(pause);
  }

  /** Stops retrying a paused history at shutdown, recording the gap if the store can take it. */
  stopHistory(): Promise<void> {
    return this.#commits?.stop() ?? Promise.resolve();
  }

  /** The id of the last event fanned out: a session that is not behind has been given everything up to it. */
  get lastDeliveredId(): string {
    return this.#fanOut.lastDeliveredId;
  }

  /** A session of an account is leaving (or logging out): saves the account's place, unless others of it stay. */
  saveCursorOf(session: Session): void {
    if (this.store === null) return;
    const cursor = this.#cursors.leave(session);
    if (cursor === null || session.account === null) return;
    void this.store.saveDeliveryCursors(new Map([[session.account, cursor]])).catch((error: unknown) => {
      // A full disk is said once, by the commit pipeline, however many cursors it stops.
      if (!(error instanceof StoreWriteError)) {
        this.log.error({ event: "store-error", err: error }, "could not save a delivery cursor");
      }
    });
  }

  /** Where a new login of `account` catches up from while another session of it is online; see `DeliveryCursors`. */
  catchUpCursorOf(account: string, session: Session): string | undefined {
    return this.#cursors.catchUpFrom(account, session);
  }

  /** Where every account with a session online stands, for the periodic save. */
  deliveryCursors(): Map<string, string> {
    return this.#cursors.placesOf(this.#sessions.values());
  }

  /** A notice from the server itself, to every session online. */
  #tellEveryone(event: ChatEvent): void {
    this.#fanOut.deliverToEach(this.#sessions.values(), event);
  }

  /** A session whose front end threw while receiving: it leaves, and its front end is asked to close it. */
  #closeBroken(session: Session): void {
    this.disconnect(session, "Internal error");
    try {
      session.sink.deliver({ kind: "close", reason: "Internal error" });
    } catch {
      // Its front end is broken; the session is already gone from every room.
    }
  }

  #createRoom(name: string): Room {
    const room = new Room(name, identityKey(name));
    this.#roomsByKey.set(room.key, room);
    this.#roomsByName.set(room.name, room);
    return room;
  }

  /** `departureId`: the id of the event that tells of it, when one will (see `Room.departing`). */
  /** Returns whether the session was its user's last in the room. */
  #removeMember(session: Session, room: Room, departureId?: string): boolean {
    const wasLast = room.removeMember(session);
    session.leftRoom(room);
    if (departureId !== undefined) room.departing.set(session, departureId);
    this.#forgetIfEmpty(room);
    return wasLast;
  }

  /** An empty room holds no memory unless it is kept (a topic, a founder); its modes and lists go with it. */
  #forgetIfEmpty(room: Room): void {
    if (room.members.size > 0 || room.departing.size > 0 || room.isKept) return;
    // A new room of the same name may have taken its place meanwhile.
    if (this.#roomsByKey.get(room.key) !== room) return;
    this.#roomsByKey.delete(room.key);
    this.#roomsByName.delete(room.name);
  }

  /** A departure has been told: what comes after it is no longer for the one who left. */
  #afterDelivery(event: BusEvent): void {
    if (event.kind !== "left" && event.kind !== "kicked") return;
    const room = this.#roomsByName.get(event.room);
    if (room === undefined) return;
    // Every session the departure took (a kick takes all of a user's) has been told.
    for (const [session, id] of room.departing) if (id === event.id) room.departing.delete(session);
    this.#forgetIfEmpty(room);
  }

  #forgetName(session: Session): void {
    if (session.nameKey === null) return;
    const named = this.#sessionsByName.get(session.nameKey);
    const index = named?.indexOf(session) ?? -1;
    if (named === undefined || index === -1) return;
    if (named.length === 1) this.#sessionsByName.delete(session.nameKey);
    else named.splice(index, 1);
  }

  #failInternally(ctx: CommandContext, command: Command, error: unknown): void {
    if (error instanceof StoreWriteError) {
      // Not a fault of the program: the user is told what the server cannot do, and why.
      this.log.warn(
        { event: "store-write-failed", command: command.kind, reason: error.reason },
        "a command could not be stored",
      );
      ctx.fail("ERR_STORE_UNAVAILABLE", { what: command.kind, reason: error.reason });
      return;
    }
    this.log.error({ event: "command-error", command: command.kind, err: error }, "a command failed");
    ctx.fail("ERR_INTERNAL", { what: command.kind });
  }
}

function historyPausedError(pause: HistoryPause): ChatError {
  return chatError("ERR_HISTORY_PAUSED", { ...pause });
}
