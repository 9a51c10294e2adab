/**
 * The server's configuration: one typed object, read once at start-up.
 * Every option is documented here beside its default; nothing else reads
 * process.env or the command line.
 */
export interface ServerConfig {
  /** Address the line-protocol listener binds; "" means every address. */
  host: string;
  /** Line-protocol port; 0 takes a free port. */
  port: number;
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
   * taken as one line after this much quiet.
   */
  quietFlushMs: number;
  /** Room that line-protocol users join on connect, shared with later front ends. */
  defaultRoom: string;
  /** Print the original server's console transcript (joins, messages, leaves) on stdout. */
  transcript: boolean;
  /** How long shutdown waits for queued output to flush before closing sockets hard. */
  shutdownGraceMs: number;
  /** pino level for the structured log on stderr. */
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

export const defaultServerConfig: Readonly<ServerConfig> = Object.freeze({
  host: "",
  port: 7777,
  maxLineBytes: 4096,
  maxUnterminatedBytes: 64 * 1024,
  sendQueueBytes: 1024 * 1024,
  quietFlushMs: 40,
  defaultRoom: "#lobby",
  transcript: true,
  shutdownGraceMs: 3000,
  logLevel: "info",
});
