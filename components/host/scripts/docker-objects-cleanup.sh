#!/usr/bin/env bash
# Removes what the program left on a Docker Engine, by the machine-identity label
# every network, volume and container of the program carries (DevHost.dockerLabels),
# when the program leaves that engine:
#   - local: the delete of LocalHost's `engine-objects` step (runs last, through
#     on-engine.sh only against the engine it names);
#   - ssh: uninstall-host.sh, the delete of the `host-setup` step, run on the old
#     machine by the connection kept in state, and only when no other stack of the
#     program still uses the machine.
#   docker-objects-cleanup.sh <label>=<value>
# Every container, then every volume, then every network with the label. After a
# normal destroy nothing is left and this does nothing. After a switch to another
# backend or another ssh address, the Docker provider that would delete the
# registry's and the cache's containers, volumes and network points at the new
# engine (a provider's settings change in place: pulumi-docker's DiffConfig is the
# bridged provider's, with nothing replace-on-change), so they would stay behind;
# this removes them. A leftover it cannot remove is reported and left (exit 0): it
# blocks nothing of the new environment.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: docker-objects-cleanup.sh <label>=<value>" >&2; exit 2; }
filter="label=$1"
left=""

ids() { # <kind> -> the IDs with the label
  case "$1" in
    container) docker ps -aq --filter "$filter" ;;
    volume) docker volume ls -q --filter "$filter" ;;
    network) docker network ls -q --filter "$filter" ;;
  esac
}

remove() { # <kind>
  local kind="$1" id
  local -a cmd
  while IFS= read -r id; do
    [ -n "$id" ] || continue
    if [ "$kind" = container ]; then cmd=(rm -f -v "$id"); else cmd=("$kind" rm "$id"); fi
    if docker "${cmd[@]}" >/dev/null 2>&1; then
      echo "removed $kind $id"
    else
      left="$left $kind $id;"
    fi
  done < <(ids "$kind")
}

remove container
remove volume
remove network
if [ -n "$left" ]; then
  echo "could not remove (remove them by hand with docker rm / docker volume rm / docker network rm):$left" >&2
fi
