#!/usr/bin/env bash
# Manages one marked block in the hosts file of the machine it runs on:
#   etc-hosts-block.sh add <ip> <hostname> [hostname...]   write or replace the block
#   etc-hosts-block.sh remove [ignored...]                 delete the block
# Lines outside the block are kept as they are, in their order. Running a command
# twice has the same effect as running it once; nothing is written when nothing
# changes, so sudo is only asked for when there is something to write.
#
# Environment (optional; tests use both):
#   ETC_HOSTS  the file to manage (default /etc/hosts)
#   SUDO       the program that runs the write as root, called with -n so it never
#              prompts (default sudo; empty runs the write as the current user)
#   ETC_HOSTS_BLOCK  a name for the block, so that several coexist (the registry's
#              block has none; Big Bang's ingress names use ingress-public and
#              ingress-passthrough): lower-case letters, digits and '-'
# Written for bash 3.2 and BSD tools too, so it also runs on macOS workstations.
set -euo pipefail

hosts_file="${ETC_HOSTS:-/etc/hosts}"
sudo_program="${SUDO-sudo}"
block_name="${ETC_HOSTS_BLOCK:-}"
begin_marker="# BEGIN bigbang-oci-dev${block_name:+ $block_name}"
end_marker="# END bigbang-oci-dev${block_name:+ $block_name}"

die() {
  echo "etc-hosts-block: $*" >&2
  exit 1
}

usage="usage: etc-hosts-block.sh add <ip> <hostname> [hostname...] | remove"
[[ "$block_name" =~ ^[a-z0-9-]*$ ]] || die "ETC_HOSTS_BLOCK: expected lower-case letters, digits and '-', got $block_name"
[ $# -ge 1 ] || die "$usage"
action="$1"
shift
block_line=""
case "$action" in
  add)
    [ $# -ge 2 ] || die "$usage"
    ip="$1"
    shift
    [[ "$ip" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || "$ip" =~ ^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$ ]] || die "not an IP address: $ip"
    for name in "$@"; do
      [[ "$name" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "not a host name: $name"
    done
    block_line="$ip $*"
    ;;
  remove) ;;
  *) die "$usage" ;;
esac

[ -f "$hosts_file" ] || die "$hosts_file does not exist"
if [ "$action" = remove ] && ! grep -qxF -e "$begin_marker" -e "$end_marker" "$hosts_file"; then
  echo "$hosts_file has no bigbang-oci-dev block"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/etc-hosts-block.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Drops every complete block and, for add, puts the new one where the first block
# was (or at the end). An unterminated block stops the script: guessing where it
# ends could delete lines that belong to someone else.
awk -v begin="$begin_marker" -v end="$end_marker" -v line="$block_line" '
  function emit_block() {
    if (line != "" && !emitted) { print begin; print line; print end; emitted = 1 }
  }
  $0 == begin {
    if (inside) { print "nested \"" begin "\" at line " NR > "/dev/stderr"; bad = 1; exit 1 }
    inside = 1; emit_block(); next
  }
  $0 == end {
    if (!inside) { print "\"" end "\" without \"" begin "\" at line " NR > "/dev/stderr"; bad = 1; exit 1 }
    inside = 0; next
  }
  !inside { print }
  END {
    if (bad) exit 1
    if (inside) { print "\"" begin "\" without \"" end "\"" > "/dev/stderr"; exit 1 }
    emit_block()
  }
' "$hosts_file" >"$work/hosts" || die "$hosts_file has a damaged bigbang-oci-dev block; fix it by hand"

if cmp -s "$work/hosts" "$hosts_file"; then
  echo "$hosts_file is already up to date"
  exit 0
fi

# The new content is complete before the file is touched, and goes in with one
# copy onto the existing file. Copying (not renaming) keeps the file's owner, mode,
# SELinux label and symlinks, and works where /etc/hosts is a bind mount
# (containers), which a rename cannot replace.
if [ -n "$sudo_program" ]; then
  "$sudo_program" -n cp "$work/hosts" "$hosts_file" || die "could not write $hosts_file with '$sudo_program -n' (passwordless sudo needed)"
else
  cp "$work/hosts" "$hosts_file" || die "could not write $hosts_file"
fi
case "$action" in
  add) echo "$hosts_file: $block_line" ;;
  remove) echo "$hosts_file: bigbang-oci-dev block removed" ;;
esac
