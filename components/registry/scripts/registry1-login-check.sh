#!/usr/bin/env bash
# Check the Registry1 login the pull-through cache pulls with, from the host,
# against the same URL the cache's proxy.remoteurl names.
#   registry1-login-check.sh <registry-url> <username>
#   stdin: the password (Registry1 CLI token); never an argument, never printed.
#
# Why: distribution 2.8's proxy swallows the upstream's refusal. A wrong login
# makes the cache answer every pull "manifest unknown" (registry/proxy/
# proxytagservice.go, Get), the nodes fall back to Registry1, and nobody is told.
#
# How the proxy logs in, which this repeats (distribution v2.8.3):
#   registry/proxy/proxyauth.go getAuthURLs: GET <remoteurl>/v2/, and the login
#   goes only to the realm of a `Bearer` challenge;
#   registry/client/auth/session.go fetchTokenWithBasicAuth: GET <realm> with
#   service=, scope=repository:<name>:pull and account=<user>, HTTP basic auth.
# Registry1 is Harbor, whose token service treats a wrong login as anonymous:
# with a scope it still answers 200, with a token that grants nothing; only a
# request without scope (what `docker login` sends) gets 401 (goharbor/harbor
# src/core/service/token/creator.go, generalCreator.Create: "for docker login").
# So the check asks without a scope. A `Basic` challenge (an htpasswd registry)
# is checked with basic auth on /v2/ itself.
#
# Outcomes, on one line each:
#   exit 0  the login works, or the registry asks none;
#   exit 1  the registry refused the login: the line names the config keys;
#   exit 0  with a `warning:` line when the registry cannot be reached or
#           answers something else: that is not a wrong login, and a Registry1
#           outage must not stop a `pulumi up` the warm cache can serve.
# Bounded: REGISTRY1_CHECK_ATTEMPTS tries (default 3), REGISTRY1_CHECK_DELAY
# seconds apart (default 5), each request at most 15 s.
set -euo pipefail

url=${1:?registry url}
url=${url%/}
username=${2:?username}
attempts=${REGISTRY1_CHECK_ATTEMPTS:-3}
pause=${REGISTRY1_CHECK_DELAY:-5}
keys="bigbang-oci-dev:bigbang.registry1.username and bigbang-oci-dev:bigbang.registry1.password"

password=$(cat)
if [ -z "$password" ]; then
  echo "registry1-login-check: no password on stdin" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A curl config line's quoted value: backslash and double quote escaped (curl's
# config file syntax), so the secret goes through stdin, never through argv.
quoted() {
  local v=${1//\\/\\\\}
  v=${v//\"/\\\"}
  printf '"%s"' "$v"
}

# request <config-lines> <curl args...>: prints the HTTP status (000 when none);
# the body lands in $work/body, the headers in $work/headers, curl's error in $work/err.
request() {
  local config=$1
  shift
  curl --silent --show-error --max-time 15 --config - \
    --output "$work/body" --dump-header "$work/headers" --write-out '%{http_code}' \
    "$@" <<<"$config" 2>"$work/err" || true
}

refused() {
  echo "${keys}: ${url} refused the login of '${username}' ($1). Set the user name and a current CLI token from your registry1.dso.mil User Profile: pulumi config set --path --secret bigbang-oci-dev:bigbang.registry1.password" >&2
  exit 1
}

unreachable() {
  echo "warning: could not check the Registry1 login (${keys}): $1. This is not a wrong login; the cache serves what it holds and the nodes fall back to Registry1. The check runs again with the next login change or new host." >&2
  exit 0
}

# One try: sets `outcome` to ok, refused:<detail> or retry:<detail>.
check_once() {
  local status challenge scheme realm service
  status=$(request "" "${url}/v2/")
  case "$status" in
    200)
      outcome="ok:${url} asks no login"
      return
      ;;
    401) ;;
    000)
      outcome="retry:${url} did not answer ($(head -c 300 "$work/err" | tr '\n' ' '))"
      return
      ;;
    *)
      outcome="retry:${url}/v2/ answered HTTP ${status}"
      return
      ;;
  esac
  challenge=$(grep -i '^www-authenticate:' "$work/headers" | head -n 1 | tr -d '\r') || challenge=""
  challenge=${challenge#*:}
  challenge=${challenge# }
  scheme=$(printf '%s' "${challenge%% *}" | tr '[:upper:]' '[:lower:]')
  case "$scheme" in
    bearer)
      realm=""
      service=""
      if [[ $challenge =~ realm=\"([^\"]*)\" ]]; then realm=${BASH_REMATCH[1]}; fi
      if [[ $challenge =~ service=\"([^\"]*)\" ]]; then service=${BASH_REMATCH[1]}; fi
      if [ -z "$realm" ]; then
        outcome="retry:${url}/v2/ sent a Bearer challenge without a realm"
        return
      fi
      local params=(--get --data-urlencode "account=${username}")
      if [ -n "$service" ]; then params+=(--data-urlencode "service=${service}"); fi
      status=$(request "user = $(quoted "${username}:${password}")" "${params[@]}" "$realm")
      case "$status" in
        200) outcome="ok:its token service ${realm} accepted the login" ;;
        401 | 403) outcome="refused:HTTP ${status} from its token service ${realm}" ;;
        000) outcome="retry:its token service ${realm} did not answer ($(head -c 300 "$work/err" | tr '\n' ' '))" ;;
        *) outcome="retry:its token service ${realm} answered HTTP ${status}" ;;
      esac
      ;;
    basic)
      status=$(request "user = $(quoted "${username}:${password}")" "${url}/v2/")
      case "$status" in
        200) outcome="ok:${url}/v2/ accepted the login (HTTP basic)" ;;
        401 | 403) outcome="refused:HTTP ${status} to HTTP basic auth on ${url}/v2/" ;;
        000) outcome="retry:${url} did not answer ($(head -c 300 "$work/err" | tr '\n' ' '))" ;;
        *) outcome="retry:${url}/v2/ answered HTTP ${status}" ;;
      esac
      ;;
    *)
      outcome="retry:${url}/v2/ asks for a login this check does not know (${scheme:-no challenge})"
      ;;
  esac
}

outcome=""
for ((i = 1; i <= attempts; i++)); do
  check_once
  case "$outcome" in
    ok:*)
      echo "Registry1 login of '${username}' checked: ${outcome#ok:}"
      exit 0
      ;;
    refused:*) refused "${outcome#refused:}" ;;
  esac
  if ((i < attempts)); then sleep "$pause"; fi
done
unreachable "${outcome#retry:} (${attempts} attempts)"
