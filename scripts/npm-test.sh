#!/usr/bin/env bash
# `npm test`: the type check, the linter and the unit tests. tsc uses one core for
# most of half a minute and eslint for ten seconds, so both run beside mocha (two
# workers) instead of before it: a 2-core machine stays busy throughout. Their
# findings are printed when mocha ends, and any of the three failing fails the run.
# Both keep a cache under node_modules/.cache (tsc's build info, eslint's per-file
# results by content), so a second `npm test` in the same clone checks only what
# changed; a fresh clone (CI) checks everything, and cached findings are reported
# again until they are fixed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

tsc_log=$(mktemp)
lint_log=$(mktemp)
trap 'rm -f -- "$tsc_log" "$lint_log"' EXIT
npm run --silent typecheck >"$tsc_log" 2>&1 &
tsc_pid=$!
npm run --silent lint >"$lint_log" 2>&1 &
lint_pid=$!

status=0
npm run --silent test:unit || status=1

if wait "$lint_pid"; then
    cat "$lint_log"
    echo "eslint: no errors"
else
    cat "$lint_log"
    echo "eslint: failed (above)" >&2
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
