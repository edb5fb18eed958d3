#!/usr/bin/env bash
# Waits until the k3d cluster's API answers, on the dev host as the login user:
#   bash -c "<this script>" k3d-cluster-ready <cluster-name> <timeout-seconds>
# Runs after the cluster is created and again after every start of the host
# (its triggers carry the instance's last start): the node containers come back
# by their restart policy, and until k3s answers /readyz the Kubernetes provider
# would find the cluster unreachable and refuse every create and update of the
# run. Changes nothing, so it is safe to run again at any time.
#
# Environment (optional):
#   READY_POLL_SECONDS      seconds between checks (default 5)
#   READY_PROGRESS_SECONDS  seconds between progress lines (default 30)
set -euo pipefail

cluster=${1:?cluster name}
timeout_seconds=${2:?timeout seconds}
poll=${READY_POLL_SECONDS:-5}
progress_every=${READY_PROGRESS_SECONDS:-30}
context="k3d-${cluster}"

# The latest sign of life: the API's own answer, else the node containers' states.
sign_of_life() {
    local answer states
    if answer=$(timeout 10 kubectl --context "$context" get --raw=/readyz 2>&1 | tail -n 1); then
        printf 'API: %s' "$answer"
        return
    fi
    states=$(docker ps -a --filter "label=k3d.cluster=${cluster}" --format '{{.Names}}={{.State}}' 2>/dev/null | sort | tr '\n' ' ')
    printf 'API: %s; nodes: %s' "${answer:-no answer}" "${states:-none}"
}

start=$SECONDS
last_progress=$SECONDS
echo "waiting up to ${timeout_seconds}s for the API of k3d cluster ${cluster}"
while :; do
    if timeout 10 kubectl --context "$context" get --raw=/readyz >/dev/null 2>&1; then
        echo "k3d cluster ${cluster}: API ready after $((SECONDS - start))s"
        exit 0
    fi
    elapsed=$((SECONDS - start))
    if ((elapsed >= timeout_seconds)); then
        echo "k3d cluster ${cluster}: API not ready after ${elapsed}s ($(sign_of_life))" >&2
        echo "On the host: docker ps -a --filter label=k3d.cluster=${cluster}; k3d cluster start ${cluster}" >&2
        exit 1
    fi
    if ((SECONDS - last_progress >= progress_every)); then
        echo "k3d cluster ${cluster}: waiting for the API, ${elapsed}s of ${timeout_seconds}s ($(sign_of_life))"
        last_progress=$SECONDS
    fi
    sleep "$poll"
done
