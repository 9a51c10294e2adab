import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import { identityKey, parseUserName } from "../names.js";
import type { Session } from "../session.js";
import { roomOfMember, toHistoryItem } from "./shared.js";

/** A room's past (members only), or the direct messages between the session and one other user. */
export async function history(hub: Hub, session: Session, command: CommandOf<"history">): Promise<void> {
  const store = hub.store;
  if (store === null) {
    hub.fail(session, "ERR_HISTORY_OFF", { what: "history" });
    return;
  }
  await hub.settled();
  const limit = Math.min(Math.max(command.limit, 1), hub.options.maxHistoryRequest);
  if (command.where.startsWith("#")) {
    const room = roomOfMember(hub, session, command.where);
    if (room === null) return;
    const entries = await store.roomHistory(room.name, limit);
    hub.reply(session, {
      kind: "history",
      reason: "request",
      where: room.name,
      items: entries.map((entry) => toHistoryItem(entry, session.identityKey)),
      more: 0,
    });
    return;
  }
  const peer = await findPeer(hub, command.where);
  if (peer === null) {
    hub.fail(session, "ERR_NO_SUCH_USER", { name: command.where });
    return;
  }
  const entries = await store.directHistory(session.identityKey, peer.identity, limit);
  hub.reply(session, {
    kind: "history",
    reason: "request",
    where: peer.name,
    items: entries.map((entry) => toHistoryItem(entry, session.identityKey)),
    more: 0,
  });
}

/** Someone to have had a conversation with: a name in use or registered, or a guest as shown. */
async function findPeer(hub: Hub, where: string): Promise<{ name: string; identity: string } | null> {
  const parsed = parseUserName(where);
  if ("code" in parsed) {
    const guest = hub.guestShownAs(where);
    return guest === undefined ? null : { name: guest.displayName, identity: guest.identityKey };
  }
  const key = identityKey(parsed.name);
  const isKnown = hub.sessionsNamed(key) !== undefined || (await hub.store?.findAccount(key)) != null;
  return isKnown ? { name: parsed.name, identity: hub.identityOfName(key) } : null;
}
