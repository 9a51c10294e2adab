import type { ChatSocket } from "./chat-socket.js";
import type { Entry } from "./conversations.js";
import { element } from "./dom.js";
import { entryElement } from "./entry-view.js";

/** The search panel: a query, its results newest first, and a button for the page before. */
export class SearchPanel {
  readonly #panel = element<HTMLElement>("search-panel");
  readonly #query = element<HTMLInputElement>("search-query");
  readonly #results = element<HTMLOListElement>("search-results");
  readonly #more = element<HTMLButtonElement>("search-more");
  #asked = "";
  #older: string | null = null;

  constructor(
    private readonly socket: ChatSocket,
    onClose: () => void,
  ) {
    element("open-search").addEventListener("click", () => this.open(""));
    element("close-search").addEventListener("click", () => {
      this.close();
      onClose();
    });
    element<HTMLFormElement>("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const query = this.#query.value.trim();
      if (query !== "") void this.#search(query, "");
    });
    this.#more.addEventListener("click", () => {
      if (this.#older !== null) void this.#search(this.#asked, this.#older);
    });
  }

  /** Shows the panel; searches at once when given a query (a typed /search). */
  open(query: string): void {
    this.#panel.hidden = false;
    if (query === "") {
      this.#query.focus();
      return;
    }
    this.#query.value = query;
    void this.#search(query, "");
  }

  close(): void {
    this.#panel.hidden = true;
  }

  async #search(query: string, before: string): Promise<void> {
    if (before === "") this.#results.replaceChildren();
    this.#asked = query;
    const answer = await this.socket.request({ type: "search", query, ...(before === "" ? {} : { before }) });
    for (const error of answer.errors) this.#results.append(entryElement(panelNote(error.message, "error")));
    const found = answer.replies.find((reply) => reply.kind === "search");
    if (found?.kind !== "search") return;
    if (found.items.length === 0 && before === "")
      this.#results.append(entryElement(panelNote("Nothing found.", "note")));
    for (const item of found.items) {
      const kind = item.kind === "action" ? "action" : "message";
      const entry: Entry = { key: item.id, at: item.at, kind, from: item.sender, text: item.text, mentions: false };
      this.#results.append(entryElement(entry, item.where));
    }
    this.#older = found.older ?? null;
    this.#more.hidden = found.older === undefined;
  }
}

function panelNote(text: string, kind: Entry["kind"]): Entry {
  return { key: "", at: Date.now(), kind, from: "", text, mentions: false };
}
