import type { CommandOf } from "../commands.js";
import { type Hub, historyEntry } from "../hub.js";
import { identityKey, parseUserName } from "../names.js";
import type { Session } from "../session.js";

/** A direct message: to a user online now, or to a registered account that will get it when it comes back. */
export async function direct(hub: Hub, session: Session, command: CommandOf<"direct">): Promise<void> {
  const parsed = parseUserName(command.to);
  if ("code" in parsed) {
    hub.fail(session, "ERR_NO_SUCH_USER", { name: command.to });
    return;
  }
  if (command.text.length === 0) {
    hub.fail(session, "ERR_EMPTY_MESSAGE");
    return;
  }
  const toKey = identityKey(parsed.name);
  const online = hub.sessionsNamed(toKey);
  let to = online === undefined ? null : [...online][0].displayName;
  if (to === null && hub.store !== null) {
    const account = await hub.store.findAccount(toKey);
    to = account?.name ?? null;
  }
  if (!hub.isOnline(session)) return;
  if (to === null) {
    hub.fail(session, "ERR_NO_SUCH_USER", { name: parsed.name });
    return;
  }
  const { id, at } = hub.mintId();
  hub.publish(
    {
      kind: "direct",
      id,
      at,
      from: session.ref,
      fromKey: session.identityKey,
      to,
      toKey,
      text: command.text,
      isAction: command.isAction,
    },
    historyEntry(id, at, command.isAction ? "action" : "message", to, session, hub.identityOfName(toKey), command.text),
  );
  if (online !== undefined) return;
  // After the sender's own copy has gone out, so the note follows the message it is about.
  await hub.settled();
  if (hub.isOnline(session)) hub.reply(session, { kind: "delivered-later", name: to });
}
