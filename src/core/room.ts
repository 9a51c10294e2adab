import type { RoomMaskList } from "../store/store.js";
import type { CompiledMask } from "./masks.js";
import type { Session } from "./session.js";

/** A member's place in a room. */
export interface Membership {
  /** The last id published when the member joined: what it has seen live comes after. */
  readonly joinedAfter: string;
  /** May change the room's modes, give and take operator and voice, kick and invite. */
  isOperator: boolean;
  /** May speak while the room is moderated. */
  isVoiced: boolean;
  /**
   * The user the member counts as (its identity key when it joined, or since a login):
   * several sessions of one account are one member to everyone else.
   */
  userKey: string;
}

/** What a room's operators decide about it. The letters are IRC's (RFC 2811 §4), the meanings every front end's. */
export interface RoomModes {
  /** Only those invited (or operators' invitations) may join. */
  isInviteOnly: boolean;
  /** Only operators and voiced members may speak. */
  isModerated: boolean;
  /** Only operators may set the topic. Off for a new room: every member of a room set its topic before rooms had operators, and line users still expect to; an operator turns it on (+t). */
  isTopicLocked: boolean;
  /** Left out of the room list, and its members of non-members' lookups. */
  isSecret: boolean;
  /** Only members may send messages to the room (IRC's +n, on for a new room); off, anyone may, on any front end that can name a room it is not in. */
  isMembersOnly: boolean;
  /** What a join must give; null for none. */
  key: string | null;
  /** The most members; null for no limit. */
  limit: number | null;
}

/** A mask on one of a room's lists (a ban, an exception): a `name!user@host` glob, who set it and when. */
export interface ListedMask {
  readonly mask: CompiledMask;
  readonly setBy: string;
  readonly setAt: number;
}

/** The standing an account is given back whenever it joins. */
export interface GrantedStanding {
  readonly isOperator: boolean;
  readonly isVoiced: boolean;
}

export class Room {
  /** As first created, for display. */
  readonly name: string;
  /** Identity key: rooms are the same whatever the case or look-alike characters. */
  readonly key: string;
  readonly members = new Map<Session, Membership>();
  /**
   * Those who left (a part, a kick) by an event not yet delivered, with its id: what was
   * published before it still reaches them, as it would have had they left a moment later.
   * An operator's two kicks in one go are then both seen by the second one kicked.
   */
  readonly departing = new Map<Session, string>();
  /** Sessions in the room per user (identity key). */
  readonly #sessionsOfUser = new Map<string, number>();
  topic = "";
  topicBy = "";
  topicAt = 0;
  /** When this room was created (a room stored before this was kept: when it was restored). */
  createdAt = Date.now();
  readonly modes: RoomModes = {
    isInviteOnly: false,
    isModerated: false,
    isTopicLocked: false,
    isSecret: false,
    isMembersOnly: true,
    key: null,
    limit: null,
  };
  /** Each list oldest first. */
  readonly masks: Readonly<Record<RoomMaskList, ListedMask[]>> = {
    ban: [],
    "ban-exception": [],
    "invite-exception": [],
  };
  /** Identity keys of those invited and not yet joined: an invitation lets its holder in once. */
  readonly invited = new Set<string>();
  /**
   * The account that created the room, given operator whenever it joins; null when a guest
   * created it (a guest's identity never comes back). A room with a founder is kept, empty
   * or not, across restarts: nobody else takes it by coming in first.
   */
  founder: string | null = null;
  /** Accounts (never guests) an operator gave operator or voice, by account key: they get it back on joining. */
  readonly grantedStandings = new Map<string, GrantedStanding>();
  /** Whether the store holds this room: what a change must update, or forget. */
  isStored = false;

  constructor(name: string, key: string) {
    this.name = name;
    this.key = key;
  }

  /** Whether the room outlives its members, and restarts: it has a topic or a founder. */
  get isKept(): boolean {
    return this.topic !== "" || this.founder !== null;
  }

  /** Whether the account comes in as an operator, and past every bar: the founder, or one an operator made so. */
  isOperatorAccount(account: string | null): boolean {
    return account !== null && (account === this.founder || this.grantedStandings.get(account)?.isOperator === true);
  }

  /** Users in the room: an account connected twice counts once. */
  get userCount(): number {
    return this.#sessionsOfUser.size;
  }

  /** Whether `userKey` is in the room through some session. */
  hasUser(userKey: string): boolean {
    return this.#sessionsOfUser.has(userKey);
  }

  /** Whether the member is the only session of its user here. */
  isLastSessionOfUser(session: Session): boolean {
    const membership = this.members.get(session);
    return membership !== undefined && this.#sessionsOfUser.get(membership.userKey) === 1;
  }

  /** Adds a member; true when it is its user's first session here (only then are others told of an arrival). */
  addMember(session: Session, membership: Membership): boolean {
    this.members.set(session, membership);
    return this.#count(membership.userKey, 1) === 1;
  }

  /** Removes a member; true when it was its user's last session here (only then are others told it left). */
  removeMember(session: Session): boolean {
    const membership = this.members.get(session);
    if (membership === undefined) return false;
    this.members.delete(session);
    return this.#count(membership.userKey, -1) === 0;
  }

  /** The member now counts as `userKey` (a login or a logout): whether it was its old user's last session here, and its new user's first. */
  recount(session: Session, userKey: string): { wasLast: boolean; isFirst: boolean } {
    const membership = this.members.get(session);
    if (membership === undefined || membership.userKey === userKey) return { wasLast: false, isFirst: false };
    const wasLast = this.#count(membership.userKey, -1) === 0;
    const standing = this.#someSessionOf(userKey);
    membership.userKey = userKey;
    const isFirst = this.#count(userKey, 1) === 1;
    // One user has one standing in a room, whichever session it speaks through; a session
    // that leaves its user behind (a logout while the account stays) takes none with it.
    if (standing !== undefined || !wasLast) {
      membership.isOperator = standing?.isOperator ?? false;
      membership.isVoiced = standing?.isVoiced ?? false;
    }
    return { wasLast, isFirst };
  }

  /** A membership of `userKey` here, if the user is in: what another session of it joins with. */
  standingOf(userKey: string): Membership | undefined {
    return this.#someSessionOf(userKey);
  }

  #someSessionOf(userKey: string): Membership | undefined {
    if (!this.#sessionsOfUser.has(userKey)) return undefined;
    for (const membership of this.members.values()) if (membership.userKey === userKey) return membership;
    return undefined;
  }

  #count(userKey: string, change: 1 | -1): number {
    const sessions = (this.#sessionsOfUser.get(userKey) ?? 0) + change;
    if (sessions <= 0) this.#sessionsOfUser.delete(userKey);
    else this.#sessionsOfUser.set(userKey, sessions);
    return sessions;
  }

  /**
   * Whether the session may act as the room's operator: one of its operators, or a server
   * operator, who can always step in (a room kept across restarts, or the default room every
   * line user is put in, must never be barred for good by whoever held it).
   */
  mayModerate(session: Session): boolean {
    return session.isServerOperator || this.isOperator(session);
  }

  isOperator(session: Session): boolean {
    return this.members.get(session)?.isOperator === true;
  }
}
