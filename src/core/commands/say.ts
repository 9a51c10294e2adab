import type { CommandOf } from "../commands.js";
import { historyEntry } from "../history-entry.js";
import type { Hub } from "../hub.js";
import type { Session } from "../session.js";

/** A message (or /me action) to a room the session is in: the hot path. */
export function say(hub: Hub, session: Session, command: CommandOf<"say">): void {
  const room = hub.findRoom(command.room);
  if (room === undefined || !room.members.has(session)) {
    hub.fail(session, "ERR_NOT_IN_ROOM", { room: command.room });
    return;
  }
  if (command.text.length === 0) {
    hub.fail(session, "ERR_EMPTY_MESSAGE");
    return;
  }
  const { id, at } = hub.mintId();
  hub.publish(
    { kind: "message", id, at, room: room.name, from: session.ref, text: command.text, isAction: command.isAction },
    historyEntry(id, at, command.isAction ? "action" : "message", room.name, session, null, command.text),
  );
}
