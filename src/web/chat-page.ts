import { type AccountAction, wireAccountDialog } from "./account-dialog.js";
import { type Answer, ChatSocket } from "./chat-socket.js";
import { ConnectionStatus } from "./connection-status.js";
import { Conversation, type Entry, mentions } from "./conversations.js";
import { element } from "./dom.js";
import { entryElement } from "./entry-view.js";
import { InputLine } from "./input-line.js";
import { notifyDesktop, wireNotificationButton } from "./notifications.js";
import type { ClientFrame, HistoryItem, Member, Reply, ServerFrame, User } from "./protocol.js";
import { replyText } from "./reply-text.js";
import { richText, shownText } from "./rich-text.js";
import { SearchPanel } from "./search-panel.js";
import { drawConversationList, drawMembers } from "./side-lists.js";
import { readTypedLine } from "./typed-commands.js";

/** Older history asked for per page while scrolling up, and per page of a catch-up. */
const OLDER_PAGE = 50;
const CATCH_UP_PAGE = 100;
/** A catch-up stops after this many pages (5,000 entries): past that, scrolling up continues it. */
const CATCH_UP_PAGES = 50;
/** Entries a conversation keeps in the page; older ones are fetched again when scrolled to. */
const MAX_KEPT_ENTRIES = 5000;
/** How close to the top (px) scrolling has to come before older history is asked for. */
const NEAR_TOP_PX = 48;
const STORED_NAME = "parley.name";
const STORED_ROOMS = "parley.rooms";
const FIRST_ROOM = "#lobby";

/**
 * The chat page: keeps the conversations the server describes, draws the one open, and turns
 * what the person types into commands. Everything the server sends arrives through `#onFrame`.
 */
export class ChatPage {
  readonly #socket: ChatSocket;
  readonly #conversations = new Map<string, Conversation>();
  #current: Conversation | null = null;
  /** Where notes go while no conversation is open; not listed among the conversations. */
  readonly #serverLog = new Conversation("Parley");
  #me: User = { name: "", guest: true };
  #serverName = "Parley";
  #historyKept = true;
  #hasBeenOnline = false;
  /** Kept in this tab's memory only, to log in again after a reconnect. */
  #credentials: { name: string; password: string } | null = null;
  /** Commands the person typed (or chose) that have not had their `done` yet. */
  #typedWaiting = 0;
  /** Conversations whose catch-up after a reconnect is under way. */
  readonly #catchingUp = new Set<string>();

  readonly #app = element<HTMLDivElement>("app");
  readonly #messages = element<HTMLOListElement>("messages");
  readonly #narrow = window.matchMedia("(max-width: 720px)");
  readonly #status: ConnectionStatus;
  readonly #input: InputLine;
  readonly #search: SearchPanel;

