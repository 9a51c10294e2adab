import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { httpPortOf, startTestServer, type TestServer } from "./helpers/server.js";
import { WebChatClient, type WebFrame } from "./helpers/web-chat-client.js";
import { RefusedUpgrade, WebSocketClient, type WebSocketClientOptions } from "./helpers/web-socket-client.js";

// Behind a reverse proxy every user arrives from the proxy's address. `--trust-proxy` names
// the proxies whose X-Forwarded-For is believed; from anyone else it is the client's own
// claim, and ignored, or anyone could pick an address (and a fresh cap, throttle and cloak).

const PROXY = "127.0.0.30";
const NOT_A_PROXY = "127.0.0.31";

/** The guest name a /ws client was welcomed with. */
async function openAs(port: number, options: WebSocketClientOptions): Promise<{ ws: WebSocketClient; name: string }> {
  const ws = await WebSocketClient.open(port, "/ws", options);
  const welcome = JSON.parse(await ws.waitFor((message) => message.includes('"welcome"'))) as WebFrame;
  return { ws, name: (welcome.you as { name: string }).name };
}

async function refusalOf(opening: Promise<WebSocketClient>): Promise<number> {
  try {
    await (await opening).close();
  } catch (error) {
    if (error instanceof RefusedUpgrade) return error.status;
    throw error;
  }
  assert.fail("the upgrade was accepted");
}

describe("the web port behind a trusted proxy", () => {
  let server: TestServer;
  let port: number;
  let operator: WebChatClient;

  /** The address the server holds for the user called `name`, as a server operator's whois shows it. */
  async function addressOf(name: string): Promise<string> {
    const reply = await operator.replyTo({ type: "whois", names: [name] }, "users");
    const [{ user }] = reply.users as { user: { address?: string } }[];
    assert.ok(user.address !== undefined, `no address in ${JSON.stringify(reply)}`);
    return user.address;
  }

  before(async () => {
    server = await startTestServer({
      trustedProxies: [PROXY],
      maxWebConnectionsPerAddress: 1,
      operators: [{ name: "root", secret: "hunter22" }],
    });
    port = httpPortOf(server);
    operator = await WebChatClient.open(port);
    await operator.request({ type: "oper", name: "root", password: "hunter22" });
  });
  after(async () => {
    await operator.close();
    await server.stop();
  });

  test("the client is the right-most X-Forwarded-For entry that is no trusted proxy, for caps and for the session", async () => {
    const first = await openAs(port, {
      localAddress: PROXY,
      headers: { "X-Forwarded-For": `198.51.100.1, 203.0.113.7, ${PROXY}` },
    });
    const other = await openAs(port, { localAddress: PROXY, headers: { "X-Forwarded-For": "203.0.113.8" } });
    try {
      assert.equal(await addressOf(first.name), "203.0.113.7:0", "the entries a client wrote itself prove nothing");
      assert.equal(await addressOf(other.name), "203.0.113.8:0");
      // Two users behind one proxy are two addresses; one user is capped as itself.
      const again = WebSocketClient.open(port, "/ws", {
        localAddress: PROXY,
        headers: { "X-Forwarded-For": "203.0.113.7" },
      });
      assert.equal(await refusalOf(again), 503);
    } finally {
      await first.ws.close();
      await other.ws.close();
    }
  });

  test("anyone else's X-Forwarded-For is ignored: its address is its socket's", async () => {
    const spoofer = await openAs(port, { localAddress: NOT_A_PROXY, headers: { "X-Forwarded-For": "203.0.113.9" } });
    try {
      assert.match(await addressOf(spoofer.name), new RegExp(`^${NOT_A_PROXY.replaceAll(".", "\\.")}:\\d+$`));
      const another = WebSocketClient.open(port, "/ws", {
        localAddress: NOT_A_PROXY,
        headers: { "X-Forwarded-For": "203.0.113.10" },
      });
      assert.equal(await refusalOf(another), 503, "a made-up address is no way around the cap");
    } finally {
      await spoofer.ws.close();
    }
  });

  test("the page's scheme is the proxy's X-Forwarded-Proto, and only a trusted proxy's", async () => {
    const host = `127.0.0.1:${port}`;
    const secure = await WebSocketClient.open(port, "/ws", {
      localAddress: PROXY,
      origin: `https://${host}`,
      headers: { "X-Forwarded-For": "203.0.113.11", "X-Forwarded-Proto": "https" },
    });
    await secure.close();
    const plainOrigin = WebSocketClient.open(port, "/ws", {
      localAddress: PROXY,
      origin: `http://${host}`,
      headers: { "X-Forwarded-For": "203.0.113.12", "X-Forwarded-Proto": "https" },
    });
    assert.equal(await refusalOf(plainOrigin), 403, "an http page is another origin than the https one served");
    const claimed = WebSocketClient.open(port, "/ws", {
      localAddress: NOT_A_PROXY,
      origin: `https://${host}`,
      headers: { "X-Forwarded-Proto": "https" },
    });
    assert.equal(await refusalOf(claimed), 403);
  });
});
