import type { ChatError } from "../../core/errors.js";

/**
 * What only the line protocol refuses: its framing, its commands' spelling and its flood
 * farewell. The core's errors are every front end's; these are this one's.
 */
export type LineErrorCode =
  | "ERR_LINE_TOO_LONG"
  | "ERR_INVALID_UTF8"
  | "ERR_UNKNOWN_COMMAND"
  | "ERR_USAGE"
  | "ERR_FLOOD";

export interface LineError {
  readonly code: LineErrorCode;
  readonly detail?: Readonly<Record<string, string | number>>;
}

/** What a line user can be told went wrong: the core's refusal, or the line protocol's own. */
export type ShownError = ChatError | LineError;
