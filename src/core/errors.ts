/**
 * Errors are values with codes; each front end maps a code to its protocol's reply.
 */
export type ChatErrorCode = "ERR_LINE_TOO_LONG" | "ERR_INVALID_UTF8" | "ERR_NOT_IN_ROOM" | "ERR_EMPTY_MESSAGE";

export interface ChatError {
  readonly code: ChatErrorCode;
  /** Numbers or names that make the message precise (the limit, the room). */
  readonly detail?: Readonly<Record<string, string | number>>;
}
