import type { Logger } from "pino";
import type { BusEvent } from "../../bus/bus.js";
import type { UserRef } from "../../core/events.js";
import type { FrontEndHub } from "../../core/front-end-hub.js";
import { MAX_ROOM_LIST_MASKS } from "../../core/masks.js";
import { MAX_NAME_LENGTH, MAX_ROOM_NAME_LENGTH, MAX_TOPIC_LENGTH } from "../../core/names.js";
import type { Connection } from "../../net/connection.js";
import { type OutputFraming, UNFRAMED } from "../../net/output-framing.js";
import type { FrontEndSessionOptions } from "../front-end-session.js";
import { CapNegotiation, type SupportedCaps, supportedCaps } from "./caps.js";
import { HostCloak } from "./cloak.js";
import { IRC_COMMANDS } from "./commands/index.js";
import { IrcEventRenderer, MODES_PER_COMMAND } from "./irc-render.js";
import { ReplyDrawer } from "./irc-replies.js";
import { IrcSession } from "./irc-session.js";
import { IrcUsers } from "./irc-users.js";
import { Whowas } from "./irc-whowas.js";
import { type IsupportLimits, isupportReplies } from "./isupport.js";
import { MONITOR_LIMIT, MonitorIndex } from "./monitor.js";
import * as N from "./numerics.js";

export interface IrcOptions extends FrontEndSessionOptions {
  /** The server's name in IRC prefixes. */
  serverName: string;
  /** The network's name (RPL_ISUPPORT NETWORK), shown by clients. */
  networkName: string;
  version: string;
  /** When this server started (RPL_CREATED). */
  startedAt: number;
  /** Message of the day, a line each. */
  motd: readonly string[];
  /** A client that has not registered this long after connecting is closed. */
  registrationTimeoutMs: number;
  /** A client silent this long is sent a PING; one silent twice this long is closed. */
  pingIntervalMs: number;
  /** The secret host cloaks are keyed with (at least 16 bytes; kept across restarts). */
  cloakSecret: Buffer;
  /** Past messages shown on JOIN to a client without draft/chathistory; 0 for none. */
  joinReplay: number;
  /** The most history entries one request returns (RPL_ISUPPORT CHATHISTORY). */
  maxHistoryRequest: number;
  maxRoomsPerUser: number;
  /** Whether accounts (and so SASL and NickServ) exist: history is kept. */
  hasAccounts: boolean;
}

/** The most targets one command takes (RPL_ISUPPORT TARGMAX). */
export const MAX_TARGETS = 4;

/**
 * The IRC front end: what its sessions share (how users appear, rendered events, the
 * capabilities offered, the liveness check). One per IRC listener.
 */
export class IrcFrontEnd {
  readonly options: IrcOptions;
  readonly hub: FrontEndHub;
  readonly log: Logger;
  readonly users: IrcUsers;
  readonly renderer: IrcEventRenderer;
  readonly replies: ReplyDrawer;
  /** What every session offers, one table for all of them. */
  readonly capabilities: SupportedCaps;
  /** What a session that sent no CAP reads its capabilities from: shared, and never handed a CAP command. */
  readonly capsBeforeNegotiation: CapNegotiation;
  readonly monitors: MonitorIndex;
  readonly sessions = new Set<IrcSession>();
  readonly whowas = new Whowas();
  /** The most users seen at once (counted when someone registers or asks LUSERS). */
  #mostUsers = 0;
  readonly #isupport: IsupportLimits;
  readonly #livenessTimer: NodeJS.Timeout;

