#!/usr/bin/env bash
# Checks the workstation for the `local` backend (runs there, as the developer):
#   local-ready.sh docker
#       the Docker Engine answers (DOCKER_HOST, else the default socket);
#   local-ready.sh tools <k3d-version> <kubectl-version> <helm-version>
#       k3d, kubectl and Helm are the first on PATH at exactly these versions, and curl is there
#       (the registry's readiness probe uses it). On Linux the program installs them first
#       (install-tools.sh into ~/.bigbang-oci-dev/<stack>/bin, first on PATH); on macOS they are
#       the developer's own, so this is where a missing or other version is reported. Also bash 5
#       and timeout, which the host scripts use.
# Changes nothing, so it is safe to run again at any time.
set -euo pipefail

die() {
  echo "local-ready: $*" >&2
  exit 1
}

check_docker() {
  local out
  if ! out="$(timeout 30 docker version --format '{{.Server.Version}}' 2>&1)"; then
    die "the Docker Engine does not answer at ${DOCKER_HOST:-the default socket}: $(printf '%s' "$out" | tr '\n' ' ') -- start Docker (Docker Desktop, or sudo systemctl start docker), or set DOCKER_HOST"
  fi
  echo "Docker Engine $out answers at ${DOCKER_HOST:-the default socket}"
}

tool_version() { # <tool>; prints nothing when the tool is absent or broken
  command -v "$1" >/dev/null 2>&1 || return 0
  case "$1" in
    k3d) { k3d version 2>/dev/null || true; } | awk '$1 == "k3d" && $2 == "version" { print $3; exit }' ;;
    kubectl) { kubectl version --client -o json 2>/dev/null || true; } | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | sed -n 1p ;;
    helm) helm version --template '{{.Version}}' 2>/dev/null || true ;;
  esac
}

check_tools() {
  [ $# -eq 3 ] || die "usage: local-ready.sh tools <k3d-version> <kubectl-version> <helm-version>"
  local wrong="" tool want have
  for pair in "k3d=$1" "kubectl=$2" "helm=$3"; do
    tool="${pair%%=*}"
    want="${pair#*=}"
    have="$(tool_version "$tool")"
    if [ "$have" = "$want" ]; then
      echo "$tool $want: $(command -v "$tool")"
    else
      wrong="$wrong $tool $want (found: ${have:-none}${have:+ at $(command -v "$tool")});"
    fi
  done
  command -v curl >/dev/null 2>&1 || wrong="$wrong curl (found: none);"
  # The host scripts run with the first bash on PATH and use bash 5 (EPOCHREALTIME) and coreutils'
  # timeout: macOS ships bash 3.2 and no timeout (Homebrew: brew install bash coreutils).
  [ "${BASH_VERSINFO[0]}" -ge 5 ] || wrong="$wrong bash 5 or newer (found: $BASH_VERSION at $(command -v bash));"
  command -v timeout >/dev/null 2>&1 || wrong="$wrong timeout (found: none);"
  [ -z "$wrong" ] || die "needed on PATH at these versions:$wrong install them (Homebrew: brew install k3d kubernetes-cli helm bash coreutils, then the versions above), or set host.k3dVersion, host.kubectlVersion, host.helmVersion to the ones you have"
}

[ $# -ge 1 ] || die "usage: local-ready.sh docker | tools <k3d-version> <kubectl-version> <helm-version>"
mode="$1"
shift
case "$mode" in
  docker) check_docker ;;
  tools) check_tools "$@" ;;
  *) die "unknown mode: $mode" ;;
esac
