import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { withoutLineBreaks } from "../line-breaks.js";

/** A server operator's message to every server operator online (IRC's WALLOPS). */
export function wallops(ctx: CommandContext, command: CommandOf<"wallops">): void {
  const { hub, session } = ctx;
  if (!session.isServerOperator) {
    ctx.fail("ERR_NOT_SERVER_OPERATOR");
    return;
  }
  const operators = [...hub.sessions()].filter((each) => each.isServerOperator);
  hub.tell(operators, { kind: "wallops", from: session.ref, text: withoutLineBreaks(command.text) });
}
