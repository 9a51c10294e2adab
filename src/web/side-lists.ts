import type { Conversation } from "./conversations.js";
import { element } from "./dom.js";
import { nameSpan, textSpan } from "./entry-view.js";
import type { Member } from "./protocol.js";

/** The rooms and direct conversations, each with its unread count; `ordered` is the Alt+digit order. */
export function drawConversationList(
  ordered: readonly Conversation[],
  current: Conversation | null,
  onOpen: (conversation: Conversation) => void,
): void {
  const rooms = element<HTMLUListElement>("room-list");
  const directs = element<HTMLUListElement>("direct-list");
  rooms.replaceChildren();
  directs.replaceChildren();
  ordered.forEach((conversation, index) => {
    const item = document.createElement("li");
    item.classList.toggle("current", conversation === current);
    item.classList.toggle("left", !conversation.isActive);
    item.classList.toggle("mentioned", conversation.isMentioned);
    const button = document.createElement("button");
    button.type = "button";
    button.title = index < 10 ? `${conversation.name} (Alt+${(index + 1) % 10})` : conversation.name;
    button.append(textSpan("conversation-name", conversation.name));
    if (conversation.unread > 0) button.append(textSpan("unread", String(conversation.unread)));
    if (conversation === current) button.setAttribute("aria-current", "page");
    button.addEventListener("click", () => onOpen(conversation));
    item.append(button);
    (conversation.isRoom ? rooms : directs).append(item);
  });
}

/** The open room's members: operators, then voices, then the rest, each by name. */
export function drawMembers(conversation: Conversation | null): void {
  const list = element<HTMLUListElement>("member-list");
  const members = conversation?.isRoom ? [...conversation.members.values()] : [];
  members.sort((a, b) => standingRank(a) - standingRank(b) || a.name.localeCompare(b.name));
  element("members-title").textContent = conversation?.isRoom ? `Members (${members.length})` : "Members";
  list.replaceChildren(
    ...members.map((member) => {
      const item = document.createElement("li");
      if (member.away !== undefined) {
        item.classList.add("away");
        item.title = `away: ${member.away}`;
      }
      const standing = member.operator ? "@" : member.voiced ? "+" : "";
      if (standing !== "") item.append(textSpan("standing", standing));
      item.append(nameSpan(member.name));
      return item;
    }),
  );
}

function standingRank(member: Member): number {
  return member.operator ? 0 : member.voiced ? 1 : 2;
}
