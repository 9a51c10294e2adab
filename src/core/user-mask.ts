import type { UserRef } from "./events.js";

/** A user as `name!*@IP`, for a server whose front ends show no masks: a ban on a name or on an address still matches. */
export function userMaskOfAddress(ref: UserRef): string {
  return `${ref.name ?? ref.guestName}!*@${ipOf(ref.address)}`;
}

/** The IP of "IP:PORT" or "[IPv6]:PORT". */
export function ipOf(address: string): string {
  if (address.startsWith("[")) return address.slice(1, address.indexOf("]"));
  const colon = address.lastIndexOf(":");
  return colon === -1 ? address : address.slice(0, colon);
}
