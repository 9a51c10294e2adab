import { parseModeChanges } from "../../mode-string.js";
import { MAX_TARGETS } from "../irc-front-end.js";
import { MODES_PER_COMMAND } from "../irc-render.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";

/**
 * RFC 2812 §3.1.5 and §3.2.3. A user's own modes: "+i" is the only one, and always set. A
 * channel's: shown (324, 329), its bans listed (367, 368), its ban and invite exceptions
 * (348, 349 and 346, 347), or changed by its operators, who
 * see each change echoed to the channel as `MODE #chan +o bob`.
 */
export function mode(session: IrcSession, message: IrcMessage): void {
  const [target, letters, ...args] = message.params as [string, string?, ...string[]];
  if (!target.startsWith("#")) {
    if (target.toLowerCase() !== session.nick.toLowerCase()) {
      session.numeric(N.ERR_USERSDONTMATCH, "Cant change mode for other users");
      return;
    }
    if (letters === undefined) session.numeric(N.RPL_UMODEIS, session.coreSession.isServerOperator ? "+io" : "+i");
    return;
  }
  const request = session.request;
  if (request !== null) request.target = target;
  if (letters === undefined) {
    session.run({ kind: "mode", room: target, changes: null });
    return;
  }
  const { changes } = parseModeChanges(letters, args);
  let withArgs = 0;
  const kept = changes.filter((change) => change.arg === undefined || ++withArgs <= MODES_PER_COMMAND);
  if (kept.length === 0) return;
  session.run({ kind: "mode", room: target, changes: kept });
}

/**
 * RFC 2812 §3.2.8: `KICK #chan nick[,nick] [:comment]`, or as many channels as nicks, one for
 * each. Each kick goes out as its own KICK line, never one with several targets.
 */
export function kick(session: IrcSession, message: IrcMessage): void {
  const [channelList, nickList, comment] = message.params as [string, string, string?];
  const channels = channelList.split(",").filter((channel) => channel !== "");
  const nicks = nickList.split(",").filter((nick) => nick !== "");
  if (channels.length === 0 || nicks.length === 0 || (channels.length > 1 && channels.length !== nicks.length)) {
    session.numeric(N.ERR_NEEDMOREPARAMS, "KICK", "Not enough parameters");
    return;
  }
  const reason = comment ?? "";
  const request = session.request;
  for (const [index, nick] of nicks.slice(0, MAX_TARGETS).entries()) {
    const room = channels.length === 1 ? channels[0] : channels[index];
    if (request !== null) request.target = room;
    session.run({ kind: "kick", room, name: nick, reason });
  }
}

/** RFC 2812 §3.2.7: `INVITE nick #chan`; without parameters, no invitations are listed (none are kept per user). */
export function invite(session: IrcSession, message: IrcMessage): void {
  const [nick, channel] = message.params as [string?, string?];
  if (nick === undefined) {
    session.numeric(N.RPL_ENDOFINVITELIST, "End of /INVITE list");
    return;
  }
  if (channel === undefined) {
    session.numeric(N.ERR_NEEDMOREPARAMS, "INVITE", "Not enough parameters");
    return;
  }
  const request = session.request;
  if (request !== null) request.target = channel;
  session.run({ kind: "invite", name: nick, room: channel });
}
