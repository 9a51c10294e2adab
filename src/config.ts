/** pino's levels, quietest last, as `--log-level` takes them. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * The server's configuration: one typed object, read once at start-up.
 * Every option is documented here beside its default; nothing else reads
 * process.env or the command line.
 */
export interface ServerConfig {
  /** Address the line-protocol listener binds; "" means every address. */
  host: string;
  /** Line-protocol port; 0 takes a free port; null turns the line protocol off. */
  port: number | null;
  /** Longest accepted line in bytes, terminator excluded. Longer lines get an error and are not relayed. */
  maxLineBytes: number;
  /**
   * Bytes a peer may send without a line terminator before it is disconnected.
   * Past maxLineBytes the rest of the line is already being discarded; this bounds
   * how long we keep discarding for a peer that never ends its line.
   */
  maxUnterminatedBytes: number;
  /** Per-connection cap on bytes waiting to be written; a reader that falls behind past it is disconnected. */
  sendQueueBytes: number;
  /**
   * A peer that sends bytes without a terminator (the original client does) has them
   * taken as one line after this much quiet, until it sends its first newline; never
   * inside a UTF-8 character.
   */
  quietFlushMs: number;
  /**
   * A connection silent this long is probed with TCP keepalive, once a second, ten times:
   * a peer that vanished (its link down, its machine off) leaves ten seconds later. 0 turns
   * probing off.
   */
  keepaliveSeconds: number;
  /** IRC port; 0 takes a free port; null turns IRC off. */
  ircPort: number | null;
  /** Web port (the chat page, WebSocket on /ws and IRC over WebSocket on /irc); 0 takes a free port; null turns it off. */
  httpPort: number | null;
  /**
   * Other origins (`https://chat.example.org`) whose pages may open WebSockets here; the
   * page's own origin (the scheme it was loaded with and the request's Host) always may.
   * null: no others. A client that sends no Origin is no browser, and is let in.
   */
  allowedOrigins: readonly string[] | null;
  /** Simultaneous WebSockets one address (an IPv6 /64) may hold; more are refused with 503. */
  maxWebConnectionsPerAddress: number;
  /**
   * Reverse proxies (their IP addresses) in front of the web port: from them, the client is
   * the right-most X-Forwarded-For address that is not one of them, and its scheme is
   * X-Forwarded-Proto's. Anyone else's forwarding headers are ignored.
   */
  trustedProxies: readonly string[];
  /** The built page's directory; "" for the one built into the package (dist/web). */
  webRoot: string;
  /** The server's name in IRC messages (and WHOIS), and the network's name IRC clients show. */
  ircServerName: string;
  networkName: string;
  /**
   * Server operators: who may OPER (or /oper) and then disconnect users, message every
   * operator, and see users' real addresses. The secret is an scrypt hash as accounts keep
   * them, or (discouraged) the password itself. Read from --opers FILE.
   */
  operators: readonly { readonly name: string; readonly secret: string }[];
  /** Room that line-protocol users join on connect, shared with later front ends. */
  defaultRoom: string;
  /**
   * Past messages of the default room shown to a line user on connect; 0 keeps the original
   * transcript. At most maxHistoryRequest: every connect pays for it.
   */
  lobbyReplay: number;
  /** Show guest names (guest-7f3a…) to others instead of IP:PORT. */
  hideAddresses: boolean;
  /** Print the original server's console transcript (joins, messages, leaves) on stdout. */
  transcript: boolean;
  /** How long shutdown waits for queued output to flush before closing sockets hard. */
  shutdownGraceMs: number;
  /** pino level for the structured log on stderr. */
  logLevel: (typeof LOG_LEVELS)[number];

  /** Where history and accounts are kept (SQLite file parley.db inside). */
  dataDir: string;
  /** Keep history (and so accounts, replay and search). */
  history: boolean;
  /**
   * Read every page of the database at start to check it, even after a clean shutdown.
   * After an unclean one (a crash, kill -9) it is checked anyway.
   */
  checkDatabase: boolean;
  /** History older than this is deleted in the background; 0 keeps it forever. */
  retentionDays: number;
  /** Only the newest this-many entries of each room are kept; 0 keeps all. */
  retentionPerRoom: number;

