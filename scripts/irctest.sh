#!/usr/bin/env bash
# Runs irctest, the IRC server conformance suite, against Parley's IRC listener (a fresh
# server per test, each with its own data directory), then counts the JUnit report and
# compares the passes with test/irctest-baseline.json.
#
# usage: scripts/irctest.sh [extra pytest args, e.g. -k testAway or -x]
#   With extra args only part of the selection runs, so there is no baseline comparison.
# env:
#   MARKERS      the selection, a key of the baseline: rfc (default: RFC 1459/2812),
#                modern (adds the modern client protocol document), ircv3 (the IRCv3
#                specifications alone, for the caps Parley advertises), all
#   IRCTEST_RUN  the suite's run.sh (default: ../shared/irctest/run.sh beside the repository)
#   IRCTEST_SERVER_CAPS  the IRCv3 caps to test, space-separated (what Parley advertises);
#                default: the names in test/irctest-caps.txt
#   IRCTEST_SERVER_SASL_MECHS  default PLAIN
#   IRCTEST_JUNIT  keep the JUnit report there (default: a temporary file)
#   IRCTEST_UPDATE_BASELINE=1  record this run's passes and failures as the baseline
#   PARLEY_IRCTEST_ARGS  more server flags, appended to the command
#   JOBS         parallel pytest workers (default 2)
#   CI=true      a missing python3, pytest or suite is a failure instead of a skip
# exit: 0 at or above the baseline (or skipped), 1 below it or unable to run under CI.
set -euo pipefail
CALLER=$PWD
cd "$(dirname "$0")/.."
ROOT=$PWD

# Paths given by the caller are relative to where it stood.
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$CALLER/$1" ;; esac; }
RUN=$(absolute "${IRCTEST_RUN:-$ROOT/../shared/irctest/run.sh}")
SELECTION=${MARKERS:-rfc}
BASELINE=$ROOT/test/irctest-baseline.json
CAPS_FILE=$ROOT/test/irctest-caps.txt

unavailable() {
  if [ "${CI:-}" = true ]; then
    echo "irctest: $1 (required under CI)" >&2
    exit 1
  fi
  echo "irctest: skipped: $1"
  exit 0
}

[ -x "$RUN" ] || unavailable "the suite's run.sh is not at $RUN (set IRCTEST_RUN)"
has_pytest=false
for python in ${PYTHON:-} /usr/bin/python3 python3; do
  if command -v "$python" >/dev/null && "$python" -c 'import pytest' 2>/dev/null; then has_pytest=true; break; fi
done
$has_pytest || unavailable "no python3 with pytest (apt-get install python3-pytest python3-pytest-xdist)"

if [ ! -f dist/parley.js ] || [ -n "$(find src scripts/build.mjs -newer dist/parley.js -print -quit)" ]; then
  npm run build --silent
fi

baseline_passes() {
  node -e 'const fs = require("node:fs");
    try { console.log(JSON.parse(fs.readFileSync(process.argv[1], "utf8")).selections?.[process.argv[2]]?.passes ?? 0); }
    catch { console.log(0); }' "$BASELINE" "$SELECTION"
}
if ! node dist/parley.js server --help | grep -q -- '--irc-port'; then
  # Until the IRC front end exists every test would fail at start-up; that is only an
  # error once a baseline says some of them passed.
  if [ "$(baseline_passes)" -gt 0 ]; then
    echo "irctest: this build has no --irc-port, but the baseline expects $(baseline_passes) passes" >&2
    exit 1
  fi
  echo "irctest: skipped: this build of Parley has no IRC listener (--irc-port)"
  exit 0
fi

