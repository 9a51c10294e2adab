/** Who used a nick before (RFC 2812 §3.6.3): kept for the last users who left or changed nick. */
export interface WhowasEntry {
  readonly nick: string;
  readonly userName: string;
  readonly host: string;
  readonly realName: string;
  readonly at: number;
}

/** How many past users are remembered: enough for a busy server's last hour, bounded whatever happens. */
const KEPT = 2000;

export class Whowas {
  /** Oldest first. */
  #entries: WhowasEntry[] = [];

  record(entry: WhowasEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > KEPT * 2) this.#entries = this.#entries.slice(-KEPT);
  }

  /** The newest `count` entries for `nick` (all of them when count is 0 or less), newest first. */
  find(nick: string, count: number, fold: (text: string) => string): WhowasEntry[] {
    const wanted = fold(nick);
    const found: WhowasEntry[] = [];
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i] as WhowasEntry;
      if (fold(entry.nick) !== wanted) continue;
      found.push(entry);
      if (count > 0 && found.length === count) break;
    }
    return found;
  }
}
