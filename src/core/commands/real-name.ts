import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";

/**
 * Tells those who share a room with the user (and the user) its new real name. It goes out
 * through the same queue as messages, so it follows what the user said before it; and the
 * user's next command waits until it has, so nothing the user does next overtakes it.
 */
export async function realName(ctx: CommandContext, command: CommandOf<"real-name">): Promise<void> {
  const { hub, session } = ctx;
  hub.publish({
    kind: "real-name",
    at: Date.now(),
    who: session.ref,
    realName: command.realName,
    rooms: session.roomNames(),
  });
  await hub.settled();
}
