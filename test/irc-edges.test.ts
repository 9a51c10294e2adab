import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ask, startChat } from "./helpers/chat-fixture.js";
import { commandOf, IrcRawClient } from "./helpers/irc-raw-client.js";
import { ircPortOf } from "./helpers/server.js";

describe("IRC at the edges", () => {
  it("a line user's 3,000-byte message reaches an IRC client as lines of at most 512 bytes, whole", async (t) => {
    const { connect, server } = await startChat(t);
    const irc = await IrcRawClient.connect(ircPortOf(server), "reader");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #lobby");
    await irc.waitFor(/ 366 reader #lobby /);
    const long = await connect("longwinded");
    const words = Array.from({ length: 500 }, (_, i) => `w${i}é`).join(" ");
    assert.ok(Buffer.byteLength(words) > 3000);
    const from = irc.lineCount;
    long.send(`${words}\n`);
    await irc.waitFor((line) => line.endsWith("w499é"), undefined, from);
    const lines = irc.lines.slice(from).filter((line) => commandOf(line) === "PRIVMSG");
    assert.ok(lines.length >= 6, `${lines.length} lines`);
    for (const line of lines) assert.ok(Buffer.byteLength(`${line}\r\n`) <= 512, `${Buffer.byteLength(line)} bytes`);
    const text = lines.map((line) => line.slice(line.indexOf(" :", line.indexOf("PRIVMSG")) + 2)).join("");
    assert.equal(text, words);
  });

  it("a line user's long PART and QUIT reasons, and an IRC client's longest QUIT, reach IRC clients cut to 512 bytes", async (t) => {
    const { connect, server } = await startChat(t);
    const irc = await IrcRawClient.connect(ircPortOf(server), "reader");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #lobby");
    await irc.waitFor(/ 366 reader #lobby /);
    const fits = (line: string) =>
      assert.ok(Buffer.byteLength(`${line}\r\n`) <= 512, `${Buffer.byteLength(line)} bytes`);
    // Three bytes a character: a cut inside one would show as U+FFFD.
    const reason = "日本語の理由".repeat(100);
    const line = await connect("rambler");
    await irc.waitFor(/ JOIN #lobby/);
    line.send(`/part #lobby ${reason}\n`);
    const part = await irc.waitFor((l) => commandOf(l) === "PART");
    fits(part);
    const partReason = part.slice(part.indexOf(" :") + 2);
    assert.ok(partReason.length > 100 && reason.startsWith(partReason), part);
    line.send("/join #lobby\n");
    await irc.waitFor((l) => commandOf(l) === "JOIN" && l.startsWith(":rambler!"));
    line.send(`/quit ${reason}\n`);
    const quit = await irc.waitFor((l) => commandOf(l) === "QUIT");
    fits(quit);
    assert.ok(`Quit: ${reason}`.startsWith(quit.slice(quit.indexOf(" :") + 2)), quit);
    // An IRC client's own QUIT fits its line; relayed behind the mask and "Quit: ", it would not.
    const leaver = await IrcRawClient.connect(ircPortOf(server), "leaver");
    leaver.send("JOIN #lobby");
    await irc.waitFor((l) => commandOf(l) === "JOIN" && l.startsWith(":leaver!"));
    const from = irc.lineCount;
    leaver.send(`QUIT :${"x".repeat(500 - "QUIT :".length)}`);
    const relayed = await irc.waitFor((l) => commandOf(l) === "QUIT", undefined, from);
    fits(relayed);
    assert.match(relayed, /^:leaver!\S+ QUIT :Quit: x+$/);
  });

  it("eight bans a line user sets at once reach IRC as MODE lines of four; WHOIS lists twenty long channels whole", async (t) => {
    const { connect, server } = await startChat(t);
    const irc = await IrcRawClient.connect(ircPortOf(server), "watcher");
    t.after(() => irc.socket.destroy());
    const keeper = await connect("keeper");
    keeper.send("/join #kk\n");
    await keeper.waitFor((l) => l.includes("#kk"));
    irc.send("JOIN #kk");
    await irc.waitFor(/ 366 watcher #kk /);
    const masks = Array.from({ length: 8 }, (_, i) => `*!*@host-${i}.${"x".repeat(60)}`);
    const from = irc.lineCount;
    keeper.send(`/mode #kk +bbbbbbbb ${masks.join(" ")}\n`);
    await irc.waitFor((l) => l.endsWith(masks[7] as string), undefined, from);
    const modes = irc.lines.slice(from).filter((l) => commandOf(l) === "MODE");
    assert.deepEqual(
      modes.map((l) => l.slice(l.indexOf(" MODE ") + 1)),
      [`MODE #kk +bbbb ${masks.slice(0, 4).join(" ")}`, `MODE #kk +bbbb ${masks.slice(4).join(" ")}`],
    );
    for (const line of modes) assert.ok(Buffer.byteLength(`${line}\r\n`) <= 512);
    // WHOIS: twenty channels of 60 characters are more than one 319 line holds.
    // Numbered, not lettered: i and l are one letter in names (look-alikes, with I).
    const rooms = Array.from({ length: 20 }, (_, i) => `#room${String(i).padStart(2, "0")}-${"z".repeat(52)}`);
    for (const room of rooms) irc.send(`JOIN ${room}`);
    await irc.waitFor(new RegExp(` 366 watcher ${rooms[19]} `));
    const asker = await IrcRawClient.connect(ircPortOf(server), "asker");
    t.after(() => asker.socket.destroy());
    asker.send("WHOIS watcher");
    await asker.waitFor(/ 318 asker watcher /);
    const listed = asker.lines.filter((l) => commandOf(l) === "319");
    assert.ok(listed.length >= 2, `${listed.length} lines`);
    for (const line of listed) assert.ok(Buffer.byteLength(`${line}\r\n`) <= 512);
    const shown = listed.flatMap((l) => l.slice(l.indexOf(" :") + 2).split(" ")).map((c) => c.replace(/^[@+]/, ""));
    assert.deepEqual(shown.sort(), [...rooms, "#kk"].sort());
  });

  it("a guest's past message replayed on JOIN comes from the guest's nick, never its address", async (t) => {
    const { connect, server } = await startChat(t);
    const guest = await connect();
    guest.send("said before anyone came\n");
    const irc = await IrcRawClient.connect(ircPortOf(server), "late");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #lobby");
    const replayed = await irc.waitFor((line) => line.endsWith("said before anyone came"));
    const source = replayed.slice(replayed.indexOf(":") + 1, replayed.indexOf("!"));
    assert.match(source, /^guest-[0-9a-f]+$/, replayed);
  });

  it("a JOIN of a look-alike of a channel one is in says which room it is; the same name in other case stays silent", async (t) => {
    const { server } = await startChat(t);
    const irc = await IrcRawClient.connect(ircPortOf(server), "looker");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #lll");
    await irc.waitFor(/ 366 looker #lll /);
    const from = irc.lineCount;
    irc.send("JOIN #LLL");
    irc.send("JOIN #iii");
    const notice = await irc.waitFor((line) => commandOf(line) === "NOTICE", undefined, from);
    assert.match(notice, /NOTICE looker :#iii is the same room as #lll, where you are already$/);
    irc.send("PING :after");
    await irc.waitFor(/PONG \S+ :?after$/, undefined, from);
    const answered = irc.lines.slice(from).filter((line) => !/ PONG /.test(line));
    assert.deepEqual(answered, [notice], "#LLL is #lll by case: ignored without a word, as RFC 2812 has it");
    // CASEMAPPING=ascii: to the client, #ÄRGER is another name than #ärger, though the same room here.
    irc.send("JOIN #ärger");
    await irc.waitFor(/ 366 looker #ärger /);
    irc.send("JOIN #ÄRGER");
    await irc.waitFor(/NOTICE looker :#ÄRGER is the same room as #ärger, where you are already$/);
  });

  it("a JOIN past the most rooms a user may be in gets 405, and the connection lives", async (t) => {
    const { server } = await startChat(t, { maxRoomsPerUser: 2 });
    const irc = await IrcRawClient.connect(ircPortOf(server), "roomy");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #a,#b");
    await irc.waitFor(/ 366 roomy #b /);
    irc.send("JOIN #c");
    await irc.waitFor(/ 405 roomy #c /);
    irc.send("PING :alive");
    await irc.waitFor(/PONG \S+ :?alive$/);
  });

  it("a login shows the account's channels with their names before what it missed", async (t) => {
    const { connect, server } = await startChat(t);
    const owner = await connect("pia");
    await ask(owner, "/register password1", (line) => line.startsWith("- The name pia is now yours"));
    await ask(owner, "/join #den", (line) => line.startsWith("- You joined #den"));
    owner.send("/quit\n");
    await owner.waitForClose();
    const other = await connect("oz");
    await ask(other, "/join #den", (line) => line.startsWith("- You joined #den"));
    other.send("said while pia was away\n");
    const irc = await IrcRawClient.connect(ircPortOf(server), "pia_");
    t.after(() => irc.socket.destroy());
    irc.send("PRIVMSG NickServ :IDENTIFY pia password1");
    const missed = await irc.waitFor((line) => line.includes("said while pia was away"));
    await irc.waitFor(/ 366 pia #den /);
    const joinAt = irc.lines.findIndex((line) => / JOIN :?#den$/.test(line));
    assert.ok(
      joinAt !== -1 && joinAt < irc.lines.indexOf(missed),
      "the channel is joined before what was missed in it",
    );
    assert.ok(
      irc.lines.some((line) => / 353 pia = #den :?.*\boz\b/.test(line)),
      "its names are shown",
    );
  });

  it("on a server without history, a JOIN is shown to the joiner once", async (t) => {
    const { server } = await startChat(t, { history: false });
    const irc = await IrcRawClient.connect(ircPortOf(server), "once");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #one");
    await irc.waitFor(/ 366 once #one /);
    irc.send("PING :settled");
    await irc.waitFor(/PONG \S+ :?settled$/);
    assert.equal(irc.lines.filter((line) => / JOIN :?#one$/.test(line)).length, 1, irc.lines.join("\n"));
  });

  it("a NICK while logged in is refused where the client can see it, not by NickServ", async (t) => {
    const { connect, server } = await startChat(t);
    const owner = await connect("rue");
    await ask(owner, "/register password1", (line) => line.startsWith("- The name rue is now yours"));
    owner.send("/quit\n");
    await owner.waitForClose();
    const irc = await IrcRawClient.connect(ircPortOf(server), "rue_");
    t.after(() => irc.socket.destroy());
    irc.send("PRIVMSG NickServ :IDENTIFY rue password1");
    await irc.waitFor(/ 900 rue /);
    irc.send("NICK somebody");
    await irc.waitFor(/^:\S+ FAIL NICK CANNOT_CHANGE_NICK /);
  });

  it("a session that logs out while its account stays elsewhere leaves the account's operator standing behind", async (t) => {
    const { connect } = await startChat(t);
    const first = await connect("ada");
    await ask(first, "/register password1", (line) => line.startsWith("- The name ada is now yours"));
    await ask(first, "/join #lab", (line) => line.startsWith("- You joined #lab"));
    const second = await connect();
    await ask(second, "/login ada password1", (line) => line.startsWith("- Logged in as"));
    await ask(second, "/join #lab", (line) => line.startsWith("- You are already in #lab") || line.startsWith("- You"));
    await ask(second, "/logout", "- Logged out of ada.");
    const bob = await connect("bob");
    await ask(bob, "/join #lab", (line) => line.startsWith("- You joined #lab"));
    assert.deepEqual(await ask(second, "/kick bob", (line) => line.startsWith("! ")), [
      "! Only operators of #lab may do that.",
    ]);
  });

  it("a channel name that mixes scripts gets 403 with the reason, not a nick's 432", async (t) => {
    const { server } = await startChat(t);
    const irc = await IrcRawClient.connect(ircPortOf(server), "mixer");
    t.after(() => irc.socket.destroy());
    irc.send("JOIN #t\u0435st");
    const refused = await irc.waitFor(/ (403|432) mixer /);
    assert.match(refused, / 403 mixer #t\u0435st :No such channel: it mixes /);
  });

  it("ESC, C1 and other terminal controls reach IRC clients in caret notation; mIRC formatting and CTCP pass", async (t) => {
    const { connect, server } = await startChat(t);
    const reader = await IrcRawClient.connect(ircPortOf(server), "reader");
    const writer = await IrcRawClient.connect(ircPortOf(server), "writer");
    t.after(() => {
      reader.socket.destroy();
      writer.socket.destroy();
    });
    for (const client of [reader, writer]) {
      client.send("JOIN #lobby");
      await client.waitFor(/ 366 \S+ #lobby /);
    }
    const formatting =
      "\x02bold\x02 \x0304,01red\x03 \x04ff0000hex\x0f \x11mono\x11 \x16rev\x16 \x1dit\x1d \x1estrike\x1e \x1fund\x1f\ttab";
    const controls = "\x1b]0;owned\x07 \x1b[2J \u009b31m \x08\x7f";
    const shown = "^[]0;owned^G ^[[2J ^[[31m ^H^?";

    // From the line protocol, from another IRC client, and as a topic: drawn the same way.
    const line = await connect("liner");
    let from = reader.lineCount;
    line.send(`${formatting} ${controls}\n`);
    const fromLine = await reader.waitFor(
      (text) => text.includes(":liner!") && text.includes(" PRIVMSG "),
      undefined,
      from,
    );
    assert.ok(fromLine.endsWith(`#lobby :${formatting} ${shown}`), JSON.stringify(fromLine));

    from = reader.lineCount;
    writer.send(`PRIVMSG #lobby :${formatting} ${controls}`);
    const fromIrc = await reader.waitFor(
      (text) => text.includes(":writer!") && text.includes(" PRIVMSG "),
      undefined,
      from,
    );
    assert.ok(fromIrc.endsWith(`#lobby :${formatting} ${shown}`), JSON.stringify(fromIrc));

    from = reader.lineCount;
    writer.send("PRIVMSG #lobby :\x01ACTION waves \x1b[5m\x01");
    const action = await reader.waitFor(
      (text) => text.includes(":writer!") && text.includes("ACTION"),
      undefined,
      from,
    );
    assert.ok(action.endsWith("#lobby :\x01ACTION waves ^[[5m\x01"), JSON.stringify(action));

    from = reader.lineCount;
    writer.send(`TOPIC #lobby :${controls}`);
    const topic = await reader.waitFor((text) => text.includes(" TOPIC "), undefined, from);
    assert.ok(topic.endsWith(`#lobby :${shown}`), JSON.stringify(topic));
    const isTerminalControl = (code: number): boolean => code === 0x1b || (code >= 0x7f && code <= 0x9f);
    const raw = reader.lines.filter((text) =>
      [...text].some((character) => isTerminalControl(character.charCodeAt(0))),
    );
    assert.deepEqual(raw, [], "no raw ESC, DEL or C1 arrived");
  });

  it("a line user a server operator kills is told who and why before the connection closes", async (t) => {
    const { connect, server } = await startChat(t, { operators: [{ name: "boss", secret: "s3cret" }] });
    const victim = await connect("victim");
    const irc = await IrcRawClient.connect(ircPortOf(server), "opper");
    t.after(() => irc.socket.destroy());
    irc.send("OPER boss s3cret");
    await irc.waitFor(/ 381 opper /);
    irc.send("KILL victim :spamming");
    await victim.waitFor("! You were disconnected by the server operator opper: spamming");
    await victim.waitForClose();
  });
});
