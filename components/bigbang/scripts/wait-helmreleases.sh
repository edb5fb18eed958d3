#!/usr/bin/env bash
# Waits until Flux has installed the developer's charts through Big Bang: every
# HelmRelease made from each given chart is Ready at the given version and has
# handled the reconcile request <token>. Runs on the dev host, where kubectl has
# the k3d cluster's context (no jq there):
#   bash -c "<this script>" wait-helmreleases <kube-context> <timeout-seconds> <token> \
#       [<repo-name> <chart-name> <version>]...
# <token> ([A-Za-z0-9._:-]+; the program passes the Big Bang Helm release's
# revision) names this wait's reconcile request: see "On-demand reconcile" below.
# A HelmRelease belongs to a triple when its spec.chart.spec.sourceRef is the
# HelmRepository <repo-name> and spec.chart.spec.chart is <chart-name>, as Big
# Bang's package template writes them for `packages.<name>.helmRepo`
# (chart/templates/package/helmrelease.yaml: chart: helmRepo.chartName,
# sourceRef: {kind: HelmRepository, name: helmRepo.repoName}).
#
# Exit status: 0 when all are Ready (or no triple was given); 1 on timeout, on a
# HelmRelease that Flux gave up on (Stalled), or when no HelmRelease of a chart
# shows up within the missing-grace period; 2 on bad arguments.
# Output: progress on stdout ("waiting: ..." when it changes, "Big Bang: ..." at
# least every WAIT_HR_PROGRESS_SECONDS, "ready: ns/name chart version" at the end). On failure, stderr gets one line per HelmRelease
# of the whole cluster that is not Ready,
#   <namespace>/<name>: Ready=<status> <reason>: <message>
# then a one-line "error: ..." summary.
#
# Environment (tests shorten these):
#   WAIT_HR_POLL_SECONDS     seconds between polls (default 10)
#   WAIT_HR_PROGRESS_SECONDS longest silence (default 30): at least this often a line
#                            "Big Bang: <elapsed>s of <timeout>s; Ready <x>/<y> HelmReleases;
#                            slowest: <ns/name> (Ready=<status> <reason>)" says how far the
#                            whole cluster is, and which not-Ready HelmRelease has been so the
#                            longest (oldest Ready lastTransitionTime), since pulumi-command
#                            streams this output to `pulumi up` as it comes.
#   WAIT_HR_MISSING_SECONDS  how long a chart may have no HelmRelease (default 120):
#                            the Big Bang release that makes them is already
#                            installed when this runs, so a longer absence means a
#                            wrong repo or chart name, or the package is disabled.
#
# What this relies on in Flux's HelmRelease API v2 (helm-controller
# api/v2/helmrelease_types.go and docs/spec/v2/helmreleases.md):
# - status.lastAttemptedRevision is "the Source revision of the last
#   reconciliation attempt"; for a chart from a HelmRepository that is the chart
#   version, so it equals <version> only once Flux has tried that version.
# - The Ready condition is True when "the Helm release is installed and
#   up-to-date", Unknown while an install or upgrade runs, False with reason
#   InstallFailed, UpgradeFailed, ... on failure. A failure is not final: install
#   and upgrade remediation may retry, so only the timeout ends the wait for it.
# - status.observedGeneration is "the latest .metadata.generation which resulted
#   in either a ready state, or stalled due to error it can not recover from
#   without human intervention"; with Stalled=True at the current generation
#   (kstatus), after this wait's reconcile request was handled, waiting longer
#   cannot help, so that fails at once. Requiring the
#   current generation also keeps a Ready left over from the previous spec from
#   counting.
#
# On-demand reconcile. When only Big Bang's values change (a values file, the
# domain, the Registry1 login), Big Bang changes only the HelmRelease's
# `checksum/bigbang-values` annotation and its valuesFrom Secrets: the spec and
# so metadata.generation stay the same, helm-controller does not reconcile
# before spec.interval, and the Ready above is the old one. So the script asks
# for a reconcile as Flux documents it (helm-controller
# docs/spec/v2/helmreleases.md, "Triggering a reconcile"; `flux reconcile hr`
# does the same): it sets the annotation `reconcile.fluxcd.io/requestedAt`
# (fluxcd/pkg apis/meta ReconcileRequestAnnotation) to <token> on every
# HelmRelease of the given charts when it first sees it (also one that shows up
# later, within the missing-grace period). The controller copies the value it
# handled into status.lastHandledReconcileAt (fluxcd/pkg apis/meta
# ReconcileRequestStatus, inlined in helm-controller api/v2 HelmReleaseStatus:
# "the last manual reconciliation request (by annotating the HelmRelease)
# handled by the reconciler"), so a HelmRelease counts as Ready only with
# status.lastHandledReconcileAt == <token>: its Ready then comes from a
# reconcile that saw the current values. A new token for each wait (a new Big
# Bang revision) keeps a request handled earlier from counting.
set -euo pipefail

