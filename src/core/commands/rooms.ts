import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";

export function rooms(ctx: CommandContext, _command: CommandOf<"rooms">): void {
  const { hub, session } = ctx;
  const list = [...hub.rooms()]
    .filter((room) => !room.modes.isSecret || room.members.has(session))
    .map((room) => ({ name: room.name, topic: room.topic, members: room.userCount }))
    .sort((a, b) => a.name.localeCompare(b.name));
  ctx.reply({ kind: "rooms", rooms: list });
}
