import type { RoomMaskList } from "../../store/store.js";
import type { CommandContext } from "../command-context.js";
import type { CommandOf } from "../commands.js";
import type { ModeChange } from "../events.js";
import { compileRoomMask, foldRoomMask, MAX_MASK_BYTES, MAX_ROOM_LIST_MASKS, normaliseMask } from "../masks.js";
import { parseRoomName } from "../names.js";
import type { Membership, Room } from "../room.js";
import { sessionsShownAs } from "./shared.js";

/** RFC 2812 §2.2 (keys): at most 23 characters, none of them a space or a control. */
const MAX_KEY_LENGTH = 23;
const FLAG_MODES = {
  i: "isInviteOnly",
  m: "isModerated",
  t: "isTopicLocked",
  s: "isSecret",
  n: "isMembersOnly",
} as const;
/** RFC 2811 §4.3: bans, ban exceptions (lift a ban), invite exceptions (need no invitation). */
const MASK_LISTS: Readonly<Record<string, RoomMaskList>> = { b: "ban", e: "ban-exception", I: "invite-exception" };
const LIST_NOUNS: Readonly<Record<RoomMaskList, string>> = {
  ban: "bans",
  "ban-exception": "ban exceptions",
  "invite-exception": "invite exceptions",
};

/** A list letter without a mask asks for the list. */
function isListRequest(change: ModeChange): boolean {
  return change.arg === undefined && Object.hasOwn(MASK_LISTS, change.mode);
}

/** Shows a room's modes or mask lists, or (operators only) changes them, announcing what changed. */
export async function mode(ctx: CommandContext, command: CommandOf<"mode">): Promise<void> {
  const { hub, session } = ctx;
  const parsed = parseRoomName(command.room);
  const room = "code" in parsed ? undefined : hub.findRoom(parsed.name);
  const isMember = room?.members.has(session) ?? false;
  if (room === undefined || (room.modes.isSecret && !isMember)) {
    ctx.fail("ERR_NO_SUCH_ROOM", { room: command.room });
    return;
  }
  if (command.changes === null) {
    const { key, ...flags } = room.modes;
    ctx.reply({
      kind: "modes",
      room: room.name,
      modes: { ...flags, hasKey: key !== null, key: isMember ? key : null },
      createdAt: room.createdAt,
    });
    return;
  }
  const asked = new Set(command.changes.filter(isListRequest).map((change) => MASK_LISTS[change.mode]));
  for (const list of asked) {
    const masks = room.masks[list].map(({ mask, setBy, setAt }) => ({ mask: mask.mask, setBy, setAt }));
    ctx.reply({ kind: "masks", room: room.name, list, masks });
  }
  if (command.changes.every(isListRequest)) return;
  if (!room.mayModerate(session)) {
    ctx.fail(isMember ? "ERR_NOT_OPERATOR" : "ERR_NOT_IN_ROOM", { room: room.name });
    return;
  }
  const applied: ModeChange[] = [];
  for (const change of command.changes) {
    if (isListRequest(change)) continue;
    const done = applyChange(ctx, room, change);
    if (done !== null) applied.push(done);
  }
  if (applied.length === 0) return;
  const { id, at } = hub.mintId();
  hub.publish({ kind: "mode", id, at, room: room.name, who: session.ref, changes: applied });
  await hub.saveRoom(room);
}

/** Applies one change; what changed comes back (null: nothing did, and the session was told why if it erred). */
function applyChange(ctx: CommandContext, room: Room, change: ModeChange): ModeChange | null {
  const { mode: letter, on, arg } = change;
  const modes = room.modes;
  switch (letter) {
    case "o":
    case "v":
      return applyStanding(ctx, room, change);
    case "i":
    case "m":
    case "t":
    case "s":
    case "n": {
      const field = FLAG_MODES[letter];
      if (modes[field] === on) return null;
      modes[field] = on;
      return { mode: letter, on };
    }
    case "k": {
      if (!on) {
        if (modes.key === null) return null;
        modes.key = null;
        return { mode: "k", on: false, arg: "*" };
      }
      if (arg === undefined || !isValidKey(arg)) {
        const reason = "a key is 1 to 23 characters, with no spaces, commas or control characters";
        ctx.fail("ERR_BAD_MODE_ARG", { room: room.name, mode: "k", reason });
        return null;
      }
      if (modes.key !== null && modes.key !== arg) {
        ctx.fail("ERR_KEY_SET", { room: room.name });
        return null;
      }
      if (modes.key === arg) return null;
      modes.key = arg;
      return { mode: "k", on: true, arg };
    }
    case "l": {
      if (!on) {
        if (modes.limit === null) return null;
        modes.limit = null;
        return { mode: "l", on: false };
      }
      const limit = arg !== undefined && /^[0-9]{1,9}$/.test(arg) ? Number(arg) : 0;
      if (limit <= 0) {
        ctx.fail("ERR_BAD_MODE_ARG", { room: room.name, mode: "l", reason: "a limit is a number above 0" });
        return null;
      }
      if (modes.limit === limit) return null;
      modes.limit = limit;
      return { mode: "l", on: true, arg: String(limit) };
    }
    case "b":
    case "e":
    case "I":
      return applyMask(ctx, room, change);
    default:
      ctx.fail("ERR_UNKNOWN_MODE", { room: room.name, mode: letter });
      return null;
  }
}

