#!/usr/bin/env bash
# Run a pulumi command on a local-state stack, creating the stack on first use.
#   scripts/pulumi-local.sh up|preview|destroy|... [pulumi args]
# Pulumi.yaml already points the backend at ~/.pulumi (no Pulumi Cloud account).
# Secrets in that state are encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE
# or PULUMI_CONFIG_PASSPHRASE_FILE, or this script keeps a random one in
# ~/.pulumi/bigbang-oci-dev.passphrase (mode 0600) and reuses it.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v pulumi >/dev/null 2>&1 || {
  echo "pulumi is not installed: see https://www.pulumi.com/docs/install/" >&2
  exit 1
}
[ "$#" -ge 1 ] || {
  echo "usage: $0 <pulumi command> [args]" >&2
  exit 2
}

if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$HOME/.pulumi/bigbang-oci-dev.passphrase"
  if [ ! -s "$passphrase_file" ]; then
    mkdir -p "$(dirname "$passphrase_file")"
    (umask 077 && head -c 32 /dev/urandom | base64 >"$passphrase_file")
    echo "Created a state passphrase in $passphrase_file; keep it, the stack's secrets need it." >&2
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi

stack="${PULUMI_STACK:-dev}"
[ -d node_modules ] || npm ci
pulumi stack select --create "$stack" >/dev/null
exec pulumi "$@"
