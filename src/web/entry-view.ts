import type { Entry } from "./conversations.js";
import { hueOfName, richText, shownText } from "./rich-text.js";

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** One entry as a list item: time, name in its colour, and the text (as text, links as anchors). */
export function entryElement(entry: Entry, where?: string): HTMLLIElement {
  const item = document.createElement("li");
  item.className = entry.kind;
  if (entry.mentions) item.classList.add("mention");
  item.dataset.key = entry.key;
  const time = document.createElement("time");
  const at = new Date(entry.at);
  time.dateTime = at.toISOString();
  time.textContent = TIME.format(at);
  time.title = DATE_TIME.format(at);
  item.append(time);
  if (where !== undefined) item.append(textSpan("where", where));
  const body = textSpan("body", "");
  if (entry.kind === "message" || entry.kind === "notice") {
    item.append(nameSpan(entry.from));
  } else if (entry.kind === "action") {
    body.append("* ", nameSpan(entry.from), " ");
  }
  body.append(richText(entry.text));
  item.append(body);
  return item;
}

export function nameSpan(name: string): HTMLSpanElement {
  const span = textSpan("name", name);
  span.style.setProperty("--hue", String(hueOfName(name)));
  return span;
}

export function textSpan(className: string, text: string): HTMLSpanElement {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = shownText(text);
  return span;
}
