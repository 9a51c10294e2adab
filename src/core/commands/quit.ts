import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { withoutLineBreaks } from "../line-breaks.js";

/** The front end closes the connection; its close then disconnects the session with this reason. */
export function quit(ctx: CommandContext, command: CommandOf<"quit">): void {
  const { session } = ctx;
  session.sink.deliver({ kind: "close", reason: withoutLineBreaks(command.reason) });
}
