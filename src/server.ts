import type { AddressInfo, Server } from "node:net";
import type { Logger } from "pino";
import { LocalBus } from "./bus/local-bus.js";
import { cloakSecretIn } from "./cloak-secret.js";
import { listenersOf, type ServerConfig } from "./config.js";
import { Hub } from "./core/hub.js";
import { listenHttp, type WebSocketRoute } from "./frontends/http/http-listener.js";
import { builtPageDirectory, StaticFiles } from "./frontends/http/static-files.js";
import { type IrcListener, ircListener } from "./frontends/irc/irc-listener.js";
import { lineListener } from "./frontends/line/line-listener.js";
import { ConsoleTranscript } from "./frontends/line/transcript.js";
import { type FrontEndListener, listen } from "./frontends/listen.js";
import { webSocketChatListener } from "./frontends/web/web-listener.js";
import { SqliteStore } from "./store/sqlite-store.js";
import type { MessageStore } from "./store/store.js";

/** How often logged-in users' delivery cursors are saved, bounding what a crash could replay twice. */
const CURSOR_SAVE_INTERVAL_MS = 5000;
const RETENTION_INTERVAL_MS = 60_000;

export interface RunningServer {
  readonly hub: Hub;
  /** Where the line protocol actually listens (port 0 resolved); null when it is off. */
  readonly lineAddress: AddressInfo | null;
  /** Where IRC listens; null when it is off. */
  readonly ircAddress: AddressInfo | null;
  /** Where the web page and WebSockets are served; null when off. */
  readonly httpAddress: AddressInfo | null;
  /** Tells every user, flushes what is queued, closes everything; resolves when all sockets are closed. */
  stop(): Promise<void>;
}

/** Assembles the store, the core and its front ends from one config object. */
export async function startServer(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const store: MessageStore | null = config.history
    ? SqliteStore.open(config.dataDir, { log, checkDatabase: config.checkDatabase })
    : null;
  const bus = new LocalBus();
  const hub = new Hub({
    bus,
    store,
    log,
    hideAddresses: config.hideAddresses,
    commandRate: { burst: config.commandBurst, perSecond: config.commandsPerSecond },
    maxRoomsPerUser: config.maxRoomsPerUser,
    joinReplay: config.joinReplay,
    missedReplayCap: config.missedReplayCap,
    maxHistoryRequest: config.maxHistoryRequest,
    historyRetryMs: config.historyRetryMs,
    operators: config.operators,
    defaultRoom: config.defaultRoom,
  });
  if (store !== null) {
    for (const room of await store.rooms()) hub.restoreRoom(room);
  }
  if (config.transcript) {
    const transcript = new ConsoleTranscript(process.stdout, config.defaultRoom, log);
    hub.observe((event) => transcript.record(event));
  }
  const timers = store === null ? [] : startHousekeeping(hub, store, config, log);
  const listeners = listenersOf(config);
  const frontEnds: FrontEndListener[] = [];
  const webSocketRoutes: WebSocketRoute[] = [];
  for (const listener of listeners) {
    if (listener.protocol === "line") frontEnds.push(lineListener(hub, listener, config, log));
    if (listener.protocol === "irc") {
      const irc: IrcListener = ircListener(hub, listener, config, cloakSecretIn(config), log);
      frontEnds.push(irc);
      webSocketRoutes.push(irc.webSocket);
    }
  }
  const web = listeners.find((listener) => listener.protocol === "http");
  if (web !== undefined) webSocketRoutes.push(webSocketChatListener(hub, config, log));
  // Bans are matched as the first front end that shows masks shows users (one view: a ban is one rule).
  const masking = frontEnds.find((frontEnd) => frontEnd.userMaskOf !== undefined);
  if (masking?.userMaskOf !== undefined) hub.describeUsersWith(masking.userMaskOf);
  const servers: Server[] = [];
  let httpServer: Server | null = null;
  try {
    for (const frontEnd of frontEnds) servers.push(await listen(frontEnd, log));
    if (web !== undefined) {
      const files = StaticFiles.load(config.webRoot === "" ? builtPageDirectory() : config.webRoot);
      if (!files.isBuilt) log.warn({ event: "page-not-built" }, "the web page is not built: run `npm run build`");
      httpServer = await listenHttp(
        {
          listener: web,
          files,
          routes: webSocketRoutes,
          allowedOrigins: config.allowedOrigins,
          maxConnectionsPerAddress: config.maxWebConnectionsPerAddress,
          trustedProxies: config.trustedProxies,
        },
        log,
      );
    }
  } catch (error) {
    // A start that cannot listen leaves the database as a stop does: closed, with no WAL behind.
    for (const timer of timers) clearInterval(timer);
    for (const frontEnd of frontEnds) frontEnd.stop?.();
    for (const server of servers) server.close();
    await store?.close();
    throw error;
  }
  const addressOf = (frontend: string): AddressInfo | null => {
    const index = frontEnds.findIndex((frontEnd) => frontEnd.spec.frontend === frontend);
    return index === -1 ? null : (servers[index].address() as AddressInfo);
  };
  return {
    hub,
    lineAddress: addressOf("line"),
    ircAddress: addressOf("irc"),
    httpAddress: httpServer === null ? null : (httpServer.address() as AddressInfo),
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const frontEnd of frontEnds) frontEnd.stop?.();
      await stopServer(hub, httpServer === null ? servers : [...servers, httpServer], log);
      // What was accepted before the listeners closed is stored before the store closes.
      await hub.settled();
      await hub.stopHistory();
      await bus.close();
      await store?.close();
      log.info({ event: "stopped" }, "stopped");
    },
  };
}

