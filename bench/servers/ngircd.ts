/**
 * ngIRCd (Debian package `ngircd`), the IRC peer that Parley's IRC front end is
 * compared with. Each start writes a fresh configuration for a free loopback
 * port and runs `ngircd -n -f CONF` in the foreground, pinned like the others.
 *
 * Its flood penalty (ngIRCd 26, src/ngircd/conn.c): a user's connection handles
 * at most 3 commands (MAX_COMMANDS) per pass of the event loop, and when more
 * are waiting, or more than 256 bytes (COMMAND_LEN / 2) arrived within the same
 * second, the connection is not read for a second. So a sender gets about three
 * PRIVMSGs a second: 4 senders into 100 clients measured ~1,200 deliveries/s.
 * `MaxPenaltyTime = 0` turns the penalty off (it caps each penalty at 0 s), as
 * `--rate off` turns off Parley's pacing; the 3-commands-per-pass limit stays.
 * User mode +F ("relaxed flood protection") would exempt a sender instead, but
 * only an operator can set it. The published ngIRCd figures (~3 M deliveries/s
 * at 100 clients) match penalties off, which is what this configuration does.
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { benchScratchDir, launchServer, matchPort, type ServerKind } from "./kind.js";

const NGIRCD_BIN = "/usr/sbin/ngircd";
const LISTENING_LINE = /Now listening on \[127\.0\.0\.1\]:(\d+)/;

export const ngircd: ServerKind = {
  id: "ngircd",
  label: "ngIRCd",
  protocol: "irc",
  // ngIRCd listens with a backlog of 10 (conn.c); connections past it are
  // dropped by the kernel and retried seconds later, so fewer connect at once.
  connectWindow: 8,
  async start() {
    if (!existsSync(NGIRCD_BIN)) throw new Error(`${NGIRCD_BIN} is missing (Debian package ngircd)`);
    const port = await freeLoopbackPort();
    const dir = mkdtempSync(path.join(benchScratchDir(), "ngircd-"));
    // Started as root, ngIRCd runs as nobody before it writes its PID file.
    chmodSync(dir, 0o777);
    const configFile = path.join(dir, "ngircd.conf");
    writeFileSync(configFile, ngircdConfig(port, path.join(dir, "ngircd.pid")));
    return launchServer(this, [NGIRCD_BIN, "-n", "-f", configFile], (stdout) => matchPort(stdout, LISTENING_LINE));
  },
};

/** ngIRCd takes its port from the configuration, so one is picked first (a race with other programs, but on loopback). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Loopback only; no PAM, ident or DNS lookups (each would delay every
 * registration); no connection limits, overall or per IP (every client comes
 * from 127.0.0.1); a MOTD phrase so that no MOTD file is needed; pings rare
 * enough not to matter; flood penalties off (see above).
 */
function ngircdConfig(port: number, pidFile: string): string {
  return `[Global]
\tName = bench.parley.test
\tInfo = Parley bench peer
\tListen = 127.0.0.1
\tPorts = ${port}
\tMotdPhrase = "bench"
\tPidFile = ${pidFile}
[Limits]
\tMaxConnections = 0
\tMaxConnectionsIP = 0
\tMaxJoins = 1000
\tMaxPenaltyTime = 0
\tPingTimeout = 600
\tPongTimeout = 60
[Options]
\tDNS = no
\tIdent = no
\tPAM = no
`;
}