  /** Commands a user may send per second on average, after a burst; Infinity turns pacing off. */
  commandsPerSecond: number;
  commandBurst: number;
  /** Lines held back while a user is paced; past this the user is disconnected for flooding. */
  maxPacedLines: number;
  maxRoomsPerUser: number;
  /** Past messages shown on /join. */
  joinReplay: number;
  /** Most missed messages replayed at login; the rest are counted, and /history shows them. */
  missedReplayCap: number;
  /** Most entries one /history may ask for. */
  maxHistoryRequest: number;
  /** While history is paused (a full or failing disk), how often storing is tried again. */
  historyRetryMs: number;
}

export const defaultServerConfig: Readonly<ServerConfig> = Object.freeze({
  host: "",
  port: 7777,
  maxLineBytes: 4096,
  maxUnterminatedBytes: 64 * 1024,
  sendQueueBytes: 1024 * 1024,
  quietFlushMs: 40,
  keepaliveSeconds: 110,
  ircPort: 6667,
  httpPort: 8080,
  allowedOrigins: null,
  maxWebConnectionsPerAddress: 20,
  trustedProxies: [],
  webRoot: "",
  ircServerName: "parley",
  operators: [],
  networkName: "Parley",
  defaultRoom: "#lobby",
  lobbyReplay: 0,
  hideAddresses: false,
  transcript: true,
  shutdownGraceMs: 3000,
  logLevel: "info",
  dataDir: "./data",
  history: true,
  checkDatabase: false,
  retentionDays: 0,
  retentionPerRoom: 0,
  commandsPerSecond: 5,
  commandBurst: 10,
  maxPacedLines: 200,
  maxRoomsPerUser: 100,
  joinReplay: 50,
  missedReplayCap: 500,
  maxHistoryRequest: 500,
  historyRetryMs: 5000,
});

/** One listener: which front end, where, and the limits of its connections. */
export interface ListenerConfig {
  readonly protocol: "line" | "irc" | "http";
  readonly host: string;
  readonly port: number;
  /** How the operator sets the port, named when it cannot be listened on. */
  readonly portOption: string;
  /** Longest message, terminator excluded; and how much may come without one before the peer is cut off. */
  readonly maxLineBytes: number;
  readonly maxUnterminatedBytes: number;
  readonly sendQueueBytes: number;
  readonly keepaliveSeconds: number;
}

/**
 * IRCv3 message-tags: a line is at most 8191 bytes of tags (with "@" and the space after
 * them) and 510 of the rest (RFC 1459 §2.3, without its CR LF).
 */
export const IRC_MAX_LINE_BYTES = 8191 + 510;

/** The largest WebSocket message accepted, on /ws and /irc alike; past it the peer is closed with 1009. */
export const WEB_SOCKET_MAX_PAYLOAD_BYTES = 16 * 1024;

/** The listeners the configuration asks for, each validated by its option's parser. */
export function listenersOf(config: ServerConfig): ListenerConfig[] {
  const shared = {
    host: config.host,
    sendQueueBytes: config.sendQueueBytes,
    keepaliveSeconds: config.keepaliveSeconds,
  };
  const listeners: ListenerConfig[] = [];
  if (config.port !== null) {
    listeners.push({
      protocol: "line",
      port: config.port,
      portOption: "--port, or the second positional argument,",
      maxLineBytes: config.maxLineBytes,
      maxUnterminatedBytes: config.maxUnterminatedBytes,
      ...shared,
    });
  }
  if (config.ircPort !== null) {
    listeners.push({
      protocol: "irc",
      port: config.ircPort,
      portOption: "--irc-port",
      maxLineBytes: IRC_MAX_LINE_BYTES,
      maxUnterminatedBytes: 2 * IRC_MAX_LINE_BYTES,
      ...shared,
    });
  }
  if (config.httpPort !== null) {
    listeners.push({
      protocol: "http",
      port: config.httpPort,
      portOption: "--http-port",
      maxLineBytes: WEB_SOCKET_MAX_PAYLOAD_BYTES,
      maxUnterminatedBytes: WEB_SOCKET_MAX_PAYLOAD_BYTES,
      ...shared,
    });
  }
  return listeners;
}
