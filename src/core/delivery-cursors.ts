import type { Session } from "./session.js";

/** What the cursors need of the hub: where fan-out stands, and who is online under a name. */
export interface CursorSources {
  /** The id of the last event fanned out. */
  lastDeliveredId(): string;
  sessionsNamed(key: string): readonly Session[] | undefined;
  isOnline(session: Session): boolean;
}

/**
 * Where each account's delivery stands: a later login replays what came after it. A
 * session's place is the hub's position, or, for one whose front end fell behind or whose
 * client went, where its front end says everything reached the network. An account's place
 * is the earliest of its sessions': one that leaves while others stay holds its place, if
 * it was in a room none of them is in or left with messages that never reached it, until a
 * login catches up from it or the last session goes.
 */
export class DeliveryCursors {
  readonly #sources: CursorSources;
  /** Per account with sessions online: the earliest place of those of its sessions that left meanwhile. */
  readonly #heldByAccount = new Map<string, string>();

  constructor(sources: CursorSources) {
    this.#sources = sources;
  }

  /**
   * A session of an account leaves (or logs out). Returns the account's place to save, or
   * null when there is nothing to save yet: other sessions of it stay, and its place is held.
   */
  leave(session: Session): string | null {
    const account = session.account;
    if (account === null || !session.isCursorKept) return null;
    const place = this.#placeOf(session);
    const cursor = earlierId(place, this.#heldByAccount.get(account));
    const others = this.#keptSessionsOf(account, session);
    if (others.length > 0) {
      // Direct messages reach every session; only a room none of the others is in needs holding.
      const isUncovered = [...session.rooms].some((room) => !others.some((other) => other.rooms.has(room)));
      const isBehind = place < this.#sources.lastDeliveredId();
      if (isUncovered || isBehind) this.#heldByAccount.set(account, cursor);
      return null;
    }
    this.#heldByAccount.delete(account);
    return cursor;
  }

  /**
   * Where a new login of the account catches up from while another session of it is online:
   * the earliest place of those sessions and of any held. The new session is then in all of
   * the account's rooms and stands for what was held, so the hold ends. Undefined when no
   * other session is online: the stored place counts.
   */
  catchUpFrom(account: string, session: Session): string | undefined {
    const others = this.#keptSessionsOf(account, session);
    if (others.length === 0) return undefined;
    const cursor = others.reduce<string | undefined>(
      (earliest, other) => earlierId(this.#placeOf(other), earliest),
      this.#heldByAccount.get(account),
    );
    this.#heldByAccount.delete(account);
    return cursor;
  }

  /** The place of every account with a session online, for the periodic save. */
  placesOf(sessions: Iterable<Session>): Map<string, string> {
    const places = new Map<string, string>();
    for (const session of sessions) {
      const account = session.account;
      if (account === null || !session.isCursorKept) continue;
      const earliest = places.get(account) ?? this.#heldByAccount.get(account);
      places.set(account, earlierId(this.#placeOf(session), earliest));
    }
    return places;
  }

  #placeOf(session: Session): string {
    return session.sink.deliveredThrough?.() ?? this.#sources.lastDeliveredId();
  }

  /** The account's sessions online but `except`, leaving out any whose place says nothing (see `isCursorKept`). */
  #keptSessionsOf(account: string, except: Session): Session[] {
    const named = this.#sources.sessionsNamed(account);
    if (named === undefined) return [];
    return [...named].filter(
      (other) => other !== except && other.account === account && other.isCursorKept && this.#sources.isOnline(other),
    );
  }
}

/** The earlier of two places; ids sort by time, and undefined is no place at all. */
export function earlierId(id: string, other: string | undefined): string {
  return other !== undefined && other < id ? other : id;
}