  constructor(hub: FrontEndHub, options: IrcOptions, log: Logger) {
    this.hub = hub;
    this.options = options;
    this.log = log;
    this.users = new IrcUsers(new HostCloak({ secret: options.cloakSecret, suffix: "parley" }));
    this.renderer = new IrcEventRenderer(this.users, options.serverName);
    this.replies = new ReplyDrawer();
    this.monitors = new MonitorIndex(this.users, this.renderer);
    hub.observe((event) => this.monitors.observe(event));
    this.capabilities = supportedCaps([
      { name: "cap-notify" },
      { name: "message-tags" },
      { name: "server-time" },
      { name: "echo-message" },
      { name: "batch" },
      { name: "labeled-response" },
      { name: "account-tag" },
      { name: "extended-join" },
      { name: "multi-prefix" },
      { name: "away-notify" },
      { name: "standard-replies" },
      { name: "userhost-in-names" },
      { name: "setname" },
      { name: "extended-monitor" },
      { name: "invite-notify" },
      ...(options.hasAccounts
        ? [
            { name: "sasl", value: "PLAIN" },
            { name: "account-notify" },
            { name: "draft/chathistory" },
            { name: "draft/event-playback" },
          ]
        : []),
    ]);
    this.capsBeforeNegotiation = new CapNegotiation(this.capabilities, options.serverName);
    this.#isupport = {
      network: options.networkName,
      caseMapping: "ascii",
      channelTypes: "#",
      channelModes: { lists: "beI", alwaysParameter: "k", parameterWhenSet: "l", noParameter: "imnst" },
      exceptsMode: "e",
      invexMode: "I",
      prefix: { modes: "ov", symbols: "@+" },
      nickLength: MAX_NAME_LENGTH,
      channelLength: MAX_ROOM_NAME_LENGTH,
      topicLength: MAX_TOPIC_LENGTH,
      kickLength: MAX_TOPIC_LENGTH,
      awayLength: MAX_TOPIC_LENGTH,
      channelLimit: { channelTypes: "#", limit: options.maxRoomsPerUser },
      // Each list has its own limit; one shared by the three promises less than that, and any client reads it.
      maxList: [{ modes: "beI", limit: MAX_ROOM_LIST_MASKS }],
      targetMax: [
        { command: "PRIVMSG", limit: MAX_TARGETS },
        { command: "NOTICE", limit: MAX_TARGETS },
        { command: "JOIN", limit: null },
        { command: "PART", limit: null },
        { command: "NAMES", limit: 1 },
        { command: "WHOIS", limit: 1 },
        { command: "KICK", limit: MAX_TARGETS },
      ],
      modesPerCommand: MODES_PER_COMMAND,
      isUtf8Only: true,
      hasWhox: true,
      monitorLimit: MONITOR_LIMIT,
      // IRCv3 chathistory: the most messages one request returns, and how messages are referred to.
      extraTokens: options.hasAccounts
        ? [
            { name: "CHATHISTORY", value: String(options.maxHistoryRequest) },
            { name: "MSGREFTYPES", value: "msgid,timestamp" },
          ]
        : [],
    };
    hub.observe((event) => this.#onEvent(event));
    // One sweep for every connection: a timer per connection is memory ten thousand idle users would pay for.
    this.#livenessTimer = setInterval(() => this.#checkLiveness(), Math.min(options.pingIntervalMs, 15_000) / 2);
    this.#livenessTimer.unref();
  }

  /** A client on `connection`, whose lines go out as `output` frames them (a WebSocket client's one a frame). */
  startSession(connection: Connection, output: OutputFraming = UNFRAMED): void {
    new IrcSession(connection, this.hub, this, output, this.log);
  }

