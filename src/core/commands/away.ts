import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { withoutLineBreaks } from "../line-breaks.js";
import { MAX_TOPIC_LENGTH } from "../names.js";

/** Marks the user away (those who message them are told), or back. */
export function away(ctx: CommandContext, command: CommandOf<"away">): void {
  const message = command.message === null || command.message === "" ? null : withoutLineBreaks(command.message);
  const session = ctx.session;
  const wasAway = session.away;
  session.away = message === null ? null : [...message].slice(0, MAX_TOPIC_LENGTH).join("");
  ctx.reply({ kind: "away", isAway: message !== null });
  if (session.away === wasAway) return;
  ctx.hub.publish({ kind: "away", who: session.ref, message: session.away, rooms: session.roomNames() });
}
