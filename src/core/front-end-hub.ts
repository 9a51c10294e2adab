import type { Command } from "./commands.js";
import type { ChatError } from "./errors.js";
import type { EventObserver } from "./fan-out.js";
import type { DecidedOnItsTurn, EventSink, Session } from "./session.js";

/**
 * The core as a front end sees it: the few calls a protocol session makes. Everything else
 * a front end wants of the core is a command, and comes back as events.
 */
export interface FrontEndHub {
  /** A new user on a connection from `address` ("IP:PORT"), whose events go to `sink`. */
  connect(address: string, sink: EventSink): Session;
  /**
   * Carries out a command, after the ones the session sent before it; with a `requestId`, its
   * replies carry it and a "done" event follows them.
   */
  execute(session: Session, command: Command | DecidedOnItsTurn, requestId?: number): void;
  isOnline(session: Session): boolean;
  /** The session is gone now: it leaves every room. */
  disconnect(session: Session, reason?: string): void;
  /** As `disconnect`, once the commands the session already sent have run. */
  disconnectAfterCommands(session: Session, reason?: string): void;
  /** The id of the last event fanned out: where a session that is not behind stands. */
  readonly lastDeliveredId: string;
  /** What a session that arrives while history is paused is told; null while history is kept. */
  readonly historyPausedError: ChatError | null;
  /**
   * Sees every event this process fans out, whoever receives it: how a front end keeps an
   * index of its own (IRCv3 MONITOR watches names coming and going). Called on the hot
   * path: an observer returns at once for what it does not index.
   */
  observe(observer: EventObserver): void;
  /** Users connected, through every front end. */
  readonly sessionCount: number;
  /** Whether history (and so accounts, replay and search) is kept. */
  readonly hasHistory: boolean;
}
