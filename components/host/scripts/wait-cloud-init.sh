#!/usr/bin/env bash
# Runs over SSH as the login user right after the host boots: waits for cloud-init
# to finish, then checks that Docker, which it installs, is usable by this user.
# (k3d, kubectl and Helm come after, from the host's tools step.)
# Changes nothing, so it is safe to run again at any time.
#
# Environment (optional):
#   CLOUD_INIT_WAIT_SECONDS  how long to wait for cloud-init (default 1800)
#   CLOUD_INIT_OUTPUT_LOG    log shown on failure (default /var/log/cloud-init-output.log)
#   CLOUD_INIT_POLL_SECONDS      how often to ask cloud-init for its status (default 5; decimals allowed)
#   CLOUD_INIT_PROGRESS_SECONDS  longest silence while waiting (default 30; decimals allowed)
set -euo pipefail

wait_seconds="${CLOUD_INIT_WAIT_SECONDS:-1800}"
output_log="${CLOUD_INIT_OUTPUT_LOG:-/var/log/cloud-init-output.log}"
log_lines=50
poll_seconds="${CLOUD_INIT_POLL_SECONDS:-5}"
progress_seconds="${CLOUD_INIT_PROGRESS_SECONDS:-30}"

# Seconds ("30", "0.2") to milliseconds, in bash alone.
to_ms() {
  local whole="${1%%.*}" frac=""
  case "$1" in *.*) frac="${1#*.}" ;; esac
  frac="${frac}000"
  echo $(( 10#${whole:-0} * 1000 + 10#${frac:0:3} ))
}
# Milliseconds since the epoch (bash 5 EPOCHREALTIME; the decimal point may be a comma in some locales).
now_ms() {
  local t="${EPOCHREALTIME/[.,]/}"
  echo $(( t / 1000 ))
}

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

last_log_line() {
  local line
  line="$(sudo -n tail -n 1 "$output_log" 2>/dev/null || tail -n 1 "$output_log" 2>/dev/null || echo "(cannot read $output_log)")"
  echo "${line:-(empty)}"
}

echo "waiting up to ${wait_seconds}s for cloud-init to finish"
# Polls `cloud-init status` instead of one silent `cloud-init status --wait`, so the user sees a
# line at least every progress interval (pulumi-command streams the remote stdout as it comes).
# Like --wait, it keeps waiting while the simplified status is "not run" or "running"
# (canonical/cloud-init cloudinit/cmd/status.py handle_status_args; "degraded running" prints
# as "running" there, with exit code 2, so the status text decides, not the exit code). Once
# done, the exit code means what --wait's does: 0 done, 1 error, 2 done with recoverable errors.
poll_ms="$(to_ms "$poll_seconds")"
progress_ms="$(to_ms "$progress_seconds")"
start_ms="$(now_ms)"
deadline_ms=$(( start_ms + wait_seconds * 1000 ))
next_progress_ms=$(( start_ms + progress_ms ))
status=124
while :; do
  code=0
  out="$(timeout 60 cloud-init status 2>/dev/null)" || code=$?
  state="$(printf '%s\n' "$out" | sed -n 's/^status: *//p')"
  state="${state%%$'\n'*}"
  case "$state" in
    "not run" | running) ;;
    *) status=$code; break ;;
  esac
  now="$(now_ms)"
  if (( now >= deadline_ms )); then
    status=124
    break
  fi
  if (( now >= next_progress_ms )); then
    echo "cloud-init: ${state}, $(( (now - start_ms) / 1000 ))s of ${wait_seconds}s; last log: $(last_log_line)"
    next_progress_ms=$(( now + progress_ms ))
  fi
  # Sleep one poll interval, but wake in time for the next progress line and the deadline.
  nap=$poll_ms
  (( next_progress_ms - now < nap )) && nap=$(( next_progress_ms - now ))
  (( deadline_ms - now < nap )) && nap=$(( deadline_ms - now ))
  (( nap < 10 )) && nap=10
  sleep "$(( nap / 1000 )).$(printf '%03d' $(( nap % 1000 )))"
done
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
