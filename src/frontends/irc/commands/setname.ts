import { MAX_TOPIC_LENGTH } from "../../../core/names.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";
import { keptParam } from "../message.js";

/**
 * IRCv3 setname: `SETNAME :real name`. The core tells those who share a channel with the
 * user (the clients of theirs that negotiated setname) and the user, as confirmation, in
 * the order of everything else the user sent: a message sent before it arrives before it.
 */
export function setname(session: IrcSession, message: IrcMessage): void {
  const realName = message.params[0] ?? "";
  if (realName === "" || [...realName].length > MAX_TOPIC_LENGTH) {
    session.fail("SETNAME", "INVALID_REALNAME", [], "Real name is empty or too long");
    return;
  }
  session.run({ kind: "real-name", realName: keptParam(realName) });
}
