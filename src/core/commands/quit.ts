import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import type { Session } from "../session.js";

/** The front end closes the connection; its close then disconnects the session with this reason. */
export function quit(_hub: Hub, session: Session, command: CommandOf<"quit">): void {
  session.sink.deliver({ kind: "close", reason: command.reason });
}