if [ -z "${IRCTEST_SERVER_CAPS+set}" ]; then
  IRCTEST_SERVER_CAPS=$( (sed 's/#.*//' "$CAPS_FILE" 2>/dev/null || true) | tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
fi
export IRCTEST_SERVER_CAPS
export IRCTEST_SERVER_SASL_MECHS=${IRCTEST_SERVER_SASL_MECHS:-PLAIN}
export IRCTEST_SOFTWARE_NAME=Parley
export IRCTEST_SERVER_CWD=$ROOT
# Only the IRC listener is tested: the line protocol and the web port are off, so a server
# binds no port but the one the suite chose for it (a second port, taken free, could be the
# one another worker's suite has just chosen for its next server). The rate
# limit is off because the suite sends bursts of commands on purpose, as irctest's own
# configurations of other servers turn their flood limits off; what is checked is the replies.
# The suite expects the server to be called My.Little.Server and an operator it can OPER as.
SERVER_STDERR=$(mktemp)
export PARLEY_IRCTEST_STDERR=$SERVER_STDERR
export IRCTEST_SERVER_CMD="scripts/irctest-server.sh --host {host} --port off --irc-port {port} --http-port off \
--data-dir {dir} --quiet --log-level warn --rate off --server-name My.Little.Server \
--opers test/irctest-opers.txt ${PARLEY_IRCTEST_ARGS:-}"

REPORT=${IRCTEST_JUNIT:+$(absolute "$IRCTEST_JUNIT")}
RERUN_REPORT=$(mktemp --suffix=.xml)
if [ -z "$REPORT" ]; then
  REPORT=$(mktemp --suffix=.xml)
  trap 'rm -f "$REPORT" "$RERUN_REPORT" "$SERVER_STDERR"' EXIT
else
  trap 'rm -f "$RERUN_REPORT" "$SERVER_STDERR"' EXIT
fi
rm -f "$REPORT" "$RERUN_REPORT"

echo "irctest: selection $SELECTION; caps: ${IRCTEST_SERVER_CAPS:-(none)}; SASL: $IRCTEST_SERVER_SASL_MECHS"
started=$SECONDS
# The suite exits non-zero whenever a test fails; the report, not that status, is the verdict.
# The suite's own filter (run.sh) knows rfc, modern and all; IRCv3 alone is spelled out here.
case "$SELECTION" in
  ircv3) RUN_MARKERS="not services and not implementation-specific and not deprecated and not strict and IRCv3" ;;
  *) RUN_MARKERS=$SELECTION ;;
esac
# The suite's controller does not always stop the servers it started (a test that fails
# mid-way leaves its server up): end those, and only those (this checkout's, with the
# suite's operator file), so runs do not pile up servers.
end_leftover_servers() {
  for pid in $(pgrep -f "dist/parley.js server .*--opers test/irctest-opers.txt" || true); do
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$ROOT" ] && kill "$pid" 2>/dev/null || true
  done
}
MARKERS=$RUN_MARKERS JUNIT=$REPORT "$RUN" cmd "$@" || true
end_leftover_servers

mode=()
# The suite picks each server's port by binding port 0 and closing it again, so with two
# workers another test's server or connection can take that port before the server binds
# it. A test whose server could not start for that reason alone runs once more; a server
# that failed to start for any other reason is a failure like any other.
# Counted, not piped into `grep -q`: under pipefail an early exit would flip the verdict.
start_failures=$(grep -a '^parley: ' "$SERVER_STDERR" || true)
in_use=$(printf '%s\n' "$start_failures" | grep -c 'the port is in use' || true)
other=$(printf '%s\n' "$start_failures" | grep -c -v -e 'the port is in use' -e '^$' || true)
not_started=$(node scripts/irctest-report.mjs --not-started "$REPORT")
not_started_count=$(printf '%s' "$not_started" | grep -c . || true)
if [ -n "$start_failures" ]; then
  echo "irctest: servers that could not start said (with how many times):"
  printf '%s\n' "$start_failures" | sort | uniq -c
fi
# Every server that stopped must have said its port was taken: one that stopped without a
# word (a crash) is a failure, not a second chance.
if [ "$not_started_count" -gt 0 ] && [ "$other" -eq 0 ] && [ "$in_use" -ge "$not_started_count" ]; then
  echo "irctest: running once more the tests whose server found its port taken:"
  echo "$not_started" | sed 's/^/  /'
  seen=$(wc -l <"$SERVER_STDERR")
  # shellcheck disable=SC2086  # one node id a line, none with spaces
  MARKERS=$RUN_MARKERS JUNIT=$RERUN_REPORT "$RUN" cmd $not_started || true
  end_leftover_servers
  again=$(tail -n "+$((seen + 1))" "$SERVER_STDERR" | grep -a '^parley: ' || true)
  [ -z "$again" ] || { echo "irctest: in the second run, servers that could not start said:"; echo "$again"; }
  mode+=(--rerun "$RERUN_REPORT")
fi
echo "irctest: ran in $((SECONDS - started)) s"

if [ $# -gt 0 ]; then
  mode+=(--no-compare)
elif [ "${IRCTEST_UPDATE_BASELINE:-}" = 1 ]; then
  mode+=(--update)
fi
node scripts/irctest-report.mjs "$REPORT" "$BASELINE" "$SELECTION" "${mode[@]}"
