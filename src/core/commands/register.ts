import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { hashPassword } from "../passwords.js";

export const MIN_PASSWORD_LENGTH = 8;

/** Registers the name the session holds, with a password; the session is then logged in to it. */
export async function register(ctx: CommandContext, command: CommandOf<"register">): Promise<void> {
  const { hub, session } = ctx;
  const store = hub.store;
  if (store === null) {
    ctx.fail("ERR_HISTORY_OFF", { what: "accounts" });
    return;
  }
  if (session.name === null || session.nameKey === null) {
    ctx.fail("ERR_NEED_NAME");
    return;
  }
  if (session.account !== null) {
    ctx.fail("ERR_ALREADY_LOGGED_IN", { name: session.displayName });
    return;
  }
  if ([...command.password].length < MIN_PASSWORD_LENGTH) {
    ctx.fail("ERR_PASSWORD_TOO_SHORT", { minimum: MIN_PASSWORD_LENGTH });
    return;
  }
  const name = session.name;
  const key = session.nameKey;
  const passwordHash = await hashPassword(command.password);
  const created = await store.createAccount({ name, key, passwordHash, createdAt: Date.now() });
  if (!created) {
    ctx.fail("ERR_ALREADY_REGISTERED", { name });
    return;
  }
  hub.log.info({ event: "account-registered", account: key }, "account registered");
  // The session may have changed its name while the hash was computed.
  if (!hub.isOnline(session) || session.nameKey !== key) return;
  session.account = key;
  // The same name, now an account's: how others see the user says so.
  hub.rename(session, session.name, key);
  for (const room of session.rooms) await store.addAccountRoom(key, room.name);
  ctx.reply({ kind: "registered", name });
}
