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
set -euo pipefail

install_dir="${INSTALL_DIR:-/usr/local/bin}"

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

fetch() { # <url> <file>
  # HTTPS only, also after redirects (GitHub release assets redirect to a CDN).
  curl --fail --silent --show-error --location --proto '=https' --proto-redir '=https' \
    --retry 5 --retry-delay 3 --retry-connrefused --connect-timeout 20 --max-time 900 \
    --output "$2" "$1" || die "download failed: $1"
}

verify() { # <file> <expected-sha256> <name>
  local actual
  actual="$(sha256sum "$1" | awk '{ print $1 }')"
  [ "$actual" = "$2" ] || die "SHA-256 mismatch for $3: pinned $2, downloaded $actual"
  echo "  $3: SHA-256 $actual matches the pinned checksum"
}

installed_version() { # <tool>; prints nothing when the tool is absent or broken
  local bin="$install_dir/$1"
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
  fetch "$base/$name" "$work/$name"
  verify "$work/$name" "$k3d_sha256" "$name"
  place "$work/$name" k3d
}

download_kubectl() { # <version>
  local base="https://dl.k8s.io/release/$1/bin/linux/$arch"
  fetch "$base/kubectl" "$work/kubectl"
  verify "$work/kubectl" "$kubectl_sha256" kubectl
  place "$work/kubectl" kubectl
}

download_helm() { # <version>
  local name="helm-$1-linux-$arch.tar.gz"
  fetch "https://get.helm.sh/$name" "$work/$name"
  verify "$work/$name" "$helm_sha256" "$name"
  mkdir -p "$work/helm"
  tar -xzf "$work/$name" -C "$work/helm" "linux-$arch/helm"
  place "$work/helm/linux-$arch/helm" helm
}

ensure() { # <tool> <version>
  local have
  have="$(installed_version "$1")"
  if [ "$have" = "$2" ]; then
    echo "$1 $2 is already installed"
    return 0
  fi
  echo "installing $1 $2 for linux/$arch${have:+ (replacing $have)}"
  "download_$1" "$2"
  have="$(installed_version "$1")"
  [ "$have" = "$2" ] || die "$1 reports version '${have}' after installing $2"
}

ensure k3d "$k3d_version"
ensure kubectl "$kubectl_version"
ensure helm "$helm_version"
