import type { UserRef } from "../../core/events.js";
import type { SessionId } from "../../core/session.js";
import { ipOf } from "../../core/user-mask.js";
import type { HostCloak } from "./cloak.js";
import { ircText } from "./message.js";

/** What an IRC client said of itself at registration (USER), kept for WHO and WHOIS. */
export interface IrcUserInfo {
  readonly userName: string;
  readonly realName: string;
}

/** The user part shown for someone who never sent USER (a line or web user). */
const DEFAULT_USER_NAME = "~u";

/**
 * How users appear on IRC, whichever front end they came through: `nick!user@host`. A
 * name chosen on the line protocol is a nick as it is; a guest's is its guest name
 * ("guest-7f3a"), never its address; a host is a cloak of the address (a stable keyed
 * hash), never the address itself. One per IRC front end, shared by its sessions: each
 * user's mask is worked out once, not once per recipient.
 */
export class IrcUsers {
  readonly #cloak: HostCloak;
  readonly #infoBySession = new Map<SessionId, IrcUserInfo>();
  /** The last ref's mask: fan-out asks for the same sender once per recipient. */
  #lastRef: UserRef | null = null;
  #lastMask = "";

  constructor(cloak: HostCloak) {
    this.#cloak = cloak;
  }

  /** The nick a user is shown by on IRC. */
  nickOf(ref: UserRef): string {
    return ref.name ?? ref.guestName;
  }

  /** "nick!user@host" for a message's source; the core matches bans against it too. */
  maskOf(ref: UserRef): string {
    if (ref === this.#lastRef) return this.#lastMask;
    this.#lastRef = ref;
    this.#lastMask = `${this.nickOf(ref)}!${this.userNameOf(ref)}@${this.hostOf(ref)}`;
    return this.#lastMask;
  }

  userNameOf(ref: UserRef): string {
    return this.#infoBySession.get(ref.sessionId)?.userName ?? DEFAULT_USER_NAME;
  }

  realNameOf(ref: UserRef): string {
    return this.#infoBySession.get(ref.sessionId)?.realName ?? this.nickOf(ref);
  }

  /** The cloaked host of a user's address ("IP:PORT" or "[IPv6]:PORT"). */
  hostOf(ref: UserRef): string {
    return this.#cloak.cloak(ipOf(ref.address));
  }

  /** An IRC client registered with USER: its user name (shown as "~name") and real name. */
  register(sessionId: SessionId, info: IrcUserInfo): void {
    const realName = ircText(info.realName);
    this.#infoBySession.set(sessionId, realName === info.realName ? info : { ...info, realName });
    this.#forgetMaskOf(sessionId);
  }

  /** IRCv3 setname: a new real name for a registered IRC client. */
  setRealName(sessionId: SessionId, realName: string): void {
    const info = this.#infoBySession.get(sessionId);
    if (info !== undefined) this.#infoBySession.set(sessionId, { ...info, realName: ircText(realName) });
    this.#forgetMaskOf(sessionId);
  }

  forget(sessionId: SessionId): void {
    this.#infoBySession.delete(sessionId);
    this.#forgetMaskOf(sessionId);
  }

  /** A ref outlives a change of what its session told us: its mask, worked out before, is stale. */
  #forgetMaskOf(sessionId: SessionId): void {
    if (this.#lastRef?.sessionId !== sessionId) return;
    this.#lastRef = null;
    this.#lastMask = "";
  }
}
