#!/usr/bin/env bash
# Run a pulumi command on a local-state stack.
#   scripts/pulumi-local.sh up|preview|destroy|... [pulumi args]
#   scripts/pulumi-local.sh stop|start [pulumi up args]   (sets host.running, then up; host.backend aws only)
#   scripts/pulumi-local.sh recreate-host|recreate-cluster [pulumi up args]   (up --replace the machine, aws only / the k3d cluster)
#   scripts/pulumi-local.sh status   (host, cluster API, registry, HelmReleases; changes nothing)
# Pulumi.yaml already points the backend at ~/.pulumi (no Pulumi Cloud account).
# Secrets in that state are encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE
# or PULUMI_CONFIG_PASSPHRASE_FILE, or this script keeps a random one in
# ${XDG_CONFIG_HOME:-~/.config}/bigbang-oci-dev/passphrase (mode 0600, checked) and reuses it:
# not in ~/.pulumi beside the state it unlocks, so a copy of one is not a copy of both.
# The stack file Pulumi.<stack>.yaml is git-ignored; the first `up` or `preview` seeds it from
# stack-config.example.yaml.
# Only `up` and `preview` create the stack (and the passphrase) on first use;
# every other command (`stop` and `start` too) needs both to exist already, so
# `destroy` on a machine that never deployed creates nothing. When creating fails, what this run
# created is removed again.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v pulumi >/dev/null 2>&1 || {
  echo "pulumi is not installed: see https://www.pulumi.com/docs/install/" >&2
  exit 1
}
# The engine must skip the deletes of what lives on a host or cluster that is
# being replaced (deletedWith during replacement, pulumi/pulumi#23818, first in
# 3.260.0); Pulumi.yaml's requiredPulumiVersion says the same, but CLIs older
# than 3.219.0 ignore that key.
required_pulumi="3.260.0"
version_at_least() { # <have> <need>: both x.y.z
  local have=$1 need=$2 h n i
  IFS=. read -r -a h <<<"${have%%[-+]*}"
  IFS=. read -r -a n <<<"$need"
  for i in 0 1 2; do
    [ "${h[i]:-0}" -gt "${n[i]:-0}" ] && return 0
    [ "${h[i]:-0}" -lt "${n[i]:-0}" ] && return 1
  done
  return 0
}
pulumi_version=$(pulumi version 2>/dev/null | head -n 1 | tr -d '[:space:]')
pulumi_version=${pulumi_version#v}
if ! [[ $pulumi_version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || ! version_at_least "$pulumi_version" "$required_pulumi"; then
  echo "pulumi ${pulumi_version:-(unknown version)} is too old: this program needs ${required_pulumi} or newer; upgrade with 'curl -fsSL https://get.pulumi.com | sh' or 'brew upgrade pulumi'." >&2
  exit 1
fi

[ "$#" -ge 1 ] || {
  echo "usage: $0 <pulumi command> [args]" >&2
  exit 2
}

stack="${PULUMI_STACK:-dev}"
case "$1" in
  up | preview) may_create=true ;;
  *) may_create=false ;;
esac

created_passphrase=""
cleanup_on_failure() {
  if [ -n "$created_passphrase" ]; then
    rm -f "$created_passphrase"
    rmdir "$(dirname "$created_passphrase")" 2>/dev/null || true
    echo "Removed the passphrase file this run created ($created_passphrase)." >&2
  fi
}

# Refuse a passphrase file that its group or others may read or write (numeric -perm -MODE: every
# bit set, which GNU and BSD find both accept).
check_private() {
  if [ -n "$(find "$1" -prune \( -perm -040 -o -perm -020 -o -perm -004 -o -perm -002 \) -print)" ]; then
    echo "$1 is readable or writable by others; it unlocks the stack's secrets. Run: chmod 600 '$1'" >&2
    exit 1
  fi
}

passphrase_dir="${XDG_CONFIG_HOME:-$HOME/.config}/bigbang-oci-dev"
legacy_passphrase_file="$HOME/.pulumi/bigbang-oci-dev.passphrase"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$passphrase_dir/passphrase"
  if [ ! -s "$passphrase_file" ] && [ -s "$legacy_passphrase_file" ]; then
    # Earlier versions kept it beside the state; keep using it until the user moves it.
    passphrase_file="$legacy_passphrase_file"
    echo "The state passphrase is in $legacy_passphrase_file, beside the state it unlocks. Move it:" >&2
    echo "  mkdir -p -m 700 '$passphrase_dir' && mv '$legacy_passphrase_file' '$passphrase_dir/passphrase'" >&2
  fi
  if [ -s "$passphrase_file" ]; then
    check_private "$passphrase_file"
  else
    if [ "$may_create" != true ]; then
      echo "No state passphrase: $passphrase_file does not exist and neither PULUMI_CONFIG_PASSPHRASE nor" >&2
      echo "PULUMI_CONFIG_PASSPHRASE_FILE is set. '$1' needs the passphrase stack '$stack' was created with;" >&2
      echo "if you never ran 'npm run up' on this machine there is nothing to $1." >&2
      exit 1
    fi
    (umask 077 && mkdir -p "$(dirname "$passphrase_file")" && head -c 32 /dev/urandom | base64 >"$passphrase_file")
    created_passphrase="$passphrase_file"
    trap cleanup_on_failure EXIT
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

[ -d node_modules ] || npm ci

# The stack file holds the config salt, secrets' ciphertexts and the workstation's addresses, so it
# is git-ignored (Pulumi.*.yaml) and starts as a private copy of the tracked example.
stack_file="Pulumi.$stack.yaml"
if [ "$may_create" = true ] && [ ! -e "$stack_file" ]; then
  (umask 077 && cp stack-config.example.yaml "$stack_file")
  echo "Created $stack_file from stack-config.example.yaml (git-ignored; edit it with 'pulumi config set')." >&2
fi

if [ "$may_create" = true ]; then
  pulumi stack select --create "$stack" >/dev/null
elif ! pulumi stack select "$stack" >/dev/null; then
  echo "Stack '$stack' could not be selected (see above); '$1' does not create it. Set PULUMI_STACK for another stack." >&2
  exit 1
fi

if [ -n "$created_passphrase" ]; then
  trap - EXIT
  echo "Created a state passphrase in $created_passphrase; keep it, the stack's secrets need it." >&2
fi

case "$1" in
  status)
    # Read-only: the stack's outputs, then ssh, curl and kubectl with them, each bounded.
    # tsx as a require hook, not its CLI: the CLI starts a second node with an ESM loader thread (1 s of CPU
    # against 0.2 s), and stack-tools.ts is plain CommonJS TypeScript.
    exec node --require tsx/cjs scripts/stack-tools.ts status "$stack"
    ;;
  recreate-host | recreate-cluster)
    # k3d-dev.sh -R / -K: replace the host's machine (everything on the host follows its ID and is
    # rebuilt in the same run) or the k3d cluster (its Kubernetes objects follow). The URNs come from
    # this stack's export, so whichever machine resource the stack has is found.
    target="${1#recreate-}"
    shift
    # The backend is the deployed one, from the export: the k3d-cluster command is remote on aws and
    # ssh, local on host.backend local; recreate-host is refused on ssh and local (stack-tools.ts
    # recreateHostRefusal says why, on stderr, and exits 4).
    exported=$(pulumi stack export)
    urns_status=0
    urns=$(node --require tsx/cjs scripts/stack-tools.ts urns "$target" <<<"$exported") || urns_status=$?
    if [ "$urns_status" -eq 3 ]; then
      echo "Stack '$stack' has no $target to recreate; deploy it first (npm run up)." >&2
      exit 1
    elif [ "$urns_status" -ne 0 ]; then
      exit 1
    fi
    replace=()
    while IFS= read -r urn; do replace+=(--replace "$urn"); done <<<"$urns"
    set -- up "${replace[@]}" "$@"
    ;;
  stop | start)
    # host.running is aws only: the config refuses it with host.backend ssh or local, and `config set`
    # would have written it into the stack file before up refused it. So refuse first, reading the
    # backend the next up uses (the config's, like the region; unset or unreadable is the default, aws).
    backend=$(pulumi config get --path host.backend 2>/dev/null || true)
    case "${backend:-aws}" in
      aws) ;;
      ssh)
        echo "npm run $1: host.backend ssh: the machine is yours, and the program never powers it off or on (host.running is aws only)." >&2
        echo "Stop or start it yourself; after it restarts, npm run up runs the registry's and the API's readiness checks again." >&2
        exit 1
        ;;
      local)
        echo "npm run $1: host.backend local: there is no host to stop or start; the containers run on this workstation's Docker (host.running is aws only)." >&2
        echo "Stop or start Docker itself; after it restarts, npm run up runs the registry's and the API's readiness checks again." >&2
        exit 1
        ;;
      *)
        echo "npm run $1: host.backend is '$backend'; host.running, which $1 sets, is aws only." >&2
        exit 1
        ;;
    esac
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
  # Read the whole export before searching it: `grep -q` would stop at the first match and,
  # under pipefail, the export's SIGPIPE would turn that match into a failure.
  exported=$(pulumi stack export 2>/dev/null || true)
  if grep -qF "\"$state_urn\"" <<<"$exported"; then
    pulumi refresh --yes --skip-preview --target "$state_urn" >/dev/null \
      || echo "Could not refresh the host's running state; a stopped host stays stopped until the next up." >&2
  fi
fi
exec pulumi "$@"
