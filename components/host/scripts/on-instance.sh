#!/usr/bin/env bash
# Runs the rest of its arguments only on the EC2 instance it names:
#   bash -c "<this script>" on-instance <instance-id> <command> [args...]
# A delete recorded on one instance goes to whatever machine answers at the
# host's address now. After the instance was replaced outside Pulumi, that is
# the new host, whose /etc/hosts entry, chart files or cluster must stay; there the
# command is skipped and the delete counts as done.
#
# Environment (tests): INSTANCE_ID_FILE overrides cloud-init's record of the
# instance ID, /var/lib/cloud/data/instance-id (world-readable).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: on-instance <instance-id> <command> [args...]" >&2
    exit 2
fi
expected=$1
shift
id_file=${INSTANCE_ID_FILE:-/var/lib/cloud/data/instance-id}
actual=$(cat -- "$id_file" 2>/dev/null || true)
if [[ $actual != "$expected" ]]; then
    echo "this host is instance ${actual:-(unknown)}, not $expected: nothing of $expected to delete here"
    exit 0
fi
exec "$@"
