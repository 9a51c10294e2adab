import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { withoutLineBreaks } from "../line-breaks.js";
import { roomOfMember } from "./shared.js";

export async function part(ctx: CommandContext, command: CommandOf<"part">): Promise<void> {
  const { hub, session } = ctx;
  const room = roomOfMember(ctx, command.room);
  if (room === null) return;
  const reason = withoutLineBreaks(command.reason);
  hub.leaveRoom(session, room, reason);
  ctx.reply({ kind: "left", room: room.name, reason });
  if (session.account !== null && hub.store !== null) await hub.store.removeAccountRoom(session.account, room.name);
}
