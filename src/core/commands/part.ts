import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import type { Session } from "../session.js";
import { roomOfMember } from "./shared.js";

export async function part(hub: Hub, session: Session, command: CommandOf<"part">): Promise<void> {
  const room = roomOfMember(hub, session, command.room);
  if (room === null) return;
  hub.leaveRoom(session, room, command.reason);
  hub.reply(session, { kind: "left", room: room.name });
  if (session.account !== null && hub.store !== null) await hub.store.removeAccountRoom(session.account, room.name);
}
