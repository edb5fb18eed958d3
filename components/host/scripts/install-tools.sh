#!/usr/bin/env bash
# Installs pinned k3d, kubectl and Helm into INSTALL_DIR (default /usr/local/bin).
# Usage: install-tools.sh <amd64|arm64> <k3d-version> <kubectl-version> <helm-version> \
#          <k3d-sha256> <kubectl-sha256> <helm-sha256>
# Every download is checked against the SHA-256 given here, which the program pins
# (components/config/pins.ts, or host.*Sha256 in the stack config) rather than one
# fetched from the server that serves the binary: a compromised release or mirror
# cannot supply a matching sum. A mismatch stops the script before anything is
# installed. Re-running is safe: a tool whose installed version already matches is
# left alone.
#
# Environment (optional):
#   INSTALL_DIR             where the tools go (default /usr/local/bin)
#   TOOLS_PROGRESS_SECONDS  longest silence during a download (default 30; decimals allowed)
#   TOOLS_POLL_SECONDS      how often a download is checked on (default 1; decimals allowed)
#   TOOLS_ACCEPT_ON_PATH    non-empty: a tool found on PATH outside INSTALL_DIR at the pinned version
#                           is used as it is (the ssh backend: a machine's own tools are never
#                           replaced; INSTALL_DIR is the program's own folder there)
set -euo pipefail

install_dir="${INSTALL_DIR:-/usr/local/bin}"
progress_seconds="${TOOLS_PROGRESS_SECONDS:-30}"
poll_seconds="${TOOLS_POLL_SECONDS:-1}"
max_time=900

# Seconds ("30", "0.2") to milliseconds, in bash alone.
to_ms() {
  local whole="${1%%.*}" frac=""
  case "$1" in *.*) frac="${1#*.}" ;; esac
  frac="${frac}000"
  echo $(( 10#${whole:-0} * 1000 + 10#${frac:0:3} ))
}
# Milliseconds since the epoch (bash 5 EPOCHREALTIME; the decimal point may be a comma in some locales).
now_ms() {
  local t="${EPOCHREALTIME/[.,]/}"
  echo $(( t / 1000 ))
}

die() {
  echo "install-tools: $*" >&2
  exit 1
}

[ $# -eq 7 ] || die "usage: install-tools.sh <amd64|arm64> <k3d-version> <kubectl-version> <helm-version> <k3d-sha256> <kubectl-sha256> <helm-sha256>"
arch="$1"
k3d_version="$2"
kubectl_version="$3"
helm_version="$4"
k3d_sha256="$5"
kubectl_sha256="$6"
helm_sha256="$7"
for sum in "$k3d_sha256" "$kubectl_sha256" "$helm_sha256"; do
  [[ "$sum" =~ ^[0-9a-f]{64}$ ]] || die "not a SHA-256 (64 lower-case hex digits): $sum"
done
case "$arch" in
  amd64 | arm64) ;;
  *) die "unsupported architecture: $arch" ;;
esac
for version in "$k3d_version" "$kubectl_version" "$helm_version"; do
  [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "not a version such as v1.2.3: $version"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # <url> <file> <what, for progress lines>
  # HTTPS only, also after redirects (GitHub release assets redirect to a CDN).
  # curl runs in the background so that a slow download still prints a line every progress
  # interval (pulumi-command streams this script's stdout to `pulumi up` as it comes): the
  # bytes so far and the time against curl's limit of max_time per attempt.
  curl --fail --silent --show-error --location --proto '=https' --proto-redir '=https' \
    --retry 5 --retry-delay 3 --retry-connrefused --connect-timeout 20 --max-time "$max_time" \
    --output "$2" "$1" &
  local pid=$! status=0 start now next nap quick=20 bytes poll_ms progress_ms
  poll_ms="$(to_ms "$poll_seconds")"
  progress_ms="$(to_ms "$progress_seconds")"
  start="$(now_ms)"
  next=$(( start + progress_ms ))
  # Bounded: curl itself gives up after its retries, each at most max_time.
  while kill -0 "$pid" 2>/dev/null; do
    now="$(now_ms)"
    if (( now >= next )); then
      bytes="$(wc -c <"$2" 2>/dev/null || echo 0)"
      echo "tools: downloading $3: $(( bytes / 1024 )) KiB so far, $(( (now - start) / 1000 ))s (limit ${max_time}s per attempt, 5 retries)"
      next=$(( now + progress_ms ))
    fi
    # Short naps first, so that a quick download is not held up by a whole poll interval.
    nap=$(( quick < poll_ms ? quick : poll_ms ))
    quick=$(( quick * 2 ))
    (( next - now < nap )) && nap=$(( next - now ))
    (( nap < 10 )) && nap=10
    sleep "$(( nap / 1000 )).$(printf '%03d' $(( nap % 1000 )))"
  done
  wait "$pid" || status=$?
  [ "$status" -eq 0 ] || die "download failed: $1"
}

