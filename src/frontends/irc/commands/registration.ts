import { identityKey } from "../../../core/names.js";
import type { IrcSession } from "../irc-session.js";
import { type IrcMessage, keptParam } from "../message.js";
import * as N from "../numerics.js";

/** IRCv3 capability negotiation; registration waits between CAP LS or REQ and CAP END. */
export function cap(session: IrcSession, message: IrcMessage): void {
  const replies = session.negotiatingCaps.handle(message.params, {
    nick: session.shownNick,
    isRegistered: session.isRegistered,
  });
  for (const reply of replies) session.serverLine(reply.command, reply.params);
  session.capabilitiesChanged();
  session.tryCompleteRegistration();
}

/**
 * RFC 2812 §3.1.1. Parley has no server password: a client without SASL sends its account's
 * password here instead, as clients configured for Ergo do: `PASS password` with the account
 * as its nick, or `PASS account:password` (the account's name holds no colon, so the first
 * one splits them). It is kept until NICK, which logs in with it (see `nick`).
 */
export function pass(session: IrcSession, message: IrcMessage): void {
  if (session.isRegistered) {
    session.numeric(N.ERR_ALREADYREGISTERED, "You may not reregister");
    return;
  }
  if (session.frontEnd.options.hasAccounts) session.passwordBeforeNick = keptParam(message.params[0] as string);
}

/** What a NICK's request notes (`detail`) while it logs in with PASS's password: for the nick's account, or another. */
export const PASS_FOR_NICK = "PASS for the nick";
export const PASS_FOR_ACCOUNT = "PASS for an account";

/**
 * Logs in with the password PASS gave. A wrong one gets 464 (see errorReply); a registered
 * nick it was for then waits for SASL or is refused, as without PASS.
 */
export function logInWithPass(session: IrcSession, account: string, password: string, isForTheNick: boolean): void {
  const request = session.request;
  if (request !== null) request.detail = isForTheNick ? PASS_FOR_NICK : PASS_FOR_ACCOUNT;
  session.run({ kind: "login", name: account, password });
}

/**
 * Characters a nick cannot start with on IRC even where Parley's names allow them: digits and
 * "-" (RFC 2812 §2.3.1), channel and membership prefixes (the modern document).
 */
const BAD_NICK_START = /^[0-9\-$&~%+]/;
/** Characters no IRC nick may hold (the modern document, "Clients"); the core refuses the rest. */
const BAD_NICK_CHARACTER = /[\s,*?!@.:#]/;

/** RFC 2812 §3.1.2: takes a nick, or changes it; the core decides whether it is free. */
export function nick(session: IrcSession, message: IrcMessage): void {
  const wanted = message.params[0];
  if (wanted === undefined || wanted === "") {
    session.numeric(N.ERR_NONICKNAMEGIVEN, "No nickname given");
    return;
  }
  if (BAD_NICK_START.test(wanted) || BAD_NICK_CHARACTER.test(wanted)) {
    session.numeric(N.ERR_ERRONEUSNICKNAME, wanted, "Erroneous nickname");
    return;
  }
  if (session.isRegistered && wanted === session.shownNick) return;
  const request = session.request;
  if (request !== null) request.target = wanted;
  const name = keptParam(wanted);
  const password = session.passwordBeforeNick;
  const colon = password?.indexOf(":") ?? -1;
  if (password === null || colon <= 0 || session.isLoggedIn) {
    // A plain PASS is the nick's account's password: tried when the nick turns out registered (errorReply).
    session.run({ kind: "nick", name });
    return;
  }
  session.passwordBeforeNick = null;
  logInWithPass(session, password.slice(0, colon), password.slice(colon + 1), false);
  // Logged in, the user has the account's name; otherwise the nick asked for, as without PASS.
  session.run(() => (session.isLoggedIn ? null : { kind: "nick", name }));
}

/** RFC 2812 §3.1.3: the user name (shown as "~name") and real name; once only. */
export function user(session: IrcSession, message: IrcMessage): void {
  if (session.isRegistered || session.userInfo !== null) {
    session.numeric(N.ERR_ALREADYREGISTERED, "You may not reregister");
    return;
  }
  const [userName, , , realName] = message.params as [string, string, string, string];
  const cleaned = userName.replace(/[^A-Za-z0-9_\-.[\]\\`^{}|]/g, "").slice(0, 10);
  session.userInfo = { userName: `~${cleaned === "" ? "u" : cleaned}`, realName: keptParam(realName) };
  // Known at once, not at the welcome: a login before it (SASL, PASS) shows and bans this mask.
  session.frontEnd.users.register(session.ref.sessionId, session.userInfo);
  session.tryCompleteRegistration();
}

/** The longest SASL response accepted, base64, before the exchange is refused (905). */
const MAX_SASL_PAYLOAD = 4096;
/** IRCv3 SASL: a response is sent in chunks of 400; a shorter one (or "+") ends it. */
const SASL_CHUNK = 400;

/** IRCv3 sasl 3.1, mechanism PLAIN (RFC 4616) against Parley's accounts. */
export function authenticate(session: IrcSession, message: IrcMessage): void {
  const param = message.params[0] as string;
  if (!session.caps.isEnabled("sasl")) {
    session.numeric(N.ERR_SASLFAIL, "SASL authentication failed: request the sasl capability first");
    return;
  }
  if (session.isLoggedIn) {
    session.numeric(N.ERR_SASLALREADY, "You have already authenticated using SASL");
    return;
  }
  if (param === "*") {
    session.saslPayload = null;
    session.numeric(N.ERR_SASLABORTED, "SASL authentication aborted");
    return;
  }
  if (session.saslPayload === null) {
    if (param.toUpperCase() !== "PLAIN") {
      session.numeric(N.RPL_SASLMECHS, "PLAIN", "are available SASL mechanisms");
      session.numeric(N.ERR_SASLFAIL, "SASL authentication failed");
      return;
    }
    session.saslPayload = "";
    session.sendLine(null, "AUTHENTICATE", ["+"]);
    return;
  }
  if (param !== "+") session.saslPayload += param;
  if (session.saslPayload.length > MAX_SASL_PAYLOAD) {
    session.saslPayload = null;
    session.numeric(N.ERR_SASLTOOLONG, "SASL message too long");
    return;
  }
  if (param.length === SASL_CHUNK) return;
  const fields = Buffer.from(session.saslPayload, "base64").toString("utf8").split("\0");
  session.saslPayload = null;
  const [authzid, authcid, password] = fields;
  if (fields.length !== 3 || authcid === undefined || authcid === "" || password === undefined) {
    session.numeric(N.ERR_SASLFAIL, "SASL authentication failed");
    return;
  }
  // RFC 4616 §2: an authzid asks to act as another identity than the one whose password it
  // is; Parley has no such right to grant, so only the authcid's own account (or none) logs in.
  if (authzid !== undefined && authzid !== "" && identityKey(authzid) !== identityKey(authcid)) {
    session.numeric(N.ERR_SASLFAIL, "SASL authentication failed: logging in as another account is not supported");
    return;
  }
  session.run({ kind: "login", name: authcid, password });
}
