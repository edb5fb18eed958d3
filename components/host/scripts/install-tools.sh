#!/usr/bin/env bash
# Installs pinned k3d, kubectl and Helm into INSTALL_DIR (default /usr/local/bin).
# Usage: install-tools.sh <amd64|arm64> <k3d-version> <kubectl-version> <helm-version>
# Every download is checked against the SHA-256 its project publishes in the same
# release before anything is installed; a mismatch stops the script. Re-running is
# safe: a tool whose installed version already matches is left alone.
set -euo pipefail

install_dir="${INSTALL_DIR:-/usr/local/bin}"

die() {
  echo "install-tools: $*" >&2
  exit 1
}

[ $# -eq 4 ] || die "usage: install-tools.sh <amd64|arm64> <k3d-version> <kubectl-version> <helm-version>"
arch="$1"
k3d_version="$2"
kubectl_version="$3"
helm_version="$4"
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

# The hash published for <name>. Three layouts occur: a bare hash (kubectl.sha256),
# "<hash>  <name>" (Helm's .sha256sum) and one "<hash>  <path>" line per artifact
# (k3d's checksums.txt, whose paths carry a build directory).
published_sha256() { # <checksum-file> <name>
  awk -v want="$2" '
    NF == 1 { bare = $1 }
    NF >= 2 { name = $2; sub(/^\*/, "", name); sub(/.*\//, "", name); if (name == want) hits[++n] = $1 }
    END { if (n == 1) print tolower(hits[1]); else if (n == 0 && NR == 1) print tolower(bare) }
  ' "$1"
}

verify() { # <file> <checksum-file> <name>
  local expected actual
  expected="$(published_sha256 "$2" "$3")"
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "no single SHA-256 for $3 in $(basename "$2")"
  actual="$(sha256sum "$1" | awk '{ print $1 }')"
  [ "$actual" = "$expected" ] || die "SHA-256 mismatch for $3: published $expected, downloaded $actual"
  echo "  $3: SHA-256 $actual matches the published checksum"
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
  fetch "$base/checksums.txt" "$work/k3d-checksums.txt"
  verify "$work/$name" "$work/k3d-checksums.txt" "$name"
  place "$work/$name" k3d
}

download_kubectl() { # <version>
  local base="https://dl.k8s.io/release/$1/bin/linux/$arch"
  fetch "$base/kubectl" "$work/kubectl"
  fetch "$base/kubectl.sha256" "$work/kubectl.sha256"
  verify "$work/kubectl" "$work/kubectl.sha256" kubectl
  place "$work/kubectl" kubectl
}

download_helm() { # <version>
  local name="helm-$1-linux-$arch.tar.gz"
  fetch "https://get.helm.sh/$name" "$work/$name"
  fetch "https://get.helm.sh/$name.sha256sum" "$work/$name.sha256sum"
  verify "$work/$name" "$work/$name.sha256sum" "$name"
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
