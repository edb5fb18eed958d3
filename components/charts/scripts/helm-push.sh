#!/usr/bin/env bash
# Package a chart on the host and push it to an OCI registry.
#   helm-push.sh <chart-tar> <version> <oci-url> <registry-host> [<username>]
# <chart-tar> holds the chart's files at its top level, already filtered by
# .helmignore (components/charts/chartArchive.ts). <version> is what the chart is
# packaged as, whatever Chart.yaml says (Chart.yaml's version plus content build
# metadata; see contentVersion in chartSource.ts).
# With a username, the password or token comes on stdin (never as an argument,
# so it is not in the process list or the Pulumi diff).
set -euo pipefail

chart_tar=${1:?chart archive}
version=${2:?chart version}
oci_url=${3:?oci:// URL}
registry_host=${4:?registry host[:port]}
username=${5:-}

if [ ! -f "$chart_tar" ]; then
  echo "chart archive $chart_tar is missing on the host" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A lost SSH session (HUP) or a cancelled run ends through the EXIT trap too.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# `helm registry login` writes the login in plain text to $HELM_REGISTRY_CONFIG, by
# default ~/.config/helm/registry/config.json (helm v3 pkg/cli/environment.go
# RegistryConfig, pkg/registry/client.go NewClient), and nothing ever removes it.
# Keep it in the work folder, so no credential outlives this push.
export HELM_REGISTRY_CONFIG="$work/registry-config.json"

if [ -n "$username" ]; then
  helm registry login "$registry_host" --username "$username" --password-stdin >/dev/null
fi

mkdir "$work/chart" "$work/out"
tar -xf "$chart_tar" -C "$work/chart" --no-same-owner
# The package is named <name>-<version>.tgz from Chart.yaml, whatever the folder is called.
helm package "$work/chart" --version "$version" --destination "$work/out"
shopt -s nullglob
packages=("$work/out"/*.tgz)
if [ "${#packages[@]}" -ne 1 ]; then
  echo "helm package produced ${#packages[@]} archives, expected 1" >&2
  exit 1
fi
# The registry's certificate is publicly trusted (config refuses private CAs), so no --ca-file.
helm push "${packages[0]}" "$oci_url"
