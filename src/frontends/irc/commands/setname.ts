import { MAX_TOPIC_LENGTH } from "../../../core/names.js";
import { tagsFor } from "../irc-render.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import { keptParam, PreparedIrcMessage } from "../message.js";

/**
 * IRCv3 setname: `SETNAME :real name`. The real name is IRC's alone (kept with the user's
 * USER details), so the change goes to this front end's clients that negotiated setname and
 * share a channel with the user, and back to the user as confirmation.
 */
export function setname(session: IrcSession, message: IrcMessage): void {
  const realName = message.params[0] ?? "";
  if (realName === "" || [...realName].length > MAX_TOPIC_LENGTH) {
    session.fail("SETNAME", "INVALID_REALNAME", [], "Real name is empty or too long");
    return;
  }
  const frontEnd = session.frontEnd;
  frontEnd.users.setRealName(session.ref.sessionId, keptParam(realName));
  const line = new PreparedIrcMessage({
    source: frontEnd.users.maskOf(session.ref),
    command: "SETNAME",
    params: [realName],
  });
  if (session.caps.isEnabled("setname"))
    session.sendBytes(line.format(tagsFor({ kind: "setname", at: Date.now() }, session.variant, session.ref)));
  // Formatted once per variant in use, as shared events are.
  const byVariant = new Map<number, Buffer>();
  const at = Date.now();
  for (const other of frontEnd.sessions) {
    if (other === session || !other.caps.isEnabled("setname")) continue;
    if (!other.channels.some((channel) => session.isInChannel(channel))) continue;
    const variant = other.variant;
    let bytes = byVariant.get(variant);
    if (bytes === undefined) {
      bytes = line.format(tagsFor({ kind: "setname", at }, variant, session.ref));
      byVariant.set(variant, bytes);
    }
    other.sendBytes(bytes);
  }
  frontEnd.monitors.tellWatchers(session.ref, [...session.channels], "setname", (watcher) =>
    watcher.sendBytes(line.format(tagsFor({ kind: "setname", at }, watcher.variant, session.ref))),
  );
}
