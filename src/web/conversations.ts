import type { Member } from "./protocol.js";

/** One line of a conversation: something said, or something that happened (a join, a topic). */
export interface Entry {
  /** The server's message id; the page's own notes get a key that sorts after the entry they follow. */
  readonly key: string;
  readonly at: number;
  readonly kind: "message" | "action" | "notice" | "joined" | "left" | "topic" | "event" | "note" | "error";
  /** Who said or did it; "" for the page's own notes. */
  readonly from: string;
  readonly text: string;
  /** Whether it names the reader (a mention). */
  readonly mentions: boolean;
}

/** A room ("#...") or a direct conversation with one person, as the room list shows it. */
export class Conversation {
  readonly name: string;
  /** Oldest first, no key twice. */
  readonly entries: Entry[] = [];
  readonly #keys = new Set<string>();
  readonly members = new Map<string, Member>();
  topic = "";
  unread = 0;
  isMentioned = false;
  /** Joined (a room) or open (a direct conversation); a room left stays listed until closed. */
  isActive = true;
  /** The oldest page of history has been shown: scrolling up asks no more. */
  reachedBeginning = false;
  isLoadingOlder = false;
  #notes = 0;

  constructor(name: string) {
    this.name = name;
  }

  get isRoom(): boolean {
    return this.name.startsWith("#");
  }

  /** The newest server id seen: where a catch-up starts. "" when none. */
  get lastId(): string {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (isServerKey(this.entries[i].key)) return this.entries[i].key;
    }
    return "";
  }

  /** The oldest server id shown: where scrolling back continues. "" when none. */
  get oldestId(): string {
    for (const entry of this.entries) {
      if (isServerKey(entry.key)) return entry.key;
    }
    return "";
  }

  /** Inserts in id order; returns its index, or -1 when that id is here already (a replay or a catch-up overlap). */
  add(entry: Entry): number {
    if (this.#keys.has(entry.key)) return -1;
    this.#keys.add(entry.key);
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle].key < entry.key) low = middle + 1;
      else high = middle;
    }
    this.entries.splice(low, 0, entry);
    return low;
  }

  /** Forgets the `count` oldest entries; they are no longer the beginning, so scrolling up asks again. */
  dropOldest(count: number): void {
    for (const entry of this.entries.splice(0, count)) this.#keys.delete(entry.key);
    this.reachedBeginning = false;
  }

  /** A key for the page's own note, sorting after everything shown so far. */
  noteKey(): string {
    this.#notes += 1;
    // "!" sorts below every id, so a note in an empty conversation stays above what comes later.
    const last = this.entries.at(-1)?.key ?? "!";
    return `${last}~${this.#notes.toString(36).padStart(6, "0")}`;
  }

  setMembers(members: readonly Member[]): void {
    this.members.clear();
    for (const member of members) this.members.set(member.name, member);
  }
}

/** Server ids are letters and digits; the page's notes carry a "~". */
function isServerKey(key: string): boolean {
  return !key.includes("~");
}

/** Whether `text` names `name` as a word (case-insensitive): a mention. */
export function mentions(text: string, name: string): boolean {
  if (name === "") return false;
  const lower = text.toLowerCase();
  const wanted = name.toLowerCase();
  let from = lower.indexOf(wanted);
  while (from !== -1) {
    const before = from === 0 ? "" : lower[from - 1];
    const after = lower[from + wanted.length] ?? "";
    if (!isNameCharacter(before) && !isNameCharacter(after)) return true;
    from = lower.indexOf(wanted, from + 1);
  }
  return false;
}

function isNameCharacter(character: string): boolean {
  return character !== "" && /[\p{L}\p{N}_\-[\]\\`^{}|]/u.test(character);
}
