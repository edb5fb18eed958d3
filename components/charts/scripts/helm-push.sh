#!/usr/bin/env bash
# Package a chart directory on the host and push it to an OCI registry.
#   helm-push.sh <chart-dir> <oci-url> <registry-host> [<ca-file>] [<username>]
# With a username, the password or token comes on stdin (never as an argument,
# so it is not in the process list or the Pulumi diff).
set -euo pipefail

chart_dir=${1:?chart directory}
oci_url=${2:?oci:// URL}
registry_host=${3:?registry host[:port]}
ca_file=${4:-}
username=${5:-}

tls_args=()
if [ -n "$ca_file" ]; then
  tls_args=(--ca-file "$ca_file")
fi

if [ -n "$username" ]; then
  helm registry login "$registry_host" --username "$username" --password-stdin "${tls_args[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# helm package honours .helmignore; the archive is named <name>-<version>.tgz.
helm package "$chart_dir" --destination "$work"
shopt -s nullglob
packages=("$work"/*.tgz)
if [ "${#packages[@]}" -ne 1 ]; then
  echo "helm package produced ${#packages[@]} archives in $work, expected 1" >&2
  exit 1
fi
helm push "${packages[0]}" "$oci_url" "${tls_args[@]}"