verify() { # <file> <expected-sha256> <name>
  local actual
  actual="$(sha256sum "$1" | awk '{ print $1 }')"
  [ "$actual" = "$2" ] || die "SHA-256 mismatch for $3: pinned $2, downloaded $actual"
  echo "  $3: SHA-256 $actual matches the pinned checksum"
}

installed_version() { # <tool> [<binary>]; prints nothing when the tool is absent or broken
  local bin="${2:-$install_dir/$1}"
  [ -x "$bin" ] || return 0
  case "$1" in
    k3d) { "$bin" version 2>/dev/null || true; } | awk '$1 == "k3d" && $2 == "version" { print $3; exit }' ;;
    kubectl) { "$bin" version --client -o json 2>/dev/null || true; } | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | sed -n 1p ;;
    helm) "$bin" version --template '{{.Version}}' 2>/dev/null || true ;;
  esac
}

place() { # <file> <tool>; a rename, so a running copy of the old binary is never half-overwritten
  mkdir -p "$install_dir"
  install -m 0755 "$1" "$install_dir/.$2.new"
  mv -f "$install_dir/.$2.new" "$install_dir/$2"
}

download_k3d() { # <version>
  local name="k3d-linux-$arch" base="https://github.com/k3d-io/k3d/releases/download/$1"
  fetch "$base/$name" "$work/$name" "k3d $1 ($arch)"
  verify "$work/$name" "$k3d_sha256" "$name"
  place "$work/$name" k3d
}

download_kubectl() { # <version>
  local base="https://dl.k8s.io/release/$1/bin/linux/$arch"
  fetch "$base/kubectl" "$work/kubectl" "kubectl $1 ($arch)"
  verify "$work/kubectl" "$kubectl_sha256" kubectl
  place "$work/kubectl" kubectl
}

download_helm() { # <version>
  local name="helm-$1-linux-$arch.tar.gz"
  fetch "https://get.helm.sh/$name" "$work/$name" "helm $1 ($arch)"
  verify "$work/$name" "$helm_sha256" "$name"
  mkdir -p "$work/helm"
  tar -xzf "$work/$name" -C "$work/helm" "linux-$arch/helm"
  place "$work/helm/linux-$arch/helm" helm
}

on_path() { # <tool>; the first one on PATH that is not (a link to) ours, or nothing
  local dir real
  local IFS=:
  for dir in $PATH; do
    if [ -z "$dir" ] || [ ! -x "$dir/$1" ] || [ -d "$dir/$1" ]; then continue; fi
    real="$(readlink -f "$dir/$1" 2>/dev/null || echo "$dir/$1")"
    case "$real" in "$install_dir"/*) continue ;; esac
    echo "$dir/$1"
    return 0
  done
}

ensure() { # <tool> <version>
  local have found
  have="$(installed_version "$1")"
  if [ "$have" = "$2" ]; then
    echo "$1 $2 is already installed"
    return 0
  fi
  if [ -n "${TOOLS_ACCEPT_ON_PATH:-}" ]; then
    found="$(on_path "$1")"
    if [ -n "$found" ] && [ "$(installed_version "$1" "$found")" = "$2" ]; then
      # A copy of ours at another version would come first on the commands' PATH.
      rm -f "$install_dir/$1"
      echo "$1 $2 is already installed ($found)"
      return 0
    fi
  fi
  echo "tools: downloading $1 $2 ($arch)${have:+, replacing $have}"
  "download_$1" "$2"
  have="$(installed_version "$1")"
  [ "$have" = "$2" ] || die "$1 reports version '${have}' after installing $2"
  echo "tools: $1 $2 installed, SHA-256 checked"
}

ensure k3d "$k3d_version"
ensure kubectl "$kubectl_version"
ensure helm "$helm_version"