  stop(): void {
    clearInterval(this.#livenessTimer);
  }

  /** What a command costs of the pacing budget: lookups that walk many users cost more. */
  costOf(command: string): number {
    return IRC_COMMANDS.get(command)?.cost ?? 1;
  }

  /** RFC 2812 §5.1: the replies that end registration, then LUSERS and the MOTD, as servers send them. */
  welcome(session: IrcSession): void {
    const { serverName, networkName, version, startedAt } = this.options;
    const nick = session.nick;
    const mask = this.users.maskOf(session.ref);
    session.numeric(N.RPL_WELCOME, `Welcome to the ${networkName} Network, ${mask}`);
    session.numeric(N.RPL_YOURHOST, `Your host is ${serverName}, running version ${version}`);
    session.numeric(N.RPL_CREATED, `This server was created ${new Date(startedAt).toUTCString()}`);
    session.numeric(N.RPL_MYINFO, serverName, version, "io", "beIiklmnostv", "beIklov");
    for (const params of isupportReplies({ nick, serverName }, this.#isupport)) {
      session.serverLine(N.RPL_ISUPPORT, params);
    }
    this.lusers(session);
    this.motd(session);
    const paused = this.hub.historyPausedError;
    if (paused !== null) session.notice("History is paused: the server cannot store it at the moment.");
  }

  /** RFC 2812 §3.4.2: users of every front end count; IRC clients still registering are "unknown". */
  lusers(session: IrcSession): void {
    let unregistered = 0;
    // A client that quit may hold its socket a moment longer: only those still online count.
    for (const each of this.sessions) if (!each.isRegistered && this.hub.isOnline(each.coreSession)) unregistered++;
    const users = this.hub.sessionCount - unregistered;
    session.numeric(N.RPL_LUSERCLIENT, `There are ${users} users and 0 invisible on 1 servers`);
    if (unregistered > 0) session.numeric(N.RPL_LUSERUNKNOWN, String(unregistered), "unknown connection(s)");
    session.numeric(N.RPL_LUSERME, `I have ${users} clients and 0 servers`);
    this.#mostUsers = Math.max(this.#mostUsers, users);
    const most = String(this.#mostUsers);
    session.numeric(N.RPL_LOCALUSERS, String(users), most, `Current local users ${users}, max ${most}`);
    session.numeric(N.RPL_GLOBALUSERS, String(users), most, `Current global users ${users}, max ${most}`);
  }

  motd(session: IrcSession): void {
    const { motd, serverName } = this.options;
    if (motd.length === 0) {
      session.numeric(N.ERR_NOMOTD, "MOTD File is missing");
      return;
    }
    session.numeric(N.RPL_MOTDSTART, `- ${serverName} Message of the day - `);
    for (const line of motd) session.numeric(N.RPL_MOTD, `- ${line}`);
    session.numeric(N.RPL_ENDOFMOTD, "End of /MOTD command.");
  }

  /** Who leaves, or changes nick, is remembered for WHOWAS; a user who left is forgotten here. */
  #onEvent(event: BusEvent): void {
    if (event.kind === "quit") {
      this.#rememberAsPast(event.who);
      this.users.forget(event.who.sessionId);
    } else if (event.kind === "real-name") {
      this.users.setRealName(event.who.sessionId, event.realName);
    } else if (event.kind === "renamed" && event.who.name !== null) {
      // A guest name was given, not chosen, and is no one else's later: a user leaving it
      // (as every IRC client does when it registers) leaves nothing for WHOWAS to keep.
      this.#rememberAsPast(event.who);
    }
  }

  #rememberAsPast(who: UserRef): void {
    const users = this.users;
    this.whowas.record({
      nick: users.nickOf(who),
      userName: users.userNameOf(who),
      host: users.hostOf(who),
      realName: users.realNameOf(who),
      at: Date.now(),
    });
  }

  #checkLiveness(): void {
    const now = Date.now();
    const { pingIntervalMs, registrationTimeoutMs, serverName } = this.options;
    for (const session of this.sessions) {
      const silentFor = now - session.lastHeardAt;
      if (!session.isRegistered && now - session.coreSession.connectedAt > registrationTimeoutMs) {
        session.closeWithError("Registration timed out");
      } else if (session.isPingPending && silentFor > 2 * pingIntervalMs) {
        session.closeWithError(`Ping timeout: ${Math.round(silentFor / 1000)} seconds`);
      } else if (!session.isPingPending && silentFor > pingIntervalMs) {
        session.isPingPending = true;
        session.sendLine(null, "PING", [serverName]);
      }
    }
  }
}
