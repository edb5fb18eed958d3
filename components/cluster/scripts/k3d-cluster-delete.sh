#!/usr/bin/env bash
# Deletes the k3d cluster and the config the create script stored for it.
# Runs on the dev host as the login user:
#   bash -c "<this script>" k3d-cluster-delete <cluster-name>
# A host where the cluster, k3d or Docker is already gone counts as deleted, so
# that tearing down a half-built or stopped host never blocks.
set -euo pipefail

die() {
    echo "error: $*" >&2
    exit 1
}

# Succeeds when `k3d node list` shows a node of the cluster (NAME ROLE CLUSTER STATUS columns).
cluster_has_nodes() {
    local cluster=$1 listing=$2
    awk -v cluster="$cluster" 'NF == 4 && $3 == cluster { found = 1 } END { exit !found }' <<<"$listing"
}

main() {
    [[ $# -eq 1 ]] || die "usage: $0 <cluster-name>"
    local cluster=$1
    [[ $cluster =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || die "invalid cluster name '$cluster'"

    rm -f -- "$HOME/.bigbang-oci-dev/k3d-$cluster.yaml"

    if ! command -v k3d >/dev/null; then
        echo "k3d is not installed; nothing to delete for cluster $cluster"
        return 0
    fi
    local listing
    if ! listing=$(k3d node list --no-headers); then
        echo "k3d cannot reach Docker (its output is above); treating cluster $cluster as gone"
        return 0
    fi
    if ! cluster_has_nodes "$cluster" "$listing"; then
        echo "k3d cluster $cluster does not exist; nothing to delete"
        return 0
    fi
    k3d cluster delete "$cluster" || die "k3d cluster delete $cluster failed (its output is above)"
    echo "deleted k3d cluster $cluster"
}

main "$@"
