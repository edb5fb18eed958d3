#!/usr/bin/env bash
# Creates the k3d cluster described by the k3d config YAML on stdin, or reuses
# it when it is already running with exactly that config. Runs on the dev host
# as the login user (in the docker group):
#   bash -c "<this script>" k3d-cluster-create <cluster-name> <timeout-seconds> < config.yaml
# Environment (optional):
#   K3D_PROGRESS_SECONDS  longest silence while k3d creates the cluster (default 30; decimals allowed)
set -euo pipefail

ticker_pid=""

die() {
    echo "error: $*" >&2
    exit 1
}

# Prints "<role> <status>" for each node of the cluster (nothing when it does
# not exist). `k3d node list` prints NAME ROLE CLUSTER STATUS columns; rows
# without a cluster (registries) have three fields and are skipped.
cluster_nodes() {
    local cluster=$1 listing
    listing=$(k3d node list --no-headers) || return 1
    awk -v cluster="$cluster" 'NF == 4 && $3 == cluster { print $2, $4 }' <<<"$listing"
}

# Succeeds when the rows from cluster_nodes show at least one server and every node running.
all_nodes_running() {
    local rows=$1
    awk '$1 == "server" { servers++ } $2 != "running" { down++ } END { exit !(servers > 0 && down == 0) }' <<<"$rows"
}

# Succeeds when both files exist and are byte-identical.
same_config() {
    [[ -f $1 && -f $2 ]] && cmp -s -- "$1" "$2"
}

delete_cluster() {
    local cluster=$1
    k3d cluster delete "$cluster" || die "k3d cluster delete $cluster failed (its output is above)"
}

# Formats the rows from cluster_nodes as "server running, agent created".
node_states() {
    awk 'NF == 2 { printf "%s%s %s", (n++ ? ", " : ""), $1, $2 } END { if (!n) printf "none yet" }' <<<"$1"
}

# k3d cluster create can stay silent for minutes while it pulls images; pulumi-command streams
# this script's stdout to `pulumi up` as it comes, so a line every interval tells the user what
# it waits for and how far the nodes are. Bounded by the create's own limit (plus its kill-after),
# and stopped by stop_ticker (also on exit, by the EXIT trap).
start_ticker() {
    local cluster=$1 timeout_seconds=$2 interval=${K3D_PROGRESS_SECONDS:-30}
    (
        nap=""
        trap '[[ -n $nap ]] && kill "$nap" 2>/dev/null; exit 0' TERM
        start=$SECONDS
        while ((SECONDS - start < timeout_seconds + 60)); do
            # Not on the script's stdout: a TERM between this fork and `nap=$!` leaves the sleep
            # behind, and holding the output open it would keep the command (and pulumi up) waiting
            # for the rest of the interval after the script has ended.
            sleep "$interval" >/dev/null 2>&1 &
            nap=$!
            wait "$nap" || true
            nap=""
            rows=$(timeout 10 k3d node list --no-headers 2>/dev/null | awk -v cluster="$cluster" 'NF == 4 && $3 == cluster { print $2, $4 }') || rows=""
            echo "k3d cluster create $cluster: $((SECONDS - start))s of ${timeout_seconds}s; nodes: $(node_states "$rows")"
        done
    ) &
    ticker_pid=$!
}

stop_ticker() {
    if [[ -n $ticker_pid ]]; then
        kill "$ticker_pid" 2>/dev/null || true
        wait "$ticker_pid" 2>/dev/null || true
        ticker_pid=""
    fi
}

# k3d sometimes hangs after the cluster is up; a timeout then only means
# failure when some node is not running.
create_cluster() {
    local cluster=$1 config=$2 timeout_seconds=$3 status=0 rows
    echo "creating k3d cluster $cluster (timeout ${timeout_seconds}s)"
    start_ticker "$cluster" "$timeout_seconds"
    timeout --kill-after=30 "$timeout_seconds" k3d cluster create --config "$config" || status=$?
    stop_ticker
    case $status in
        0)
            echo "created k3d cluster $cluster"
            ;;
        124 | 137)
            echo "k3d cluster create did not return within ${timeout_seconds}s; checking the nodes of $cluster"
            rows=$(cluster_nodes "$cluster") || rows=""
            if [[ -n $rows ]] && all_nodes_running "$rows"; then
                echo "every node of $cluster is running; merging its kubeconfig"
                timeout 60 k3d kubeconfig merge "$cluster" --kubeconfig-merge-default --kubeconfig-switch-context >/dev/null ||
                    die "k3d kubeconfig merge $cluster failed after the create timed out"
                echo "created k3d cluster $cluster"
            else
                rm -f -- "$config"
                echo "nodes of $cluster (role status):" >&2
                echo "${rows:-  none}" >&2
                die "k3d cluster create timed out after ${timeout_seconds}s and not every node of $cluster is running"
            fi
            ;;
        *)
            # Forget the config so that a retry cannot mistake a half-made cluster for a reusable one.
            rm -f -- "$config"
            die "k3d cluster create $cluster failed with exit status $status (k3d's output is above)"
            ;;
    esac
}

main() {
    [[ $# -eq 2 ]] || die "usage: $0 <cluster-name> <timeout-seconds>, with the k3d config YAML on stdin"
    local cluster=$1 timeout_seconds=$2
    [[ $cluster =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || die "invalid cluster name '$cluster'"
    [[ $timeout_seconds =~ ^[1-9][0-9]{0,5}$ ]] || die "invalid timeout '$timeout_seconds': expected seconds"
    [[ ! -t 0 ]] || die "expected the k3d config YAML on stdin"
    command -v k3d >/dev/null || die "k3d is not installed"

    local state_dir="$HOME/.bigbang-oci-dev"
    local stored_config="$state_dir/k3d-$cluster.yaml"
    umask 077
    mkdir -p -- "$state_dir"
    new_config=$(mktemp "$state_dir/.k3d-$cluster.XXXXXX")
    trap 'stop_ticker; rm -f -- "$new_config"' EXIT
    cat >"$new_config"
    [[ -s $new_config ]] || die "the k3d config on stdin is empty"

    local rows
    rows=$(cluster_nodes "$cluster") || die "k3d cannot list nodes; is Docker running and is $(id -un) in the docker group?"
    if [[ -n $rows ]]; then
        if ! all_nodes_running "$rows"; then
            echo "k3d cluster $cluster exists but not every node is running; deleting it to create it again"
            delete_cluster "$cluster"
        elif ! same_config "$stored_config" "$new_config"; then
            echo "k3d cluster $cluster exists with a different config; deleting it to create it again"
            delete_cluster "$cluster"
        else
            echo "reusing k3d cluster $cluster: every node is running and its config is unchanged"
            return 0
        fi
    fi

    mv -f -- "$new_config" "$stored_config"
    chmod 600 -- "$stored_config"
    create_cluster "$cluster" "$stored_config" "$timeout_seconds"
}

main "$@"
