import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import * as N from "../numerics.js";

/** RFC 2812 §3.2.1: several channels at once, each with its key in turn; "JOIN 0" leaves every channel. */
export function join(session: IrcSession, message: IrcMessage): void {
  const channels = message.params[0] as string;
  const keys = (message.params[1] ?? "").split(",");
  if (channels === "0") {
    for (const room of [...session.channels]) session.run({ kind: "part", room, reason: "" });
    return;
  }
  // A client that reads history itself (draft/chathistory) is not replayed any on join.
  const replay = session.caps.isEnabled("draft/chathistory") ? 0 : session.frontEnd.options.joinReplay;
  for (const [index, channel] of channels.split(",").entries()) {
    if (channel === "") continue;
    if (!channel.startsWith("#")) {
      session.numeric(N.ERR_NOSUCHCHANNEL, channel, "No such channel");
      continue;
    }
    const request = session.request;
    if (request !== null) request.target = channel;
    session.run({ kind: "join", room: channel, replay, key: keys[index] ?? "" });
  }
}

/** RFC 2812 §3.2.2. */
export function part(session: IrcSession, message: IrcMessage): void {
  const [channels, reason = ""] = message.params as [string, string?];
  for (const channel of channels.split(",")) {
    if (channel === "") continue;
    const request = session.request;
    if (request !== null) request.target = channel;
    session.run({ kind: "part", room: channel, reason });
  }
}

/** RFC 2812 §3.2.4: shows the topic, or sets it (an empty text clears it). */
export function topic(session: IrcSession, message: IrcMessage): void {
  const [room, text] = message.params as [string, string?];
  const request = session.request;
  if (request !== null) request.target = room;
  session.run({ kind: "topic", room, topic: text ?? null });
}

/** RFC 2812 §3.2.5: the members of one channel; without one, only the end of the list. */
export function names(session: IrcSession, message: IrcMessage): void {
  const channel = message.params[0]?.split(",")[0];
  if (channel === undefined || channel === "") {
    session.numeric(N.RPL_ENDOFNAMES, "*", "End of /NAMES list");
    return;
  }
  const request = session.request;
  if (request !== null) request.target = channel;
  session.run({ kind: "who", room: channel });
}

/** RFC 2812 §3.2.6: every room, or those named. */
export function list(session: IrcSession, message: IrcMessage): void {
  const request = session.request;
  if (request !== null) request.target = message.params[0] ?? "";
  session.run({ kind: "rooms" });
}
