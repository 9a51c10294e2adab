import type { HistoryEntry } from "../../store/store.js";
import type { HistoryItem } from "../events.js";
import type { Hub } from "../hub.js";
import { parseRoomName } from "../names.js";
import type { Room } from "../room.js";
import type { Session } from "../session.js";

/** The room `name` if the session is in it; otherwise the session is told why not and null comes back. */
export function roomOfMember(hub: Hub, session: Session, name: string): Room | null {
  const parsed = parseRoomName(name);
  if ("code" in parsed) {
    hub.failWith(session, parsed);
    return null;
  }
  const room = hub.findRoom(parsed.name);
  if (room === undefined) {
    hub.fail(session, "ERR_NO_SUCH_ROOM", { room: parsed.name });
    return null;
  }
  if (!room.members.has(session)) {
    hub.fail(session, "ERR_NOT_IN_ROOM", { room: room.name });
    return null;
  }
  return room;
}

/** History as a viewer sees it: a direct message is shown under the other party's name. */
export function toHistoryItem(entry: HistoryEntry, viewerKey: string): HistoryItem {
  const sentByViewer = entry.recipientKey === null ? null : entry.senderKey === viewerKey;
  const where = sentByViewer === false ? entry.sender : entry.target;
  return { id: entry.id, at: entry.at, kind: entry.kind, where, sender: entry.sender, text: entry.text, sentByViewer };
}
