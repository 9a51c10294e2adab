import type { BusEvent } from "../../bus/bus.js";
import type { UserRef } from "../../core/events.js";
import { identityKey } from "../../core/names.js";
import type { IrcEventRenderer } from "./irc-render.js";
import type { IrcSession } from "./irc-session.js";
import type { IrcUsers } from "./irc-users.js";
import * as N from "./numerics.js";

/** The most nicks one client may monitor (RPL_ISUPPORT MONITOR). */
export const MONITOR_LIMIT = 100;
/** Keeps a MONITOR reply line within 512 bytes, whatever the nicks and masks. */
const LINE_BUDGET = 400;

/** A name online: as it was last shown, and how many sessions hold it (an account may have several). */
interface OnlineName {
  ref: UserRef;
  sessions: number;
}

/**
 * IRCv3 MONITOR: who is online under which name, and who watches which names. It is fed
 * the core's events as they are fanned out (`observe`): a rename takes a name offline and
 * another online, a quit takes one offline. Guests are not counted: a guest's name is never
 * one that can be chosen, so nobody can monitor it. Names are keyed as the core compares
 * them (`identityKey`), so a change of case is no change.
 */
export class MonitorIndex {
  readonly #users: IrcUsers;
  readonly #renderer: IrcEventRenderer;
  readonly #online = new Map<string, OnlineName>();
  readonly #watchers = new Map<string, Set<IrcSession>>();
  /** Each watching client's names: key to the nick as it asked for it. */
  readonly #watched = new Map<IrcSession, Map<string, string>>();

  constructor(users: IrcUsers, renderer: IrcEventRenderer) {
    this.#users = users;
    this.#renderer = renderer;
  }

