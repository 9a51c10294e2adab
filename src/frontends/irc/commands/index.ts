import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import { join, list, names, part, topic } from "./channels.js";
import { chathistory } from "./chathistory.js";
import { ping, pong, quit } from "./connection.js";
import { notice, privmsg, tagmsg } from "./messaging.js";
import { monitor } from "./monitor.js";
import { nickServ } from "./nickserv.js";
import { info, kill, oper, wallops } from "./operators.js";
import { authenticate, cap, nick, pass, user } from "./registration.js";
import { invite, kick, mode } from "./room-operators.js";
import { lusers, motd, time, version } from "./server-info.js";
import { setname } from "./setname.js";
import { away, ison, userhost, who, whois, whowas } from "./users.js";

/**
 * One IRC command: how many parameters it needs and whether it may come before registration
 * are checked once, in the session, so every handler starts from valid input (as Ergo's
 * command table does).
 */
export interface IrcCommandSpec {
  readonly minParams: number;
  /** Usable before registration (RFC 2812 §3.1 and IRCv3 negotiation). */
  readonly beforeRegistration?: boolean;
  /** What it costs of the pacing budget, when more than a line. */
  readonly cost?: number;
  handle(session: IrcSession, message: IrcMessage): void;
}

export const IRC_COMMANDS: ReadonlyMap<string, IrcCommandSpec> = new Map<string, IrcCommandSpec>([
  ["CAP", { minParams: 1, beforeRegistration: true, handle: cap }],
  ["AUTHENTICATE", { minParams: 1, beforeRegistration: true, handle: authenticate }],
  ["PASS", { minParams: 1, beforeRegistration: true, handle: pass }],
  ["NICK", { minParams: 0, beforeRegistration: true, handle: nick }],
  ["USER", { minParams: 4, beforeRegistration: true, handle: user }],
  ["PING", { minParams: 1, beforeRegistration: true, handle: ping }],
  ["PONG", { minParams: 0, beforeRegistration: true, handle: pong }],
  ["QUIT", { minParams: 0, beforeRegistration: true, handle: quit }],
  ["PRIVMSG", { minParams: 0, handle: privmsg }],
  ["NOTICE", { minParams: 0, handle: notice }],
  ["NICKSERV", { minParams: 1, handle: nickServ }],
  ["NS", { minParams: 1, handle: nickServ }],
  ["TAGMSG", { minParams: 1, handle: tagmsg }],
  ["JOIN", { minParams: 1, handle: join }],
  ["PART", { minParams: 1, handle: part }],
  ["TOPIC", { minParams: 1, handle: topic }],
  ["NAMES", { minParams: 0, handle: names }],
  ["LIST", { minParams: 0, cost: 5, handle: list }],
  ["WHO", { minParams: 0, cost: 2, handle: who }],
  ["WHOIS", { minParams: 1, handle: whois }],
  ["WHOWAS", { minParams: 1, handle: whowas }],
  ["ISON", { minParams: 1, handle: ison }],
  ["USERHOST", { minParams: 1, handle: userhost }],
  ["AWAY", { minParams: 0, handle: away }],
  ["MODE", { minParams: 1, handle: mode }],
  ["KICK", { minParams: 2, handle: kick }],
  ["INVITE", { minParams: 0, handle: invite }],
  ["MOTD", { minParams: 0, handle: motd }],
  ["LUSERS", { minParams: 0, handle: lusers }],
  ["VERSION", { minParams: 0, handle: version }],
  ["TIME", { minParams: 0, handle: time }],
  ["INFO", { minParams: 0, handle: info }],
  ["OPER", { minParams: 2, handle: oper }],
  ["KILL", { minParams: 1, handle: kill }],
  ["WALLOPS", { minParams: 1, handle: wallops }],
  // As the core's history command costs: each reads the store on the event loop.
  ["MONITOR", { minParams: 1, handle: monitor }],
  ["SETNAME", { minParams: 1, handle: setname }],
  ["CHATHISTORY", { minParams: 1, cost: 5, handle: chathistory }],
]);
