#!/usr/bin/env bash
# `helm` for the `local` backend's pushes when the workstation does not resolve
# the hosted registry's name to 127.0.0.1 (the program does not edit the
# workstation's /etc/hosts). The local backend puts this file first on PATH as
# `helm`; every subcommand that talks to a registry (registry, push, pull) runs
# in the pinned Helm container on the cluster's Docker network, where the
# registry container answers to its name (its network alias) on its port; every
# other subcommand (package, template, version) runs the next helm on PATH.
# Environment (set by the local backend's command prefix):
#   BBOD_HELM_IMAGE    the Helm image, by digest (components/config/pins.ts)
#   BBOD_HELM_NETWORK  the cluster's Docker network
# A password given with --password-stdin reaches the container on its stdin
# (docker run -i), never in an argument. HELM_REGISTRY_CONFIG's folder (where
# helm-push.sh keeps the login) and the folder of every file named in the
# arguments (the package) are mounted at the same paths.
set -euo pipefail

self_dir="$(cd "$(dirname "$0")" && pwd)"

next_helm() { # the first helm on PATH that is not this one
  local dir
  local IFS=:
  for dir in $PATH; do
    [ -n "$dir" ] || continue
    [ "$(cd "$dir" 2>/dev/null && pwd)" = "$self_dir" ] && continue
    if [ -x "$dir/helm" ]; then
      echo "$dir/helm"
      return 0
    fi
  done
  return 1
}

case "${1:-}" in
  registry | push | pull) ;;
  *)
    real="$(next_helm)" || { echo "helm-container: no helm on PATH besides $self_dir" >&2; exit 127; }
    exec "$real" "$@"
    ;;
esac

image="${BBOD_HELM_IMAGE:?BBOD_HELM_IMAGE is not set}"
network="${BBOD_HELM_NETWORK:?BBOD_HELM_NETWORK is not set}"
# As the developer's user, so that files written into the mounted folders are theirs; helm's own
# folders go to the container's /tmp (HOME there is not writable for that user).
args=(run --rm -i --network "$network" --user "$(id -u):$(id -g)"
  -e HELM_CACHE_HOME=/tmp/helm/cache -e HELM_CONFIG_HOME=/tmp/helm/config -e HELM_DATA_HOME=/tmp/helm/data)
mounted=$'\n'
mount_dir() { # <dir> [ro]
  case "$mounted" in *$'\n'"$1"$'\n'*) return 0 ;; esac
  mounted+="$1"$'\n'
  args+=(-v "$1:$1${2:+:$2}")
}
if [ -n "${HELM_REGISTRY_CONFIG:-}" ]; then
  config_dir="$(cd "$(dirname "$HELM_REGISTRY_CONFIG")" && pwd)"
  mount_dir "$config_dir"
  args+=(-e "HELM_REGISTRY_CONFIG=$config_dir/$(basename "$HELM_REGISTRY_CONFIG")")
fi
helm_args=()
for arg in "$@"; do
  if [ -f "$arg" ]; then
    dir="$(cd "$(dirname "$arg")" && pwd)"
    mount_dir "$dir" ro
    helm_args+=("$dir/$(basename "$arg")")
  else
    helm_args+=("$arg")
  fi
done
exec docker "${args[@]}" "$image" "${helm_args[@]}"
