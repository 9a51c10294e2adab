import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  escapeIsupportValue,
  type IsupportLimits,
  isupportReplies,
  isupportTokens,
  MAX_TOKENS_PER_LINE,
  unescapeIsupportValue,
} from "../src/frontends/irc/isupport.js";
import { formatIrcLine } from "../src/frontends/irc/message.js";
import { IrcRawClient, parseReceived } from "./helpers/irc-raw-client.js";
import { startTestServer } from "./helpers/server.js";

const limits: IsupportLimits = {
  network: "Parley",
  caseMapping: "ascii",
  channelTypes: "#",
  channelModes: { lists: "beI", alwaysParameter: "k", parameterWhenSet: "l", noParameter: "imnst" },
  prefix: { modes: "ov", symbols: "@+" },
  nickLength: 30,
  channelLength: 64,
  topicLength: 390,
  kickLength: 390,
  awayLength: 390,
  channelLimit: { channelTypes: "#", limit: 100 },
  maxList: [{ modes: "beI", limit: 100 }],
  targetMax: [
    { command: "PRIVMSG", limit: 4 },
    { command: "NOTICE", limit: 4 },
    { command: "JOIN", limit: null },
  ],
  modesPerCommand: 4,
  isUtf8Only: true,
  statusMessagePrefixes: "@+",
  listExtensions: "U",
  hasWhox: true,
  monitorLimit: 100,
  botMode: "B",
  lineLength: 512,
  extraTokens: [{ name: "CHATHISTORY", value: "500" }],
};

describe("RPL_ISUPPORT", () => {
  it("writes each limit as its token", () => {
    assert.deepEqual(isupportTokens(limits), [
      "NETWORK=Parley",
      "CASEMAPPING=ascii",
      "CHANTYPES=#",
      "CHANMODES=beI,k,l,imnst",
      "PREFIX=(ov)@+",
      "NICKLEN=30",
      "CHANNELLEN=64",
      "TOPICLEN=390",
      "KICKLEN=390",
      "AWAYLEN=390",
      "CHANLIMIT=#:100",
      "MAXLIST=beI:100",
      "TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:",
      "MODES=4",
      "UTF8ONLY",
      "STATUSMSG=@+",
      "ELIST=U",
      "WHOX",
      "MONITOR=100",
      "BOT=B",
      "LINELEN=512",
      "CHATHISTORY=500",
    ]);
  });

  it("leaves out what is absent, and writes an unlimited MONITOR without a value", () => {
    const tokens = isupportTokens({
      ...limits,
      isUtf8Only: false,
      hasWhox: false,
      monitorLimit: null,
      statusMessagePrefixes: undefined,
      listExtensions: undefined,
      botMode: undefined,
      lineLength: undefined,
      extraTokens: undefined,
      channelLimit: { channelTypes: "#", limit: null },
      maxList: undefined,
    });
    assert.ok(
      !tokens.some((token) => /^(UTF8ONLY|WHOX|STATUSMSG|ELIST|BOT|LINELEN|CHATHISTORY|MAXLIST)\b/.test(token)),
    );
    assert.ok(tokens.includes("MONITOR"));
    assert.ok(tokens.includes("CHANLIMIT=#:"));
  });

  it("escapes space, backslash, equals and every non-ASCII byte as \\xHH", () => {
    assert.equal(escapeIsupportValue("My Net=\\é"), "My\\x20Net\\x3D\\x5C\\xC3\\xA9");
    assert.equal(isupportTokens({ ...limits, network: "Café Chat" })[0], "NETWORK=Caf\\xC3\\xA9\\x20Chat");
    assert.equal(unescapeIsupportValue(escapeIsupportValue("My Net=\\é 日本")), "My Net=\\é 日本");
  });

  it("refuses a token name that is not uppercase letters and digits", () => {
    assert.throws(() => isupportTokens({ ...limits, extraTokens: [{ name: "bad name", value: true }] }), /token name/);
  });

  it("splits into lines of at most 13 tokens, each addressed to the nick with the trailing text", () => {
    const replies = isupportReplies({ nick: "alice", serverName: "irc.example" }, limits);
    assert.equal(replies.length, 2);
    for (const params of replies) {
      assert.equal(params[0], "alice");
      assert.equal(params.at(-1), "are supported by this server");
      assert.ok(params.length - 2 <= MAX_TOKENS_PER_LINE);
      assert.ok(params.length <= 15);
    }
    assert.deepEqual(
      replies.flatMap((params) => params.slice(1, -1)),
      isupportTokens(limits),
    );
  });

  it("keeps each line within 512 bytes when values are long", () => {
    const long = {
      ...limits,
      extraTokens: Array.from({ length: 12 }, (_, i) => ({ name: `X${i}`, value: "v".repeat(100) })),
    };
    const replies = isupportReplies({ nick: "n".repeat(30), serverName: "irc.example.org" }, long);
    for (const params of replies) {
      const line = formatIrcLine({ tags: null, source: "irc.example.org", command: "005", params });
      assert.ok(Buffer.byteLength(line) <= 512, `${Buffer.byteLength(line)} bytes`);
    }
    assert.deepEqual(
      replies.flatMap((params) => params.slice(1, -1)),
      isupportTokens(long),
    );
  });

  it("advertises MAXLIST as the server keeps it: that many bans are kept, one more is refused", async (t) => {
    const server = await startTestServer();
    t.after(() => server.stop());
    const client = await IrcRawClient.connect(server.ircAddress?.port ?? 0, "lister");
    t.after(() => client.socket.destroy());
    client.send("JOIN #full");
    await client.waitFor(/ 366 /);
    const maxList = client.lines.map((line) => / MAXLIST=(\S+)/.exec(line)?.[1]).find((value) => value !== undefined);
    assert.equal(maxList, "beI:100");
    const limit = 100;
    for (let i = 0; i < limit; i += 4)
      client.send(`MODE #full +bbbb ${[0, 1, 2, 3].map((j) => `n${i + j}!*@*`).join(" ")}`);
    const from = client.lineCount;
    client.send("MODE #full +b over!*@*");
    const refused = await client.waitFor(
      (line) => ["696", "478"].includes(parseReceived(line).command),
      undefined,
      from,
    );
    console.log(refused);
    assert.match(refused, /over!\*@\*|b/);
    client.send("MODE #full +b");
    await client.waitFor(/ 368 /, undefined, from);
    const listed = client.lines.slice(from).filter((line) => parseReceived(line).command === "367");
    assert.equal(listed.length, limit);
  });
});
