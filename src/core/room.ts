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
}

/**
 * What a room's operators decide about it. The letters are IRC's (RFC 2811 §4), the
 * meanings every front end's: there is no "no external messages" switch, since only
 * members may speak in a room whatever the front end.
 */
export interface RoomModes {
  /** Only those invited (or operators' invitations) may join. */
  isInviteOnly: boolean;
  /** Only operators and voiced members may speak. */
  isModerated: boolean;
  /** Only operators may set the topic. Off for a new room: every member of a room set its topic before rooms had operators, and line users still expect to; an operator turns it on (+t). */
  isTopicLocked: boolean;
  /** Left out of the room list, and its members of non-members' lookups. */
  isSecret: boolean;
  /** What a join must give; null for none. */
  key: string | null;
  /** The most members; null for no limit. */
  limit: number | null;
}

/** A ban: a `name!user@host` glob, who set it and when. */
export interface RoomBan {
  readonly mask: CompiledMask;
  readonly setBy: string;
  readonly setAt: number;
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
  topic = "";
  topicBy = "";
  topicAt = 0;
  /** When this room came to be in this run (a room restored from the store: when it was restored). */
  readonly createdAt = Date.now();
  readonly modes: RoomModes = {
    isInviteOnly: false,
    isModerated: false,
    isTopicLocked: false,
    isSecret: false,
    key: null,
    limit: null,
  };
  readonly bans: RoomBan[] = [];
  /** Identity keys of those invited and not yet joined: an invitation lets its holder in once. */
  readonly invited = new Set<string>();
  /**
   * The account that created the room, given operator back when it rejoins while the room is
   * still in memory; null when a guest created it (a guest's identity never comes back).
   */
  founder: string | null = null;

  constructor(name: string, key: string) {
    this.name = name;
    this.key = key;
  }

  isOperator(session: Session): boolean {
    return this.members.get(session)?.isOperator === true;
  }
}
