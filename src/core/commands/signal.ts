import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { findUser } from "./shared.js";

/** A signal with no text (IRCv3 TAGMSG) to a room the session is in, or to a user online; never stored. */
export async function signal(ctx: CommandContext, command: CommandOf<"signal">): Promise<void> {
  const { hub, session } = ctx;
  const base = {
    kind: "signal",
    from: session.ref,
    fromKey: session.identityKey,
    clientTags: command.clientTags,
  } as const;
  if (command.to.startsWith("#")) {
    const room = hub.findRoom(command.to);
    if (room === undefined || !room.members.has(session)) {
      ctx.fail("ERR_NOT_IN_ROOM", { room: command.to });
      return;
    }
    hub.publish({ ...base, ...hub.mintId(), room: room.name, to: "", toKey: "", toSessionId: null });
    return;
  }
  const recipient = await findUser(hub, command.to);
  if (!hub.isOnline(session)) return;
  if (recipient === null || !recipient.isOnline) {
    ctx.fail("ERR_NO_SUCH_USER", { name: command.to });
    return;
  }
  const { shownAs: to, routeKey: toKey, guestSessionId: toSessionId } = recipient;
  hub.publish({ ...base, ...hub.mintId(), room: null, to, toKey, toSessionId });
}
