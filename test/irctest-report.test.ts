import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { REPO_ROOT } from "./helpers/server.js";
import { SpawnedProgram } from "./helpers/spawned-program.js";

/** What pytest's JUnit writer produces for a passed, a failed, an erroring, a skipped and an xfailed test. */
const REPORT = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="6">
<testcase classname="irctest.server_tests.away.AwayTestCase" name="testAway" time="2.3"><system-out>S -&gt; 1: 001</system-out></testcase>
<testcase classname="irctest.server_tests.names.NamesTestCase" name="testNames2812Secret" time="1.0"><failure message="AssertionError: expected &quot;@&quot;, got &quot;=&quot;&#10;second line">trace</failure></testcase>
<testcase classname="irctest.server_tests.chmodes.key.KeyTestCase" name="testKeyValidation[spaces]" time="1.0"><failure message="AssertionError: 461">trace</failure></testcase>
<testcase classname="irctest.server_tests.chmodes.key.KeyTestCase" name="testKeyValidation[spaces]" time="0.1"><error message="teardown failed">trace</error></testcase>
<testcase classname="irctest.server_tests.list.ListTestCase" name="testListEmpty" time="0.1" />
<testcase classname="irctest.server_tests.invite.InviteTestCase" name="testInviteList" time="0.1"><skipped type="pytest.skip" message="Optional behavior not supported" /></testcase>
<testcase classname="irctest.server_tests.regressions.RegressionsTestCase" name="testStarNick" time="0.1"><skipped type="pytest.xfail" message="wat" /></testcase>
</testsuite></testsuites>`;

const SECRET = "irctest/server_tests/names.py::NamesTestCase::testNames2812Secret";
const KEY = "irctest/server_tests/chmodes/key.py::KeyTestCase::testKeyValidation[spaces]";

describe("the irctest report counter", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-irctest-report-"));
  const reportPath = join(dir, "report.xml");
  const baselinePath = join(dir, "baseline.json");
  writeFileSync(reportPath, REPORT);
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function count(passes: number, ...flags: string[]): Promise<{ code: number | null; output: string }> {
    const baseline = {
      selections: { rfc: { passes, expectedFailures: { [SECRET]: "secret channels are shown as =" } } },
    };
    if (!flags.includes("--keep")) writeFileSync(baselinePath, JSON.stringify(baseline));
    const args = flags.filter((flag) => flag !== "--keep");
    const run = new SpawnedProgram(
      "irctest-report",
      process.execPath,
      [join(REPO_ROOT, "scripts", "irctest-report.mjs"), reportPath, baselinePath, "rfc", ...args],
      { stdin: "ignore" },
    );
    const { code } = await run.waitForExit();
    return { code, output: run.stdout + run.stderr };
  }

  test("counts each outcome once, a test reported twice by its worst outcome", async () => {
    const { output } = await count(2);
    assert.match(output, /^irctest rfc: 2 passed, 2 failed, 1 skipped, 1 xfailed .*, 6 in all$/m);
  });

  test("lists failures apart: those the baseline expects with their reason, new ones with their first line", async () => {
    const { output } = await count(2);
    assert.ok(output.includes(`${SECRET}  (secret channels are shown as =)`), output);
    assert.match(
      output,
      /not listed in the baseline \(1\):\n {2}irctest\/server_tests\/chmodes\/key\.py::KeyTestCase::testKeyValidation\[spaces\]\n {6}AssertionError: 461\n/,
    );
  });

  test("passes at the baseline; fails below it; says to raise it above it", async () => {
    assert.equal((await count(2)).code, 0);
    const below = await count(3);
    assert.equal(below.code, 1);
    assert.match(below.output, /FAIL: 2 passes, below the baseline of 3/);
    const above = await count(1);
    assert.equal(above.code, 0);
    assert.match(above.output, /2 passes, above the baseline of 1: raise it/);
  });

  test("--update records the passes and every failure, keeping the reasons already written", async () => {
    await count(0);
    assert.equal((await count(0, "--keep", "--update")).code, 0);
    const written = JSON.parse(readFileSync(baselinePath, "utf8")).selections.rfc;
    assert.equal(written.passes, 2);
    assert.deepEqual(written.expectedFailures, {
      [SECRET]: "secret channels are shown as =",
      [KEY]: "AssertionError: 461",
    });
  });

  test("lists the tests whose server stopped before they could connect, and counts a second run's outcome for them", async () => {
    const stopped = (name: string) =>
      `<testcase classname="irctest.server_tests.whois.WhoisTestCase" name="${name}" time="0.5"><failure message="irctest.basecontrollers.ProcessStopped: process returned 1">trace</failure></testcase>`;
    const firstRun = REPORT.replace(
      "</testsuite>",
      `${stopped("testWhoisUser[a]")}${stopped("testWhoisUser[b]")}</testsuite>`,
    );
    const rerunPath = join(dir, "rerun.xml");
    writeFileSync(reportPath, firstRun);
    writeFileSync(
      rerunPath,
      `<testsuites><testsuite>${stopped("testWhoisUser[a]")}<testcase classname="irctest.server_tests.whois.WhoisTestCase" name="testWhoisUser[b]" time="1" /></testsuite></testsuites>`,
    );
    try {
      const listing = new SpawnedProgram(
        "irctest-report",
        process.execPath,
        [join(REPO_ROOT, "scripts", "irctest-report.mjs"), "--not-started", reportPath],
        { stdin: "ignore" },
      );
      assert.equal((await listing.waitForExit()).code, 0);
      assert.equal(
        listing.stdout,
        "irctest/server_tests/whois.py::WhoisTestCase::testWhoisUser[a]\nirctest/server_tests/whois.py::WhoisTestCase::testWhoisUser[b]\n",
      );
      const { code, output } = await count(3, "--rerun", rerunPath);
      assert.equal(code, 0, output);
      assert.match(output, /^run again: irctest\/server_tests\/whois\.py::WhoisTestCase::testWhoisUser\[b\]: passed$/m);
      assert.match(output, /^irctest rfc: 3 passed, 3 failed, 1 skipped, 1 xfailed .*, 8 in all$/m);
    } finally {
      writeFileSync(reportPath, REPORT);
    }
  });

  test("a missing report is an error, not a pass", async () => {
    rmSync(reportPath);
    try {
      const { code, output } = await count(0);
      assert.equal(code, 2);
      assert.match(output, /no JUnit report/);
    } finally {
      writeFileSync(reportPath, REPORT);
    }
  });
});
