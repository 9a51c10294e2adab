import type { HistoryEntry } from "../store/store.js";
import type { Session } from "./session.js";

/** What history keeps of an event `sender` caused: its name and identity as they were then. */
export function historyEntry(
  id: string,
  at: number,
  kind: HistoryEntry["kind"],
  target: string,
  sender: Session,
  recipientKey: string | null,
  text: string,
): HistoryEntry {
  return { id, at, kind, target, sender: sender.displayName, senderKey: sender.identityKey, recipientKey, text };
}
