import type { Session } from "./session.js";

export class Room {
  readonly name: string;
  readonly members = new Set<Session>();

  constructor(name: string) {
    this.name = name;
  }
}
