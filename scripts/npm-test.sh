#!/usr/bin/env bash
# `npm test`: the type check, the linter and the unit tests. The type check is
# TypeScript 7's native tsc (the devDependency typescript-native: a few seconds,
# where TypeScript 5.9's took a core for a quarter of a minute); eslint takes ten
# seconds of a core. Both run beside mocha instead of before it, so a 2-core
# machine stays busy throughout. Their findings are printed when mocha ends, and
# any of the three failing fails the run. Both keep a cache under
# node_modules/.cache (tsc's build info, eslint's per-file results by content), so
# a second `npm test` in the same clone checks only what changed; a fresh clone
# (CI) checks everything, and cached findings are reported again until they are
# fixed. TypeScript 5.9 (the `typescript` devDependency) stays for typescript-eslint
# and for the Pulumi language host's ts-node, which need its JavaScript API;
# `npm run typecheck:ts5` is the same check with it, and .ci/run runs that too.
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
