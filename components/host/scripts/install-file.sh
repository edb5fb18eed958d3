#!/usr/bin/env bash
# Install stdin as a root-owned file on the host, or remove it.
#   install-file.sh <path> <mode>      (content on stdin)
#   install-file.sh --remove <path>
# Idempotent: rewriting the same content is harmless, removing a missing file succeeds.
set -euo pipefail

if [ "${1:-}" = "--remove" ]; then
  target=${2:?usage: install-file.sh --remove <path>}
  sudo -n rm -f -- "$target"
  exit 0
fi

target=${1:?usage: install-file.sh <path> <mode>}
mode=${2:-0644}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp"
sudo -n install -D -o root -g root -m "$mode" "$tmp" "$target"
