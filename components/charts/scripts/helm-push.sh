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

# Label check. Every label value the packaged chart renders, at the version it
# is pushed as, must be a valid Kubernetes label value (apimachinery
# pkg/util/validation IsValidLabelValue: at most 63 characters of letters,
# digits, '-', '_' and '.', starting and ending with a letter or digit), or the
# API server refuses the object when Flux installs the chart. The usual culprit
# is `.Chart.Version` in a label with the build scheme's `+content.<hash>`
# (fluxcd/flux2#4910). `helm template` renders with the chart's default values
# and Helm's default capabilities (no cluster: it may not exist yet); a chart
# that cannot render that way (a required value, a kubeVersion those
# capabilities miss) is not checked (say so, push anyway). The labels are read from `labels:` and `matchLabels:` blocks in
# block style, which is how templates write them; flow-style maps are not read.
# Writes one line per bad label to stderr and returns 1.
check_labels() {
  local package=$1 pushed=$2 name rendered
  name=$(basename "$package" .tgz)
  name=${name%-"$pushed"}
  if ! rendered=$(helm template "$name" "$package" 2>"$work/template.err"); then
    echo "warning: chart $name $pushed: labels not checked: helm template with the chart's default values failed: $(tail -n 3 "$work/template.err" | tr '\n' ' ')" >&2
    return 0
  fi
  local bad
  bad=$(printf '%s\n' "$rendered" | awk '
    function indent_of(line) { match(line, /^ */); return RLENGTH }
    function unquote(v) {
      sub(/[ \t]+#.*$/, "", v)
      sub(/[ \t]+$/, "", v)
      if (v ~ /^".*"$/) { v = substr(v, 2, length(v) - 2); gsub(/\\"/, "\"", v); return v }
      if (v ~ /^\047.*\047$/) { v = substr(v, 2, length(v) - 2); gsub(/\047\047/, "\047", v); return v }
      if (v == "~" || v == "null") return ""
      return v
    }
    function valid(v) {
      if (length(v) > 63) return 0
      if (v == "") return 1
      return v ~ /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
    }
    /^# Source: / { source = substr($0, 11); block = -1; next }
    /^---/ { block = -1; next }
    {
      ind = indent_of($0)
      if (block >= 0) {
        if ($0 ~ /^ *$/ || $0 ~ /^ *#/) next
        if (ind <= block) block = -1
        else {
          if (child < 0) child = ind
          if (ind == child) {
            line = substr($0, ind + 1)
            colon = index(line, ":")
            if (colon > 0) {
              key = unquote(substr(line, 1, colon - 1))
              value = substr(line, colon + 1)
              sub(/^[ \t]+/, "", value)
              value = unquote(value)
              if (!valid(value)) printf "%s\t%s\t%s\n", source, key, value
            }
          }
          next
        }
      }
      if ($0 ~ /^ *(labels|matchLabels): *$/) { block = ind; child = -1 }
    }
    BEGIN { block = -1; source = "(unknown template)" }
  ')
  [ -z "$bad" ] && return 0
  local src key value plus=""
  while IFS=$'\t' read -r src key value; do
    echo "error: chart $name $pushed: $src: label $key: \"$value\" is not a valid Kubernetes label value (at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit), so Kubernetes would refuse the object when Flux installs the chart" >&2
    case $value in *+*) plus=1 ;; esac
  done <<<"$bad"
  if [ -n "$plus" ]; then
    echo "fix: the '+' comes from the pushed version's build metadata (+content.<hash>). Set versionScheme: prerelease on this chart's entry in bigbang-oci-dev:charts (or bigbang-oci-dev:chartVersionScheme: prerelease for every chart), which pushes <version>-content-<hash> instead; or write the label as {{ .Chart.Version | replace \"+\" \"_\" }} in the chart." >&2
  else
    echo "fix: correct the label in the chart's templates." >&2
  fi
  return 1
}

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
check_labels "${packages[0]}" "$version"
# The registry's certificate is publicly trusted (config refuses private CAs), so no --ca-file.
helm push "${packages[0]}" "$oci_url"
