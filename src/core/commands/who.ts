import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { parseRoomName } from "../names.js";

export function who(ctx: CommandContext, command: CommandOf<"who">): void {
  const { hub, session } = ctx;
  const parsed = parseRoomName(command.room);
  if ("code" in parsed) {
    ctx.failWith(parsed);
    return;
  }
  const room = hub.findRoom(parsed.name);
  // A secret room is nobody's business but its members' (RFC 2811 §4.2.6).
  if (room === undefined || (room.modes.isSecret && !room.members.has(session))) {
    ctx.fail("ERR_NO_SUCH_ROOM", { room: parsed.name });
    return;
  }
  ctx.reply({ kind: "who", room: room.name, members: hub.membersOf(room), isSecret: room.modes.isSecret });
}
