import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { withoutLineBreaks } from "../line-breaks.js";
import { identityKey, parseUserName } from "../names.js";

/** A server operator disconnects whoever uses a name (every session of it); the others see why. */
export function kill(ctx: CommandContext, command: CommandOf<"kill">): void {
  const { hub, session } = ctx;
  if (!session.isServerOperator) {
    ctx.fail("ERR_NOT_SERVER_OPERATOR");
    return;
  }
  const parsed = parseUserName(command.name);
  const targets =
    "code" in parsed ? [hub.guestShownAs(command.name)] : [...(hub.sessionsNamed(identityKey(parsed.name)) ?? [])];
  const victims = targets.filter((target) => target !== undefined);
  if (victims.length === 0) {
    ctx.fail("ERR_NO_SUCH_USER", { name: command.name });
    return;
  }
  const said = withoutLineBreaks(command.reason);
  const reason = `Killed (${session.displayName} (${said}))`;
  hub.log.info({ event: "kill", by: session.sessionId, name: command.name, reason: command.reason }, "user killed");
  // The user is told who closed the connection and why, in its protocol's words, before it closes.
  hub.tell(victims, {
    kind: "error",
    error: { code: "ERR_KILLED", detail: { by: session.displayName, reason: said } },
  });
  hub.tell(victims, { kind: "close", reason });
}
