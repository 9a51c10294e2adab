import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import { toHistoryItems } from "./shared.js";

const SEARCH_RESULTS = 20;

/**
 * Full-text search over what the session may read: its rooms and its own direct messages,
 * newest first, a page at a time; the reply says where the next page starts.
 */
export async function search(ctx: CommandContext, command: CommandOf<"search">): Promise<void> {
  const { hub, session } = ctx;
  const store = hub.store;
  if (store === null) {
    ctx.fail("ERR_HISTORY_OFF", { what: "search" });
    return;
  }
  const query = command.query.trim();
  if (!/[\p{L}\p{N}]/u.test(query)) {
    ctx.fail("ERR_SEARCH_EMPTY");
    return;
  }
  await hub.settled();
  const rooms = session.roomNames();
  let entries: Awaited<ReturnType<typeof store.search>>;
  try {
    // One more than a page says whether there is another.
    entries = await store.search(query, rooms, session.identityKey, SEARCH_RESULTS + 1, command.before);
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_SEARCH_EMPTY") {
      ctx.fail("ERR_SEARCH_EMPTY");
      return;
    }
    throw error;
  }
  const page = entries.slice(0, SEARCH_RESULTS);
  ctx.reply({
    kind: "search",
    query,
    items: toHistoryItems(hub, page, session.identityKey),
    older: entries.length > SEARCH_RESULTS ? (page.at(-1)?.id ?? null) : null,
  });
}
