import type { Member, Reply } from "./protocol.js";

/** What a reply to a typed command tells the person, a note a line; none for replies shown otherwise. */
export function replyText(reply: Reply): string[] {
  switch (reply.kind) {
    case "rooms":
      if (reply.rooms.length === 0) return ["No rooms yet."];
      return reply.rooms.map((room) => `${room.name} (${room.members})${room.topic === "" ? "" : `: ${room.topic}`}`);
    case "who":
      return [`In ${reply.room}: ${reply.members.map(memberLabel).join(", ")}`];
    case "topic":
      return [reply.topic === "" ? `${reply.room} has no topic.` : `Topic of ${reply.room}: ${reply.topic}`];
    case "renamed":
      // A change is shown by its event, in every room the person shares.
      return reply.unchanged ? [`You are ${reply.name} already.`] : [];
    case "registered":
      return [`${reply.name} is registered to you; log in with it next time.`];
    case "logged-in":
      return [`Logged in as ${reply.name}.`];
    case "logged-out":
      return ["Logged out."];
    case "users":
      return reply.users.map(({ asked, user }) => {
        if (user === undefined) return `Nobody called ${asked} is online.`;
        const rooms = user.rooms?.map(({ room }) => room).join(" ") ?? "";
        const away = user.away ? `; away: ${user.away}` : "";
        return `${user.name}${rooms === "" ? "" : ` is in ${rooms}`}${away}`;
      });
    case "away":
      return [reply.isAway ? "You are marked away." : "You are back."];
    case "delivered-later":
      return [`${reply.name} is not online; they will see it when they log in.`];
    case "recipient-away":
      return [`${reply.name} is away: ${reply.message}`];
    case "invited":
      return [`Invited ${reply.target.name} to ${reply.room}.`];
    case "oper":
      return ["You are a server operator."];
    default:
      return [];
  }
}

/** "@ann" for an operator, "+bob" for a voice, as IRC lists them. */
export function memberLabel(member: Member): string {
  return `${member.operator ? "@" : member.voiced ? "+" : ""}${member.name}`;
}
