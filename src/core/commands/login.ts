import { setTimeout } from "node:timers/promises";
import type { HistoryEntry } from "../../store/store.js";
import type { CommandContext } from "../command-context.js";
import { type CommandOf, EVERYTHING_READABLE } from "../commands.js";
import { timeOfId } from "../message-id.js";
import { identityKey } from "../names.js";
import { hashPassword, verifyPassword } from "../passwords.js";
import { toHistoryItems, withHistoryGaps } from "./shared.js";

/** Most characters of an account name a log line carries. */
const MAX_LOGGED_NAME = 64;

/** Compared against when the account does not exist, so a miss takes as long as a wrong password. */
let decoyHash: Promise<string> | null = null;

/**
 * Logs in: takes the account's name, rejoins its rooms, then replays everything it
 * missed since the last event delivered to it, in order.
 */
export async function login(ctx: CommandContext, command: CommandOf<"login">): Promise<void> {
  const { hub, session } = ctx;
  const store = hub.store;
  if (store === null) {
    ctx.fail("ERR_HISTORY_OFF", { what: "accounts" });
    return;
  }
  if (session.account !== null) {
    ctx.fail("ERR_ALREADY_LOGGED_IN", { name: session.displayName });
    return;
  }
  const asked = command.name.normalize("NFC");
  const key = identityKey(asked);
  const retryAfter = await hub.loginThrottle.admit(session.address, key);
  // The account as asked for, cut short: a guesser chooses what it is and how long.
  const account = asked.slice(0, MAX_LOGGED_NAME);
  if (retryAfter > 0) {
    // At debug: a guesser decides how many of these there are, and what the name says.
    hub.log.debug(
      { event: "login-throttled", peer: session.address, account, retryAfterMs: retryAfter },
      "login refused",
    );
    ctx.fail("ERR_LOGIN_THROTTLED", { seconds: Math.ceil(retryAfter / 1000) });
    return;
  }
  const stored = await store.findAccount(key);
  decoyHash ??= hashPassword("decoy password, never matches");
  const isValid = await verifyPassword(command.password, stored?.passwordHash ?? (await decoyHash));
  if (stored === null || !isValid) {
    // The account is named only if there is one: a name that is none may be a password typed
    // in the wrong place.
    hub.log.info({ event: "login-failed", peer: session.address, account: stored?.name ?? null }, "failed login");
    // The session's next commands wait behind this one, so its next guess waits too.
    await setTimeout(hub.loginThrottle.failed(key), undefined, { ref: false });
    ctx.fail("ERR_BAD_LOGIN");
    return;
  }
  await hub.loginThrottle.succeeded(session.address, key);
  if (!hub.isOnline(session)) return;
  if (hub.isNameHeldByOther(session, key)) {
    ctx.fail("ERR_NAME_IN_USE", { name: stored.name });
    return;
  }
  // Where this session already was before logging in, it has seen everything since it joined.
  const seenLiveAfter = new Map(
    [...session.rooms].map((room) => [room.name, room.members.get(session)?.joinedAfter ?? ""]),
  );
  session.account = key;
  hub.rename(session, stored.name, key);
  const rooms = await store.accountRooms(key);
  // Rooms joined before logging in are the account's from now on, as those joined after are,
  // as far as the account has room for them.
  const roomsBefore = [...session.rooms].filter((room) => !rooms.includes(room.name));
  const roomsLeft = Math.max(0, hub.options.maxRoomsPerUser - rooms.length);
  for (const room of roomsBefore.slice(0, roomsLeft)) await store.addAccountRoom(key, room.name);
  for (const name of rooms) {
    const joined = hub.joinRoom(session, name);
    if ("code" in joined) ctx.failWith(joined);
  }
  ctx.reply({ kind: "logged-in", name: stored.name, rooms: session.roomNames() });
  // A client that has gone sees no replay: the account's place stays where it was.
  if (session.isClientGone) session.isCursorKept = false;
  else await replayMissed(ctx, key, seenLiveAfter);
}

async function replayMissed(ctx: CommandContext, key: string, seenLiveAfter: Map<string, string>): Promise<void> {
  const { hub, session } = ctx;
  const store = hub.store;
  if (store === null) return;
  // Another session of the account online has shown it everything up to its place.
  const cursor = hub.catchUpCursorOf(key, session) ?? (await store.deliveryCursor(key));
  if (cursor === "") return;
  const rooms = session.roomNames();
  const missed = await store.missedSince(cursor, rooms, key, hub.options.missedReplayCap);
  const isUnseen = (entry: HistoryEntry): boolean => {
    const joinedAfter = entry.recipientKey === null ? seenLiveAfter.get(entry.target) : undefined;
    return joinedAfter === undefined || entry.id <= joinedAfter;
  };
  const unseen = toHistoryItems(hub, missed.entries.filter(isUnseen), key);
  // The spans history missed, among what is shown: from the oldest entry shown when older ones are left to later
  // pages (those pages show theirs), else from the account's place.
  const sinceAt = missed.more > 0 && missed.entries.length > 0 ? missed.entries[0].at : timeOfId(cursor);
  const items = await withHistoryGaps(hub, unseen, sinceAt, Date.now());
  if (!hub.isOnline(session) || (items.length === 0 && missed.more === 0)) return;
  // What is not shown is everything the account may read between its place and the first
  // entry shown: `/history *` pages through it, a page at a time, no further back than the place.
  const oldestRead = missed.entries[0]?.id;
  const older =
    missed.more === 0 || oldestRead === undefined
      ? null
      : { where: EVERYTHING_READABLE, limit: hub.options.maxHistoryRequest, before: oldestRead, after: cursor };
  ctx.reply({ kind: "history", reason: "missed", where: "", items, more: missed.more, older, after: cursor });
}
