import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import type { Session } from "../session.js";

export function rooms(hub: Hub, session: Session, _command: CommandOf<"rooms">): void {
  const list = [...hub.rooms()]
    .map((room) => ({ name: room.name, topic: room.topic, members: room.members.size }))
    .sort((a, b) => a.name.localeCompare(b.name));
  hub.reply(session, { kind: "rooms", rooms: list });
}
