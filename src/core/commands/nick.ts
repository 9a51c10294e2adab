import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { identityKey, mixedScriptError, parseUserName } from "../names.js";

/** Takes a name: unique by identity key, and a registered one only by its owner. */
export async function nick(ctx: CommandContext, command: CommandOf<"nick">): Promise<void> {
  const { hub, session } = ctx;
  const parsed = parseUserName(command.name);
  if ("code" in parsed) {
    ctx.failWith(parsed);
    return;
  }
  const key = identityKey(parsed.name);
  if (session.account !== null && key !== session.account) {
    ctx.fail("ERR_ALREADY_LOGGED_IN", { name: session.displayName });
    return;
  }
  if (session.account === null && hub.store !== null && (await hub.store.findAccount(key)) !== null) {
    ctx.fail("ERR_NAME_REGISTERED", { name: parsed.name });
    return;
  }
  // Checked after the look-up: someone may have taken the name meanwhile.
  if (!hub.isOnline(session)) return;
  if (hub.isNameHeldByOther(session, key)) {
    ctx.fail("ERR_NAME_IN_USE", { name: parsed.name });
    return;
  }
  // After the look-ups, so a look-alike of a name in use or registered is told so.
  const mixed = mixedScriptError(parsed.name, "name");
  if (mixed !== null) {
    ctx.failWith(mixed);
    return;
  }
  const unchanged = session.name === parsed.name;
  hub.rename(session, parsed.name, key);
  ctx.reply({ kind: "renamed", name: parsed.name, unchanged });
}
