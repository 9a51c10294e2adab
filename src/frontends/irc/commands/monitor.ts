import { parseUserName } from "../../../core/names.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";

/**
 * IRCv3 MONITOR: `+ nick,nick`, `- nick,nick`, `C` (clear), `L` (list), `S` (status).
 * Only nicks may be watched, never masks ("MONITOR vs WATCH": no stalking by host).
 */
export function monitor(session: IrcSession, message: IrcMessage): void {
  const [action = "", targets = ""] = message.params;
  const index = session.frontEnd.monitors;
  const nicks = targets.split(",").filter((nick) => nick !== "");
  switch (action.toUpperCase()) {
    case "+": {
      if (nicks.length === 0) {
        session.numeric(N.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters");
        return;
      }
      const valid: string[] = [];
      for (const nick of nicks) {
        if ("code" in parseUserName(nick)) session.numeric(N.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname");
        else valid.push(nick);
      }
      index.add(session, valid);
      return;
    }
    case "-":
      index.remove(session, nicks);
      return;
    case "C":
      index.clear(session);
      return;
    case "L":
      index.list(session);
      return;
    case "S":
      index.status(session);
      return;
    default:
      session.fail("MONITOR", "INVALID_PARAMS", [action], "MONITOR takes +, -, C, L or S");
  }
}
