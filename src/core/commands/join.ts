import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import { mixedScriptError, parseRoomName } from "../names.js";
import type { Room } from "../room.js";
import type { Session } from "../session.js";
import { toHistoryItems, topicSetter } from "./shared.js";

/** Joins (creating the room if new), then shows the room's recent past. */
export async function join(ctx: CommandContext, command: CommandOf<"join">): Promise<void> {
  const { hub, session } = ctx;
  const parsed = parseRoomName(command.room);
  if ("code" in parsed) {
    ctx.failWith(parsed);
    return;
  }
  const existing = hub.findRoom(parsed.name);
  // A room is made only by one script's name; one that exists is joined by any look-alike.
  const mixed = existing === undefined ? mixedScriptError(parsed.name, "room name") : null;
  if (mixed !== null) {
    ctx.failWith(mixed);
    return;
  }
  const wasMember = existing?.members.has(session) ?? false;
  const refusal = existing === undefined || wasMember ? null : joinRefusal(hub, existing, session, command.key);
  if (refusal !== null) {
    ctx.fail("ERR_CANNOT_JOIN", { room: existing?.name ?? parsed.name, reason: refusal });
    return;
  }
  const room = hub.joinRoom(session, parsed.name);
  if ("code" in room) {
    ctx.failWith(room);
    return;
  }
  const listMembers = () => hub.membersOf(room);
  ctx.reply({
    kind: "joined",
    room: room.name,
    members: room.userCount,
    listMembers,
    topic: room.topic,
    topicBy: topicSetter(hub, room),
    topicAt: room.topicAt,
    isSecret: room.modes.isSecret,
    wasMember,
    asked: parsed.name,
  });
  if (wasMember) return;
  // A room an account founds is kept from the start (see `Room.founder`).
  if (existing === undefined) await hub.saveRoom(room);
  if (session.account !== null && hub.store !== null) await hub.store.addAccountRoom(session.account, room.name);
  // A negative replay asks for the server's default.
  const replay = command.replay < 0 ? hub.options.joinReplay : command.replay;
  if (replay <= 0 || hub.store === null) return;
  // What went out before the join is replayed; what goes out after it reaches the new member
  // live, so it is left out even when a store that commits asynchronously has it already.
  // Nothing is missed or shown twice.
  const joinedAfter = room.members.get(session)?.joinedAfter ?? "";
  const page = await hub.store.historyPage({
    scope: { kind: "room", room: room.name },
    limit: replay,
    before: "",
    after: "",
  });
  const items = page.entries.filter((entry) => entry.id <= joinedAfter);
  if (items.length === 0 || !hub.isOnline(session)) return;
  ctx.reply({
    kind: "history",
    reason: "join",
    where: room.name,
    items: toHistoryItems(hub, items, session.identityKey),
    more: 0,
    older: page.hasOlder
      ? { where: room.name, limit: Math.min(replay, hub.options.maxHistoryRequest), before: items[0].id, after: "" }
      : null,
  });
}

/**
 * Why the room turns the session away, or null. An invitation opens an invite-only room and
 * lifts a ban (RFC 2811 §4.3.2: the operator who invites has decided), but not a key or a
 * full room. The founder and the accounts made operators pass every bar, as on Ergo's
 * registered channels: a room kept across restarts must not lock out those who hold it.
 * Server operators pass too: they are how a room is recovered from whoever barred it.
 */
function joinRefusal(hub: Hub, room: Room, session: Session, key: string): string | null {
  if (session.isServerOperator || room.isOperatorAccount(session.account)) return null;
  const isInvited = room.invited.has(session.identityKey);
  if (!isInvited && hub.isBanned(room, session)) return "banned";
  // RFC 2811 §4.3.2: an invite exception lets its matches in as an invitation would.
  if (!isInvited && room.modes.isInviteOnly && !hub.isOnList(room, "invite-exception", session)) return "invite-only";
  if (room.modes.key !== null && room.modes.key !== key) return "key";
  // Another session of a member is no one more.
  const isNewUser = !room.hasUser(session.identityKey);
  if (room.modes.limit !== null && isNewUser && room.userCount >= room.modes.limit) return "full";
  return null;
}
