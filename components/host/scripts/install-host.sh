#!/usr/bin/env bash
# Prepares an existing Ubuntu or Debian machine for bigbang-oci-dev (the ssh
# backend), run as root over SSH (sudo -n) before the tools (install-tools.sh):
#   - Docker from the distro's own archive (docker.io) where there is no Docker;
#     an engine the machine already has is used as it is, if k3d can use it;
#   - curl, jq and ca-certificates where missing;
#   - Big Bang's kernel settings (the aws host's list, cloudInit.ts KERNEL_SETTINGS)
#     and the modules Istio needs, persisted in files of the program's own;
#   - the login user in the docker group;
#   - the program's folders: the tools folder, the user's work folder;
#   - a record of what it installed and of the stacks that use the machine, which
#     uninstall-host.sh reads.
# Idempotent: what is already in place is left alone, and nothing is downloaded or
# installed then. It never reboots, powers off or upgrades the machine's packages,
# and never replaces software the machine already has.
#
# Usage: install-host.sh --user <user> --stack <stack> --arch <amd64|arm64>
#          --work-dir <dir> --tools-dir <dir> --record <file>
#          [--sysctl <key>=<value>]... [--module <name>]... [--docker-daemon-json <json>]
# Environment (tests): OS_RELEASE (/etc/os-release), SYSCTL_DIR (/etc/sysctl.d),
#   MODULES_DIR (/etc/modules-load.d), LINK_DIR (/usr/local/bin),
#   DOCKER_DAEMON_JSON (/etc/docker/daemon.json), CA_BUNDLE (/etc/ssl/certs/ca-certificates.crt),
#   SYS_MODULE_DIR (/sys/module: a module listed there is loaded already).
set -euo pipefail

os_release="${OS_RELEASE:-/etc/os-release}"
sysctl_dir="${SYSCTL_DIR:-/etc/sysctl.d}"
modules_dir="${MODULES_DIR:-/etc/modules-load.d}"
link_dir="${LINK_DIR:-/usr/local/bin}"
daemon_json="${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"
ca_bundle="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
sys_module_dir="${SYS_MODULE_DIR:-/sys/module}"
# k3d v5 needs Docker 20.10.5 or newer (runc >= 1.0.0-rc93): k3d-io/k3d README.md "Requirements",
# docs/faq/compatibility.md ("<= 20.10.4 expected to fail", k3d-io/k3d#807).
docker_minimum="20.10.5"
apt_lock_timeout=600

die() {
  echo "install-host: $*" >&2
  exit 1
}

user="" stack="" arch="" work_dir="" tools_dir="" record="" daemon_config=""
sysctls=()
modules=()
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "$1 needs a value"
  case "$1" in
    --user) user="$2" ;;
    --stack) stack="$2" ;;
    --arch) arch="$2" ;;
    --work-dir) work_dir="$2" ;;
    --tools-dir) tools_dir="$2" ;;
    --record) record="$2" ;;
    --sysctl) sysctls+=("$2") ;;
    --module) modules+=("$2") ;;
    --docker-daemon-json) daemon_config="$2" ;;
    *) die "unknown argument $1" ;;
  esac
  shift 2
done
for name in user stack arch work_dir tools_dir record; do
  [ -n "${!name}" ] || die "--${name//_/-} is required"
done
[[ "$user" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "not a Linux user name: $user"
[[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || die "not a stack name: $stack"

# --- The distro: apt on Ubuntu or Debian, nothing else.
[ -r "$os_release" ] || die "cannot read $os_release: the ssh backend supports Ubuntu and Debian only"
os_field() { # <name>: the first <name>= line's value without quotes, into field; read, not sourced
  # (os-release(5) is shell-compatible, but nothing needs running), by bash alone
  local line=""
  field=""
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ "$line" == "$1="* ]]; then
      field="${line#"$1="}"
      field="${field//[\"\']/}"
      return 0
    fi
  done <"$os_release"
}
os_field ID
os_id="$field"
os_field PRETTY_NAME
os_name="$field"
os_name="${os_name:-${os_id:-an unknown system}}"
case "$os_id" in
  ubuntu | debian) ;;
  *) die "this machine runs $os_name; the ssh backend installs Docker and its settings with apt on Ubuntu and Debian only. Use an Ubuntu or Debian machine, or host.backend aws or local" ;;
esac

