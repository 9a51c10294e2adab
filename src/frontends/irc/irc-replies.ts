import type { ChatError } from "../../core/errors.js";
import type { OnlineUser, Reply, RoomMember, RoomModesShown } from "../../core/events.js";
import type { RoomMaskList } from "../../store/store.js";
import { logInWithPass, PASS_FOR_ACCOUNT, PASS_FOR_NICK } from "./commands/registration.js";
import { chathistoryError, drawChathistory, drawChathistoryTargets, drawHistory } from "./irc-history.js";
import type { IrcSession } from "./irc-session.js";
import { drawWhoMembers, drawWhoUsers } from "./irc-who.js";
import { ircText } from "./message.js";
import * as N from "./numerics.js";

/** The source of what the account services say (NickServ-style IDENTIFY and REGISTER). */
export const NICKSERV = "NickServ";
const NICKSERV_MASK = "NickServ!NickServ@services.parley";

/** Folded as CASEMAPPING=ascii, which the front end advertises: only A to Z are one name with a to z. */
function asciiLower(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** Each mask list's entries and end, as the modern document numbers them (RPL_BANLIST, RPL_EXCEPTLIST, RPL_INVEXLIST). */
const MASK_LIST_NUMERICS: Readonly<Record<RoomMaskList, { item: string; end: string; endText: string }>> = {
  ban: { item: N.RPL_BANLIST, end: N.RPL_ENDOFBANLIST, endText: "End of channel ban list" },
  "ban-exception": { item: N.RPL_EXCEPTLIST, end: N.RPL_ENDOFEXCEPTLIST, endText: "End of channel exception list" },
  "invite-exception": {
    item: N.RPL_INVEXLIST,
    end: N.RPL_ENDOFINVEXLIST,
    endText: "End of channel invite exception list",
  },
};

/** The core's replies drawn as IRC numerics, by what the client asked (a "who" reply is NAMES, WHO or MODE). */
export class ReplyDrawer {
  draw(session: IrcSession, reply: Reply): void {
    const command = session.request?.command ?? "";
    switch (reply.kind) {
      case "renamed":
        session.syncNick();
        session.tryCompleteRegistration();
        return;
      case "joined":
        if (reply.wasMember) {
          // A JOIN of a channel one is in is ignored (RFC 2812), but a look-alike name that is
          // the same room would otherwise join nothing without a word.
          if (asciiLower(reply.asked) !== asciiLower(reply.room)) {
            session.notice(`${reply.asked} is the same room as ${reply.room}, where you are already`);
          }
          return;
        }
        // Shown already when the core's own event came first (a server without history).
        if (session.isInChannel(reply.room)) return;
        session.joinedChannel(reply.room);
        session.sendLine(session.frontEnd.users.maskOf(session.ref), "JOIN", joinParams(session, reply.room));
        if (reply.topic !== "") {
          session.numeric(N.RPL_TOPIC, reply.room, ircText(reply.topic));
          if (reply.topicBy !== null && reply.topicBy !== "") {
            session.numeric(N.RPL_TOPICWHOTIME, reply.room, reply.topicBy, String(Math.floor(reply.topicAt / 1000)));
          }
        }
        namesOf(session, reply.room, reply.listMembers(), reply.isSecret);
        return;
      case "left":
        session.leftChannel(reply.room);
        session.sendLine(
          session.frontEnd.users.maskOf(session.ref),
          "PART",
          reply.reason === "" ? [reply.room] : [reply.room, reply.reason],
        );
        return;
      case "topic":
        if (reply.topic === "") {
          if (command === "TOPIC") session.numeric(N.RPL_NOTOPIC, reply.room, "No topic is set");
          return;
        }
        session.numeric(N.RPL_TOPIC, reply.room, ircText(reply.topic));
        if (reply.by !== null && reply.by !== "") {
          session.numeric(N.RPL_TOPICWHOTIME, reply.room, reply.by, String(Math.floor(reply.at / 1000)));
        }
        return;
      case "who":
        if (command === "WHO") {
          drawWhoMembers(session, reply.room, reply.members);
        } else {
          namesOf(session, reply.room, reply.members, reply.isSecret);
        }
        return;
      case "modes":
        session.numeric(N.RPL_CHANNELMODEIS, reply.room, ...channelModeParams(reply.modes));
        session.numeric(N.RPL_CREATIONTIME, reply.room, String(Math.floor(reply.createdAt / 1000)));
        return;
      case "masks": {
        const { item, end, endText } = MASK_LIST_NUMERICS[reply.list];
        for (const listed of reply.masks) {
          session.numeric(item, reply.room, listed.mask, listed.setBy, String(Math.floor(listed.setAt / 1000)));
        }
        session.numeric(end, reply.room, endText);
        return;
      }
      case "invited":
        session.numeric(N.RPL_INVITING, session.frontEnd.users.nickOf(reply.target), reply.room);
        return;
      case "rooms": {
        const wanted = new Set((session.request?.target ?? "").split(",").filter((name) => name !== ""));
        session.numeric(N.RPL_LISTSTART, "Channel", "Users  Name");
        for (const room of reply.rooms) {
          if (wanted.size > 0 && !wanted.has(room.name)) continue;
          session.numeric(N.RPL_LIST, room.name, String(room.members), ircText(room.topic));
        }
        session.numeric(N.RPL_LISTEND, "End of /LIST");
        return;
      }
      case "users":
        drawUsers(session, command, reply.users);
        return;
      case "oper":
        session.numeric(N.RPL_YOUREOPER, "You are now an IRC operator");
        session.sendLine(session.nick, "MODE", [session.nick, "+o"]);
        return;
      case "away":
        if (reply.isAway) session.numeric(N.RPL_NOWAWAY, "You have been marked as being away");
        else session.numeric(N.RPL_UNAWAY, "You are no longer marked as being away");
        return;
      case "recipient-away":
        session.numeric(N.RPL_AWAY, reply.name, ircText(reply.message));
        return;
      case "registered":
        nickServSays(session, `The name ${reply.name} is now registered to you.`);
        return;
      case "logged-in": {
        session.syncNick();
        const mask = session.frontEnd.users.maskOf(session.ref);
        session.numeric(N.RPL_LOGGEDIN, mask, reply.name, `You are now logged in as ${reply.name}`);
        if (command === "AUTHENTICATE") session.numeric(N.RPL_SASLSUCCESS, "SASL authentication successful");
        else nickServSays(session, `You are now identified as ${reply.name}.`);
        session.nickAwaitingLogin = null;
        session.tryCompleteRegistration();
        // The account's rooms, before what it missed in them (the catch-up that follows this reply).
        for (const room of reply.rooms) session.showJoined(room);
        return;
      }
      case "logged-out":
        session.syncNick();
        session.numeric(N.RPL_LOGGEDOUT, session.frontEnd.users.maskOf(session.ref), "You are now logged out");
        return;
      case "history":
        if (command === "CHATHISTORY") drawChathistory(session, reply);
        else drawHistory(session, reply);
        return;
      case "conversations":
        drawChathistoryTargets(session, reply);
        return;
      case "search":
        for (const item of reply.items)
          nickServSays(
            session,
            ircText(`${item.guestWhere ?? item.where} <${item.guestSender ?? item.sender}> ${item.text}`),
          );
        return;
      case "delivered-later":
        session.notice(`${reply.name} is not online, and will see it on logging in.`);
        return;
      case "history-resumed":
        session.notice("History is kept again; what was said while it was paused was not kept.");
        return;
      case "paced":
        return;
    }
  }
}

/** What a channel's modes are shown as: the letters, then the key and limit. */
function channelModeParams(modes: RoomModesShown): string[] {
  let letters = `+${modes.isInviteOnly ? "i" : ""}${modes.isModerated ? "m" : ""}${modes.isMembersOnly ? "n" : ""}${modes.isSecret ? "s" : ""}${modes.isTopicLocked ? "t" : ""}`;
  const args: string[] = [];
  if (modes.hasKey) {
    letters += "k";
    // Non-members are told there is a key, not what it is.
    args.push(modes.key ?? "*");
  }
  if (modes.limit !== null) {
    letters += "l";
    args.push(String(modes.limit));
  }
  return [letters, ...args];
}

function joinParams(session: IrcSession, room: string): string[] {
  if (!session.caps.isEnabled("extended-join")) return [room];
  return [room, session.ref.account ?? "*", session.frontEnd.users.realNameOf(session.ref)];
}

/**
 * A member's prefix: "@" for an operator, "+" for a voiced member (RFC 2812 §5.1 RPL_NAMREPLY);
 * both, highest first, for a client with IRCv3 multi-prefix.
 */
export function prefixOf(session: IrcSession, member: { isOperator: boolean; isVoiced: boolean }): string {
  if (session.caps.isEnabled("multi-prefix")) return `${member.isOperator ? "@" : ""}${member.isVoiced ? "+" : ""}`;
  return member.isOperator ? "@" : member.isVoiced ? "+" : "";
}

/** RFC 2812 §3.2.5: RPL_NAMREPLY lines ("=" public channel, "@" secret), then RPL_ENDOFNAMES. */
function namesOf(session: IrcSession, room: string, members: readonly RoomMember[], isSecret: boolean): void {
  const users = session.frontEnd.users;
  const withHost = session.caps.isEnabled("userhost-in-names");
  const shown = members.map(
    (member) => prefixOf(session, member) + (withHost ? users.maskOf(member.ref) : users.nickOf(member.ref)),
  );
  session.numericWords(N.RPL_NAMREPLY, [isSecret ? "@" : "=", room], shown);
  session.numeric(N.RPL_ENDOFNAMES, room, "End of /NAMES list");
}

function drawUsers(
  session: IrcSession,
  command: string,
  found: readonly { readonly asked: string; readonly user: OnlineUser | null }[],
): void {
  const users = session.frontEnd.users;
  switch (command) {
    case "ISON":
      session.numeric(
        N.RPL_ISON,
        found.flatMap(({ user }) => (user === null ? [] : [users.nickOf(user.ref)])).join(" "),
      );
      return;
    case "USERHOST":
      session.numeric(
        N.RPL_USERHOST,
        found
          .flatMap(({ user }) => {
            if (user === null) return [];
            const away = user.away === null ? "+" : "-";
            return [`${users.nickOf(user.ref)}=${away}${users.userNameOf(user.ref)}@${users.hostOf(user.ref)}`];
          })
          .join(" "),
      );
      return;
    case "WHO":
      drawWhoUsers(session, found);
      return;
    default:
      for (const { asked, user } of found) whoisOf(session, asked, user);
  }
}

/** RFC 2812 §3.6.2, with the modern document's 330 (account) and 338 left to operators. */
function whoisOf(session: IrcSession, asked: string, user: OnlineUser | null): void {
  if (user === null) {
    session.numeric(N.ERR_NOSUCHNICK, asked, "No such nick/channel");
    session.numeric(N.RPL_ENDOFWHOIS, asked, "End of /WHOIS list");
    return;
  }
  const users = session.frontEnd.users;
  const { serverName, networkName } = session.frontEnd.options;
  const nick = users.nickOf(user.ref);
  session.numeric(
    N.RPL_WHOISUSER,
    nick,
    users.userNameOf(user.ref),
    users.hostOf(user.ref),
    "*",
    users.realNameOf(user.ref),
  );
  if (user.rooms.length > 0) {
    const channels = user.rooms.map((standing) => `${prefixOf(session, standing)}${standing.room}`);
    session.numericWords(N.RPL_WHOISCHANNELS, [nick], channels);
  }
  session.numeric(N.RPL_WHOISSERVER, nick, serverName, networkName);
  if (user.isServerOperator) session.numeric(N.RPL_WHOISOPERATOR, nick, "is an IRC operator");
  if (user.address !== null) {
    const ip = user.address.replace(/^\[|\]?:\d+$/g, "");
    session.numeric(N.RPL_WHOISACTUALLY, nick, ip, "Actual IP");
  }
  if (user.away !== null) session.numeric(N.RPL_AWAY, nick, ircText(user.away));
  if (user.ref.account !== null) session.numeric(N.RPL_WHOISACCOUNT, nick, user.ref.account, "is logged in as");
  const idle = Math.max(0, Math.floor((Date.now() - user.lastSpokeAt) / 1000));
  const signon = Math.floor(user.connectedAt / 1000);
  session.numeric(N.RPL_WHOISIDLE, nick, String(idle), String(signon), "seconds idle, signon time");
  session.numeric(N.RPL_ENDOFWHOIS, nick, "End of /WHOIS list");
}

export function nickServSays(session: IrcSession, text: string): void {
  session.sendLine(NICKSERV_MASK, "NOTICE", [session.nick, text]);
}

/** What the core refused, as the numeric or standard reply the client's command expects. */
export function errorReply(session: IrcSession, error: ChatError): void {
  const request = session.request;
  const command = request?.command ?? "*";
  // RFC 2812 §3.3.2: nothing ever answers a NOTICE.
  if (command === "NOTICE") return;
  if (command === "CHATHISTORY") {
    chathistoryError(session, error);
    return;
  }
  const detail = error.detail ?? {};
  // Never empty: an empty middle parameter cannot be written.
  const target = String(detail.room ?? detail.name ?? request?.target ?? "") || "*";
  switch (error.code) {
    case "ERR_NOT_IN_ROOM":
      if (command === "PRIVMSG") session.numeric(N.ERR_CANNOTSENDTOCHAN, target, "Cannot send to channel");
      else session.numeric(N.ERR_NOTONCHANNEL, target, "You're not on that channel");
      return;
    case "ERR_NO_SUCH_ROOM":
    case "ERR_BAD_ROOM_NAME":
      if (command === "NAMES") session.numeric(N.RPL_ENDOFNAMES, target, "End of /NAMES list");
      else if (command === "WHO") session.numeric(N.RPL_ENDOFWHO, target, "End of WHO list");
      else session.numeric(N.ERR_NOSUCHCHANNEL, target, "No such channel");
      return;
    case "ERR_NO_SUCH_USER":
      session.numeric(N.ERR_NOSUCHNICK, target, "No such nick/channel");
      return;
    case "ERR_KILLED":
      // Its ERROR line ("Closing Link: … (Killed (…))") says it, as IRC servers do.
      return;
    case "ERR_BAD_NAME":
    case "ERR_MIXED_SCRIPTS":
      if (detail.what === "room name") {
        session.numeric(N.ERR_NOSUCHCHANNEL, target, `No such channel: it mixes ${String(detail.scripts)} letters`);
        return;
      }
      session.numeric(
        N.ERR_ERRONEUSNICKNAME,
        target,
        `Erroneous nickname: ${String(detail.reason ?? "a mix of scripts")}`,
      );
      return;
    case "ERR_NAME_IN_USE":
      session.numeric(N.ERR_NICKNAMEINUSE, target, "Nickname is already in use");
      return;
    case "ERR_NAME_REGISTERED": {
      // The password PASS gave before registration is this account's, as clients without SASL send it.
      const password = session.passwordBeforeNick;
      if (!session.isRegistered && password !== null && command === "NICK" && !session.isLoggedIn) {
        session.passwordBeforeNick = null;
        logInWithPass(session, target, password, true);
        return;
      }
      refuseRegisteredNick(session, target);
      return;
    }
    case "ERR_NOT_OPERATOR":
      session.numeric(N.ERR_CHANOPRIVSNEEDED, target, "You're not channel operator");
      return;
    case "ERR_USER_NOT_IN_ROOM":
      session.numeric(N.ERR_USERNOTINCHANNEL, String(detail.name), String(detail.room), "They aren't on that channel");
      return;
    case "ERR_ALREADY_IN_ROOM":
      session.numeric(N.ERR_USERONCHANNEL, String(detail.name), String(detail.room), "is already on channel");
      return;
    case "ERR_UNKNOWN_MODE":
      session.numeric(N.ERR_UNKNOWNMODE, String(detail.mode), "is unknown mode char to me");
      return;
    case "ERR_BAD_MODE_ARG":
      // The modern document's ERR_INVALIDMODEPARAM; the argument is not echoed (a key is a secret).
      session.numeric(
        N.ERR_INVALIDMODEPARAM,
        target,
        String(detail.mode),
        "*",
        `Invalid mode parameter: ${detail.reason}`,
      );
      return;
    case "ERR_KEY_SET":
      session.numeric(N.ERR_KEYSET, target, "Channel key already set");
      return;
    case "ERR_CANNOT_JOIN": {
      const [code, letter] = JOIN_REFUSALS[String(detail.reason)] ?? [N.ERR_CHANNELISFULL, "l"];
      session.numeric(code, target, `Cannot join channel (+${letter})`);
      return;
    }
    case "ERR_CANNOT_SPEAK":
      session.numeric(N.ERR_CANNOTSENDTOCHAN, target, "Cannot send to channel");
      return;
    case "ERR_TOO_MANY_ROOMS":
      session.numeric(N.ERR_TOOMANYCHANNELS, target, "You have joined too many channels");
      return;
    case "ERR_BAD_OPER":
      session.numeric(N.ERR_PASSWDMISMATCH, "Password incorrect");
      return;
    case "ERR_NOT_SERVER_OPERATOR":
      session.numeric(N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator");
      return;
    case "ERR_EMPTY_MESSAGE":
      session.numeric(N.ERR_NOTEXTTOSEND, "No text to send");
      return;
    case "ERR_BAD_LOGIN":
    case "ERR_LOGIN_THROTTLED":
    case "ERR_ALREADY_LOGGED_IN":
    case "ERR_HISTORY_OFF":
      if (request?.detail === PASS_FOR_NICK || request?.detail === PASS_FOR_ACCOUNT) {
        // The password PASS gave: refused as a server password is (RFC 2812 §3.1.1), and the
        // registered nick it was for is not given (a nick asked for beside an account's name
        // is asked for next, as without PASS).
        session.numeric(N.ERR_PASSWDMISMATCH, `Password incorrect: not logged in. ${loginTrouble(error)}`);
        if (request.detail === PASS_FOR_NICK) refuseRegisteredNick(session, request.target);
      } else if (command === "AUTHENTICATE") {
        if (error.code === "ERR_ALREADY_LOGGED_IN")
          session.numeric(N.ERR_SASLALREADY, "You have already authenticated");
        else session.numeric(N.ERR_SASLFAIL, `SASL authentication failed: ${loginTrouble(error)}`);
      } else if (command === "NICK") {
        // A logged-in user's nick is its account's: the client must see its NICK refused.
        session.fail("NICK", "CANNOT_CHANGE_NICK", [target], `You are logged in as ${session.nick}: log out first`);
      } else if (command === "OPER") {
        session.numeric(N.ERR_PASSWDMISMATCH, loginTrouble(error));
      } else {
        nickServSays(session, loginTrouble(error));
      }
      return;
    default:
      // What went wrong with a request to NickServ, NickServ tells, as services do.
      if (command === "NICKSERV" || command === "NS" || request?.target.toLowerCase() === NICKSERV.toLowerCase()) {
        nickServSays(session, `${describe(error)}.`);
      } else {
        session.fail(command, error.code.replace(/^ERR_/, ""), [], describe(error));
      }
  }
}

/**
 * A registered nick asked for by someone not logged in: a client negotiating capabilities
 * may still log in with SASL before it registers; otherwise 433, with how to log in.
 */
function refuseRegisteredNick(session: IrcSession, nick: string): void {
  if (!session.isRegistered && session.caps.isHoldingRegistration && session.frontEnd.options.hasAccounts) {
    session.nickAwaitingLogin = nick;
    return;
  }
  session.numeric(
    N.ERR_NICKNAMEINUSE,
    nick,
    `Nickname is registered: log in with SASL, PASS or /msg ${NICKSERV} IDENTIFY ${nick} PASSWORD`,
  );
}

/** RFC 2812 §5.2: why a JOIN was refused, as its numeric and the mode that refused it. */
const JOIN_REFUSALS: Readonly<Record<string, readonly [string, string]>> = {
  full: [N.ERR_CHANNELISFULL, "l"],
  "invite-only": [N.ERR_INVITEONLYCHAN, "i"],
  banned: [N.ERR_BANNEDFROMCHAN, "b"],
  key: [N.ERR_BADCHANNELKEY, "k"],
};

function loginTrouble(error: ChatError): string {
  switch (error.code) {
    case "ERR_BAD_LOGIN":
      return "Invalid account name or password.";
    case "ERR_LOGIN_THROTTLED":
      return `Too many failed logins: try again in ${error.detail?.seconds ?? "a few"} seconds.`;
    case "ERR_ALREADY_LOGGED_IN":
      return "You are already logged in.";
    default:
      return "This server keeps no accounts.";
  }
}

function describe(error: ChatError): string {
  switch (error.code) {
    case "ERR_TOPIC_TOO_LONG":
      return `Topic too long: at most ${error.detail?.limit} characters`;
    case "ERR_HISTORY_PAUSED":
      return "History is paused: the server cannot store it at the moment";
    case "ERR_STORE_UNAVAILABLE":
      return "The server could not store that";
    case "ERR_NOT_KEPT_FOR_LATER":
      return "Not delivered: the user is offline and history is paused";
    case "ERR_NEED_NAME":
      return "Choose a name first";
    case "ERR_NOT_LOGGED_IN":
      return "You are not logged in";
    case "ERR_PASSWORD_TOO_SHORT":
      return "That password is too short";
    case "ERR_ALREADY_REGISTERED":
      return "That name is already registered";
    default:
      return "The server could not do that";
  }
}
