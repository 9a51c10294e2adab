import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";

/** RFC 2812 §3.7.2: answered at once, before or after registration. */
export function ping(session: IrcSession, message: IrcMessage): void {
  const { serverName } = session.frontEnd.options;
  session.sendLine(serverName, "PONG", [serverName, message.params[0] as string]);
}

/** Any line shows the client is alive (the session notes it); a PONG needs nothing more. */
export function pong(): void {}

/** RFC 2812 §3.1.7: the others see one QUIT with the reason; the client gets an ERROR and the close. */
export function quit(session: IrcSession, message: IrcMessage): void {
  session.run({ kind: "quit", reason: message.params[0] ?? "" });
}
