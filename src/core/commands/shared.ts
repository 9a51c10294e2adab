import type { HistoryEntry } from "../../store/store.js";
import type { CommandContext } from "../command-context.js";
import type { HistoryItem } from "../events.js";
import type { Hub } from "../hub.js";
import { guestNameOf, identityKey, parseRoomName, parseUserName } from "../names.js";
import type { Room } from "../room.js";
import type { Session, SessionId } from "../session.js";

/** The room `name` if the session is in it; otherwise the session is told why not and null comes back. */
export function roomOfMember(ctx: CommandContext, name: string): Room | null {
  const { hub, session } = ctx;
  const parsed = parseRoomName(name);
  if ("code" in parsed) {
    ctx.failWith(parsed);
    return null;
  }
  const room = hub.findRoom(parsed.name);
  if (room === undefined) {
    ctx.fail("ERR_NO_SUCH_ROOM", { room: parsed.name });
    return null;
  }
  if (!room.members.has(session)) {
    ctx.fail("ERR_NOT_IN_ROOM", { room: room.name });
    return null;
  }
  return room;
}

/**
 * History as a viewer sees it: a direct message is shown under the other party's name.
 * With addresses hidden, a guest recorded under its address while they were shown is
 * shown under a guest name instead (see `shownGuest`).
 */
function toHistoryItem(entry: HistoryEntry, viewerKey: string, hideAddresses: boolean): HistoryItem {
  const sentByViewer = entry.recipientKey === null ? null : entry.senderKey === viewerKey;
  const sender = hideAddresses ? shownGuest(entry.sender, entry.senderKey) : entry.sender;
  const where =
    sentByViewer === false
      ? sender
      : hideAddresses && entry.recipientKey !== null
        ? shownGuest(entry.target, entry.recipientKey)
        : entry.target;
  const item: HistoryItem = {
    id: entry.id,
    at: entry.at,
    kind: entry.kind,
    where,
    sender,
    text: entry.text,
    sentByViewer,
  };
  // Only a guest's address holds a ":"; a history of named users costs nothing more.
  if (!sender.includes(":") && !where.includes(":")) return item;
  const guestSender = sender.includes(":") ? guestNameOf(entry.senderKey) : undefined;
  const guestWhere = !where.includes(":")
    ? undefined
    : sentByViewer === false
      ? guestSender
      : guestNameOf(entry.recipientKey ?? entry.senderKey);
  return { ...item, guestSender, guestWhere };
}

/** `toHistoryItem` for every entry, as the user with `viewerKey` sees them on this server. */
export function toHistoryItems(hub: Hub, entries: readonly HistoryEntry[], viewerKey: string): HistoryItem[] {
  return entries.map((entry) => toHistoryItem(entry, viewerKey, hub.options.hideAddresses));
}

/**
 * A name as history recorded it, or, for an "IP:PORT" (no name has a ":"), a guest name made
 * from the guest's identity key: the same for every entry of that guest, and nothing of the
 * address in it. Guests of this run with addresses hidden were recorded under their guest names.
 */
export function shownGuest(name: string, identity: string): string {
  return name.includes(":") ? guestNameOf(identity) : name;
}

/**
 * `items` (oldest first) with the spans history missed (a full disk) between `sinceAt` and
 * `untilAt` put in their places, the one still open (history is paused now) included: a
 * reader sees the gap.
 */
export async function withHistoryGaps(
  hub: Hub,
  items: HistoryItem[],
  sinceAt: number,
  untilAt: number,
): Promise<HistoryItem[]> {
  if (hub.store === null) return items;
  const gaps = await hub.store.historyGaps(sinceAt, untilAt);
  const pause = hub.historyPause;
  if (pause !== null && pause.since <= untilAt) gaps.push({ from: pause.since, to: Date.now(), reason: pause.reason });
  if (gaps.length === 0) return items;
  const merged: HistoryItem[] = [];
  let next = 0;
  for (const gap of gaps) {
    // An entry stored in the millisecond the gap began came before it.
    while (next < items.length && items[next].at <= gap.from) merged.push(items[next++]);
    merged.push({
      id: "",
      at: gap.from,
      until: gap.to,
      kind: "gap",
      where: "",
      sender: "",
      text: gap.reason,
      sentByViewer: null,
    });
  }
  while (next < items.length) merged.push(items[next++]);
  return merged;
}

/**
 * Who set a room's topic, as shown; null for a topic kept from a run that showed addresses
 * now that they are hidden: no identity was kept with it to name them by.
 */
export function topicSetter(hub: Hub, room: Room): string | null {
  return hub.options.hideAddresses && room.topicBy.includes(":") ? null : room.topicBy;
}

/** Someone a direct message or a conversation can name. */
export interface KnownUser {
  /** As others see them now: a name, an account's name, or a guest's "IP:PORT" or guest name. */
  readonly shownAs: string;
  /** The name as asked for (normalised), which replies echo; a guest's as shown. */
  readonly asAsked: string;
  /** What routes to them: their name key, or (a guest, who has none) their identity key. */
  readonly routeKey: string;
  /** A guest is reached by its session; null for a name. */
  readonly guestSessionId: SessionId | null;
  /** The identity their direct messages are kept under. */
  readonly identity: string;
  readonly isOnline: boolean;
  /** The away message of the user online under the name; null when not away or not online. */
  readonly away: string | null;
}

/**
 * The user `name` stands for: someone online under that name, a registered account, or a
 * guest as others see it (that is never a name anyone can take). Null when nobody.
 */
export async function findUser(hub: Hub, name: string): Promise<KnownUser | null> {
  const parsed = parseUserName(name);
  if ("code" in parsed) {
    const guest = hub.guestShownAs(name);
    if (guest === undefined) return null;
    const { displayName, identityKey: identity, sessionId, away } = guest;
    const shownAs = displayName;
    return { shownAs, asAsked: shownAs, routeKey: identity, guestSessionId: sessionId, identity, isOnline: true, away };
  }
  const key = identityKey(parsed.name);
  const online = hub.sessionsNamed(key);
  if (online !== undefined) {
    const first = [...online][0];
    const shownAs = first.displayName;
    const identity = hub.identityOfName(key);
    const { away } = first;
    return { shownAs, asAsked: parsed.name, routeKey: key, guestSessionId: null, identity, isOnline: true, away };
  }
  const account = hub.store === null ? null : await hub.store.findAccount(key);
  if (account === null) return null;
  const shownAs = account.name;
  return {
    shownAs,
    asAsked: parsed.name,
    routeKey: key,
    guestSessionId: null,
    identity: key,
    isOnline: false,
    away: null,
  };
}

/**
 * The sessions online under `name` (a name, or a guest as others see it): several when an
 * account is logged in more than once. Empty when nobody is.
 */
export function sessionsShownAs(hub: Hub, name: string): Session[] {
  const parsed = parseUserName(name);
  if ("code" in parsed) {
    const guest = hub.guestShownAs(name);
    return guest === undefined ? [] : [guest];
  }
  return [...(hub.sessionsNamed(identityKey(parsed.name)) ?? [])];
}

/**
 * The room `name` if the session is one of its operators; otherwise the session is told why
 * not (no such room, not a member, not an operator) and null comes back.
 */
export function roomOfOperator(ctx: CommandContext, name: string): Room | null {
  const room = roomOfMember(ctx, name);
  if (room === null) return null;
  if (!room.mayModerate(ctx.session)) {
    ctx.fail("ERR_NOT_OPERATOR", { room: room.name });
    return null;
  }
  return room;
}
