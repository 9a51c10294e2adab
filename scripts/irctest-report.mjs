// Reads the JUnit report of an irctest run, prints what passed and what failed, and
// compares the number of passes with the baseline recorded for that selection.
//
// usage: node scripts/irctest-report.mjs REPORT.xml BASELINE.json SELECTION [--update | --no-compare] [--rerun RERUN.xml]
//        node scripts/irctest-report.mjs --not-started REPORT.xml
//   exit 0: at least as many passes as the baseline (more: says so, so it can be raised),
//           or --no-compare (a run of part of the selection, which no baseline describes)
//   exit 1: fewer passes than the baseline
//   exit 2: no usable report
//   --update writes the run's passes and failures into the baseline; a failure already
//   listed keeps its reason, a new one gets the first line of its assertion to edit.
//   --rerun: the report of a second run of some of the tests; their outcomes there replace
//   the first run's.
//   --not-started prints, one a line, the node ids of the tests that failed because their
//   server stopped before the suite could connect to it.
import { readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const isListingNotStarted = args[0] === "--not-started" && args.length === 2;
const rerunAt = args.indexOf("--rerun");
const rerunPath = rerunAt === -1 ? null : args.splice(rerunAt, 2)[1];
const [reportPath, baselinePath, selection, ...flags] = args;
if (!isListingNotStarted && (!reportPath || !baselinePath || !selection || (rerunAt !== -1 && !rerunPath))) {
  console.error(
    "usage: irctest-report.mjs REPORT.xml BASELINE.json SELECTION [--update | --no-compare] [--rerun RERUN.xml]\n" +
      "       irctest-report.mjs --not-started REPORT.xml",
  );
  process.exit(2);
}

/** Worse outcomes win when pytest reports a test twice (a failed call, then a failed teardown). */
const OUTCOME_RANK = { passed: 0, skipped: 1, xfailed: 2, failed: 3 };

/** pytest's JUnit writer escapes only these in attribute values. */
function unescapeXml(text) {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code) => String.fromCodePoint(Number.parseInt(code, 16)))
    .replace(/&amp;/g, "&");
}

function attribute(tag, name) {
  const value = tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
  return value === undefined ? undefined : unescapeXml(value);
}

/** "irctest.server_tests.chmodes.key.KeyTestCase" + "testX[a]" -> the pytest node id, usable as a run.sh argument. */
function nodeId(classname, name) {
  const parts = classname.split(".");
  const testClass = parts.pop();
  return `${parts.join("/")}.py::${testClass}::${name}`;
}

function outcomeOf(body) {
  const verdict = body.match(/<(failure|error|skipped)\b[^>]*>/);
  if (verdict === null) return { outcome: "passed", message: "" };
  const message = attribute(verdict[0], "message") ?? "";
  if (verdict[1] !== "skipped") return { outcome: "failed", message };
  return { outcome: attribute(verdict[0], "type") === "pytest.xfail" ? "xfailed" : "skipped", message };
}

function readReport(path) {
  let xml;
  try {
    xml = readFileSync(path, "utf8");
  } catch (error) {
    console.error(`no JUnit report at ${path}: ${error.message}`);
    process.exit(2);
  }
  const results = new Map();
  for (const [, open, body = ""] of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const id = nodeId(attribute(open, "classname") ?? "", attribute(open, "name") ?? "");
    const result = outcomeOf(body);
    const earlier = results.get(id);
    if (earlier === undefined || OUTCOME_RANK[result.outcome] > OUTCOME_RANK[earlier.outcome]) results.set(id, result);
  }
  return results;
}

function readBaseline(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return { selections: {} };
    throw error;
  }
}

function firstLine(text) {
  const line = text.split("\n").find((part) => part.trim() !== "") ?? "";
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

if (isListingNotStarted) {
  for (const [id, result] of readReport(args[1])) {
    if (result.outcome === "failed" && result.message.includes("ProcessStopped")) console.log(id);
  }
  process.exit(0);
}

const results = readReport(reportPath);
if (rerunPath !== null) {
  const rerun = readReport(rerunPath);
  for (const [id, result] of rerun) {
    console.log(
      `run again: ${id}: ${result.outcome}${result.outcome === "failed" ? ` (${firstLine(result.message)})` : ""}`,
    );
    results.set(id, result);
  }
}
const baseline = readBaseline(baselinePath);
baseline.selections ??= {};
const recorded = baseline.selections[selection];
const expectedFailures = recorded?.expectedFailures ?? {};

const count = (outcome) => [...results.values()].filter((result) => result.outcome === outcome).length;
const passes = count("passed");
const failing = [...results].filter(([, result]) => result.outcome === "failed").sort(([a], [b]) => a.localeCompare(b));
console.log(
  `irctest ${selection}: ${passes} passed, ${failing.length} failed, ${count("skipped")} skipped, ` +
    `${count("xfailed")} xfailed (marked in the suite itself), ${results.size} in all`,
);

if (results.size === 0) {
  console.error("the report lists no tests: the suite did not run");
  process.exit(2);
}

const unexpected = failing.filter(([id]) => !(id in expectedFailures));
const expected = failing.filter(([id]) => id in expectedFailures);
if (expected.length > 0) {
  console.log(`\nfailing as the baseline expects (${expected.length}):`);
  for (const [id] of expected) console.log(`  ${id}  (${expectedFailures[id]})`);
}
if (unexpected.length > 0) {
  console.log(`\nfailing, not listed in the baseline (${unexpected.length}):`);
  for (const [id, result] of unexpected) console.log(`  ${id}\n      ${firstLine(result.message)}`);
}
const fixed = Object.keys(expectedFailures).filter((id) => results.get(id)?.outcome === "passed");
if (fixed.length > 0) {
  console.log(`\nlisted as expected failures but passing now (remove them from the baseline):`);
  for (const id of fixed) console.log(`  ${id}`);
}

if (flags.includes("--update")) {
  const updated = {};
  for (const [id, result] of failing) updated[id] = expectedFailures[id] ?? firstLine(result.message);
  baseline.selections[selection] = { ...recorded, passes, expectedFailures: updated };
  writeFileSync(baselinePath, `${JSON.stringify(baseline, null, 2)}\n`);
  console.log(`\nbaseline for ${selection} written: ${passes} passes, ${failing.length} expected failures`);
  process.exit(0);
}

if (flags.includes("--no-compare")) process.exit(0);
if (recorded === undefined) {
  console.log(`\nno baseline for the selection "${selection}" in ${baselinePath}: nothing to compare`);
  process.exit(0);
}
if (passes < recorded.passes) {
  console.error(`\nFAIL: ${passes} passes, below the baseline of ${recorded.passes}`);
  process.exit(1);
}
if (passes > recorded.passes) {
  console.log(
    `\n${passes} passes, above the baseline of ${recorded.passes}: raise it ` +
      `(IRCTEST_UPDATE_BASELINE=1 scripts/irctest.sh writes it; then give each new expected failure its reason)`,
  );
} else {
  console.log(`\n${passes} passes, as the baseline records`);
}
