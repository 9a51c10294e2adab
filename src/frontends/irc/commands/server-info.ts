import type { IrcSession } from "../irc-session.js";
import * as N from "../numerics.js";

export function motd(session: IrcSession): void {
  session.frontEnd.motd(session);
}

export function lusers(session: IrcSession): void {
  session.frontEnd.lusers(session);
}

/** RFC 2812 §3.4.3. */
export function version(session: IrcSession): void {
  const { version, serverName } = session.frontEnd.options;
  session.numeric(N.RPL_VERSION, `parley-${version}.`, serverName, "Parley chat server");
}

/** RFC 2812 §3.4.6, with the modern document's optional timestamp. */
export function time(session: IrcSession): void {
  const { serverName } = session.frontEnd.options;
  const now = new Date();
  session.numeric(N.RPL_TIME, serverName, String(Math.floor(now.getTime() / 1000)), "0", now.toUTCString());
}
