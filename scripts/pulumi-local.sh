#!/usr/bin/env bash
# Run a pulumi command on a local-state stack, creating the stack on first use.
#   scripts/pulumi-local.sh up|preview|destroy|... [pulumi args]
#   scripts/pulumi-local.sh stop|start [pulumi up args]   (sets host.running, then up)
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

# pulumi-command dials SSH_AUTH_SOCK for every remote command even when it has a
# key, and fails the command when nothing answers (provider/pkg/provider/remote/
# connection.go in pulumi/pulumi-command). ssh-add -l exits 2 when it cannot connect.
if [ -n "${SSH_AUTH_SOCK:-}" ]; then
  agent_status=0
  if command -v ssh-add >/dev/null 2>&1; then
    ssh-add -l >/dev/null 2>&1 || agent_status=$?
  elif [ ! -S "$SSH_AUTH_SOCK" ]; then
    agent_status=2
  fi
  if [ "$agent_status" -eq 2 ]; then
    echo "Ignoring SSH_AUTH_SOCK=$SSH_AUTH_SOCK: no ssh-agent answers there." >&2
    unset SSH_AUTH_SOCK
  fi
fi

stack="${PULUMI_STACK:-dev}"
[ -d node_modules ] || npm ci
pulumi stack select --create "$stack" >/dev/null

case "$1" in
  stop | start)
    running=false
    [ "$1" = start ] && running=true
    shift
    pulumi config set --path host.running "$running"
    set -- up "$@"
    ;;
esac

# Pulumi diffs against its state, not the cloud: a host the auto-shutdown timer
# stopped still reads "running" there. Refreshing only the instance-state resource
# (an AWS call; the host need not answer) lets this up see it and start the host.
if [ "$1" = up ]; then
  state_urn="urn:pulumi:${stack}::bigbang-oci-dev::bigbang-oci-dev:index:DevHost\$aws:ec2transitgateway/instanceState:InstanceState::instance-state"
  if pulumi stack export 2>/dev/null | grep -qF "\"$state_urn\""; then
    pulumi refresh --yes --skip-preview --target "$state_urn" >/dev/null \
      || echo "Could not refresh the host's running state; a stopped host stays stopped until the next up." >&2
  fi
fi
exec pulumi "$@"
