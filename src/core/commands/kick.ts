import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { withoutLineBreaks } from "../line-breaks.js";
import { roomOfOperator, sessionsShownAs } from "./shared.js";

/** An operator puts a member out of the room (RFC 2812 §3.2.8); every session of theirs in it leaves. */
export async function kick(ctx: CommandContext, command: CommandOf<"kick">): Promise<void> {
  const { hub, session } = ctx;
  const room = roomOfOperator(ctx, command.room);
  if (room === null) return;
  const targets = sessionsShownAs(hub, command.name).filter((target) => room.members.has(target));
  if (targets.length === 0) {
    ctx.fail("ERR_USER_NOT_IN_ROOM", { name: command.name, room: room.name });
    return;
  }
  const reason = withoutLineBreaks(command.reason);
  hub.kick(session, room, targets, reason);
  // A login would otherwise bring the account straight back.
  const accounts = new Set(targets.flatMap((target) => (target.account === null ? [] : [target.account])));
  for (const account of accounts) await hub.store?.removeAccountRoom(account, room.name);
}
