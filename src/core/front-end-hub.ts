import type { BusEvent } from "../bus/bus.js";
import type { Command } from "./commands.js";
import type { ChatError } from "./errors.js";
import type { EventSink, Session } from "./session.js";

/**
 * The core as a front end sees it: the few calls a protocol session makes. Everything else
 * a front end wants of the core is a command, and comes back as events.
 */
export interface FrontEndHub {
  /** A new user on a connection from `address` ("IP:PORT"), whose events go to `sink`. */
  connect(address: string, sink: EventSink): Session;
  /** Carries out a command; with a `requestId`, its replies carry it and a "done" event follows them. */
  execute(session: Session, command: Command, requestId?: number): void;
  isOnline(session: Session): boolean;
  /** The session is gone now: it leaves every room. */
  disconnect(session: Session, reason?: string): void;
  /** As `disconnect`, once the commands the session already sent have run. */
  disconnectAfterCommands(session: Session, reason?: string): void;
  /** The id of the last event fanned out: where a session that is not behind stands. */
  readonly lastDeliveredId: string;
  /** What a session that arrives while history is paused is told; null while history is kept. */
  readonly historyPausedError: ChatError | null;
  /** Sees every event this process fans out (after it reached its recipients): presence, for instance. */
  observe(observer: (event: BusEvent) => void): void;
  /** Users connected, through every front end. */
  readonly sessionCount: number;
  /** Whether history (and so accounts, replay and search) is kept. */
  readonly hasHistory: boolean;
}
