import { spawn } from "node:child_process";
import { once } from "node:events";

/**
 * A peer that connects with a 4 KiB receive buffer and does not read: the kernel cannot
 * hide its backlog, so the server's own send queue is what fills. Told to, it reads
 * everything it was sent, to the end. It may first send a greeting. Node cannot set SO_RCVBUF on a TCP socket, so the
 * peer is a few lines of Python.
 */
const PEER = `
import base64, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
if len(sys.argv) > 3:
    s.sendall(base64.b64decode(sys.argv[2]))
elif len(sys.argv) > 2:
    s.sendall(sys.argv[2].encode())
host, port = s.getsockname()
print("%s:%d" % (host, port), flush=True)
if not sys.stdin.readline():
    sys.exit()
ending = "eof"
while True:
    try:
        chunk = s.recv(65536)
    except ConnectionResetError:
        ending = "reset"
        break
    if not chunk:
        break
    sys.stdout.buffer.write(chunk)
sys.stdout.flush()
sys.stderr.write(ending)
`;

export interface StalledReader {
  /** "IP:PORT" as the server shows this peer. */
  address: string;
  /** Starts reading: resolves with every byte received, and how the stream ended. */
  readAll(): Promise<{ received: Buffer; ending: "eof" | "reset" }>;
  /** Ends the peer process (its socket goes with it). */
  stop(): Promise<void>;
}

/**
 * Connects to `port`, sends `greeting` (an IRC client's registration, or a WebSocket handshake
 * and its first frames as bytes), then reads nothing until told.
 */
export async function connectStalledReader(port: number, greeting?: string | Buffer): Promise<StalledReader> {
  const greetingArgs =
    greeting === undefined ? [] : typeof greeting === "string" ? [greeting] : [greeting.toString("base64"), "base64"];
  const args = ["-c", PEER, String(port), ...greetingArgs];
  const child = spawn("python3", args, { stdio: ["pipe", "pipe", "pipe"] });
  const chunks: Buffer[] = [];
  let ending = "";
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    ending += text;
  });
  const exited = once(child, "close");
  const address = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const text = Buffer.concat(chunks).toString("latin1");
      const newline = text.indexOf("\n");
      if (newline === -1) return;
      child.stdout.off("data", onData);
      chunks.splice(0, chunks.length, Buffer.from(text.slice(newline + 1), "latin1"));
      resolve(text.slice(0, newline));
    };
    child.stdout.on("data", onData);
    child.once("close", () => reject(new Error(`the stalled reader exited: ${ending}`)));
  });
  return {
    address,
    readAll: async () => {
      child.stdin.write("read\n");
      await exited;
      if (ending !== "eof" && ending !== "reset") throw new Error(`the stalled reader failed: ${ending}`);
      return { received: Buffer.concat(chunks), ending };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      await exited;
    },
  };
}