  /** Called for every event fanned out: returns at once for all but renames, quits and aways. */
  observe(event: BusEvent): void {
    if (event.kind === "away") {
      this.tellWatchers(event.who, event.rooms, "away-notify", (session) =>
        session.sendPart(this.#renderer.render(event, session.variant), false),
      );
    } else if (event.kind === "real-name") {
      this.tellWatchers(event.who, event.rooms, "setname", (session) =>
        session.sendPart(this.#renderer.render(event, session.variant), false),
      );
    } else if (event.kind === "renamed") {
      if (event.who.account !== event.now.account) {
        this.tellWatchers(event.now, event.rooms, "account-notify", (session) =>
          session.sendPart(this.#renderer.renderAccountChange(event, session.variant), false),
        );
      }
      const before = event.who.name === null ? null : identityKey(event.who.name);
      const after = event.now.name === null ? null : identityKey(event.now.name);
      if (before === after) {
        if (after !== null)
          this.#online.set(after, { ref: event.now, sessions: this.#online.get(after)?.sessions ?? 1 });
        return;
      }
      if (before !== null) this.#goOffline(before, event.who);
      if (after !== null) this.#goOnline(after, event.now);
    } else if (event.kind === "quit" && event.who.name !== null) {
      this.#goOffline(identityKey(event.who.name), event.who);
    }
  }

  /** Who is online as `nick` (any case or look-alike of it), as last shown; undefined for nobody, or a guest. */
  onlineAs(nick: string): UserRef | undefined {
    return this.#online.get(identityKey(nick))?.ref;
  }

  /** MONITOR + : watches `nicks`, and says at once which are online; past the limit, 734 for the rest. */
  add(session: IrcSession, nicks: readonly string[]): void {
    let watched = this.#watched.get(session);
    if (watched === undefined) {
      watched = new Map();
      this.#watched.set(session, watched);
    }
    const accepted: string[] = [];
    for (let i = 0; i < nicks.length; i++) {
      const nick = nicks[i] as string;
      const key = identityKey(nick);
      if (watched.has(key)) continue;
      if (watched.size >= MONITOR_LIMIT) {
        session.numeric(N.ERR_MONLISTFULL, String(MONITOR_LIMIT), nicks.slice(i).join(","), "Monitor list is full.");
        break;
      }
      watched.set(key, nick);
      let watchers = this.#watchers.get(key);
      if (watchers === undefined) {
        watchers = new Set();
        this.#watchers.set(key, watchers);
      }
      watchers.add(session);
      accepted.push(nick);
    }
    this.#tellStatus(session, accepted);
  }

  /** MONITOR - : stops watching `nicks`; nothing is said. */
  remove(session: IrcSession, nicks: readonly string[]): void {
    const watched = this.#watched.get(session);
    if (watched === undefined) return;
    for (const nick of nicks) {
      const key = identityKey(nick);
      if (!watched.delete(key)) continue;
      this.#unwatch(key, session);
    }
  }

  /** MONITOR C, and a client that leaves. */
  clear(session: IrcSession): void {
    const watched = this.#watched.get(session);
    if (watched === undefined) return;
    this.#watched.delete(session);
    for (const key of watched.keys()) this.#unwatch(key, session);
  }

  /** MONITOR L: RPL_MONLIST lines, then RPL_ENDOFMONLIST. */
  list(session: IrcSession): void {
    sendInLines(session, N.RPL_MONLIST, [...(this.#watched.get(session)?.values() ?? [])]);
    session.numeric(N.RPL_ENDOFMONLIST, "End of MONITOR list");
  }

  /** MONITOR S: every watched name, online or offline. */
  status(session: IrcSession): void {
    this.#tellStatus(session, [...(this.#watched.get(session)?.values() ?? [])]);
  }

  #tellStatus(session: IrcSession, nicks: readonly string[]): void {
    const online: string[] = [];
    const offline: string[] = [];
    for (const nick of nicks) {
      const found = this.#online.get(identityKey(nick));
      if (found === undefined) offline.push(nick);
      else online.push(this.#users.maskOf(found.ref));
    }
    sendInLines(session, N.RPL_MONONLINE, online);
    sendInLines(session, N.RPL_MONOFFLINE, offline);
  }

  /**
   * IRCv3 extended-monitor: what `cap` tells about a user (AWAY, ACCOUNT, SETNAME) goes to its
   * watchers that have both caps, unless they share one of `rooms` with it (they are told as members).
   */
  tellWatchers(ref: UserRef, rooms: readonly string[], cap: string, tell: (session: IrcSession) => void): void {
    if (ref.name === null) return;
    const watchers = this.#watchers.get(identityKey(ref.name));
    if (watchers === undefined) return;
    for (const session of watchers) {
      if (session.ref.sessionId === ref.sessionId) continue;
      if (!session.caps.isEnabled("extended-monitor") || !session.caps.isEnabled(cap)) continue;
      if (rooms.some((room) => session.isInChannel(room))) continue;
      tell(session);
    }
  }

  #goOnline(key: string, ref: UserRef): void {
    const found = this.#online.get(key);
    if (found !== undefined) {
      found.sessions++;
      found.ref = ref;
      return;
    }
    this.#online.set(key, { ref, sessions: 1 });
    const watchers = this.#watchers.get(key);
    if (watchers === undefined) return;
    const mask = this.#users.maskOf(ref);
    for (const session of watchers) session.numeric(N.RPL_MONONLINE, mask);
  }

  #goOffline(key: string, ref: UserRef): void {
    const found = this.#online.get(key);
    if (found === undefined) return;
    if (--found.sessions > 0) return;
    this.#online.delete(key);
    const watchers = this.#watchers.get(key);
    if (watchers === undefined) return;
    // The name as it was last shown, not as it was asked for (IRCv3 monitor, RPL_MONOFFLINE).
    const nick = this.#users.nickOf(ref);
    for (const session of watchers) session.numeric(N.RPL_MONOFFLINE, nick);
  }

  #unwatch(key: string, session: IrcSession): void {
    const watchers = this.#watchers.get(key);
    if (watchers === undefined) return;
    watchers.delete(session);
    if (watchers.size === 0) this.#watchers.delete(key);
  }
}

/** `code` with the items comma-separated, in as many lines as they need. */
function sendInLines(session: IrcSession, code: string, items: readonly string[]): void {
  let line: string[] = [];
  let bytes = 0;
  for (const item of items) {
    if (bytes + item.length + 1 > LINE_BUDGET && line.length > 0) {
      session.numeric(code, line.join(","));
      line = [];
      bytes = 0;
    }
    line.push(item);
    bytes += item.length + 1;
  }
  if (line.length > 0) session.numeric(code, line.join(","));
}
