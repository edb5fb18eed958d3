#!/usr/bin/env bash
# Sets the host's auto-shutdown timer, run as root over SSH whenever
# host.autoShutdownHours changes (and on a new host). Writing the same units
# again changes nothing, so it is safe to re-run.
# Usage: auto-shutdown.sh 0                               (turn it off)
#        auto-shutdown.sh <hours> <service-unit> <timer-unit>
# The unit texts come from the program (cloudInit.ts autoShutdownUnits).
# Environment (tests): UNIT_DIR, default /etc/systemd/system.
set -euo pipefail

unit_dir="${UNIT_DIR:-/etc/systemd/system}"
name="bigbang-oci-dev-auto-shutdown"

die() {
  echo "auto-shutdown: $*" >&2
  exit 1
}

[ $# -ge 1 ] || die "usage: auto-shutdown.sh <hours> [<service-unit> <timer-unit>]"
hours="$1"
[[ "$hours" =~ ^[0-9]+$ ]] || die "not a whole number of hours: $hours"

if [ "$hours" -eq 0 ]; then
  if [ -e "$unit_dir/$name.timer" ]; then
    systemctl disable --now "$name.timer" || true
  fi
  rm -f "$unit_dir/$name.service" "$unit_dir/$name.timer"
  systemctl daemon-reload
  echo "auto-shutdown: off"
  exit 0
fi

[ $# -eq 3 ] || die "hours $hours needs the service and timer unit texts"
write_unit() { # <file> <text>; a rename, so systemd never reads half a file
  printf '%s' "$2" >"$1.new"
  chmod 0644 "$1.new"
  mv -f "$1.new" "$1"
}
mkdir -p "$unit_dir"
write_unit "$unit_dir/$name.service" "$2"
write_unit "$unit_dir/$name.timer" "$3"
systemctl daemon-reload
systemctl enable "$name.timer"
# A restart re-arms OnBootSec with the new value; it still counts from this boot.
systemctl restart "$name.timer"
echo "auto-shutdown: ${hours}h after each boot"
