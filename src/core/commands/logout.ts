import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";

/** Leaves the account: its name is released and the session goes back to its anonymous name. */
export function logout(ctx: CommandContext, _command: CommandOf<"logout">): void {
  const { hub, session } = ctx;
  if (hub.store === null) {
    ctx.fail("ERR_HISTORY_OFF", { what: "accounts" });
    return;
  }
  if (session.account === null) {
    ctx.fail("ERR_NOT_LOGGED_IN");
    return;
  }
  const name = session.displayName;
  hub.saveCursorOf(session);
  session.account = null;
  hub.rename(session, null, null);
  ctx.reply({ kind: "logged-out", name });
}
