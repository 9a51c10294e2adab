import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import type { MessageEvent } from "../events.js";
import { historyEntry } from "../history-entry.js";
import { hasLineBreakOrNul } from "../line-breaks.js";

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A message (or /me action) to a room the session is in, or to one open to messages from outside (-n): the hot path. */
export function say(ctx: CommandContext, command: CommandOf<"say">): void {
  const { hub, session } = ctx;
  const room = hub.findRoom(command.room);
  const membership = room?.members.get(session);
  // RFC 2811 §4.2.3: a room with +n (the default) hears only its members.
  if (room === undefined || (membership === undefined && room.modes.isMembersOnly)) {
    ctx.fail("ERR_NOT_IN_ROOM", { room: command.room });
    return;
  }
  if (membership === undefined || (!membership.isOperator && !membership.isVoiced)) {
    // RFC 2811 §4.2.3: a moderated room hears only its operators and voiced members; whoever is banned is quiet too.
    const reason = room.modes.isModerated ? "moderated" : hub.isBanned(room, session) ? "banned" : null;
    if (reason !== null) {
      ctx.fail("ERR_CANNOT_SPEAK", { room: room.name, reason });
      return;
    }
  }
  if (command.text.length === 0) {
    ctx.fail("ERR_EMPTY_MESSAGE");
    return;
  }
  if (hasLineBreakOrNul(command.text)) {
    ctx.fail("ERR_LINE_BREAK_IN_TEXT");
    return;
  }
  const { id, at } = hub.mintId();
  session.lastSpokeAt = at;
  const event: Writable<MessageEvent> = {
    kind: "message",
    id,
    at,
    room: room.name,
    from: session.ref,
    text: command.text,
    isAction: command.isNotice === true ? false : command.isAction,
  };
  // Added only when there (not spread in: the hot path's one object is built directly).
  if (command.isNotice === true) event.isNotice = true;
  if (command.clientTags !== undefined) event.clientTags = command.clientTags;
  hub.publish(
    event,
    historyEntry(id, at, command.isAction ? "action" : "message", room.name, session, null, command.text),
  );
}