HR_RESOURCE=helmreleases.helm.toolkit.fluxcd.io

# One line per HelmRelease, tab-separated. None of these fields can hold a tab
# or a newline: names, versions, and condition status and reason (a reason is
# CamelCase by the Kubernetes condition rules). Messages can, so they are only
# read for the failure report, with a record separator.
ROWS_TEMPLATE='{range .items[*]}{.metadata.namespace}{"\t"}{.metadata.name}{"\t"}{.spec.chart.spec.sourceRef.kind}{"\t"}{.spec.chart.spec.sourceRef.name}{"\t"}{.spec.chart.spec.chart}{"\t"}{.metadata.generation}{"\t"}{.status.observedGeneration}{"\t"}{.status.lastAttemptedRevision}{"\t"}{.status.conditions[?(@.type=="Ready")].status}{"\t"}{.status.conditions[?(@.type=="Stalled")].status}{"\t"}{.status.lastHandledReconcileAt}{"\t"}{.status.conditions[?(@.type=="Ready")].reason}{"\t"}{.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\n"}{end}'
REPORT_TEMPLATE='{range .items[*]}{"\x1e"}{.metadata.namespace}/{.metadata.name}{"\t"}{.status.conditions[?(@.type=="Ready")].status}{"\t"}{.status.conditions[?(@.type=="Ready")].reason}{"\t"}{.status.conditions[?(@.type=="Ready")].message}{end}'

# The failure report lists at most this many HelmReleases (Big Bang has ~20).
MAX_REPORT_LINES=60

usage() {
    echo "usage: wait-helmreleases <kube-context> <timeout-seconds> <token> [<repo-name> <chart-name> <version>]..." >&2
    echo "error: $*" >&2
    exit 2
}

list_helmreleases() {
    local template=$1
    kubectl --context "$CONTEXT" --request-timeout=30s get "$HR_RESOURCE" --all-namespaces -o "jsonpath=$template"
}

# Asks Flux to reconcile a HelmRelease now; see "On-demand reconcile" above.
request_reconcile() {
    local namespace=$1 name=$2
    kubectl --context "$CONTEXT" --request-timeout=30s annotate --overwrite "$HR_RESOURCE" -n "$namespace" "$name" \
        "reconcile.fluxcd.io/requestedAt=$TOKEN" </dev/null >/dev/null
}

# stdin: rows from ROWS_TEMPLATE. Prints "<namespace>\t<name>" of every
# HelmRelease of a wanted chart, once.
matching() {
    awk -F'\t' -v wants="$WANTS" '
        BEGIN {
            n = split(wants, lines, "\n")
            for (i = 1; i <= n; i++) { split(lines[i], w, "\t"); want[w[1] "\t" w[2]] = 1 }
        }
        $3 == "HelmRepository" && (($4 "\t" $5) in want) && !seen[$1 "\t" $2]++ { print $1 "\t" $2 }'
}

# stdin: rows from ROWS_TEMPLATE. Prints one line per wanted HelmRelease:
#   <state>\t<what>\t<detail>
# state: ready | pending | stalled | missing.
classify() {
    awk -F'\t' -v wants="$WANTS" -v token="$TOKEN" '
        BEGIN {
            n = split(wants, lines, "\n")
            for (i = 1; i <= n; i++) { split(lines[i], w, "\t"); repo[i] = w[1]; chart[i] = w[2]; version[i] = w[3]; found[i] = 0 }
        }
        {
            for (i = 1; i <= n; i++) {
                if ($3 != "HelmRepository" || $4 != repo[i] || $5 != chart[i]) continue
                found[i]++
                what = $1 "/" $2
                current = ($6 != "" && $6 == $7)
                ready = ($9 == "" ? "Unknown" : $9)
                handled = ($11 == token)
                if (current && handled && $9 == "True" && $8 == version[i]) {
                    print "ready\t" what "\t" chart[i] " " version[i]
                } else if (current && handled && $10 == "True") {
                    print "stalled\t" what "\tStalled at revision " ($8 == "" ? "none" : $8)
                } else if ($8 != version[i]) {
                    print "pending\t" what "\tReady=" ready ", revision " ($8 == "" ? "none" : $8) ", want " version[i]
                } else if (!handled) {
                    print "pending\t" what "\tReady=" ready ", reconcile request " ($11 == "" ? "none" : $11) " handled, want " token
                } else {
                    print "pending\t" what "\tReady=" ready
                }
            }
        }
        END {
            for (i = 1; i <= n; i++) if (!found[i]) print "missing\t" repo[i] "/" chart[i] "\tno HelmRelease of chart " chart[i] " from HelmRepository " repo[i]
        }'
}

