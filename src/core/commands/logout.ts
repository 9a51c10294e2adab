import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import type { Session } from "../session.js";

/** Leaves the account: its name is released and the session goes back to its anonymous name. */
export function logout(hub: Hub, session: Session, _command: CommandOf<"logout">): void {
  if (hub.store === null) {
    hub.fail(session, "ERR_HISTORY_OFF", { what: "accounts" });
    return;
  }
  if (session.account === null) {
    hub.fail(session, "ERR_NOT_LOGGED_IN");
    return;
  }
  const name = session.displayName;
  hub.saveCursorOf(session);
  session.account = null;
  hub.rename(session, null, null);
  hub.reply(session, { kind: "logged-out", name });
}
