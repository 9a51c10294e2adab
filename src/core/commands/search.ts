import type { CommandOf } from "../commands.js";
import type { Hub } from "../hub.js";
import type { Session } from "../session.js";
import { toHistoryItem } from "./shared.js";

const SEARCH_RESULTS = 20;

/** Full-text search over what the session may read: its rooms and its own direct messages. */
export async function search(hub: Hub, session: Session, command: CommandOf<"search">): Promise<void> {
  const store = hub.store;
  if (store === null) {
    hub.fail(session, "ERR_HISTORY_OFF", { what: "search" });
    return;
  }
  const query = command.query.trim();
  if (!/[\p{L}\p{N}]/u.test(query)) {
    hub.fail(session, "ERR_SEARCH_EMPTY");
    return;
  }
  await hub.settled();
  const rooms = session.roomNames();
  let entries: Awaited<ReturnType<typeof store.search>>;
  try {
    entries = await store.search(query, rooms, session.identityKey, SEARCH_RESULTS);
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_SEARCH_EMPTY") {
      hub.fail(session, "ERR_SEARCH_EMPTY");
      return;
    }
    throw error;
  }
  hub.reply(session, {
    kind: "search",
    query,
    items: entries.map((entry) => toHistoryItem(entry, session.identityKey)),
    limit: SEARCH_RESULTS,
  });
}
