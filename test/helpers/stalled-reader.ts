import { spawn } from "node:child_process";
import { once } from "node:events";

/**
 * A peer that connects with a 4 KiB receive buffer and never reads: the kernel cannot
 * hide its backlog, so the server's own send queue is what fills. Node cannot set
 * SO_RCVBUF on a TCP socket, so the peer is a few lines of Python.
 */
const PEER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
host, port = s.getsockname()
print("%s:%d" % (host, port), flush=True)
sys.stdin.read()
`;

export interface StalledReader {
  /** "IP:PORT" as the server shows this peer. */
  address: string;
  /** Ends the peer process (its socket goes with it). */
  stop(): Promise<void>;
}

export async function connectStalledReader(port: number): Promise<StalledReader> {
  const child = spawn("python3", ["-c", PEER, String(port)], { stdio: ["pipe", "pipe", "inherit"] });
  const [firstChunk] = (await once(child.stdout, "data")) as [Buffer];
  return {
    address: firstChunk.toString("utf8").trim(),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill();
      await once(child, "exit");
    },
  };
}
