/**
 * Which of SQLite's failures are the disk's or the file's (full, failing, read-only), and
 * so no fault of the program: those become `StoreWriteError`s, which pause history rather
 * than count as bugs.
 */
import { type StoreFailureReason, StoreWriteError } from "./store.js";

/** Runs a write, turning SQLite's failures of the disk or the file into `StoreWriteError`s. */
export function write<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw asStoreWriteError(error);
  }
}

/** Failures of the disk or the file become `StoreWriteError`s; anything else (a mistake in the code) is kept as it is. */
export function asStoreWriteError(error: unknown): unknown {
  if (error instanceof StoreWriteError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" ? failureReasonOf(code) : null;
  return reason === null ? error : new StoreWriteError(reason, { cause: error });
}

/** SQLite result codes, primary or extended ("SQLITE_IOERR_WRITE"), that no change to the code could avoid. */
function failureReasonOf(code: string): StoreFailureReason | null {
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0];
  switch (primary) {
    case "SQLITE_FULL":
      return "disk-full";
    case "SQLITE_IOERR":
    case "SQLITE_CORRUPT":
    case "SQLITE_NOTADB":
    case "SQLITE_CANTOPEN":
      return "disk-error";
    case "SQLITE_READONLY":
      return "read-only";
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
    case "SQLITE_NOMEM":
      return "store-error";
    default:
      return null;
  }
}
