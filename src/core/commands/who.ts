import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import { parseRoomName } from "../names.js";
import type { Session } from "../session.js";

export function who(hub: Hub, session: Session, command: CommandOf<"who">): void {
  const parsed = parseRoomName(command.room);
  if ("code" in parsed) {
    hub.failWith(session, parsed);
    return;
  }
  const room = hub.findRoom(parsed.name);
  if (room === undefined) {
    hub.fail(session, "ERR_NO_SUCH_ROOM", { room: parsed.name });
    return;
  }
  const members = [...room.members.keys()]
    .map((member) => member.ref)
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  hub.reply(session, { kind: "who", room: room.name, members });
}
