#!/usr/bin/env bash
# Waits until MetalLB's validating webhook answers, so that the address pools
# the program creates next are not refused. Runs on the dev host, where kubectl
# has the k3d cluster's context:
#   bash -c "<this script>" wait-metallb-webhook <kube-context> <timeout-seconds>
#
# Why a wait: the pools are created once the controller Deployment is Ready, but
# its readiness probe is /metrics, not the webhook (MetalLB v0.15.3
# config/manifests/metallb-native.yaml: controller readinessProbe httpGet
# /metrics on port monitoring; the webhook is served on 9443 once the
# controller has written its serving certificate), and pulumi-kubernetes
# retries a create only on NotFound and NoMatch errors (provider/pkg/await/
# await.go), so a "connection refused" from the webhook fails the run.
#
# How: a server-side dry run of an IPAddressPool (kubectl create
# --dry-run=server), which the API server sends through the webhook and does
# not store. Its address, 192.0.2.1/32 (TEST-NET-1, RFC 5737), overlaps no
# pool. The webhook answers when the dry run is accepted, or denied by the
# webhook itself ("admission webhook ... denied the request"); any other
# failure (connection refused, no endpoints, a timeout, a certificate not yet
# valid) is retried until <timeout-seconds>.
#
# Exit status: 0 once the webhook answers; 1 on timeout, with the last error on
# stderr; 2 on bad arguments. Progress goes to stdout after the first failed
# try, then after a try once WAIT_WEBHOOK_PROGRESS_SECONDS have passed: with
# the defaults (10 s, plus at most a 15 s try and a 5 s pause), at least every
# 30 s.
#
# Environment (tests shorten these):
#   WAIT_WEBHOOK_POLL_SECONDS      seconds between tries (default 5)
#   WAIT_WEBHOOK_PROGRESS_SECONDS  seconds between progress lines (default 10)
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: wait-metallb-webhook <kube-context> <timeout-seconds>" >&2
  exit 2
fi
context=$1
timeout=$2
poll=${WAIT_WEBHOOK_POLL_SECONDS:-5}
progress=${WAIT_WEBHOOK_PROGRESS_SECONDS:-10}
for n in "$timeout" "$poll" "$progress"; do
  case $n in
    '' | *[!0-9]*) echo "error: expected whole seconds, got '$n'" >&2; exit 2 ;;
  esac
done

probe() {
  # --request-timeout bounds one try; the API server gives a webhook 10 s by default
  # (admissionregistration.k8s.io/v1 timeoutSeconds; metallb-native.yaml sets none).
  kubectl --context "$context" --request-timeout=15s create --dry-run=server -o name -f - 2>&1 <<'EOF'
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: bigbang-oci-dev-webhook-probe
  namespace: metallb-system
spec:
  addresses:
    - 192.0.2.1/32
EOF
}

start=$SECONDS
last_progress=$((SECONDS - progress))
last=""
while :; do
  if out=$(probe); then
    echo "ready: MetalLB's webhook answered after $((SECONDS - start))s"
    exit 0
  fi
  last=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -n 1)
  case $out in
    *"denied the request"*)
      echo "ready: MetalLB's webhook answered after $((SECONDS - start))s (it denied the probe: $last)"
      exit 0 ;;
  esac
  elapsed=$((SECONDS - start))
  if [ "$elapsed" -ge "$timeout" ]; then
    echo "error: MetalLB's webhook did not answer within ${timeout}s, so the address pools cannot be created. Last error: $last" >&2
    echo "hint: kubectl --context $context -n metallb-system get pods,endpoints; kubectl --context $context -n metallb-system logs deploy/controller" >&2
    exit 1
  fi
  if [ $((SECONDS - last_progress)) -ge "$progress" ]; then
    echo "waiting for MetalLB's webhook (${elapsed}s of ${timeout}s): $last"
    last_progress=$SECONDS
  fi
  # Never sleep past the deadline.
  remaining=$((timeout - elapsed))
  sleep "$((poll < remaining ? poll : remaining))"
done
