import type { ChatError, ChatErrorCode } from "../../core/errors.js";

/** The protocol's error codes: the core's, kebab-case ("ERR_NAME_IN_USE" is "name-in-use"). */
export function errorCodeOf(code: ChatErrorCode): string {
  return code.slice(4).toLowerCase().replaceAll("_", "-");
}

/** What the error means in words, for a client that shows it as it comes. */
export function errorMessageOf(error: ChatError): string {
  const detail = error.detail ?? {};
  const room = String(detail.room ?? "");
  const name = String(detail.name ?? "");
  switch (error.code) {
    case "ERR_EMPTY_MESSAGE":
      return "Empty message: nothing was sent.";
    case "ERR_LINE_BREAK_IN_TEXT":
      return "The text has a carriage return, a line feed or a NUL in it: it was not sent.";
    case "ERR_NOT_IN_ROOM":
      return `You are not in ${room}.`;
    case "ERR_NO_SUCH_ROOM":
      return `There is no room ${room}.`;
    case "ERR_NO_SUCH_USER":
      return `Nobody is called ${name}.`;
    case "ERR_BAD_NAME":
      return `"${name}" cannot be a name: ${detail.reason}.`;
    case "ERR_MIXED_SCRIPTS":
      return `"${name}" cannot be a ${detail.what}: it mixes ${detail.scripts} letters, so it could pass for another.`;
    case "ERR_NAME_IN_USE":
      return `The name ${name} is in use (or looks too much like one that is).`;
    case "ERR_NAME_REGISTERED":
      return `The name ${name} is registered: log in to use it.`;
    case "ERR_BAD_ROOM_NAME":
      return `"${room}" cannot be a room name: ${detail.reason}.`;
    case "ERR_TOO_MANY_ROOMS":
      return `You are in ${detail.limit} rooms, the most allowed: leave one first.`;
    case "ERR_TOPIC_TOO_LONG":
      return `Topic too long (the limit is ${detail.limit} characters).`;
    case "ERR_HISTORY_TOO_MANY":
      return `History shows at most ${detail.limit} entries at a time.`;
    case "ERR_NEED_NAME":
      return "Choose a name first.";
    case "ERR_ALREADY_REGISTERED":
      return `The name ${name} is already registered.`;
    case "ERR_ALREADY_LOGGED_IN":
      return `You are logged in as ${name}: log out first.`;
    case "ERR_NOT_LOGGED_IN":
      return "You are not logged in.";
    case "ERR_BAD_LOGIN":
      return "Wrong name or password.";
    case "ERR_LOGIN_THROTTLED":
      return `Too many login attempts: try again in ${detail.seconds} s.`;
    case "ERR_PASSWORD_TOO_SHORT":
      return `Passwords need at least ${detail.minimum} characters.`;
    case "ERR_SEARCH_EMPTY":
      return "Search for at least one word.";
    case "ERR_HISTORY_OFF":
      return `This server keeps no history, so it has no ${detail.what}.`;
    case "ERR_HISTORY_PAUSED":
      return "History is paused (the server cannot write it): chat goes on, but what is said now is not kept.";
    case "ERR_STORE_UNAVAILABLE":
      return "The server could not save that: try again later.";
    case "ERR_NOT_KEPT_FOR_LATER":
      return `${name} is not online, and history is paused: they will not see it on logging in.`;
    case "ERR_BAD_OPER":
      return "Wrong operator name or password.";
    case "ERR_KILLED":
      return detail.reason === ""
        ? `You were disconnected by the server operator ${detail.by}.`
        : `You were disconnected by the server operator ${detail.by}: ${detail.reason}`;
    case "ERR_NOT_SERVER_OPERATOR":
      return "Only server operators may do that.";
    case "ERR_INTERNAL":
      return `Something went wrong on the server (${detail.what}); it has been logged.`;
    case "ERR_NOT_OPERATOR":
      return `Only operators of ${room} may do that.`;
    case "ERR_USER_NOT_IN_ROOM":
      return `${name} is not in ${room}.`;
    case "ERR_ALREADY_IN_ROOM":
      return `${name} is already in ${room}.`;
    case "ERR_UNKNOWN_MODE":
      return `There is no mode "${detail.mode}": modes are o v i m t s k l b.`;
    case "ERR_BAD_MODE_ARG":
      return `Mode ${detail.mode} not set: ${detail.reason}.`;
    case "ERR_KEY_SET":
      return `${room} has a key already: remove it first.`;
    case "ERR_CANNOT_JOIN":
      return `You cannot join ${room}: ${joinRefusalText(String(detail.reason))}.`;
    case "ERR_CANNOT_SPEAK":
      return detail.reason === "banned"
        ? `You are banned from ${room}: nothing was sent.`
        : `${room} is moderated: only operators and voiced members speak.`;
  }
}

function joinRefusalText(reason: string): string {
  switch (reason) {
    case "banned":
      return "you are banned from it";
    case "invite-only":
      return "it is invite-only, and you have not been invited";
    case "key":
      return "it needs a key";
    default:
      return "it is full";
  }
}
