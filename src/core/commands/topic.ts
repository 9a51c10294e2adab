import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { historyEntry } from "../history-entry.js";
import { hasLineBreakOrNul } from "../line-breaks.js";
import { MAX_TOPIC_LENGTH, parseRoomName } from "../names.js";
import { roomOfMember, topicSetter } from "./shared.js";

/** Shows a room's topic, or sets it (members only). */
export async function topic(ctx: CommandContext, command: CommandOf<"topic">): Promise<void> {
  const { hub, session } = ctx;
  if (command.topic === null) {
    const parsed = parseRoomName(command.room);
    const room = "code" in parsed ? undefined : hub.findRoom(parsed.name);
    if (room === undefined || (room.modes.isSecret && !room.members.has(session))) {
      ctx.fail("ERR_NO_SUCH_ROOM", { room: command.room });
      return;
    }
    ctx.reply({ kind: "topic", room: room.name, topic: room.topic, by: topicSetter(hub, room), at: room.topicAt });
    return;
  }
  const room = roomOfMember(ctx, command.room);
  if (room === null) return;
  if (room.modes.isTopicLocked && !room.mayModerate(session)) {
    ctx.fail("ERR_NOT_OPERATOR", { room: room.name });
    return;
  }
  if (command.topic === "" && room.topic === "") {
    // Nothing to clear: said to the one who asked, announced to nobody.
    ctx.reply({ kind: "topic", room: room.name, topic: "", by: "", at: 0 });
    return;
  }
  if (hasLineBreakOrNul(command.topic)) {
    ctx.fail("ERR_LINE_BREAK_IN_TEXT");
    return;
  }
  if ([...command.topic].length > MAX_TOPIC_LENGTH) {
    ctx.fail("ERR_TOPIC_TOO_LONG", { limit: MAX_TOPIC_LENGTH });
    return;
  }
  const { id, at } = hub.mintId();
  room.topic = command.topic;
  room.topicBy = session.displayName;
  room.topicAt = at;
  hub.publish(
    { kind: "topic", id, at, room: room.name, who: session.ref, topic: command.topic },
    historyEntry(id, at, "topic", room.name, session, null, command.topic),
  );
  await hub.saveRoom(room);
}
