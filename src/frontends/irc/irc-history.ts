import type { ChatError } from "../../core/errors.js";
import type { HistoryItem, Reply } from "../../core/events.js";
import { actionText, tagsFor, VARIANT_MESSAGE_TAGS, VARIANT_SERVER_TIME } from "./irc-render.js";
import type { IrcSession } from "./irc-session.js";
import { batchClose, batchEnds, formatIrcMessage, ircText } from "./message.js";

type HistoryReply = Extract<Reply, { kind: "history" }>;
type ConversationsReply = Extract<Reply, { kind: "conversations" }>;

/** A line of history, before its tags. */
interface HistoryLine {
  source: string;
  command: string;
  params: string[];
}

let nextBatchId = 1;

function newBatchId(): string {
  return `h${(nextBatchId++).toString(36)}`;
}

/**
 * History for a client that does not fetch its own: each message as the PRIVMSG it was, in a
 * `chathistory` batch and with its time (server-time) when the client takes them, else with
 * the time written in front of the text. The whole reply is kept to half the send queue.
 */
export function drawHistory(session: IrcSession, reply: HistoryReply): void {
  if (reply.after !== undefined) session.noteCatchUp(reply.after);
  const target = reply.where === "" ? session.nick : reply.where;
  session.sendBytes(session.historyWithinQueue(reply, (fitted) => renderHistory(session, fitted, target, false)));
}

/**
 * IRCv3 chathistory: the page asked for, in a `chathistory` batch named for the target as
 * the client wrote it. With draft/event-playback, topics, joins and parts are in it too.
 */
export function drawChathistory(session: IrcSession, reply: HistoryReply): void {
  const asked = session.request?.target || reply.where;
  const isEventPlayback = session.caps.isEnabled("draft/event-playback");
  session.sendBytes(
    session.historyWithinQueue(reply, (fitted) => renderHistory(session, fitted, asked, isEventPlayback)),
  );
}

/**
 * IRCv3 chathistory TARGETS: a `draft/chathistory-targets` batch of
 * `CHATHISTORY TARGETS <target> <time of its latest message>`.
 */
export function drawChathistoryTargets(session: IrcSession, reply: ConversationsReply): void {
  const server = session.frontEnd.options.serverName;
  const hasBatch = session.caps.isEnabled("batch");
  const batchId = newBatchId();
  const inBatch = hasBatch ? new Map([["batch", batchId]]) : null;
  const lines: Buffer[] = [];
  if (hasBatch) {
    lines.push(batchEnds(server, batchId, "draft/chathistory-targets").open);
  }
  for (const { name, lastAt } of reply.conversations) {
    lines.push(
      formatIrcMessage({
        tags: inBatch,
        source: server,
        command: "CHATHISTORY",
        params: ["TARGETS", name, new Date(lastAt).toISOString()],
      }),
    );
  }
  if (hasBatch) {
    lines.push(batchClose(server, batchId));
  }
  session.sendBytes(Buffer.concat(lines));
}

/** What the core refused a CHATHISTORY for, as IRCv3 standard replies ("Errors" of the chathistory spec). */
export function chathistoryError(session: IrcSession, error: ChatError): void {
  const request = session.request;
  const subcommand = request?.detail || "*";
  const target = request?.target || "*";
  switch (error.code) {
    case "ERR_NOT_IN_ROOM":
    case "ERR_NO_SUCH_ROOM":
    case "ERR_BAD_ROOM_NAME":
    case "ERR_NO_SUCH_USER":
    case "ERR_BAD_NAME":
      session.fail("CHATHISTORY", "INVALID_TARGET", [subcommand, target], "Messages could not be retrieved");
      return;
    case "ERR_HISTORY_TOO_MANY":
      session.fail("CHATHISTORY", "INVALID_PARAMS", [subcommand], "Too many messages asked for");
      return;
    default:
      session.fail("CHATHISTORY", "MESSAGE_ERROR", [subcommand, target], "Messages could not be retrieved");
  }
}

function renderHistory(session: IrcSession, reply: HistoryReply, target: string, isEventPlayback: boolean): Buffer {
  const hasBatch = session.caps.isEnabled("batch");
  const hasTime = session.caps.isEnabled("server-time");
  const variant = session.variant & (VARIANT_SERVER_TIME | VARIANT_MESSAGE_TAGS);
  const server = session.frontEnd.options.serverName;
  const lines: Buffer[] = [];
  const batchId = newBatchId();
  if (hasBatch) {
    lines.push(batchEnds(server, batchId, "chathistory", [target]).open);
  }
  for (const item of reply.items) {
    const line = historyLine(session, item, hasTime, isEventPlayback);
    if (line === null) continue;
    const tags = tagsFor(item, variant) ?? new Map<string, string>();
    if (hasBatch) tags.set("batch", batchId);
    lines.push(formatIrcMessage({ tags: tags.size === 0 ? null : tags, ...line }));
  }
  if (hasBatch) {
    lines.push(batchClose(server, batchId));
  }
  return Buffer.concat(lines);
}

/** One item as the line it was sent as; null for what this client is not shown. */
function historyLine(
  session: IrcSession,
  item: HistoryItem,
  hasTime: boolean,
  isEventPlayback: boolean,
): HistoryLine | null {
  const stamp = hasTime ? "" : `[${new Date(item.at).toISOString().slice(0, 16).replace("T", " ")}Z] `;
  switch (item.kind) {
    case "gap": {
      const from = new Date(item.at).toISOString();
      const to = new Date(item.until ?? item.at).toISOString();
      return {
        source: session.frontEnd.options.serverName,
        command: "NOTICE",
        params: [session.nick, `History was not kept from ${from} to ${to} (${item.text.replace("-", " ")})`],
      };
    }
    case "joined":
      return isEventPlayback ? { source: session.historySource(item), command: "JOIN", params: [item.where] } : null;
    case "left":
      if (!isEventPlayback) return null;
      return {
        source: session.historySource(item),
        command: "PART",
        params: item.text === "" ? [item.where] : [item.where, ircText(item.text)],
      };
    case "topic":
      return isEventPlayback
        ? { source: session.historySource(item), command: "TOPIC", params: [item.where, ircText(item.text)] }
        : null;
    case "message":
    case "action":
      break;
  }
  // History kept before line breaks were refused may hold one: it must not end a line here.
  const said = ircText(item.text);
  const text = item.kind === "action" ? actionText(`${stamp}${said}`) : `${stamp}${said}`;
  if (item.sentByViewer === null)
    return { source: session.historySource(item), command: "PRIVMSG", params: [item.where, text] };
  if (item.sentByViewer) {
    return {
      source: session.frontEnd.users.maskOf(session.ref),
      command: "PRIVMSG",
      params: [item.guestWhere ?? item.where, text],
    };
  }
  return { source: session.historySource(item), command: "PRIVMSG", params: [session.nick, text] };
}
