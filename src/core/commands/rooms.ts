import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";

export function rooms(ctx: CommandContext, _command: CommandOf<"rooms">): void {
  const { hub } = ctx;
  const list = [...hub.rooms()]
    .map((room) => ({ name: room.name, topic: room.topic, members: room.members.size }))
    .sort((a, b) => a.name.localeCompare(b.name));
  ctx.reply({ kind: "rooms", rooms: list });
}
