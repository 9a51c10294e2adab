import { timingSafeEqual } from "node:crypto";
import { setTimeout } from "node:timers/promises";
import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { verifyPassword } from "../passwords.js";

/** Becomes a server operator with a name and password from the operators file. */
export async function oper(ctx: CommandContext, command: CommandOf<"oper">): Promise<void> {
  const { hub, session } = ctx;
  // Guesses at operator passwords are throttled as guesses at accounts are, under their own key.
  const key = `oper ${command.name}`;
  const retryAfter = await hub.loginThrottle.admit(session.address, key);
  if (retryAfter > 0) {
    ctx.fail("ERR_LOGIN_THROTTLED", { seconds: Math.ceil(retryAfter / 1000) });
    return;
  }
  const entry = hub.options.operators.find((operator) => operator.name === command.name);
  const isValid = entry !== undefined && (await matches(command.password, entry.secret));
  if (!isValid) {
    hub.log.warn({ event: "oper-failed", peer: session.address, name: command.name.slice(0, 64) }, "failed OPER");
    await setTimeout(hub.loginThrottle.failed(key), undefined, { ref: false });
    ctx.fail("ERR_BAD_OPER");
    return;
  }
  await hub.loginThrottle.succeeded(session.address, key);
  session.isServerOperator = true;
  hub.log.info({ event: "oper", peer: session.address, name: command.name }, "server operator");
  ctx.reply({ kind: "oper", name: command.name });
}

async function matches(password: string, secret: string): Promise<boolean> {
  if (secret.startsWith("scrypt$")) return verifyPassword(password, secret);
  const given = Buffer.from(password);
  const kept = Buffer.from(secret);
  return given.length === kept.length && timingSafeEqual(given, kept);
}
