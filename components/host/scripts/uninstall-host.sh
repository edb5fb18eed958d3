#!/usr/bin/env bash
# Undoes install-host.sh and the tools on an existing machine (the ssh backend), run
# as root over SSH by the last delete of `pulumi destroy` (or when the stack moves
# to another machine), after the cluster, the registry and its volumes, the
# /etc/hosts blocks and the staged charts were removed by their own deletes.
#   - The stack leaves the record; while another stack still uses the machine,
#     nothing else is touched.
#   - Removed: the program's Docker containers, volumes and networks still on the
#     machine (by its machine-identity label, with docker-objects-cleanup.sh given
#     as --docker-cleanup: after a move to another address the Docker provider
#     would delete them on the new machine, not here), the work folder, the
#     program's tools folder and the links to it,
#     the kernel settings and modules files (the running values stay until the
#     next boot: nothing is reloaded or rebooted).
#   - Left in place, and named: Docker (docker.io and its daemon.json) and the
#     docker group membership, when the program installed them. An engine may run
#     other containers by now, and taking it away cannot be undone by a re-run.
#   - Nothing the record does not name is touched: the machine's own software,
#     Docker engine, tools and settings stay as they are.
# Idempotent: a second run, or a run on a machine with no record, changes nothing.
#
# Usage: uninstall-host.sh --user <user> --stack <stack> --work-dir <dir> --tools-dir <dir> --record <file>
#          [--docker-label <label>=<value> --docker-cleanup <docker-objects-cleanup.sh's text>]
# Environment (tests): HOME_ROOT (/home), where the work folder's guard expects it.
set -euo pipefail

die() {
  echo "uninstall-host: $*" >&2
  exit 1
}

user="" stack="" work_dir="" tools_dir="" record="" docker_label="" docker_cleanup=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "$1 needs a value"
  case "$1" in
    --user) user="$2" ;;
    --stack) stack="$2" ;;
    --work-dir) work_dir="$2" ;;
    --tools-dir) tools_dir="$2" ;;
    --record) record="$2" ;;
    --docker-label) docker_label="$2" ;;
    --docker-cleanup) docker_cleanup="$2" ;;
    *) die "unknown argument $1" ;;
  esac
  shift 2
done
for name in user stack work_dir tools_dir record; do
  [ -n "${!name}" ] || die "--${name//_/-} is required"
done
# Guards for the two recursive removals: only folders named as the program names them.
[ "$work_dir" = "${HOME_ROOT:-/home}/$user/.bigbang-oci-dev" ] || die "refusing to remove $work_dir: not $user's bigbang-oci-dev work folder"

case "$tools_dir" in */bigbang-oci-dev/bin) ;; *) die "refusing to remove $tools_dir: not the bigbang-oci-dev tools folder" ;; esac

if [ ! -f "$record" ]; then
  echo "uninstall-host: $record does not exist: nothing of bigbang-oci-dev's to remove"
  exit 0
fi

rewrite() { # <kept-lines-file>
  if [ -s "$1" ]; then
    cp "$1" "$record"
  else
    rm -f "$record"
    rmdir "$(dirname "$record")" 2>/dev/null || true
  fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
grep -vxF -- "stack $stack" "$record" >"$work/record" || true
others="$(sed -n 's/^stack //p' "$work/record" | tr '\n' ' ')"
if [ -n "$others" ]; then
  rewrite "$work/record"
  echo "uninstall-host: stack $stack removed from the record; the machine's setup stays for: $others"
  exit 0
fi

# Before the tools go: the engine stays, and what the program left on it is removed by its label.
if [ -n "$docker_label" ] && [ -n "$docker_cleanup" ] && command -v docker >/dev/null 2>&1; then
  bash -c "$docker_cleanup" docker-objects-cleanup "$docker_label" || echo "uninstall-host: the Docker cleanup failed; remove what is labelled $docker_label by hand" >&2
fi
rm -rf -- "$work_dir"
echo "uninstall-host: removed $work_dir"
: >"$work/kept"
left=()
while IFS= read -r line; do
  kind="${line%% *}"
  what="${line#* }"
  case "$kind" in
    link)
      # Only a link that still points into the program's folder: the owner may have put a tool there since.
      if [ -L "$what" ] && [[ "$(readlink "$what")" == "$tools_dir"/* ]]; then
        rm -f -- "$what"
        echo "uninstall-host: removed the link $what"
      fi
      ;;
    dir)
      [ "$what" = "$tools_dir" ] || { echo "$line" >>"$work/kept"; continue; }
      rm -rf -- "$what"
      echo "uninstall-host: removed $what"
      ;;
    kernel-file)
      rm -f -- "$what"
      echo "uninstall-host: removed $what (its values stay in force until the next boot)"
      ;;
    package)
      echo "$line" >>"$work/kept"
      left+=("the package $what (sudo apt-get remove $what)")
      ;;
    group)
      echo "$line" >>"$work/kept"
      read -r group member <<<"$what"
      left+=("$member in the $group group (sudo gpasswd -d $member $group)")
      ;;
    docker-file)
      echo "$line" >>"$work/kept"
      left+=("$what")
      ;;
    *)
      echo "$line" >>"$work/kept"
      ;;
  esac
done <"$work/record"
rewrite "$work/kept"
if [ ${#left[@]} -gt 0 ]; then
  echo "uninstall-host: left in place, installed by bigbang-oci-dev and possibly used by other containers now:"
  for item in "${left[@]}"; do echo "  $item"; done
  echo "uninstall-host: remove them as shown if nothing else on this machine needs Docker"
fi
echo "uninstall-host: done"
