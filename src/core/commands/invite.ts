import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { roomOfMember, sessionsShownAs } from "./shared.js";

/**
 * A member invites someone online (RFC 2812 §3.2.7): they may join once, even while the room
 * is invite-only; only operators invite to an invite-only room. The invited user is told.
 */
export function invite(ctx: CommandContext, command: CommandOf<"invite">): void {
  const { hub, session } = ctx;
  const targets = sessionsShownAs(hub, command.name);
  if (targets.length === 0) {
    ctx.fail("ERR_NO_SUCH_USER", { name: command.name });
    return;
  }
  const room = roomOfMember(ctx, command.room);
  if (room === null) return;
  if (room.modes.isInviteOnly && !room.mayModerate(session)) {
    ctx.fail("ERR_NOT_OPERATOR", { room: room.name });
    return;
  }
  const target = targets[0];
  if (targets.some((each) => room.members.has(each))) {
    ctx.fail("ERR_ALREADY_IN_ROOM", { name: command.name, room: room.name });
    return;
  }
  for (const each of targets) room.invited.add(each.identityKey);
  const { id, at } = hub.mintId();
  hub.publish({ kind: "invited", id, at, room: room.name, who: session.ref, target: target.ref });
  ctx.reply({ kind: "invited", target: target.ref, room: room.name });
}
