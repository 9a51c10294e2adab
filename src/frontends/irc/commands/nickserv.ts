import { NICKSERV, nickServSays } from "../irc-replies.js";
import type { IrcSession } from "../irc-session.js";
import type { IrcMessage } from "../message.js";

/**
 * The account services IRC users expect (Atheme's and Anope's NickServ, as far as clients
 * script them): IDENTIFY and REGISTER, mapped to the core's login and register. Accounts
 * are Parley's own, the same whichever front end made them. Reached by
 * `PRIVMSG NickServ :...` and by the `NICKSERV`/`NS` commands clients alias.
 */
export function nickServ(session: IrcSession, message: IrcMessage): void {
  askNickServ(session, message.params.join(" "));
}

/** Whether a PRIVMSG target is NickServ: its name is reserved, so nobody else holds it. */
export function isNickServ(target: string): boolean {
  return target.toLowerCase() === NICKSERV.toLowerCase();
}

/** Carries out one request to NickServ, as its text reads ("IDENTIFY [account] password"). */
export function askNickServ(session: IrcSession, text: string): void {
  const [verb = "", ...args] = text.split(" ").filter((word) => word !== "");
  switch (verb.toUpperCase()) {
    case "IDENTIFY":
    case "ID":
    case "LOGIN":
      identify(session, args);
      return;
    case "REGISTER":
      register(session, args);
      return;
    case "HELP":
    case "":
      help(session);
      return;
    default:
      nickServSays(session, `Unknown command ${verb}. Try: IDENTIFY [account] password, or REGISTER password.`);
  }
}

/** `IDENTIFY password` logs in to the account of the nick in use; `IDENTIFY account password` to any. */
function identify(session: IrcSession, args: string[]): void {
  if (args.length === 0 || args.length > 2) {
    nickServSays(session, "Usage: IDENTIFY [account] password");
    return;
  }
  const [name, password] = args.length === 2 ? (args as [string, string]) : [session.nick, args[0] as string];
  session.run({ kind: "login", name, password });
}

/** `REGISTER password [email]`: the nick in use becomes an account; an email, which Parley does not keep, is ignored. */
function register(session: IrcSession, args: string[]): void {
  const [password] = args;
  if (password === undefined || args.length > 2) {
    nickServSays(session, "Usage: REGISTER password");
    return;
  }
  session.run({ kind: "register", password });
}

function help(session: IrcSession): void {
  nickServSays(session, "IDENTIFY [account] password: log in to your account (or use SASL PLAIN).");
  nickServSays(session, "REGISTER password: make the nick you are using an account of yours.");
}
