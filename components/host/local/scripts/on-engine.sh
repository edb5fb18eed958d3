#!/usr/bin/env bash
# Runs the rest of its arguments only against the Docker Engine it names:
#   bash -c "<this script>" on-engine <engine-id> <command> [args...]
# The `local` backend's machine is the Docker Engine (its ID, `docker info`). A
# delete recorded on one engine must not run against another one that DOCKER_HOST
# now points at (another workstation's engine, a reset Docker Desktop), where a
# cluster or a registry of the same name is not this stack's: there the command
# is skipped and the delete counts as done. When no engine answers, the delete
# fails: what it deletes is still there, so start Docker and run destroy again.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: on-engine <engine-id> <command> [args...]" >&2
    exit 2
fi
expected=$1
shift
if ! actual=$(timeout 30 docker info --format '{{.ID}}' 2>&1); then
    echo "the Docker Engine does not answer at ${DOCKER_HOST:-the default socket} ($(printf '%s' "$actual" | tr '\n' ' ')); start Docker and run this again: engine $expected still has what this deletes" >&2
    exit 1
fi
if [[ $actual != "$expected" ]]; then
    echo "this Docker Engine is ${actual:-(unknown)}, not $expected: nothing of $expected to delete here"
    exit 0
fi
exec "$@"