function applyStanding(ctx: CommandContext, room: Room, change: ModeChange): ModeChange | null {
  const name = change.arg;
  if (name === undefined || name === "") {
    ctx.fail("ERR_BAD_MODE_ARG", { room: room.name, mode: change.mode, reason: "whose? a name is needed" });
    return null;
  }
  const sessions = sessionsShownAs(ctx.hub, name);
  if (sessions.length === 0) {
    ctx.fail("ERR_NO_SUCH_USER", { name });
    return null;
  }
  const members = sessions.filter((session) => room.members.has(session));
  if (members.length === 0) {
    ctx.fail("ERR_USER_NOT_IN_ROOM", { name, room: room.name });
    return null;
  }
  const field = change.mode === "o" ? "isOperator" : "isVoiced";
  let isChanged = false;
  for (const member of members) {
    const membership = room.members.get(member);
    if (membership === undefined || membership[field] === change.on) continue;
    membership[field] = change.on;
    isChanged = true;
  }
  const member = members[0];
  const membership = room.members.get(member);
  if (isChanged && member.account !== null && membership !== undefined) {
    grantStanding(room, member.account, membership);
  }
  return isChanged ? { mode: change.mode, on: change.on, arg: member.ref.displayName, member: member.ref } : null;
}

/** What an operator gave an account (never a guest, whose identity ends with its session) is given back on every join. */
function grantStanding(room: Room, account: string, { isOperator, isVoiced }: Membership): void {
  if (isOperator || isVoiced) room.grantedStandings.set(account, { isOperator, isVoiced });
  else room.grantedStandings.delete(account);
}

function applyMask(ctx: CommandContext, room: Room, change: ModeChange): ModeChange | null {
  const list = MASK_LISTS[change.mode];
  const masks = room.masks[list];
  const mask = normaliseMask(change.arg ?? "");
  const index = masks.findIndex((listed) => foldRoomMask(listed.mask.mask) === foldRoomMask(mask));
  if (!change.on) {
    if (index === -1) return null;
    const [removed] = masks.splice(index, 1);
    return { mode: change.mode, on: false, arg: removed.mask.mask };
  }
  if (index !== -1) return null;
  if (HAS_SPACE_OR_CONTROL.test(mask)) {
    // Shown to members in every MODE line and list: it must be drawable as it is, on any client.
    const reason = "a mask has no spaces or control characters";
    ctx.fail("ERR_BAD_MODE_ARG", { room: room.name, mode: change.mode, reason });
    return null;
  }
  if (Buffer.byteLength(mask) > MAX_MASK_BYTES) {
    const reason = `a mask is at most ${MAX_MASK_BYTES} bytes`;
    ctx.fail("ERR_BAD_MODE_ARG", { room: room.name, mode: change.mode, reason });
    return null;
  }
  if (masks.length >= MAX_ROOM_LIST_MASKS) {
    const reason = `at most ${MAX_ROOM_LIST_MASKS} ${LIST_NOUNS[list]}`;
    ctx.fail("ERR_BAD_MODE_ARG", { room: room.name, mode: change.mode, reason });
    return null;
  }
  masks.push({ mask: compileRoomMask(mask), setBy: ctx.session.displayName, setAt: Date.now() });
  return { mode: change.mode, on: true, arg: mask };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is refused.
const HAS_SPACE_OR_CONTROL = /[\x00-\x20\x7f-\x9f]/;

/** RFC 2812's key grammar, and no comma: an IRC JOIN lists keys with commas, so such a key could never be given. */
function isValidKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_KEY_LENGTH && !HAS_SPACE_OR_CONTROL.test(key) && !key.includes(",");
}
