// Naive baseline for the Parley bench: a plain Node `net` server speaking
// the same line protocol, written the obvious way. Every received line is
// relayed at once with one socket.write per other client; nothing is
// batched. It keeps the protocol's send-queue cap, so a client that stops
// reading is dropped here as it would be by Parley.
//
// usage: node bench/naive-relay.mjs [--host A] [--port N] [--sendq BYTES]
import net from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    sendq: { type: "string", default: String(1024 * 1024) },
  },
});
const sendQueueCap = Number(values.sendq);
const clients = new Set();

function usersOnline(count) {
  return `(${count} user${count === 1 ? "" : "s"} online)`;
}

function send(socket, line) {
  if (socket.destroyed) return;
  socket.write(line);
  if (socket.writableLength > sendQueueCap) socket.destroy();
}

function sendToOthers(sender, line) {
  for (const other of clients) {
    if (other !== sender) send(other, line);
  }
}

const server = net.createServer((socket) => {
  // Without this, Nagle's algorithm and delayed ACKs would add tens of
  // milliseconds to the baseline's latency and hide what is measured here.
  socket.setNoDelay(true);
  const name = `${socket.remoteAddress}:${socket.remotePort}`;
  clients.add(socket);
  send(socket, `> Connected to the chat server ${usersOnline(clients.size)}\n`);
  sendToOthers(socket, `> New user ${name} entered. ${usersOnline(clients.size)}\n`);

  let pending = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk) => {
    pending += chunk;
    let start = 0;
    let newline = pending.indexOf("\n", start);
    while (newline !== -1) {
      sendToOthers(socket, `[${name}] ${pending.slice(start, newline)}\n`);
      start = newline + 1;
      newline = pending.indexOf("\n", start);
    }
    pending = pending.slice(start);
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    clients.delete(socket);
    sendToOthers(socket, `< The user ${name} left. ${usersOnline(clients.size)}\n`);
  });
});

server.listen(Number(values.port), values.host, () => {
  console.log(`Chat Server started on port ${server.address().port}.`);
});

// The bench holds our stdin open; when it goes away, so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
