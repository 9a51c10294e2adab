import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { commandOf, IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";

/**
 * A scripted IRC peer for the client helper: it lists caps over two CAP LS lines, NAKs any
 * request for "nak-me", refuses the nick "taken", and sends 001 only after its PING is answered.
 */
function startScriptedPeer(received: string[]): Promise<Server> {
  const server = createServer((socket: Socket) => {
    let buffered = "";
    let nick = "";
    let capsHeld = false;
    let pinged = false;
    const write = (line: string): boolean => socket.write(`${line}\r\n`);
    const maybeWelcome = (): void => {
      if (nick === "" || capsHeld || pinged) return;
      pinged = true;
      write("PING :check-7");
    };
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      for (let end = buffered.indexOf("\r\n"); end !== -1; end = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        received.push(line);
        const [command, ...params] = line.split(" ");
        if (command === "CAP" && params[0] === "LS") {
          capsHeld = true;
          write(":peer CAP * LS * :multi-prefix server-time");
          write(":peer CAP * LS :echo-message nak-me");
        } else if (command === "CAP" && params[0] === "REQ") {
          const verdict = line.includes("nak-me") ? "NAK" : "ACK";
          write(`:peer CAP * ${verdict} ${params.slice(1).join(" ")}`);
        } else if (command === "CAP" && params[0] === "END") {
          capsHeld = false;
        } else if (command === "NICK") {
          if (params[0] === "taken") write(":peer 433 * taken :Nickname is already in use");
          else nick = params[0];
        } else if (command === "PONG" && params[0] === ":check-7") {
          write(`@time=2026-01-01T00:00:00.000Z :peer 001 ${nick} :Welcome`);
        }
        maybeWelcome();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("the raw IRC client", () => {
  const received: string[] = [];
  let server: Server;
  let port = 0;
  before(async () => {
    server = await startScriptedPeer(received);
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.close();
    await once(server, "close");
  });

  test("registers with NICK and USER, answers the PING, and resolves with the 001 line, CR removed", async () => {
    const from = received.length;
    const client = await IrcRawClient.open(port);
    try {
      const welcome = await client.register("alice", { realname: "Alice A" });
      assert.equal(welcome, "@time=2026-01-01T00:00:00.000Z :peer 001 alice :Welcome");
      assert.deepEqual(received.slice(from), ["NICK alice", "USER alice 0 * :Alice A", "PONG :check-7"]);
    } finally {
      client.socket.destroy();
    }
  });

  test("with caps, holds registration: CAP LS 302, waits for the last LS line, REQ, ACK, CAP END", async () => {
    const from = received.length;
    const client = await IrcRawClient.connect(port, "bob", { caps: ["server-time", "echo-message"] });
    try {
      assert.deepEqual(client.enabledCaps, ["server-time", "echo-message"]);
      assert.deepEqual(received.slice(from), [
        "CAP LS 302",
        "NICK bob",
        "USER bob 0 * :bob",
        "CAP REQ :server-time echo-message",
        "CAP END",
        "PONG :check-7",
      ]);
    } finally {
      client.socket.destroy();
    }
  });

  test("a refused nick or a NAK ends registration at once, with the line that said so", async () => {
    const refused = await IrcRawClient.open(port);
    await assert.rejects(refused.register("taken", {}, 60_000), /registration refused: :peer 433 \* taken /);
    refused.socket.destroy();
    await assert.rejects(IrcRawClient.connect(port, "carol", { caps: ["nak-me"] }), /refused the caps: .* NAK :nak-me/);
  });

  test("send() refuses a line with CR or LF in it: it would be two lines", async () => {
    const client = await IrcRawClient.open(port);
    try {
      assert.throws(() => client.send("PRIVMSG #a :one\r\nQUIT"), /use sendRaw/);
    } finally {
      client.socket.destroy();
    }
  });

  test("a received line's command and parameters are read past its tags and source", () => {
    assert.deepEqual(parseReceived("@a=b;c :nick!u@h privmsg #lobby  :hello  there"), {
      command: "PRIVMSG",
      params: ["#lobby", "hello  there"],
    });
    assert.deepEqual(parseReceived("PING :"), { command: "PING", params: [""] });
    assert.equal(commandOf(":peer 353 alice = #lobby :@alice"), "353");
  });
});
