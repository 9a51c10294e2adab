import { MAX_TARGETS } from "../irc-front-end.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";
import { askNickServ, isNickServ } from "./nickserv.js";

const ACTION_PREFIX = "\x01ACTION ";

/** RFC 2812 §3.3.1: to channels (the core's rooms) and to users, several targets at once. */
export function privmsg(session: IrcSession, message: IrcMessage): void {
  send(session, message, false);
}

/**
 * RFC 2812 §3.3.2: as PRIVMSG, but no error ever answers it, so two programs can never
 * answer each other's failures forever.
 */
export function notice(session: IrcSession, message: IrcMessage): void {
  send(session, message, true);
}

function send(session: IrcSession, message: IrcMessage, isNotice: boolean): void {
  const [targets, text] = message.params;
  if (targets === undefined || targets === "") {
    if (!isNotice) session.numeric(N.ERR_NORECIPIENT, `No recipient given (${message.command})`);
    return;
  }
  if (text === undefined || text === "") {
    if (!isNotice) session.numeric(N.ERR_NOTEXTTOSEND, "No text to send");
    return;
  }
  const list = targets.split(",").filter((target) => target !== "");
  if (list.length > MAX_TARGETS) {
    if (!isNotice) session.numeric(N.ERR_TOOMANYTARGETS, targets, `Too many targets; at most ${MAX_TARGETS}`);
    return;
  }
  // CTCP ACTION is /me: the core keeps it as an action, and line users see "* name text".
  const isAction = text.startsWith(ACTION_PREFIX);
  const action = text.slice(ACTION_PREFIX.length);
  const said = !isAction ? text : action.endsWith("\x01") ? action.slice(0, -1) : action;
  for (const target of list) {
    const request = session.request;
    if (request !== null) request.target = target;
    const notice = isNotice ? { isNotice } : {};
    if (isNickServ(target)) {
      // Services never answer a NOTICE (RFC 2812 §3.3.2), and a password must not go on as a message.
      if (!isNotice && !isAction) askNickServ(session, said);
    } else if (target.startsWith("#")) session.run({ kind: "say", room: target, text: said, isAction, ...notice });
    else session.run({ kind: "direct", to: target, text: said, isAction, ...notice });
  }
}
