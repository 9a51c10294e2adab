import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as numerics from "../src/frontends/irc/numerics.js";

describe("IRC numerics", () => {
  const entries = Object.entries(numerics);

  it("are each three digits, named RPL_ or ERR_", () => {
    assert.ok(entries.length > 100);
    for (const [name, value] of entries) {
      assert.match(name, /^(RPL|ERR)_[A-Z0-9_]+$/, name);
      assert.match(value, /^\d{3}$/, name);
    }
  });

  it("give each number one name, so a reply cannot be sent under two", () => {
    const names = new Map<string, string>();
    for (const [name, value] of entries) {
      assert.equal(names.get(value), undefined, `${name} and ${names.get(value)} are both ${value}`);
      names.set(value, name);
    }
  });

  it("hold the numbers clients act on", () => {
    assert.equal(numerics.RPL_WELCOME, "001");
    assert.equal(numerics.RPL_ISUPPORT, "005");
    assert.equal(numerics.ERR_INPUTTOOLONG, "417");
    assert.equal(numerics.ERR_NICKNAMEINUSE, "433");
    assert.equal(numerics.RPL_WHOSPCRPL, "354");
    assert.equal(numerics.RPL_SASLSUCCESS, "903");
    assert.equal(numerics.ERR_MONLISTFULL, "734");
  });
});