  constructor() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.#socket = new ChatSocket(
      `${scheme}//${location.host}/ws`,
      (frame) => this.#onFrame(frame),
      (state) => this.#status.show(state),
    );
    this.#status = new ConnectionStatus(() => this.#socket.reconnectNow());
    this.#input = new InputLine(
      (line) => this.#typed(line),
      () => this.#completableNames(),
    );
    this.#search = new SearchPanel(this.#socket, () => this.#input.focus());
  }

  start(): void {
    this.#wireControls();
    this.#socket.connect();
    this.#input.focus();
  }

  // ---- what the server says ----

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome":
        this.#me = frame.you;
        this.#serverName = frame.server;
        this.#historyKept = frame.historyKept === true;
        this.#showAccount();
        void this.#resume(this.#hasBeenOnline);
        this.#hasBeenOnline = true;
        return;
      case "message": {
        const kind = frame.action ? "action" : frame.notice ? "notice" : "message";
        const isOwn = this.#isOwn(frame.from);
        this.#live(this.#conversation(frame.room), frame.id, frame.at, kind, frame.from.name, frame.text, isOwn);
        return;
      }
      case "direct": {
        const other = frame.outgoing ? frame.to : frame.from.name;
        const kind = frame.action ? "action" : frame.notice ? "notice" : "message";
        const isOwn = frame.outgoing || this.#isOwn(frame.from);
        this.#live(this.#conversation(other), frame.id, frame.at, kind, frame.from.name, frame.text, isOwn, !isOwn);
        return;
      }
      case "joined": {
        const conversation = this.#conversation(frame.room);
        if (this.#isMe(frame.who)) conversation.isActive = true;
        else conversation.members.set(frame.who.name, asMember(frame.who));
        this.#event(conversation, frame.id, frame.at, "joined", `${frame.who.name} joined`);
        this.#drawMembers();
        return;
      }
      case "left": {
        // One's own leaving is the reply's to show (the room is closed then).
        if (this.#isMe(frame.who)) return;
        const conversation = this.#conversation(frame.room);
        conversation.members.delete(frame.who.name);
        this.#event(conversation, frame.id, frame.at, "left", `${frame.who.name} left${because(frame.reason)}`);
        this.#drawMembers();
        return;
      }
      case "quit":
        for (const { room } of frame.rooms) {
          const conversation = this.#conversation(room);
          conversation.members.delete(frame.who.name);
          this.#event(conversation, frame.id, frame.at, "left", `${frame.who.name} quit${because(frame.reason)}`);
        }
        this.#drawMembers();
        return;
      case "topic": {
        const conversation = this.#conversation(frame.room);
        conversation.topic = frame.topic;
        const text = frame.topic === "" ? "cleared the topic" : `set the topic: ${frame.topic}`;
        this.#event(conversation, frame.id, frame.at, "topic", `${frame.who.name} ${text}`);
        this.#drawHeader();
        return;
      }
      case "mode": {
        const conversation = this.#conversation(frame.room);
        for (const change of frame.changes) applyStanding(conversation, change.mode, change.on === true, change.arg);
        const changes = frame.changes.map(({ mode, on, arg }) => `${on ? "+" : "-"}${mode}${arg ? ` ${arg}` : ""}`);
        this.#event(conversation, frame.id, frame.at, "event", `${frame.who.name} sets ${changes.join(" ")}`);
        this.#drawMembers();
        return;
      }
      case "kicked": {
        const conversation = this.#conversation(frame.room);
        conversation.members.delete(frame.target.name);
        if (this.#isMe(frame.target)) conversation.isActive = false;
        const text = `${frame.who.name} put ${frame.target.name} out${because(frame.reason)}`;
        this.#event(conversation, frame.id, frame.at, "event", text);
        this.#drawMembers();
        this.#drawConversationList();
        return;
      }
      case "invited":
        this.#note(`${frame.who.name} invites you to ${frame.room}: /join ${frame.room}`);
        return;
      case "renamed":
        this.#renamed(frame.who, frame.now);
        return;
      case "away":
        for (const conversation of this.#conversations.values()) {
          const member = conversation.members.get(frame.who.name);
          if (member !== undefined) conversation.members.set(member.name, { ...member, away: frame.message });
        }
        this.#drawMembers();
        return;
      case "wallops":
        this.#note(`Wallops from ${frame.from.name}: ${frame.text}`);
        return;
      case "reply":
        this.#keep(frame.reply);
        return;
      case "error":
        // An answer to a request is shown by whoever asked (see #run).
        if (frame.re === undefined) this.#note(frame.message, "error");
        return;
      case "done":
        return;
      case "shutdown":
        this.#note("The server is restarting or shutting down; this page will reconnect when it is back.");
        return;
      case "close":
        this.#note(`Disconnected: ${frame.reason}`, "error");
        return;
      default:
        return;
    }
  }

  /** What a reply changes, whoever asked: members, topics, history, who this page is. */
  #keep(reply: Reply): void {
    switch (reply.kind) {
      case "joined": {
        const conversation = this.#conversation(reply.room);
        conversation.isActive = true;
        conversation.topic = reply.topic;
        if (Array.isArray(reply.members)) conversation.setMembers(reply.members);
        this.#storeRooms();
        this.#drawConversationList();
        if (conversation === this.#current) {
          this.#drawHeader();
          this.#drawMembers();
        }
        return;
      }
      case "who":
        this.#conversation(reply.room).setMembers(reply.members);
        this.#drawMembers();
        return;
      case "topic":
        this.#conversation(reply.room).topic = reply.topic;
        this.#drawHeader();
        return;
      case "left":
        this.#close(reply.room);
        return;
      case "history": {
        // What was missed while away counts as unread; a room's recent past and older pages do not.
        const isMissed = reply.reason === "missed" || this.#catchingUp.has(key(reply.where));
        for (const item of reply.items) this.#historyItem(item, isMissed);
        // A room's recent past with nothing before it: scrolling up has nothing to ask for.
        if (reply.reason === "join" && reply.older === undefined)
          this.#conversation(reply.where).reachedBeginning = true;
        return;
      }
      case "renamed":
        this.#me = { ...this.#me, name: reply.name };
        localStorage.setItem(STORED_NAME, reply.name);
        this.#showAccount();
        return;
      case "logged-in":
        this.#me = { name: reply.name, account: reply.name };
        localStorage.setItem(STORED_NAME, reply.name);
        for (const room of reply.rooms) this.#conversation(room).isActive = true;
        this.#drawConversationList();
        this.#showAccount();
        return;
      case "paced":
        // Said once as a stretch of pacing begins; the page's own requests are paced quietly.
        if (this.#typedWaiting > 0) {
          this.#note(`Slow down: ${reply.waiting} waiting, going out at ${reply.perSecond} a second.`);
        }
        return;
      case "logged-out":
        this.#me = { name: this.#me.name, ...(this.#me.guest === true ? { guest: true } : {}) };
        this.#credentials = null;
        this.#showAccount();
        return;
      default:
        return;
    }
  }

  #historyItem(item: HistoryItem, isMissed: boolean): void {
    const conversation = this.#conversation(item.where);
    const sentence: Record<HistoryItem["kind"], () => string> = {
      message: () => item.text,
      action: () => item.text,
      joined: () => `${item.sender} joined`,
      left: () => `${item.sender} left${because(item.text)}`,
      topic: () =>
        item.text === "" ? `${item.sender} cleared the topic` : `${item.sender} set the topic: ${item.text}`,
      gap: () => `History was not kept here until ${new Date(item.until ?? item.at).toLocaleString()}: ${item.text}`,
    };
    const kind = item.kind === "gap" ? "note" : item.kind;
    const isSaid = item.kind === "message" || item.kind === "action";
    this.#add(
      conversation,
      {
        key: item.id,
        at: item.at,
        kind,
        from: item.sender,
        text: sentence[item.kind](),
        mentions: isSaid && item.sender !== this.#me.name && mentions(item.text, this.#me.name),
      },
      isMissed && isSaid && item.sender !== this.#me.name,
    );
  }

  #renamed(who: User, now: User): void {
    if (this.#isMe(who)) {
      this.#me = now;
      this.#showAccount();
    }
    for (const conversation of this.#conversations.values()) {
      const member = conversation.members.get(who.name);
      if (member === undefined) continue;
      conversation.members.delete(who.name);
      // The user's standing stays; who they are is as told now (a field left out is gone).
      conversation.members.set(now.name, {
        operator: member.operator,
        voiced: member.voiced,
        away: member.away,
        ...now,
      });
      if (who.name === now.name) continue;
      const text = this.#isMe(now) ? `You are now known as ${now.name}` : `${who.name} is now known as ${now.name}`;
      this.#note(text, "event", conversation);
    }
    this.#drawMembers();
  }

  // ---- connecting, and catching up after a reconnect ----

  /** After a welcome: take the name back, rejoin, and (after a reconnect) fetch what was missed. */
  async #resume(isReconnect: boolean): Promise<void> {
    const credentials = this.#credentials;
    const storedName = localStorage.getItem(STORED_NAME);
    if (credentials !== null) await this.#run({ type: "login", ...credentials });
    else if (storedName !== null && storedName !== this.#me.name) await this.#run({ type: "nick", name: storedName });
    if (!isReconnect) {
      const rooms = storedRooms();
      await Promise.all(rooms.map((room) => this.#run({ type: "join", room })));
      const first = this.#conversations.get(key(rooms[0] ?? FIRST_ROOM));
      if (this.#current === null && first !== undefined) this.#open(first);
      return;
    }
    // Where each conversation stood when the connection dropped: rejoining adds entries of its own.
    const conversations = [...this.#conversations.values()].filter((conversation) => conversation.isActive);
    const lastIds = conversations.map((conversation) => conversation.lastId);
    this.#note("Reconnected.", "note");
    const rooms = conversations.filter((conversation) => conversation.isRoom);
    await Promise.all(rooms.map((room) => this.#run({ type: "join", room: room.name, replay: 0 })));
    await Promise.all(conversations.map((conversation, index) => this.#catchUp(conversation, lastIds[index])));
  }

  /** Everything said in `conversation` after `after`, newest page first until none is missing. */
  async #catchUp(conversation: Conversation, after: string): Promise<void> {
    if (after === "" || !this.#historyKept) return;
    this.#catchingUp.add(key(conversation.name));
    try {
      let before: string | undefined;
      for (let page = 0; page < CATCH_UP_PAGES; page++) {
        const answer = await this.#socket.request({
          type: "history",
          where: conversation.name,
          limit: CATCH_UP_PAGE,
          after,
          ...(before === undefined ? {} : { before }),
        });
        const history = answer.replies.find((reply) => reply.kind === "history");
        if (history?.kind !== "history" || history.older === undefined) return;
        before = history.older.before;
      }
    } finally {
      this.#catchingUp.delete(key(conversation.name));
    }
  }

  async #loadOlder(conversation: Conversation): Promise<void> {
    if (conversation.isLoadingOlder || conversation.reachedBeginning || !this.#historyKept) return;
    if (this.#socket.state.kind !== "online") return;
    conversation.isLoadingOlder = true;
    this.#drawOlderState();
    const before = conversation.oldestId;
    const answer = await this.#socket.request({
      type: "history",
      where: conversation.name,
      limit: OLDER_PAGE,
      ...(before === "" ? {} : { before }),
    });
    conversation.isLoadingOlder = false;
    const history = answer.replies.find((reply) => reply.kind === "history");
    if (answer.errors.length > 0) {
      if (answer.errors.every(({ code }) => code !== "offline")) conversation.reachedBeginning = true;
    } else if (history?.kind !== "history" || history.older === undefined || history.items.length === 0) {
      conversation.reachedBeginning = true;
    }
    this.#drawOlderState();
    if (conversation === this.#current) this.#fillView();
  }

  /** Asks for older history until the view can scroll (a short conversation shows all it has). */
  #fillView(): void {
    const conversation = this.#current;
    if (conversation === null || conversation.reachedBeginning) return;
    if (this.#messages.scrollHeight <= this.#messages.clientHeight + NEAR_TOP_PX) void this.#loadOlder(conversation);
  }

  // ---- conversations ----

  #conversation(name: string): Conversation {
    const found = this.#conversations.get(key(name));
    if (found !== undefined) return found;
    const conversation = new Conversation(name);
    this.#conversations.set(key(name), conversation);
    this.#drawConversationList();
    return conversation;
  }

  #live(
    conversation: Conversation,
    id: string,
    at: number,
    kind: Entry["kind"],
    from: string,
    text: string,
    isOwn: boolean,
    isForMe = false,
  ): void {
    const isMention = !isOwn && (isForMe || mentions(text, this.#me.name));
    const entry = { key: id, at, kind, from, text, mentions: isMention && !isForMe };
    // What one says, from this tab or another of the same account, is never news to oneself.
    const index = this.#add(conversation, entry, !isOwn);
    if (index !== -1 && isMention) this.#notify(conversation, from, text);
  }

  #event(conversation: Conversation, id: string, at: number, kind: Entry["kind"], text: string): void {
    this.#add(conversation, { key: id, at, kind, from: "", text, mentions: false }, false);
  }

  /** A line of the page's own (a reply, an error) in `conversation`, by default the open one. */
  #note(text: string, kind: Entry["kind"] = "note", conversation = this.#current): void {
    const where = conversation ?? this.#serverLog;
    if (this.#current === null) this.#open(where);
    this.#add(where, { key: where.noteKey(), at: Date.now(), kind, from: "", text, mentions: false }, false);
  }

  /** Adds an entry in order; draws it when its conversation is open, else counts it unread. */
  #add(conversation: Conversation, entry: Entry, counts: boolean): number {
    const index = conversation.add(entry);
    if (index === -1) return -1;
    const isSaid = entry.kind === "message" || entry.kind === "action" || entry.kind === "notice";
    if (conversation !== this.#current || document.hidden) {
      if (counts && isSaid) {
        conversation.unread += 1;
        if (entry.mentions || !conversation.isRoom) conversation.isMentioned = true;
        this.#drawConversationList();
      }
      if (conversation !== this.#current) {
        this.#forgetOldest(conversation, index);
        return index;
      }
    }
    const list = this.#messages;
    const wasAtBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
    const heightBefore = list.scrollHeight;
    list.insertBefore(entryElement(entry), list.children[index] ?? null);
    if (wasAtBottom) {
      this.#forgetOldest(conversation, index);
      list.scrollTop = list.scrollHeight;
    } else if (index < list.children.length - 1) {
      list.scrollTop += list.scrollHeight - heightBefore;
    }
    return index;
  }

  /**
   * A page open for days keeps the newest MAX_KEPT_ENTRIES of a conversation: as a new one
   * arrives at the end, the oldest go (scrolling up brings them back). Never while someone
   * reads further up.
   */
  #forgetOldest(conversation: Conversation, index: number): void {
    const excess = conversation.entries.length - MAX_KEPT_ENTRIES;
    if (excess <= 0 || index !== conversation.entries.length - 1) return;
    conversation.dropOldest(excess);
    if (conversation !== this.#current) return;
    for (let n = 0; n < excess; n++) this.#messages.firstElementChild?.remove();
    this.#drawOlderState();
  }

  #open(conversation: Conversation): void {
    this.#current = conversation;
    conversation.unread = 0;
    conversation.isMentioned = false;
    const list = this.#messages;
    list.replaceChildren(...conversation.entries.map((entry) => entryElement(entry)));
    list.scrollTop = list.scrollHeight;
    this.#app.classList.remove("rooms-open");
    this.#drawHeader();
    this.#drawMembers();
    this.#drawConversationList();
    this.#drawOlderState();
    this.#fillView();
  }

  #close(name: string): void {
    const conversation = this.#conversations.get(key(name));
    if (conversation === undefined) return;
    this.#conversations.delete(key(name));
    this.#storeRooms();
    if (this.#current === conversation) {
      const next = [...this.#conversations.values()][0];
      if (next === undefined) {
        this.#current = null;
        this.#messages.replaceChildren();
        this.#drawHeader();
        this.#drawMembers();
      } else {
        this.#open(next);
      }
    }
    this.#drawConversationList();
  }

  #ordered(): Conversation[] {
    const all = [...this.#conversations.values()];
    return [...all.filter((c) => c.isRoom), ...all.filter((c) => !c.isRoom)];
  }

  #storeRooms(): void {
    const rooms = this.#ordered()
      .filter((conversation) => conversation.isRoom && conversation.isActive)
      .map((conversation) => conversation.name);
    localStorage.setItem(STORED_ROOMS, JSON.stringify(rooms));
  }

  #isMe(user: User): boolean {
    return user.name === this.#me.name;
  }

  /** Said by this person: this session's name, or the account it is logged in to (another tab). */
  #isOwn(user: User): boolean {
    return this.#isMe(user) || (user.account !== undefined && user.account === this.#me.account);
  }

  // ---- commands ----

  /** Sends a command and shows its errors where the person is; resolves with what it got. */
  async #run(frame: ClientFrame): Promise<Answer> {
    const answer = await this.#socket.request(frame);
    for (const error of answer.errors) this.#note(error.message, "error");
    return answer;
  }

  /**
   * Whether the line was taken. Offline, what would go to the server stays in the box rather
   * than in a queue: the person sees it, can change it once the conversation has moved on
   * while they were away, and sends it when they choose, instead of the page saying it later.
   */
  #typed(line: string): boolean {
    const current = this.#current?.name ?? null;
    const typed = readTypedLine(line, current, this.#historyKept);
    switch (typed.kind) {
      case "nothing":
        return true;
      case "problem":
        this.#note(typed.text, "error");
        return true;
      case "help":
        for (const text of typed.lines) this.#note(text);
        return true;
      case "send":
        if (typed.frame.type !== "search" && this.#socket.state.kind !== "online") {
          this.#note("Not connected: what you typed stays in the box; press Enter once back online.", "error");
          return false;
        }
        void this.#send(typed.frame);
        return true;
    }
  }

  async #send(frame: ClientFrame): Promise<void> {
    if (frame.type === "search") {
      this.#search.open(frame.query);
      return;
    }
    if (frame.type === "login") this.#credentials = null;
    this.#typedWaiting += 1;
    const answer = await this.#run(frame).finally(() => {
      this.#typedWaiting -= 1;
    });
    if (answer.errors.length > 0) return;
    // Opened once it went: a message to nobody leaves no conversation behind.
    if (frame.type === "direct") this.#conversation(frame.to).isActive = true;
    if (frame.type === "login") this.#credentials = { name: frame.name, password: frame.password };
    if (frame.type === "register") this.#credentials = { name: this.#me.name, password: frame.password };
    if (frame.type === "join") {
      const conversation = this.#conversations.get(key(frame.room));
      if (conversation !== undefined) this.#open(conversation);
    }
    if (frame.type === "quit") this.#note("You left. Reconnect to come back.");
    for (const reply of answer.replies) {
      for (const text of replyText(reply)) this.#note(text);
    }
  }

  // ---- drawing ----

  #drawHeader(): void {
    const conversation = this.#current;
    element("title").textContent = shownText(conversation?.name ?? this.#serverName);
    element("topic").replaceChildren(richText(conversation?.topic ?? ""));
    const unread = [...this.#conversations.values()].reduce((sum, c) => sum + (c === conversation ? 0 : c.unread), 0);
    document.title = `${unread > 0 ? `(${unread}) ` : ""}${conversation?.name ?? ""} · ${this.#serverName}`;
  }

  #drawConversationList(): void {
    drawConversationList(this.#ordered(), this.#current, (conversation) => this.#open(conversation));
    this.#drawHeader();
  }

  #drawMembers(): void {
    drawMembers(this.#current);
  }

  #drawOlderState(): void {
    const conversation = this.#current;
    const state = element("older-state");
    if (conversation === null || !this.#historyKept) state.textContent = "";
    else if (conversation.isLoadingOlder) state.textContent = "Loading older messages…";
    else if (conversation.reachedBeginning) state.textContent = "The beginning of this conversation.";
    else state.textContent = "";
  }

  #showAccount(): void {
    const me = this.#me;
    element("open-account").textContent = me.name === "" ? "You" : shownText(me.name);
    element("account-state").textContent = shownText(
      me.account === undefined ? `You are ${me.name}${me.guest ? " (a guest)" : ""}.` : `Logged in as ${me.account}.`,
    );
  }

  // ---- notifications ----

  #notify(conversation: Conversation, from: string, text: string): void {
    if (!document.hidden && conversation === this.#current) return;
    const title = conversation.isRoom ? `${from} in ${conversation.name}` : from;
    notifyDesktop(title, text, conversation.name, () => this.#open(conversation));
  }

  // ---- controls ----

  #wireControls(): void {
    // Narrowing the window wraps lines and grows the list under a still scroll position: one
    // reading the newest lines keeps them in view.
    let isAtBottom = true;
    new ResizeObserver(() => {
      if (isAtBottom) this.#messages.scrollTop = this.#messages.scrollHeight;
    }).observe(this.#messages);
    this.#messages.addEventListener("scroll", () => {
      const list = this.#messages;
      isAtBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
      const conversation = this.#current;
      if (conversation !== null && this.#messages.scrollTop < NEAR_TOP_PX) void this.#loadOlder(conversation);
    });
    document.addEventListener("keydown", (event) => {
      if (event.altKey && /^Digit\d$/.test(event.code)) {
        const index = (Number(event.code.slice(5)) + 9) % 10;
        const conversation = this.#ordered()[index];
        if (conversation !== undefined) {
          event.preventDefault();
          this.#open(conversation);
          this.#input.focus();
        }
      } else if (event.key === "Escape") {
        this.#search.close();
        this.#app.classList.remove("rooms-open", "members-open");
      }
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && this.#current !== null) {
        this.#current.unread = 0;
        this.#current.isMentioned = false;
        this.#drawConversationList();
      }
    });
    element<HTMLFormElement>("join-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = element<HTMLInputElement>("join-room");
      const name = input.value.trim();
      input.value = "";
      if (name === "") return;
      if (name.startsWith("#")) {
        void this.#send({ type: "join", room: name });
      } else {
        const conversation = this.#conversation(name);
        this.#open(conversation);
      }
      this.#input.focus();
    });
    element("toggle-rooms").addEventListener("click", () => {
      const isOpen = this.#app.classList.toggle("rooms-open");
      element("toggle-rooms").setAttribute("aria-expanded", String(isOpen));
    });
    element("toggle-members").addEventListener("click", () => {
      const isShown = this.#narrow.matches
        ? this.#app.classList.toggle("members-open")
        : !this.#app.classList.toggle("members-hidden");
      element("toggle-members").setAttribute("aria-expanded", String(isShown));
    });
    wireNotificationButton();
    wireAccountDialog(
      () => this.#me.name,
      (action, name, password) => void this.#account(action, name, password),
    );
  }

  /** What Tab completes: the open room's members and the conversations, not oneself. */
  #completableNames(): string[] {
    const names = new Set<string>([
      ...(this.#current?.members.keys() ?? []),
      ...[...this.#conversations.values()].map((conversation) => conversation.name),
    ]);
    names.delete(this.#me.name);
    return [...names];
  }

  async #account(action: AccountAction, name: string, password: string): Promise<void> {
    if (action === "nick" && name !== "") await this.#send({ type: "nick", name });
    else if (action === "login" && name !== "" && password !== "") await this.#send({ type: "login", name, password });
    else if (action === "register" && password !== "") {
      if (name !== "" && name !== this.#me.name) {
        const answer = await this.#run({ type: "nick", name });
        if (answer.errors.length > 0) return;
      }
      await this.#send({ type: "register", password });
    } else if (action === "logout") await this.#send({ type: "logout" });
    else if (action !== "nick") this.#note("A name and a password are needed.", "error");
    this.#input.focus();
  }
}

function key(name: string): string {
  return name.toLowerCase();
}

function because(reason: string): string {
  return reason === "" ? "" : ` (${reason})`;
}

function asMember(user: User): Member {
  return user;
}

function applyStanding(conversation: Conversation, mode: string, on: boolean, name: string | undefined): void {
  if ((mode !== "o" && mode !== "v") || name === undefined) return;
  const member = conversation.members.get(name);
  if (member === undefined) return;
  conversation.members.set(name, mode === "o" ? { ...member, operator: on } : { ...member, voiced: on });
}

function storedRooms(): string[] {
  try {
    const rooms: unknown = JSON.parse(localStorage.getItem(STORED_ROOMS) ?? "[]");
    if (Array.isArray(rooms) && rooms.length > 0 && rooms.every((room) => typeof room === "string")) return rooms;
  } catch {
    // A damaged entry starts over in the first room.
  }
  return [FIRST_ROOM];
}
