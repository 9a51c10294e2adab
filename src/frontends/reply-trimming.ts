import { EVERYTHING_READABLE } from "../core/commands.js";
import type { HistoryItem, Reply } from "../core/events.js";

type HistoryReply = Extract<Reply, { kind: "history" }>;
type SearchReply = Extract<Reply, { kind: "search" }>;

/**
 * A history reply without a quarter of its oldest items; null when one is left. Its request
 * for older items then starts before the first item shown, a page of as many as are left;
 * left-out items are counted where the reply counted them.
 */
export function fewerHistoryItems(reply: HistoryReply): HistoryReply | null {
  const isGap = (item: HistoryItem): boolean => item.kind === "gap";
  let kept = reply.items.length - Math.ceil(reply.items.length / 4);
  // A gap in history has no id to page from, and the older page, which reaches up to the
  // entry after it, shows it again: it goes with what is left out.
  while (kept > 0 && isGap(reply.items[reply.items.length - kept])) kept--;
  if (reply.items.length <= 1 || kept === 0) return null;
  const items = reply.items.slice(reply.items.length - kept);
  const dropped = reply.items.slice(0, reply.items.length - kept).filter((item) => !isGap(item)).length;
  const isCounted = reply.older === null || reply.more > 0;
  const older = {
    where: reply.older?.where ?? (reply.reason === "missed" ? EVERYTHING_READABLE : reply.where),
    limit: items.filter((item) => !isGap(item)).length,
    before: items[0].id,
    after: reply.older?.after ?? reply.after ?? "",
  };
  return { ...reply, items, more: isCounted ? reply.more + dropped : 0, older };
}

/** Search results, newest first, without a quarter of the oldest; the next page starts below the last shown. */
export function fewerSearchResults(reply: SearchReply): SearchReply | null {
  if (reply.items.length <= 1) return null;
  const items = reply.items.slice(0, reply.items.length - Math.ceil(reply.items.length / 4));
  return { ...reply, items, older: items[items.length - 1].id };
}
