import type { CommandContext } from "../command-context.js";
import type { CommandKind, CommandOf } from "../commands.js";
import { away } from "./away.js";
import { direct } from "./direct.js";
import { conversations, history } from "./history.js";
import { invite } from "./invite.js";
import { join } from "./join.js";
import { kick } from "./kick.js";
import { kill } from "./kill.js";
import { login } from "./login.js";
import { logout } from "./logout.js";
import { mode } from "./mode.js";
import { nick } from "./nick.js";
import { oper } from "./oper.js";
import { part } from "./part.js";
import { quit } from "./quit.js";
import { realName } from "./real-name.js";
import { register } from "./register.js";
import { rooms } from "./rooms.js";
import { say } from "./say.js";
import { search } from "./search.js";
import { signal } from "./signal.js";
import { topic } from "./topic.js";
import { wallops } from "./wallops.js";
import { who } from "./who.js";
import { everyone, whois } from "./whois.js";

export type CommandHandler<K extends CommandKind> = (
  ctx: CommandContext,
  command: CommandOf<K>,
) => void | Promise<void>;

/** Every core command and the one function that carries it out. */
export const COMMAND_HANDLERS: { readonly [K in CommandKind]: CommandHandler<K> } = {
  say,
  direct,
  nick,
  join,
  part,
  rooms,
  who,
  topic,
  mode,
  kick,
  invite,
  quit,
  register,
  login,
  logout,
  history,
  conversations,
  search,
  whois,
  everyone,
  signal,
  away,
  "real-name": realName,
  oper,
  kill,
  wallops,
};
