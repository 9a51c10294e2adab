import type { UserRef } from "./events.js";

/**
 * A user as `name!*@IP`, for a server whose front ends show no masks: a ban on a name or on
 * an address still matches. The IP of "IP:PORT" or "[IPv6]:PORT".
 */
export function userMaskOfAddress(ref: UserRef): string {
  const { address } = ref;
  const colon = address.lastIndexOf(":");
  const ip = address.startsWith("[")
    ? address.slice(1, address.indexOf("]"))
    : colon === -1
      ? address
      : address.slice(0, colon);
  return `${ref.name ?? ref.guestName}!*@${ip}`;
}
