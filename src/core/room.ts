import type { Session } from "./session.js";

export class Room {
  /** As first created, for display. */
  readonly name: string;
  /** Identity key: rooms are the same whatever the case or look-alike characters. */
  readonly key: string;
  /** Members, each with the last id published when it joined: what it has seen live comes after. */
  readonly members = new Map<Session, string>();
  topic = "";
  topicBy = "";
  topicAt = 0;

  constructor(name: string, key: string) {
    this.name = name;
    this.key = key;
  }
}
