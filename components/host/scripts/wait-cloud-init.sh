#!/usr/bin/env bash
# Runs over SSH as the login user right after the host boots: waits for cloud-init
# to finish, then checks that Docker, which it installs, is usable by this user.
# (k3d, kubectl and Helm come after, from the host's tools step.)
# Changes nothing, so it is safe to run again at any time.
#
# Environment (optional):
#   CLOUD_INIT_WAIT_SECONDS  how long to wait for cloud-init (default 1800)
#   CLOUD_INIT_OUTPUT_LOG    log shown on failure (default /var/log/cloud-init-output.log)
set -euo pipefail

wait_seconds="${CLOUD_INIT_WAIT_SECONDS:-1800}"
output_log="${CLOUD_INIT_OUTPUT_LOG:-/var/log/cloud-init-output.log}"
log_lines=50

show_log_tail() {
  echo "---- last $log_lines lines of $output_log ----" >&2
  # The log is root:adm 0640; the default Ubuntu user is in adm, other users need sudo.
  sudo -n tail -n "$log_lines" "$output_log" >&2 2>/dev/null \
    || tail -n "$log_lines" "$output_log" >&2 \
    || echo "(cannot read $output_log)" >&2
  echo "---- end of $output_log ----" >&2
}

show_status() {
  cloud-init status --long >&2 || true
}

echo "waiting up to ${wait_seconds}s for cloud-init to finish"
status=0
timeout "$wait_seconds" cloud-init status --wait >/dev/null || status=$?
case "$status" in
  0)
    echo "cloud-init finished"
    ;;
  2)
    # cloud-init 23.4 and later: finished, but some module reported a recoverable
    # error or a deprecation. The host is usable; the details are worth a look.
    echo "WARNING: cloud-init finished with recoverable errors (status: degraded done)" >&2
    show_status
    ;;
  124)
    echo "ERROR: cloud-init did not finish within ${wait_seconds}s" >&2
    show_status
    show_log_tail
    exit 1
    ;;
  *)
    echo "ERROR: cloud-init failed (cloud-init status exited with $status)" >&2
    show_status
    show_log_tail
    exit 1
    ;;
esac

missing=""
command -v docker >/dev/null 2>&1 || missing=" docker"
if [ -n "$missing" ]; then
  echo "ERROR: not on PATH ($PATH):$missing" >&2
  show_log_tail
  exit 1
fi

user_name="$(id -un)"
in_group() { # <group> <id -nG output>
  case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# A session opened before cloud-init added the user to the docker group lacks the
# group even though /etc/group has it; sg starts a shell that has it. A fresh
# SSH session (what later commands open) gets it directly.
if in_group docker "$(id -nG)"; then
  docker_info=(docker info)
elif in_group docker "$(id -nG "$user_name")"; then
  echo "note: this session predates the docker group membership of $user_name; checking through sg"
  docker_info=(sg docker -c "docker info")
else
  echo "ERROR: $user_name is not in the docker group" >&2
  show_log_tail
  exit 1
fi
if ! "${docker_info[@]}" >/dev/null; then
  echo "ERROR: docker does not work for $user_name ('${docker_info[*]}' failed)" >&2
  sudo -n systemctl --no-pager status docker.service >&2 || true
  exit 1
fi

echo "docker works for $user_name"
