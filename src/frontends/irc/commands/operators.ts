import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";

/** RFC 2812 §3.1.4: becomes a server operator with a name and password from the operators file. */
export function oper(session: IrcSession, message: IrcMessage): void {
  const [name, password] = message.params as [string, string];
  session.run({ kind: "oper", name, password });
}

/** RFC 2812 §3.7.1: a server operator disconnects someone. */
export function kill(session: IrcSession, message: IrcMessage): void {
  const [nick, reason = ""] = message.params as [string, string?];
  const request = session.request;
  if (request !== null) request.target = nick;
  session.run({ kind: "kill", name: nick, reason });
}

/** RFC 2812 §4.7: a message to every server operator. */
export function wallops(session: IrcSession, message: IrcMessage): void {
  session.run({ kind: "wallops", text: message.params[0] as string });
}

/** RFC 2812 §3.4.10: what this server is. */
export function info(session: IrcSession): void {
  const { version } = session.frontEnd.options;
  for (const line of [
    `Parley ${version}: one chat core, several front ends (the line protocol, IRC, the web).`,
    "The same rooms, names, accounts and history on every front end; history kept in SQLite.",
  ]) {
    session.numeric(N.RPL_INFO, line);
  }
  session.numeric(N.RPL_ENDOFINFO, "End of INFO list");
}