# --- The machine's architecture against host.architecture (the tool downloads are per architecture).
machine="$(uname -m)"
case "$machine" in
  x86_64) machine_arch=amd64 ;;
  aarch64 | arm64) machine_arch=arm64 ;;
  *) machine_arch="$machine" ;;
esac
[ "$machine_arch" = "$arch" ] || die "this machine is $machine ($machine_arch), but bigbang-oci-dev:host.architecture is $arch: set host.architecture to $machine_arch"

# --- The user: a POSIX login shell (the remote commands are sh syntax) and the work folder's parent.
entry="$(getent passwd "$user" || true)"
[ -n "$entry" ] || die "there is no user $user on this machine (bigbang-oci-dev:host.ssh.user)"
login_shell="${entry##*:}"
case "${login_shell##*/}" in
  sh | bash | dash | zsh | ksh | mksh) ;;
  *) die "$user's login shell is $login_shell; the program's remote commands are sh syntax: use a user whose shell is bash or sh" ;;
esac
[ -d "$(dirname "$work_dir")" ] || die "$(dirname "$work_dir") does not exist: the program stages files in $work_dir (a user with a home folder under /home)"

mkdir -p "$(dirname "$record")"
touch "$record"
# The record's lines, read once: remember looks a line up here instead of a grep per line.
declare -A recorded=()
while IFS= read -r line || [ -n "$line" ]; do
  [ -z "$line" ] || recorded["$line"]=1
done <"$record"
remember() { # <line>: once
  [ -n "${recorded["$1"]:-}" ] && return 0
  echo "$1" >>"$record"
  recorded["$1"]=1
}

# --- Packages: only what is missing. apt verifies every package against the archive's signed
# Release file (the distro's key, already trusted by the machine): the checksums come from there.
docker_server_version() {
  docker version --format '{{.Server.Version}}' 2>/dev/null || true
}
need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v jq >/dev/null 2>&1 || need+=(jq)
[ -f "$ca_bundle" ] || need+=(ca-certificates)
install_docker=""
if ! command -v docker >/dev/null 2>&1; then
  need+=(docker.io)
  install_docker=1
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "install-host: installing ${need[*]} from $os_name's archive"
  export DEBIAN_FRONTEND=noninteractive
  # The lock timeout waits for unattended-upgrades instead of failing on its lock.
  # The lists lock is not covered by DPkg::Lock::Timeout: a few bounded tries.
  for attempt in 1 2 3; do
    apt-get -o DPkg::Lock::Timeout="$apt_lock_timeout" update -q && break
    [ "$attempt" -lt 3 ] || die "apt-get update failed 3 times"
    sleep 10
  done
  apt-get -o DPkg::Lock::Timeout="$apt_lock_timeout" install -y -q --no-upgrade "${need[@]}" || die "apt-get install ${need[*]} failed"
  for package in "${need[@]}"; do remember "package $package"; done
fi
if [ -n "$install_docker" ]; then
  # Log rotation for the k3d nodes' logs, as on the aws host (cloudInit.ts), only where the
  # machine had no Docker and so no daemon.json of its own.
  if [ -n "$daemon_config" ] && [ ! -e "$daemon_json" ]; then
    mkdir -p "$(dirname "$daemon_json")"
    printf '%s\n' "$daemon_config" >"$daemon_json"
    remember "docker-file $daemon_json"
  fi
  systemctl enable docker.service >/dev/null 2>&1 || true
  systemctl restart docker.service || die "docker.service did not start"
fi
server="$(docker_server_version)"
if [ -z "$server" ]; then
  echo "install-host: the Docker engine does not answer; starting docker.service"
  systemctl start docker.service || die "docker.service did not start: see 'systemctl status docker'"
  server="$(docker_server_version)"
fi
[ -n "$server" ] || die "the Docker engine does not answer 'docker version' as root"
lowest="$(printf '%s\n%s\n' "$docker_minimum" "${server%%[+~]*}" | sort -V | head -n 1)"
if [ "$lowest" != "$docker_minimum" ]; then
  die "Docker $server is older than $docker_minimum, which k3d needs. The program does not replace an engine the machine already has (its containers would restart): upgrade it yourself"
fi
echo "install-host: Docker $server"

