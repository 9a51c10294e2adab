import type { ChatError } from "../../core/errors.js";
import type { RoomEvent } from "../../core/events.js";
import { toTerminalText } from "../../text/terminal-text.js";

/**
 * The original protocol's text, word for word: `> ` for arrivals, `< ` for departures,
 * `[name] text` for messages. `! ` marks what Parley adds (errors, shutdown).
 */

/** "1 user online", "2 users online"; the original says "user" below 2, so also "0 user online". */
export function usersOnline(count: number): string {
  return count >= 2 ? `${count} users online` : `${count} user online`;
}

export function renderWelcome(members: number): Buffer {
  return Buffer.from(`> Connected to the chat server (${usersOnline(members)})\n`);
}

export const SHUTDOWN_LINE: Buffer = Buffer.from("! The server is shutting down.\n");

/**
 * A room event as every member but its subject sees it. Fan-out asks for the same
 * event once per recipient, so the last rendering is kept: the text is built and
 * encoded once per event, not once per recipient.
 */
let lastEvent: RoomEvent | null = null;
let lastRendering: Buffer = Buffer.alloc(0);

export function renderRoomEvent(event: RoomEvent): Buffer {
  if (event === lastEvent) return lastRendering;
  lastRendering = Buffer.from(renderRoomEventText(event));
  lastEvent = event;
  return lastRendering;
}

function renderRoomEventText(event: RoomEvent): string {
  switch (event.kind) {
    case "message":
      return `[${toTerminalText(event.from.displayName)}] ${toTerminalText(event.text)}\n`;
    case "joined":
      return `> New user ${toTerminalText(event.who.displayName)} entered. (${usersOnline(event.members)})\n`;
    case "left":
      return `< The user ${toTerminalText(event.who.displayName)} left. (${usersOnline(event.members)})\n`;
  }
}

export function renderError(error: ChatError): Buffer {
  return Buffer.from(`! ${errorText(error)}\n`);
}

function errorText(error: ChatError): string {
  const detail = error.detail ?? {};
  switch (error.code) {
    case "ERR_LINE_TOO_LONG":
      return `Line too long (${detail.bytes} bytes; the limit is ${detail.limit}): it was not sent.`;
    case "ERR_INVALID_UTF8":
      return "That line was not valid UTF-8: it was not sent.";
    case "ERR_NOT_IN_ROOM":
      return `You are not in ${detail.room}.`;
    case "ERR_EMPTY_MESSAGE":
      return "Empty message: nothing was sent.";
  }
}
