#!/usr/bin/env bash
# `npm test`: the type check, the linter, then the unit tests. tsc uses one core for
# most of a minute, so it runs beside eslint and mocha (two workers) instead of
# before them: a 2-core machine stays busy throughout. Its findings are printed
# when it ends, and any of the three failing fails the run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

tsc_log=$(mktemp)
trap 'rm -f -- "$tsc_log"' EXIT
npm run --silent typecheck >"$tsc_log" 2>&1 &
tsc_pid=$!

status=0
if npm run --silent lint; then
    npm run --silent test:unit || status=1
else
    status=1
fi

if wait "$tsc_pid"; then
    echo "tsc --noEmit: no errors"
else
    cat "$tsc_log"
    echo "tsc --noEmit: failed (above)" >&2
    status=1
fi
exit "$status"