# --- The docker group: the user's Docker socket access. The group is read at login, so a
# session opened before this (the one running it, a ControlMaster connection kept by the user's
# ssh config) lacks it; the program's later steps and the Docker provider log in afresh.
getent group docker >/dev/null 2>&1 || die "there is no docker group; Docker's package makes one"
if [[ " $(id -nG "$user") " != *" docker "* ]]; then
  usermod -aG docker "$user" || die "could not add $user to the docker group"
  remember "group docker $user"
  echo "install-host: $user added to the docker group (new SSH sessions have it)"
fi

# --- Kernel settings. A value the machine already has at least as high is left to it (its own
# file keeps it across boots); the rest go into the program's file, which keeps the keys it
# already holds, so a second run does not drop a value the first one raised.
sysctl_file="$sysctl_dir/90-bigbang-oci-dev.conf"
wanted_lines=()
apply=""
for setting in "${sysctls[@]}"; do
  key="${setting%%=*}"
  value="${setting#*=}"
  [[ "$key" =~ ^[a-z0-9_.-]+$ && "$value" =~ ^[0-9]+$ ]] || die "not a kernel setting: $setting"
  current="$(sysctl -n "$key" 2>/dev/null || echo 0)"
  [ "$current" -ge "$value" ] || apply=1
  if { [ -f "$sysctl_file" ] && grep -q "^$key = " "$sysctl_file"; } || [ "$current" -lt "$value" ]; then
    wanted_lines+=("$key = $value")
  fi
done
if [ ${#wanted_lines[@]} -gt 0 ]; then
  content="$(printf '# bigbang-oci-dev: the values of Big Bang'"'"'s k3d-dev.sh (removed by its destroy)\n'; printf '%s\n' "${wanted_lines[@]}")"
  if [ ! -f "$sysctl_file" ] || [ "$(cat "$sysctl_file")" != "$content" ]; then
    mkdir -p "$sysctl_dir"
    printf '%s\n' "$content" >"$sysctl_file"
    echo "install-host: kernel settings in $sysctl_file"
  fi
  remember "kernel-file $sysctl_file"
  if [ -n "$apply" ]; then
    sysctl -q -p "$sysctl_file" >/dev/null || die "sysctl -p $sysctl_file failed"
  fi
fi
# Read again only after a change: without one, the values read above are all high enough already.
if [ -n "$apply" ]; then
  for setting in "${sysctls[@]}"; do
    key="${setting%%=*}"
    value="${setting#*=}"
    current="$(sysctl -n "$key")"
    [ "$current" -ge "$value" ] || die "$key is $current, expected at least $value"
  done
fi
if [ ${#modules[@]} -gt 0 ]; then
  modules_file="$modules_dir/bigbang-oci-dev.conf"
  content="$(printf '# bigbang-oci-dev: Istio'"'"'s iptables redirection (removed by its destroy)\n'; printf '%s\n' "${modules[@]}")"
  if [ ! -f "$modules_file" ] || [ "$(cat "$modules_file")" != "$content" ]; then
    mkdir -p "$modules_dir"
    printf '%s\n' "$content" >"$modules_file"
  fi
  remember "kernel-file $modules_file"
  for module in "${modules[@]}"; do
    [[ "$module" =~ ^[A-Za-z0-9_-]+$ ]] || die "not a module name: $module"
    [ -e "$sys_module_dir/$module" ] && continue
    modprobe "$module" || die "could not load the kernel module $module"
  done
fi

# --- The program's tools folder (install-tools.sh fills it), and a link for each tool the machine
# has none of, so that the user's own shell finds it too. A tool the machine has stays first.
mkdir -p "$tools_dir"
remember "dir $tools_dir"
for tool in k3d kubectl helm; do
  if [ ! -e "$link_dir/$tool" ] && [ ! -L "$link_dir/$tool" ] && ! command -v "$tool" >/dev/null 2>&1; then
    mkdir -p "$link_dir"
    ln -s "$tools_dir/$tool" "$link_dir/$tool"
    remember "link $link_dir/$tool"
  fi
done

# --- The user's work folder (staged charts).
if [ ! -d "$work_dir" ]; then
  group="$(id -gn "$user")"
  mkdir -p "$work_dir.new"
  chmod 0700 "$work_dir.new"
  chown "$user:$group" "$work_dir.new"
  mv "$work_dir.new" "$work_dir"
fi

remember "stack $stack"
echo "install-host: ready for stack $stack ($os_name, $machine_arch)"