/**
 * Background work on the store: saving delivery cursors, and retention. None of it runs
 * while history is paused (a full disk): it would fail, and the pause has been said.
 */
function startHousekeeping(hub: Hub, store: MessageStore, config: ServerConfig, log: Logger): NodeJS.Timeout[] {
  const onError = (error: unknown): void => {
    if (hub.historyPause === null) log.error({ event: "store-error", err: error }, "background history work failed");
  };
  const saveCursors = setInterval(() => {
    if (hub.historyPause !== null) return;
    const cursors = hub.deliveryCursors();
    if (cursors.size > 0) store.saveDeliveryCursors(cursors).catch(onError);
  }, CURSOR_SAVE_INTERVAL_MS);
  const timers = [saveCursors];
  const policy = { maxAgeMs: config.retentionDays * 86_400_000, maxPerRoom: config.retentionPerRoom };
  if (policy.maxAgeMs > 0 || policy.maxPerRoom > 0) {
    const applyRetention = (): void => {
      if (hub.historyPause !== null) return;
      store
        .applyRetention(policy, Date.now())
        .then((deleted) => {
          if (deleted > 0) log.info({ event: "retention", deleted }, "old history deleted");
        })
        .catch(onError);
    };
    applyRetention();
    timers.push(setInterval(applyRetention, RETENTION_INTERVAL_MS));
  }
  for (const timer of timers) timer.unref();
  return timers;
}

/** The longest a stop waits, once its listeners closed, for the sessions of their last sockets to end. */
const SESSIONS_END_MS = 1000;

async function stopServer(hub: Hub, listeners: Server[], log: Logger): Promise<void> {
  log.info({ event: "shutdown", sessions: hub.sessionCount }, "shutting down");
  const closed = listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve())));
  // What was accepted goes out before the farewell, even from a store that commits asynchronously.
  await hub.settled();
  hub.shutdown();
  await Promise.all(closed);
  // A listener says it closed when its last socket is destroyed, a moment before that socket's
  // "close" ends its session (and logs it): the stop waits for those, so that "stopped" is the
  // log's last line. Bounded, should a session outlive its socket.
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SESSIONS_END_MS);
  });
  await Promise.race([hub.whenEmpty(), cap]);
  clearTimeout(timer);
}
