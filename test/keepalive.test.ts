import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { skipUnless } from "./helpers/environment.js";
import { LineClient } from "./helpers/line-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { SpawnedProgram } from "./helpers/spawned-program.js";

/**
 * A peer whose link goes down sends no FIN and no RST: only keepalive probes find it gone.
 * The peer runs in a network namespace of its own, joined to this host by a veth pair on a
 * private /30, so taking its link down touches nothing else on the machine.
 */

/** Names and addresses of this run's own: several runs may share the machine. */
const TAG = String(process.pid % 100_000);
const NAMESPACE = `parley-ka-${TAG}`;
const HOST_LINK = `pkah${TAG}`;
const PEER_LINK = `pkap${TAG}`;
const SUBNET = 4 * (process.pid % 16_384);
const HOST_ADDRESS = `10.213.${SUBNET >> 8}.${(SUBNET & 0xff) + 1}`;
const PEER_ADDRESS = `10.213.${SUBNET >> 8}.${(SUBNET & 0xff) + 2}`;

/** Connects, says where from, then neither reads nor writes: an idle user. */
const PEER = `
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("%s:%d" % s.getsockname(), flush=True)
sys.stdin.read()
`;

const KEEPALIVE_SECONDS = 1;

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function removeNetwork(): void {
  for (const args of [
    ["link", "del", HOST_LINK],
    ["netns", "del", NAMESPACE],
  ]) {
    try {
      ip(...args);
    } catch {
      // Not made, or already gone.
    }
  }
}

/** Sets up the namespace and link; returns why it cannot be done here, or null. */
function makeNetwork(): string | null {
  if (process.getuid?.() !== 0) return skipUnless(false, "root (to make a network namespace)");
  try {
    ip("netns", "add", NAMESPACE);
    ip("link", "add", HOST_LINK, "type", "veth", "peer", "name", PEER_LINK);
    ip("link", "set", PEER_LINK, "netns", NAMESPACE);
    ip("addr", "add", `${HOST_ADDRESS}/30`, "dev", HOST_LINK);
    ip("link", "set", HOST_LINK, "up");
    ip("netns", "exec", NAMESPACE, "ip", "addr", "add", `${PEER_ADDRESS}/30`, "dev", PEER_LINK);
    ip("netns", "exec", NAMESPACE, "ip", "link", "set", PEER_LINK, "up");
    return null;
  } catch (error) {
    removeNetwork();
    const why = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return skipUnless(false, `a network namespace and veth link (ip: ${why})`);
  }
}

describe("peers that vanish", () => {
  const skip = makeNetwork() ?? false;
  let server: TestServer | undefined;
  let peer: SpawnedProgram | undefined;
  before(async () => {
    if (skip !== false) return;
    server = await startTestServer({ host: HOST_ADDRESS, keepaliveSeconds: KEEPALIVE_SECONDS });
  });
  after(async () => {
    await peer?.kill();
    await server?.stop();
    removeNetwork();
  });

  it("a peer whose link goes down leaves an idle room once keepalive finds it gone", { skip }, async () => {
    const running = server as TestServer;
    const watcher = await LineClient.join(running.port, HOST_ADDRESS);
    peer = new SpawnedProgram("peer in a namespace", "ip", [
      "netns",
      "exec",
      NAMESPACE,
      "python3",
      "-c",
      PEER,
      HOST_ADDRESS,
      String(running.port),
    ]);
    const address = await peer.waitForLine((line) => line.startsWith(`${PEER_ADDRESS}:`));
    await watcher.waitFor(`> New user ${address} entered. (2 users online)`);

    // No FIN, no RST: the peer's side of the link is simply gone.
    ip("netns", "exec", NAMESPACE, "ip", "link", "set", PEER_LINK, "down");

    // Probing starts after KEEPALIVE_SECONDS of silence; ten unanswered probes a second apart end it.
    await watcher.waitFor(`< The user ${address} left. (1 user online)`, (KEEPALIVE_SECONDS + 10) * 1000 + 15_000);
    await watcher.close();
  });
});
