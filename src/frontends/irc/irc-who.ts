import type { OnlineUser, RoomMember, UserRef } from "../../core/events.js";
import { CompiledMask } from "../../core/masks.js";
import { prefixOf } from "./irc-replies.js";
import type { IrcSession } from "./irc-session.js";
import * as N from "./numerics.js";

/** IRCv3 WHOX: the fields a reply may carry, in the order RPL_WHOSPCRPL gives them. */
const WHOX_FIELD_ORDER = "tcuihsnfdlaor";

/** What WHO asked for beyond the mask: WHOX fields and token, or the classic reply. */
interface WhoRequest {
  readonly mask: string;
  /** WHOX fields in reply order; null for a classic RPL_WHOREPLY. */
  readonly fields: string | null;
  readonly token: string;
}

/** One user as a WHO line shows it. */
interface WhoSubject {
  readonly ref: UserRef;
  readonly channel: string;
  readonly away: string | null;
  readonly idleSeconds: number;
  /** The user's prefix in the channel ("@", "+"; "" elsewhere). */
  readonly prefix: string;
  readonly isServerOperator: boolean;
}

/** `WHO <mask> [%fields[,token]]` as the request kept it (IRCv3 WHOX). */
function whoRequestOf(session: IrcSession): WhoRequest {
  const request = session.request;
  const mask = request?.target || "*";
  const options = request?.detail ?? "";
  if (!options.startsWith("%")) return { mask, fields: null, token: "" };
  const [letters = "", token = ""] = options.slice(1).split(",", 2);
  const fields = [...WHOX_FIELD_ORDER].filter((field) => letters.includes(field)).join("");
  // The token is at most three digits (IRCv3 WHOX); anything else is left out.
  const isToken = /^\d{1,3}$/.test(token);
  return { mask, fields: isToken ? fields : fields.replace("t", ""), token: isToken ? token : "" };
}

/** A channel's members, from the core's "who" reply. */
export function drawWhoMembers(session: IrcSession, room: string, members: readonly RoomMember[]): void {
  const request = whoRequestOf(session);
  for (const member of members) {
    const { ref, away } = member;
    const { isServerOperator } = member;
    whoLine(session, request, {
      ref,
      channel: room,
      away,
      idleSeconds: 0,
      prefix: prefixOf(session, member),
      isServerOperator,
    });
  }
  session.numeric(N.RPL_ENDOFWHO, request.mask, "End of WHO list");
}

/**
 * Users found by nick, or everyone online for a mask. A mask shows only users the asker
 * can see: itself and those it shares a channel with (every user is +i, RFC 2812 §3.1.5).
 */
export function drawWhoUsers(
  session: IrcSession,
  found: readonly { readonly asked: string; readonly user: OnlineUser | null }[],
): void {
  const request = whoRequestOf(session);
  const isEveryone = found.some(({ asked }) => asked === "");
  const mask = isEveryone && request.mask !== "*" && request.mask !== "0" ? compileWhoMask(request.mask) : null;
  const now = Date.now();
  for (const { user } of found) {
    if (user === null) continue;
    if (isEveryone) {
      const isSelf = user.ref.sessionId === session.ref.sessionId;
      if (!isSelf && !user.rooms.some(({ room }) => session.isInChannel(room))) continue;
      if (mask !== null && !matchesWho(mask, session, user.ref)) continue;
    }
    const idleSeconds = Math.max(0, Math.floor((now - user.lastSpokeAt) / 1000));
    const { isServerOperator } = user;
    whoLine(session, request, {
      ref: user.ref,
      channel: "*",
      away: user.away,
      idleSeconds,
      prefix: "",
      isServerOperator,
    });
  }
  session.numeric(N.RPL_ENDOFWHO, request.mask, "End of WHO list");
}

function compileWhoMask(mask: string): CompiledMask {
  return new CompiledMask(mask, (text) => text.toLowerCase());
}

/** The modern document's WHO: a mask matches a user's nick, its whole mask, its host or its real name. */
function matchesWho(mask: CompiledMask, session: IrcSession, ref: UserRef): boolean {
  const users = session.frontEnd.users;
  return (
    mask.matches(users.nickOf(ref)) ||
    mask.matches(users.maskOf(ref)) ||
    mask.matches(users.hostOf(ref)) ||
    mask.matches(users.realNameOf(ref))
  );
}

/** RFC 2812 §3.6.1 RPL_WHOREPLY ("H" here, "G" gone), or IRCv3 WHOX RPL_WHOSPCRPL with the fields asked for. */
function whoLine(session: IrcSession, request: WhoRequest, subject: WhoSubject): void {
  const users = session.frontEnd.users;
  const { serverName } = session.frontEnd.options;
  const { ref } = subject;
  // RFC 2812 §3.6.1: H here or G gone, "*" for a server operator, then the channel prefix.
  const flags = `${subject.away === null ? "H" : "G"}${subject.isServerOperator ? "*" : ""}${subject.prefix}`;
  if (request.fields === null) {
    session.numeric(
      N.RPL_WHOREPLY,
      subject.channel,
      users.userNameOf(ref),
      users.hostOf(ref),
      serverName,
      users.nickOf(ref),
      flags,
      `0 ${users.realNameOf(ref)}`,
    );
    return;
  }
  const values: string[] = [];
  for (const field of request.fields) {
    switch (field) {
      case "t":
        values.push(request.token);
        break;
      case "c":
        values.push(subject.channel);
        break;
      case "u":
        values.push(users.userNameOf(ref));
        break;
      case "i":
        // Addresses are never shown: the host is a cloak of one.
        values.push("255.255.255.255");
        break;
      case "h":
        values.push(users.hostOf(ref));
        break;
      case "s":
        values.push(serverName);
        break;
      case "n":
        values.push(users.nickOf(ref));
        break;
      case "f":
        values.push(flags);
        break;
      case "d":
        values.push("0");
        break;
      case "l":
        values.push(String(subject.idleSeconds));
        break;
      case "a":
        values.push(ref.account ?? "0");
        break;
      case "o":
        values.push("n/a");
        break;
      case "r":
        values.push(users.realNameOf(ref));
        break;
    }
  }
  session.numeric(N.RPL_WHOSPCRPL, ...values);
}
