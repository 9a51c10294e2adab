import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";

/** RFC 2812 §3.6.1: a channel's members, or one user; WHOX fields are not offered yet. */
export function who(session: IrcSession, message: IrcMessage): void {
  const mask = message.params[0] ?? "*";
  const request = session.request;
  if (request !== null) request.target = mask;
  if (mask.startsWith("#")) session.run({ kind: "who", room: mask });
  else if (mask === "*" || mask === "0" || /[*?]/.test(mask)) session.numeric(N.RPL_ENDOFWHO, mask, "End of WHO list");
  else session.run({ kind: "whois", names: [mask] });
}

/** RFC 2812 §3.6.2: `WHOIS [server] nick`. */
export function whois(session: IrcSession, message: IrcMessage): void {
  const nick = (message.params.length >= 2 ? message.params[1] : message.params[0]) as string;
  const request = session.request;
  if (request !== null) request.target = nick;
  session.run({ kind: "whois", names: [nick.split(",")[0] as string] });
}

/** RFC 2812 §3.6.3: nobody's past is kept under a nick. */
export function whowas(session: IrcSession, message: IrcMessage): void {
  const nick = message.params[0] as string;
  session.numeric(N.ERR_WASNOSUCHNICK, nick, "There was no such nickname");
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