# Prints every HelmRelease that is not Ready to stderr, then the summary, and exits 1.
fail() {
    local summary=$1 report
    if report=$(list_helmreleases "$REPORT_TEMPLATE" 2>"$ERROR_FILE"); then
        echo "HelmReleases that are not Ready:" >&2
        # awk stops at the limit itself: a `head` would end it with SIGPIPE, which
        # pipefail and set -e turn into an exit before the summary.
        awk -v max="$MAX_REPORT_LINES" 'BEGIN { RS = "\036"; FS = "\t" }
            NF >= 1 && $1 != "" && shown < max {
                # The message is everything after the third tab: it may hold tabs itself.
                message = $0
                for (k = 1; k <= 3; k++) message = substr(message, index(message, "\t") + 1)
                gsub(/[\t\r\n]+/, " ", message)
                sub(/ +$/, "", message)
                if ($2 != "True") {
                    printf "%s: Ready=%s %s: %s\n", $1, ($2 == "" ? "Unknown" : $2), ($3 == "" ? "-" : $3), (message == "" ? "-" : message)
                    shown++
                }
            }' <<<"$report" >&2
    else
        echo "cannot list HelmReleases for the report: $(tr '\n' ' ' <"$ERROR_FILE")" >&2
    fi
    echo "error: $summary" >&2
    exit 1
}

# stdin: rows from ROWS_TEMPLATE (every HelmRelease of the cluster). Prints
# "Ready <x>/<y> HelmReleases" and, when some are not Ready, the one not Ready the
# longest: the oldest Ready lastTransitionTime (RFC 3339 UTC, so oldest sorts first);
# one without a Ready condition yet comes after those that have one.
cluster_summary() {
    awk -F'\t' '
        NF >= 2 && $2 != "" {
            total++
            if ($9 == "True") { ready++; next }
            key = ($13 == "" ? "~" : $13)
            if (slow == "" || key < slowKey) { slow = $1 "/" $2 " (Ready=" ($9 == "" ? "Unknown" : $9) ($12 == "" ? "" : " " $12) ")"; slowKey = key }
        }
        END { printf "Ready %d/%d HelmReleases%s\n", ready, total, (slow == "" ? "" : "; slowest: " slow) }'
}

