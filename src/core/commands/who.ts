import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { parseRoomName } from "../names.js";
import type { SessionId } from "../session.js";

export function who(ctx: CommandContext, command: CommandOf<"who">): void {
  const { hub } = ctx;
  const parsed = parseRoomName(command.room);
  if ("code" in parsed) {
    ctx.failWith(parsed);
    return;
  }
  const room = hub.findRoom(parsed.name);
  if (room === undefined) {
    ctx.fail("ERR_NO_SUCH_ROOM", { room: parsed.name });
    return;
  }
  const members = [...room.members.keys()]
    .map((member) => member.ref)
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  const away = new Map<SessionId, string>();
  for (const member of room.members.keys()) if (member.away !== null) away.set(member.sessionId, member.away);
  ctx.reply({ kind: "who", room: room.name, members, away });
}
