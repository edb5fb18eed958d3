#!/usr/bin/env bash
# Wait until the registry answers TLS on the host under its real name.
#   registry-ready.sh <hostname> <port> <expected-status>
# The name is pinned to 127.0.0.1 with --resolve, so the certificate is checked
# against the hostname, and against the host's public roots, as Helm and Flux
# will check it.
set -euo pipefail

hostname=${1:?hostname}
port=${2:?port}
expected=${3:?expected HTTP status}
attempts=${REGISTRY_READY_ATTEMPTS:-60}

curl_args=(--silent --show-error --output /dev/null --write-out '%{http_code}'
  --max-time 5 --resolve "${hostname}:${port}:127.0.0.1")

status=000
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for ((i = 1; i <= attempts; i++)); do
  status=$(curl "${curl_args[@]}" "https://${hostname}:${port}/v2/" 2>"$err") || status=000
  if [ "$status" = "$expected" ]; then
    echo "registry https://${hostname}:${port} is ready (HTTP ${status})"
    exit 0
  fi
  sleep 2
done

echo "registry https://${hostname}:${port}/v2/ did not answer ${expected} after ${attempts} attempts (last: HTTP ${status})" >&2
cat "$err" >&2 || true
docker logs --tail 30 bigbang-oci-dev-registry >&2 || true
exit 1
