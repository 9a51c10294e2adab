import type { HistoryKinds, HistoryPage, HistoryScope, MessageStore } from "../../store/store.js";
import type { CommandContext } from "../command-context.js";
import { type CommandOf, EVERYTHING_READABLE } from "../commands.js";
import type { Hub } from "../hub.js";
import { boundJustBelow, timeOfId } from "../message-id.js";
import { identityKey, parseUserName } from "../names.js";
import type { Session } from "../session.js";
import { findUser, roomOfMember, shownGuest, toHistoryItems, withHistoryGaps } from "./shared.js";

/**
 * A page of the past, newest last, read backwards from `before`: of a room (members only),
 * of the direct messages between the session and one other user, or of everything the
 * session may read. The reply names the request for the page before it.
 */
export async function history(ctx: CommandContext, command: CommandOf<"history">): Promise<void> {
  const { hub, session } = ctx;
  const store = hub.store;
  if (store === null) {
    ctx.fail("ERR_HISTORY_OFF", { what: "history" });
    return;
  }
  if (command.limit > hub.options.maxHistoryRequest) {
    ctx.fail("ERR_HISTORY_TOO_MANY", { limit: hub.options.maxHistoryRequest });
    return;
  }
  await hub.settled();
  const target = await scopeOf(ctx, store, command.where);
  if (target === null) return;
  const limit = Math.max(command.limit, 1);
  const around = command.around ?? "";
  const page =
    around === ""
      ? await store.historyPage({
          scope: target.scope,
          limit,
          before: command.before,
          after: command.after,
          reading: command.reading,
          kinds: command.kinds,
        })
      : await pageAround(store, target.scope, around, limit, command.kinds ?? "conversation");
  if (!hub.isOnline(session)) return;
  const items = toHistoryItems(hub, page.entries, session.identityKey);
  // The spans history missed within what this page covers: from its oldest entry (or the
  // start of the range, when the page reaches it) up to its newest (or the range's end).
  const sinceAt = page.hasOlder || around !== "" ? (items[0]?.at ?? 0) : timeOfId(command.after);
  const untilAt =
    page.hasNewer || around !== ""
      ? (items[items.length - 1]?.at ?? 0)
      : command.before === ""
        ? Date.now()
        : timeOfId(command.before);
  ctx.reply({
    kind: "history",
    reason: "request",
    where: target.where,
    items: await withHistoryGaps(hub, items, sinceAt, untilAt),
    more: 0,
    older: page.hasOlder ? { where: target.where, limit, before: page.entries[0].id, after: command.after } : null,
  });
}

/** Up to half the limit before `around`, and the rest from it on: one page, oldest first. */
async function pageAround(
  store: MessageStore,
  scope: HistoryScope,
  around: string,
  limit: number,
  kinds: HistoryKinds,
): Promise<HistoryPage> {
  const beforeCount = Math.floor(limit / 2);
  const earlier =
    beforeCount === 0
      ? { entries: [], hasOlder: false }
      : await store.historyPage({ scope, limit: beforeCount, before: around, after: "", kinds });
  const later = await store.historyPage({
    scope,
    limit: limit - beforeCount,
    before: "",
    after: boundJustBelow(around),
    reading: "forward",
    kinds,
  });
  return {
    entries: [...earlier.entries, ...later.entries],
    hasOlder: earlier.hasOlder,
    hasNewer: later.hasNewer,
  };
}

/**
 * The conversations the session may read with something said in the range, each under the
 * name it shows: rooms it is in, and the people it exchanged direct messages with.
 */
export async function conversations(ctx: CommandContext, command: CommandOf<"conversations">): Promise<void> {
  const { hub, session } = ctx;
  const store = hub.store;
  if (store === null) {
    ctx.fail("ERR_HISTORY_OFF", { what: "history" });
    return;
  }
  await hub.settled();
  const found = await store.conversations({
    rooms: session.roomNames(),
    userKey: session.identityKey,
    after: command.after,
    before: command.before,
    limit: Math.min(Math.max(command.limit, 1), hub.options.maxHistoryRequest),
  });
  if (!hub.isOnline(session)) return;
  const hideAddresses = hub.options.hideAddresses;
  ctx.reply({
    kind: "conversations",
    conversations: found.map(({ name, peerKey, lastAt }) => ({
      name: peerKey !== null && hideAddresses ? shownGuest(name, peerKey) : name,
      lastAt,
    })),
  });
}

/** What `where` names, as the session may read it; null (and the session told why) when nothing. */
async function scopeOf(
  ctx: CommandContext,
  store: MessageStore,
  where: string,
): Promise<{ scope: HistoryScope; where: string } | null> {
  const { hub, session } = ctx;
  if (where === EVERYTHING_READABLE) {
    return { scope: { kind: "readable", rooms: session.roomNames(), userKey: session.identityKey }, where };
  }
  if (where.startsWith("#")) {
    const room = roomOfMember(ctx, where);
    return room === null ? null : { scope: { kind: "room", room: room.name }, where: room.name };
  }
  const peer = (await findUser(hub, where)) ?? (await findPastPeer(hub, store, session, where));
  if (peer === null) {
    ctx.fail("ERR_NO_SUCH_USER", { name: where });
    return null;
  }
  return { scope: { kind: "direct", userKey: session.identityKey, peerKey: peer.identity }, where: peer.asAsked };
}

/**
 * Someone the session has exchanged direct messages with, who is neither online nor an
 * account: a guest who has left. Found by a name those messages show them under (as
 * history shows it: with addresses hidden, a guest name, never the address), the most
 * recent first.
 */
async function findPastPeer(
  hub: Hub,
  store: MessageStore,
  session: Session,
  name: string,
): Promise<{ identity: string; asAsked: string } | null> {
  const hideAddresses = hub.options.hideAddresses;
  const asked = nameKeyOf(name);
  for (const peer of await store.directPeers(session.identityKey)) {
    const shown = hideAddresses ? shownGuest(peer.name, peer.key) : peer.name;
    if (shown === name || (asked !== null && nameKeyOf(shown) === asked)) return { identity: peer.key, asAsked: shown };
  }
  return null;
}

/** The identity key of a name, so "Erin" finds "erin"; null for what is no name ("IP:PORT"). */
function nameKeyOf(name: string): string | null {
  const parsed = parseUserName(name);
  return "code" in parsed ? null : identityKey(parsed.name);
}
