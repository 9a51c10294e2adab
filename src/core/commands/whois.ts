import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import type { OnlineUser } from "../events.js";
import { identityKey, parseUserName } from "../names.js";
import type { Session } from "../session.js";

/** Most names one lookup takes: each is a map lookup, but a reply is built for each. */
const MAX_NAMES = 64;

/** Who is online under each name: a name's first session, or a guest by the name others see. */
export function whois(ctx: CommandContext, command: CommandOf<"whois">): void {
  const { hub } = ctx;
  const users = command.names.slice(0, MAX_NAMES).map((asked) => {
    const parsed = parseUserName(asked);
    let found: Session | undefined;
    if ("code" in parsed) found = hub.guestShownAs(asked);
    else for (const session of hub.sessionsNamed(identityKey(parsed.name)) ?? []) found ??= session;
    return { asked, user: found === undefined ? null : onlineUser(found, ctx.session) };
  });
  ctx.reply({ kind: "users", users });
}

/** Everyone online, each as a lookup finds them. */
export function everyone(ctx: CommandContext, _command: CommandOf<"everyone">): void {
  const users = [...ctx.hub.sessions()].map((session) => ({ asked: "", user: onlineUser(session, ctx.session) }));
  ctx.reply({ kind: "users", users });
}

/** `session` as `asker` may see it: a secret room it is in shows only to those in it too (RFC 2811 §4.2.6). */
function onlineUser(session: Session, asker: Session): OnlineUser {
  const rooms = [...session.rooms].flatMap((room) => {
    if (room.modes.isSecret && !room.members.has(asker)) return [];
    const membership = room.members.get(session);
    return [{ room: room.name, isOperator: membership?.isOperator ?? false, isVoiced: membership?.isVoiced ?? false }];
  });
  return {
    ref: session.ref,
    rooms,
    connectedAt: session.connectedAt,
    lastSpokeAt: session.lastSpokeAt,
    away: session.away,
    isServerOperator: session.isServerOperator,
    // A server operator sees where a user connects from; nobody else does.
    address: asker.isServerOperator ? session.address : null,
  };
}
