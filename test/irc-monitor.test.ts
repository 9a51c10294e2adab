import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IrcRawClient } from "./helpers/irc-raw-client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("IRCv3 MONITOR", () => {
  let server: TestServer;
  let port = 0;
  let watcher: IrcRawClient;

  before(async () => {
    server = await startTestServer();
    port = server.ircAddress?.port as number;
    watcher = await IrcRawClient.connect(port, "watcher");
  });

  after(async () => {
    watcher.socket.destroy();
    await server.stop();
  });

  test("advertises MONITOR with its limit", () => {
    assert.ok(watcher.lines.some((line) => / 005 .*MONITOR=100/.test(line)));
  });

  test("a watched nick is offline, comes online, changes case quietly, and goes offline on quit", async () => {
    let from = watcher.lineCount;
    watcher.send("MONITOR + zed");
    await watcher.waitFor(/ 731 watcher :?zed$/, undefined, from);

    from = watcher.lineCount;
    const zed = await IrcRawClient.connect(port, "zed");
    await watcher.waitFor(/ 730 watcher :?zed!~zed@\S+$/, undefined, from);

    from = watcher.lineCount;
    zed.send("NICK ZED");
    await zed.waitFor(/ NICK :?ZED$/);
    zed.send("QUIT :bye");
    // The offline line names the nick as it was last shown, and no line came for the case change.
    await watcher.waitFor(/ 731 watcher :?ZED$/, undefined, from);
    assert.deepEqual(
      watcher.lines.slice(from).filter((line) => / 73\d /.test(line)),
      [watcher.lines.slice(from).find((line) => / 731 /.test(line))],
    );
  });

  test("a nick change takes the old nick offline and the new one online", async () => {
    const from = watcher.lineCount;
    watcher.send("MONITOR + yan,yannick");
    await watcher.waitFor(/ 731 watcher :?yan,yannick$/, undefined, from);
    const yan = await IrcRawClient.connect(port, "yan");
    await watcher.waitFor(/ 730 watcher :?yan!/, undefined, from);
    yan.send("NICK yannick");
    await watcher.waitFor(/ 731 watcher :?yan$/, undefined, from);
    await watcher.waitFor(/ 730 watcher :?yannick!/, undefined, from);
    yan.socket.destroy();
    await watcher.waitFor(/ 731 watcher :?yannick$/, undefined, from);
  });

  test("L lists, S gives each status, - and C stop watching, masks are refused", async () => {
    const other = await IrcRawClient.connect(port, "other");
    let from = watcher.lineCount;
    watcher.send("MONITOR C");
    watcher.send("MONITOR + other,nobody,*!u@h");
    await watcher.waitFor(/ 432 watcher \*!u@h /, undefined, from);
    watcher.send("MONITOR L");
    await watcher.waitFor(/ 733 watcher :?End of MONITOR list$/, undefined, from);
    assert.ok(watcher.lines.slice(from).some((line) => / 732 watcher :?other,nobody$/.test(line)));

    from = watcher.lineCount;
    watcher.send("MONITOR S");
    await watcher.waitFor(/ 731 watcher :?nobody$/, undefined, from);
    assert.ok(watcher.lines.slice(from).some((line) => / 730 watcher :?other!/.test(line)));

    from = watcher.lineCount;
    watcher.send("MONITOR - other");
    watcher.send("MONITOR L");
    await watcher.waitFor(/ 733 /, undefined, from);
    assert.ok(watcher.lines.slice(from).some((line) => / 732 watcher :?nobody$/.test(line)));
    other.send("QUIT");
    await other.waitForClose();
    watcher.send("MONITOR S");
    await watcher.waitFor(/ 731 watcher :?nobody$/, undefined, from);
    assert.ok(!watcher.lines.slice(from).some((line) => / 731 watcher :?other$/.test(line)));
  });

  test("extended-monitor: a watched user's AWAY and SETNAME reach watchers with those caps, in no shared channel", async () => {
    const extended = await IrcRawClient.connect(port, "extended", {
      caps: ["extended-monitor", "away-notify", "setname"],
    });
    const target = await IrcRawClient.connect(port, "target", { caps: ["setname"] });
    try {
      const from = extended.lineCount;
      extended.send("MONITOR + target");
      await extended.waitFor(/ 730 extended :?target!/, undefined, from);
      target.send("AWAY :out");
      await extended.waitFor(/^(@\S+ )?:target!\S+ AWAY :?out$/, undefined, from);
      target.send("SETNAME :Tar Get");
      await extended.waitFor(/^(@\S+ )?:target!\S+ SETNAME :Tar Get$/, undefined, from);
      // The plain watcher monitors without extended-monitor: it is told of neither.
      const plainFrom = watcher.lineCount;
      watcher.send("MONITOR + target");
      await watcher.waitFor(/ 730 watcher :?target!/, undefined, plainFrom);
      target.send("AWAY");
      await extended.waitFor(/^(@\S+ )?:target!\S+ AWAY$/, undefined, from);
      watcher.send("PING sync");
      await watcher.waitFor(/PONG .*sync$/, undefined, plainFrom);
      assert.ok(!watcher.lines.slice(plainFrom).some((line) => / (AWAY|SETNAME)/.test(line)));
    } finally {
      extended.socket.destroy();
      target.socket.destroy();
    }
  });
});
