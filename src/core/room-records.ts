import type { RoomMaskList, RoomRecord, StoredRoomMask } from "../store/store.js";
import { compileRoomMask } from "./masks.js";
import type { Room } from "./room.js";

const MASK_LISTS: readonly RoomMaskList[] = ["ban", "ban-exception", "invite-exception"];

/** What the store keeps of a room: all but its members and invitations, which last only as long as a run. */
export function roomRecord(room: Room): RoomRecord {
  const masks: StoredRoomMask[] = MASK_LISTS.flatMap((list) =>
    room.masks[list].map(({ mask, setBy, setAt }) => ({ list, mask: mask.mask, setBy, setAt })),
  );
  return {
    ...{ name: room.name, topic: room.topic, topicBy: room.topicBy, topicAt: room.topicAt },
    ...{ createdAt: room.createdAt, founder: room.founder, modes: { ...room.modes }, masks },
    standings: [...room.grantedStandings].map(([account, standing]) => ({ account, ...standing })),
  };
}

/** Gives a room just made what the store kept of it. */
export function restoreRoomState(room: Room, record: RoomRecord): void {
  room.topic = record.topic;
  room.topicBy = record.topicBy;
  room.topicAt = record.topicAt;
  // Rooms stored before creation times were kept have none: the restart is the best known.
  if (record.createdAt > 0) room.createdAt = record.createdAt;
  room.founder = record.founder;
  room.isStored = true;
  // A room nobody founded keeps only its topic: its modes and lists were set by whoever held
  // it in that run, who holds nothing now; kept, they could bar everyone from it for good.
  if (record.founder === null) return;
  Object.assign(room.modes, record.modes);
  for (const { list, mask, setBy, setAt } of record.masks) {
    room.masks[list].push({ mask: compileRoomMask(mask), setBy, setAt });
  }
  for (const { account, isOperator, isVoiced } of record.standings) {
    room.grantedStandings.set(account, { isOperator, isVoiced });
  }
}
