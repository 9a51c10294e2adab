import type { CommandOf } from "../commands.js";
import type { HistoryItem } from "../events.js";
import type { Hub } from "../hub.js";
import type { Session } from "../session.js";
import { findUser, roomOfMember, toHistoryItem, withHistoryGaps } from "./shared.js";

/** A room's past (members only), or the direct messages between the session and one other user. */
export async function history(hub: Hub, session: Session, command: CommandOf<"history">): Promise<void> {
  const store = hub.store;
  if (store === null) {
    hub.fail(session, "ERR_HISTORY_OFF", { what: "history" });
    return;
  }
  if (command.limit > hub.options.maxHistoryRequest) {
    hub.fail(session, "ERR_HISTORY_TOO_MANY", { limit: hub.options.maxHistoryRequest });
    return;
  }
  await hub.settled();
  const limit = Math.max(command.limit, 1);
  if (command.where.startsWith("#")) {
    const room = roomOfMember(hub, session, command.where);
    if (room === null) return;
    const entries = await store.roomHistory(room.name, limit);
    const items = entries.map((entry) => toHistoryItem(entry, session.identityKey));
    hub.reply(session, {
      kind: "history",
      reason: "request",
      where: room.name,
      items: await withHistoryGaps(hub, items, gapsSince(items, limit)),
      more: 0,
    });
    return;
  }
  const peer = await findUser(hub, command.where);
  if (peer === null) {
    hub.fail(session, "ERR_NO_SUCH_USER", { name: command.where });
    return;
  }
  const entries = await store.directHistory(session.identityKey, peer.identity, limit);
  const items = entries.map((entry) => toHistoryItem(entry, session.identityKey));
  hub.reply(session, {
    kind: "history",
    reason: "request",
    where: peer.asAsked,
    items: await withHistoryGaps(hub, items, gapsSince(items, limit)),
    more: 0,
  });
}

/** Gaps from the oldest item shown on, or from the start when all of history is shown. */
function gapsSince(items: readonly HistoryItem[], limit: number): number {
  return items.length < limit ? 0 : items[0].at;
}
