/** Every server kind the bench knows, by id. */
import type { ServerId } from "../lib/plan.js";
import { ceiling } from "./ceiling.js";
import type { ServerKind } from "./kind.js";
import { naive } from "./naive.js";
import { ngircd } from "./ngircd.js";
import { parley } from "./parley.js";
import { parleyIrc } from "./parley-irc.js";
import { parleyNoHistory } from "./parley-nohist.js";
import { parleyIrcWs, parleyWs } from "./parley-web.js";

const SERVER_KINDS: Record<ServerId, ServerKind> = {
  parley,
  "parley-nohist": parleyNoHistory,
  naive,
  ceiling,
  "parley-irc": parleyIrc,
  ngircd,
  "parley-ws": parleyWs,
  "parley-irc-ws": parleyIrcWs,
};

export function serverKinds(ids: ServerId[]): ServerKind[] {
  return ids.map((id) => SERVER_KINDS[id]);
}

export function serverLabel(id: ServerId): string {
  return SERVER_KINDS[id].label;
}

export function isIrcServer(id: ServerId): boolean {
  return SERVER_KINDS[id].protocol === "irc";
}

export function isWebSocketServer(id: ServerId): boolean {
  const { protocol } = SERVER_KINDS[id];
  return protocol === "ws" || protocol === "irc-ws";
}
