#!/usr/bin/env bash
# Pulls container images into the host's Docker while the tools install, so that
# `k3d cluster create` and the registry containers find them there (issue 19):
# the k3s node image is the largest pull of a cluster create.
# Usage: pull-images.sh <image>...
# The pulls run in parallel; each is retried a bounded number of times. Re-running
# is safe: an image already present is a quick no-op pull. A pull that still fails
# is reported and left to k3d or the Docker provider, which pull it themselves.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: pull-images.sh <image>..." >&2; exit 1; }
attempts="${PULL_ATTEMPTS:-3}"
pull_timeout="${PULL_TIMEOUT_SECONDS:-900}"

pull() { # <image>
  local i
  for ((i = 1; i <= attempts; i++)); do
    if timeout "$pull_timeout" docker pull --quiet "$1" >/dev/null; then
      echo "pulled $1"
      return 0
    fi
    echo "pull of $1 failed (attempt $i of $attempts)" >&2
    sleep $((i * 5))
  done
  echo "could not pull $1; k3d or the Docker provider will try again" >&2
  return 0
}

pids=()
for image in "$@"; do
  pull "$image" &
  pids+=("$!")
done
for pid in "${pids[@]}"; do
  wait "$pid"
done
