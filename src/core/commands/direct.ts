import type { CommandOf } from "../commands.js";
import { type Hub, historyEntry } from "../hub.js";
import { identityKey, parseUserName } from "../names.js";
import type { Session } from "../session.js";

/** Who a direct message goes to: shown as `to`, routed by name key or (a guest) by session. */
interface Recipient {
  readonly to: string;
  readonly toKey: string;
  readonly toSessionId: number | null;
  /** The identity its history is kept under. */
  readonly identity: string;
  readonly isOnline: boolean;
}

/**
 * A direct message: to a user online now (by name, or a guest by the "IP:PORT" or guest name
 * others see), or to a registered account that will get it when it comes back.
 */
export async function direct(hub: Hub, session: Session, command: CommandOf<"direct">): Promise<void> {
  if (command.text.length === 0) {
    hub.fail(session, "ERR_EMPTY_MESSAGE");
    return;
  }
  const recipient = await findRecipient(hub, command.to);
  if (!hub.isOnline(session)) return;
  if (recipient === null) {
    hub.fail(session, "ERR_NO_SUCH_USER", { name: command.to });
    return;
  }
  const { to, toKey, toSessionId, identity } = recipient;
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
      toSessionId,
      text: command.text,
      isAction: command.isAction,
    },
    historyEntry(id, at, command.isAction ? "action" : "message", to, session, identity, command.text),
  );
  if (recipient.isOnline) return;
  // After the sender's own copy has gone out, so the note follows the message it is about.
  await hub.settled();
  if (hub.isOnline(session) && !hub.wasDropped(id)) hub.reply(session, { kind: "delivered-later", name: to });
}

async function findRecipient(hub: Hub, name: string): Promise<Recipient | null> {
  const parsed = parseUserName(name);
  if ("code" in parsed) {
    // Not a name anyone can take: maybe the way a guest is shown.
    const guest = hub.guestShownAs(name);
    if (guest === undefined) return null;
    const { displayName, identityKey: identity, sessionId } = guest;
    return { to: displayName, toKey: identity, toSessionId: sessionId, identity, isOnline: true };
  }
  const toKey = identityKey(parsed.name);
  const online = hub.sessionsNamed(toKey);
  if (online !== undefined) {
    const to = [...online][0].displayName;
    return { to, toKey, toSessionId: null, identity: hub.identityOfName(toKey), isOnline: true };
  }
  const account = hub.store === null ? null : await hub.store.findAccount(toKey);
  if (account === null) return null;
  return { to: account.name, toKey, toSessionId: null, identity: toKey, isOnline: false };
}
