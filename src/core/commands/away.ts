import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { withoutLineBreaks } from "../line-breaks.js";
import { MAX_TOPIC_LENGTH } from "../names.js";

/** Marks the user away (those who message them are told), or back. */
export function away(ctx: CommandContext, command: CommandOf<"away">): void {
  const message = command.message === null || command.message === "" ? null : withoutLineBreaks(command.message);
  ctx.session.away = message === null ? null : [...message].slice(0, MAX_TOPIC_LENGTH).join("");
  ctx.reply({ kind: "away", isAway: message !== null });
}
