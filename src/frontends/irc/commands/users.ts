import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";

/**
 * RFC 2812 §3.6.1 and the modern document: a channel's members, one user, or those matching
 * a mask; `%fields[,token]` asks for IRCv3 WHOX replies (drawn by irc-who.ts).
 */
export function who(session: IrcSession, message: IrcMessage): void {
  const mask = message.params[0] || "*";
  const request = session.request;
  if (request !== null) {
    request.target = mask;
    request.detail = message.params[1] ?? "";
  }
  if (mask.startsWith("#")) session.run({ kind: "who", room: mask });
  else if (mask === "0" || /[*?!@]/.test(mask)) session.run({ kind: "everyone" });
  else session.run({ kind: "whois", names: [mask] });
}

/** RFC 2812 §3.6.2: `WHOIS [server] nick`. */
export function whois(session: IrcSession, message: IrcMessage): void {
  const nick = (message.params.length >= 2 ? message.params[1] : message.params[0]) as string;
  const request = session.request;
  if (request !== null) request.target = nick;
  session.run({ kind: "whois", names: [nick.split(",")[0] as string] });
}

/** RFC 2812 §3.6.3: `WHOWAS nick [count]`, newest first; a count of 0 or less means all. */
export function whowas(session: IrcSession, message: IrcMessage): void {
  const [nick, countParam] = message.params as [string, string?];
  const count = countParam === undefined ? 0 : Number.parseInt(countParam, 10) || 0;
  const found = session.frontEnd.whowas.find(nick, count, (text) => text.toLowerCase());
  const { serverName, networkName } = session.frontEnd.options;
  if (found.length === 0) session.numeric(N.ERR_WASNOSUCHNICK, nick, "There was no such nickname");
  for (const entry of found) {
    session.numeric(N.RPL_WHOWASUSER, entry.nick, entry.userName, entry.host, "*", entry.realName);
    session.numeric(N.RPL_WHOISSERVER, entry.nick, serverName, `${networkName}, ${new Date(entry.at).toUTCString()}`);
  }
  session.numeric(N.RPL_ENDOFWHOWAS, nick, "End of WHOWAS");
}

/** RFC 2812 §4.9: which of these nicks are online. */
export function ison(session: IrcSession, message: IrcMessage): void {
  const nicks = message.params.flatMap((param) => param.split(" ")).filter((nick) => nick !== "");
  session.run({ kind: "whois", names: nicks });
}

/** RFC 2812 §4.8: up to five nicks, with their hosts. */
export function userhost(session: IrcSession, message: IrcMessage): void {
  session.run({ kind: "whois", names: message.params.slice(0, 5) });
}

/** RFC 2812 §4.1: marks the user away (everyone who messages them is told), or back. */
export function away(session: IrcSession, message: IrcMessage): void {
  const text = message.params[0];
  session.run({ kind: "away", message: text === undefined || text === "" ? null : text });
}
