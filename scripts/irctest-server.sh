#!/usr/bin/env bash
# The server irctest starts for each test (see scripts/irctest.sh): Parley, with its stderr
# appended to $PARLEY_IRCTEST_STDERR, since the suite sends a server's output nowhere and a
# server that cannot start would otherwise leave no reason behind.
exec node dist/parley.js server "$@" 2>>"${PARLEY_IRCTEST_STDERR:-/dev/null}"
