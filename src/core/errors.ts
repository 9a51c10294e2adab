/**
 * Errors are values with codes; each front end maps a code to its own protocol's reply.
 * `detail` carries what makes the message precise (the limit, the name, the room).
 */
export type ChatErrorCode =
  | "ERR_EMPTY_MESSAGE"
  | "ERR_LINE_BREAK_IN_TEXT"
  | "ERR_NOT_IN_ROOM"
  | "ERR_NO_SUCH_ROOM"
  | "ERR_NO_SUCH_USER"
  | "ERR_BAD_NAME"
  | "ERR_MIXED_SCRIPTS"
  | "ERR_NAME_IN_USE"
  | "ERR_NAME_REGISTERED"
  | "ERR_BAD_ROOM_NAME"
  | "ERR_TOO_MANY_ROOMS"
  | "ERR_TOPIC_TOO_LONG"
  | "ERR_HISTORY_TOO_MANY"
  | "ERR_NEED_NAME"
  | "ERR_ALREADY_REGISTERED"
  | "ERR_ALREADY_LOGGED_IN"
  | "ERR_NOT_LOGGED_IN"
  | "ERR_BAD_LOGIN"
  | "ERR_LOGIN_THROTTLED"
  | "ERR_PASSWORD_TOO_SHORT"
  | "ERR_SEARCH_EMPTY"
  | "ERR_HISTORY_OFF"
  | "ERR_HISTORY_PAUSED"
  | "ERR_STORE_UNAVAILABLE"
  | "ERR_NOT_KEPT_FOR_LATER"
  | "ERR_BAD_OPER"
  /** A server operator disconnected the user: `by`, `reason`. */
  | "ERR_KILLED"
  /** Only server operators may do that. */
  | "ERR_NOT_SERVER_OPERATOR"
  | "ERR_INTERNAL"
  /** Only a room's operators may do that; `room`. */
  | "ERR_NOT_OPERATOR"
  /** `name` is not in `room`. */
  | "ERR_USER_NOT_IN_ROOM"
  /** `name` is in `room` already (an invitation). */
  | "ERR_ALREADY_IN_ROOM"
  /** No such mode letter: `mode`, `room`. */
  | "ERR_UNKNOWN_MODE"
  /** A mode's argument is missing or not valid: `room`, `mode`, `reason`. */
  | "ERR_BAD_MODE_ARG"
  /** A key is set already: remove it first; `room`. */
  | "ERR_KEY_SET"
  /** Joining refused: `room`, and `reason` "invite-only", "banned", "key" or "full". */
  | "ERR_CANNOT_JOIN"
  /** Speaking refused: `room`, and `reason` "moderated" or "banned". */
  | "ERR_CANNOT_SPEAK";

export interface ChatError {
  readonly code: ChatErrorCode;
  readonly detail?: Readonly<Record<string, string | number>>;
}

export function chatError(code: ChatErrorCode, detail?: Record<string, string | number>): ChatError {
  return detail === undefined ? { code } : { code, detail };
}
