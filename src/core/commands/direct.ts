import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { historyEntry } from "../history-entry.js";
import { hasLineBreakOrNul } from "../line-breaks.js";
import { findUser } from "./shared.js";

/**
 * A direct message: to a user online now (by name, or a guest by the "IP:PORT" or guest name
 * others see), or to a registered account that will get it when it comes back.
 */
export async function direct(ctx: CommandContext, command: CommandOf<"direct">): Promise<void> {
  const { hub, session } = ctx;
  if (command.text.length === 0) {
    ctx.fail("ERR_EMPTY_MESSAGE");
    return;
  }
  if (hasLineBreakOrNul(command.text)) {
    ctx.fail("ERR_LINE_BREAK_IN_TEXT");
    return;
  }
  const recipient = await findUser(hub, command.to);
  if (!hub.isOnline(session)) return;
  if (recipient === null) {
    ctx.fail("ERR_NO_SUCH_USER", { name: command.to });
    return;
  }
  const { shownAs: to, routeKey: toKey, guestSessionId: toSessionId, identity } = recipient;
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
      ...(command.isNotice === true ? { isNotice: true } : {}),
      ...(command.clientTags === undefined ? {} : { clientTags: command.clientTags }),
    },
    historyEntry(id, at, command.isAction ? "action" : "message", to, session, identity, command.text),
  );
  session.lastSpokeAt = at;
  if (recipient.isOnline) {
    const away = recipient.away;
    // Nothing answers a notice automatically.
    if (away !== null && command.isNotice !== true) ctx.reply({ kind: "recipient-away", name: to, message: away });
    return;
  }
  // After the sender's own copy has gone out, so the note follows the message it is about.
  await hub.settled();
  if (!hub.isOnline(session)) return;
  if (hub.wasNotStored(id)) ctx.fail("ERR_NOT_KEPT_FOR_LATER", { name: to });
  else ctx.reply({ kind: "delivered-later", name: to });
}