# Seconds ("30", "0.5") to milliseconds, in bash alone.
to_ms() {
    local whole="${1%%.*}" frac=""
    case "$1" in *.*) frac="${1#*.}" ;; esac
    frac="${frac}000"
    echo $((10#${whole:-0} * 1000 + 10#${frac:0:3}))
}
# Milliseconds since the epoch (bash 5 EPOCHREALTIME; the decimal point may be a comma in some locales).
now_ms() {
    local t="${EPOCHREALTIME/[.,]/}"
    echo $((t / 1000))
}

# "a/b (detail), c/d (detail)" for the states given, from the classify output.
describe() {
    local states=$1
    awk -F'\t' -v states="$states" 'index(" " states " ", " " $1 " ") { out = out (out == "" ? "" : ", ") $2 " (" $3 ")" } END { print out }' <<<"$STATUS"
}

main() {
    [[ $# -ge 3 ]] || usage "expected a kube context, a timeout and a token"
    CONTEXT=$1
    local timeout_seconds=$2
    TOKEN=$3
    shift 3
    (($# % 3 == 0)) || usage "expected the charts as triples <repo-name> <chart-name> <version>, got $# more arguments"
    [[ -n $CONTEXT ]] || usage "the kube context is empty"
    [[ $timeout_seconds =~ ^[1-9][0-9]{0,5}$ ]] || usage "invalid timeout '$timeout_seconds': expected seconds"
    [[ $TOKEN =~ ^[A-Za-z0-9._:-]+$ ]] || usage "invalid token '$TOKEN': expected [A-Za-z0-9._:-]+"
    local poll=${WAIT_HR_POLL_SECONDS:-10} missing_grace=${WAIT_HR_MISSING_SECONDS:-120}
    [[ $poll =~ ^[1-9][0-9]{0,3}$ ]] || usage "invalid WAIT_HR_POLL_SECONDS '$poll'"
    [[ $missing_grace =~ ^[0-9]{1,6}$ ]] || usage "invalid WAIT_HR_MISSING_SECONDS '$missing_grace'"
    local progress_seconds=${WAIT_HR_PROGRESS_SECONDS:-30}
    [[ $progress_seconds =~ ^[0-9]{1,4}(\.[0-9]{1,3})?$ && $progress_seconds =~ [1-9] ]] || usage "invalid WAIT_HR_PROGRESS_SECONDS '$progress_seconds'"

    WANTS=""
    local -a labels=()
    while (($# > 0)); do
        local repo=$1 chart=$2 version=$3
        shift 3
        [[ $repo =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || usage "invalid repo name '$repo'"
        [[ $chart =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || usage "invalid chart name '$chart'"
        [[ $version =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]*$ ]] || usage "invalid version '$version'"
        WANTS+="${WANTS:+$'\n'}$repo"$'\t'"$chart"$'\t'"$version"
        labels+=("$chart $version")
    done
    if [[ -z $WANTS ]]; then
        echo "no charts to wait for"
        return 0
    fi
    command -v kubectl >/dev/null || { echo "error: kubectl is not installed" >&2; exit 1; }

    echo "waiting up to ${timeout_seconds}s for the HelmReleases of ${labels[*]}"
    local start=$SECONDS rows last_error="" last_progress="" progress
    local deadline=$((start + timeout_seconds))
    ERROR_FILE=$(mktemp)
    trap 'rm -f -- "$ERROR_FILE"' EXIT
    STATUS=""
    # "<namespace>\t<name>" lines of the HelmReleases annotated so far.
    local requested="" release namespace name annotate_error
    local progress_ms next_summary_ms now nap summary
    progress_ms=$(to_ms "$progress_seconds")
    next_summary_ms=$(now_ms)
    summary=""
    summary_if_due() {
        now=$(now_ms)
        if ((now >= next_summary_ms)) && [[ -n $summary ]]; then
            echo "Big Bang: $((SECONDS - start))s of ${timeout_seconds}s; $summary"
            next_summary_ms=$((now + progress_ms))
        fi
    }
    while :; do
        if rows=$(list_helmreleases "$ROWS_TEMPLATE" 2>"$ERROR_FILE"); then
            last_error=""
            annotate_error=""
            while IFS= read -r release; do
                [[ -n $release ]] || continue
                if [[ -n $requested ]] && grep -qxF -- "$release" <<<"$requested"; then continue; fi
                namespace=${release%%$'\t'*}
                name=${release#*$'\t'}
                if request_reconcile "$namespace" "$name" 2>"$ERROR_FILE"; then
                    echo "requested a reconcile of $namespace/$name ($TOKEN)"
                    requested+="${requested:+$'\n'}$release"
                else
                    # Tried again at the next poll; until then it cannot count as Ready.
                    annotate_error+="; kubectl cannot annotate $namespace/$name: $(tr '\n' ' ' <"$ERROR_FILE")"
                fi
            done < <(matching <<<"$rows")
            STATUS=$(classify <<<"$rows")
            if grep -q $'^stalled\t' <<<"$STATUS"; then
                fail "Flux gave up on $(describe stalled); see its message above, fix the chart or values and run again"
            fi
            if ! grep -q -v $'^ready\t' <<<"$STATUS"; then
                awk -F'\t' '{ print "ready: " $2 " " $3 }' <<<"$STATUS"
                return 0
            fi
            if grep -q $'^missing\t' <<<"$STATUS" && ((SECONDS - start >= missing_grace)); then
                fail "after $((SECONDS - start))s still $(describe missing); check the package's helmRepo repoName and chartName and that it is enabled"
            fi
            progress="waiting: $(describe "pending missing")$annotate_error"
            summary=$(cluster_summary <<<"$rows")
        else
            last_error=$(tr '\n' ' ' <"$ERROR_FILE")
            progress="waiting: kubectl cannot list HelmReleases: $last_error"
            summary="kubectl cannot list HelmReleases"
        fi
        if [[ $progress != "$last_progress" ]]; then
            echo "$progress"
            last_progress=$progress
        fi
        summary_if_due
        if ((SECONDS >= deadline)); then
            if [[ -n $last_error ]]; then
                fail "timed out after ${timeout_seconds}s; kubectl cannot list HelmReleases: $last_error"
            fi
            fail "timed out after ${timeout_seconds}s waiting for $(describe "pending missing")"
        fi
        local left=$((deadline - SECONDS))
        # One poll interval, but awake in time for the deadline and the next progress line.
        nap=$(((left < poll ? left : poll) * 1000))
        ((next_summary_ms - now < nap)) && nap=$((next_summary_ms - now))
        ((nap < 10)) && nap=10
        sleep "$((nap / 1000)).$(printf '%03d' $((nap % 1000)))"
        # Due now unless the list took long: the last known state, so a slow API server does not
        # add its time to the silence.
        summary_if_due
    done
}

main "$@"
