import { pino } from "pino";
import { LocalBus } from "../../src/bus/local-bus.js";
import type { Command } from "../../src/core/commands.js";
import type { ChatEvent } from "../../src/core/events.js";
import { Hub } from "../../src/core/hub.js";
import type { Session } from "../../src/core/session.js";
import type { MessageStore } from "../../src/store/store.js";

/** A core with no front end and no socket, as unit tests drive it. */
export function newHub(store: MessageStore | null = null): Hub {
  return new Hub({
    bus: new LocalBus(),
    store,
    log: pino({ level: "silent" }),
    hideAddresses: false,
    commandRate: { burst: 10, perSecond: 5 },
    maxRoomsPerUser: 3,
    joinReplay: 50,
    missedReplayCap: 500,
    maxHistoryRequest: 500,
    historyRetryMs: 5000,
    operators: [],
    defaultRoom: "#lobby",
  });
}

export interface HubUser {
  readonly events: ChatEvent[];
  readonly session: Session;
  /** Runs a command and waits a turn: enough for one that does not wait on the store or a password hash. */
  run(command: Command): Promise<void>;
  /** Runs a command and waits until the core says it is done, however long it waits (its replies carry a request id). */
  complete(command: Command): Promise<void>;
}

/** The core needs no socket: a session's sink is a plain array here. */
export function connectUser(hub: Hub, address: string): HubUser {
  const events: ChatEvent[] = [];
  const finished = new Map<number, () => void>();
  let nextRequestId = 1;
  const session = hub.connect(address, {
    deliver: (event) => {
      if (event.kind === "done") finished.get(event.requestId)?.();
      else events.push(event);
    },
  });
  // Handlers may await (the store, password hashing): let them finish before looking.
  const run = async (command: Command): Promise<void> => {
    hub.execute(session, command);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const complete = (command: Command): Promise<void> =>
    new Promise((resolve) => {
      const requestId = nextRequestId++;
      finished.set(requestId, () => {
        finished.delete(requestId);
        resolve();
      });
      hub.execute(session, command, requestId);
    });
  return { events, session, run, complete };
}
