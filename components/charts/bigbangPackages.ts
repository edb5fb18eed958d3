// Which Big Bang values key installs a given chart. Big Bang names a package's
// values key after the package, not after its chart (`istioGateway` pulls the
// `gateway` chart, `addons.minio` pulls `minio-instance`), so the key cannot be
// derived from the chart name and has to be looked up.
//
// Copied by hand from Big Bang's `chart/values.yaml` (the `helmRepo.chartName`
// of every package entry); `npm run test:conformance`
// (test/conformance/bigbangPackages.test.ts) fails when this table and Big
// Bang's values.yaml at the pinned commit disagree in either direction.
//
// The keys are the legacy locations (core packages at the top level, add-ons
// under `addons.`). Big Bang 3.x also reads built-in packages under `packages.`,
// but only after `packageConfiguration.version: v1` is set; without it an entry
// there is deployed as a custom package, so the legacy keys are the ones that
// work on every 3.x install.
//
// No two packages share a chart name today. If that ever happens the test
// reports it, and the entry here should name the key a developer is most likely
// to mean; `charts[i].package` picks the other one.

export const BIGBANG_PACKAGE_KEYS: Readonly<Record<string, string>> = Object.freeze({
    // Core packages.
    "istio-cni": "istioCNI",
    "istio-crds": "istioCRDs",
    "gateway-api": "gatewayAPI",
    istiod: "istiod",
    gateway: "istioGateway",
    ztunnel: "ztunnel",
    kiali: "kiali",
    gatekeeper: "gatekeeper",
    kyverno: "kyverno",
    "kyverno-policies": "kyvernoPolicies",
    "kyverno-reporter": "kyvernoReporter",
    "elasticsearch-kibana": "elasticsearchKibana",
    "eck-operator": "eckOperator",
    fluentbit: "fluentbit",
    "k8s-monitoring": "alloy",
    loki: "loki",
    neuvector: "neuvector",
    tempo: "tempo",
    "prometheus-operator-crds": "prometheusOperatorCRDs",
    monitoring: "monitoring",
    grafana: "grafana",
    twistlock: "twistlock",
    bbctl: "bbctl",
    renovate: "renovate",
    "cert-manager": "certManager",
    // Not a package but the chart Big Bang wraps custom packages with; it has
    // the same `sourceType`/`helmRepo` switch, so a wrapper developer can use it.
    wrapper: "wrapper",

    // Add-ons.
    argocd: "addons.argocd",
    authservice: "addons.authservice",
    "minio-operator": "addons.minioOperator",
    "minio-instance": "addons.minio",
    gitlab: "addons.gitlab",
    "gitlab-runner": "addons.gitlabRunner",
    sonarqube: "addons.sonarqube",
    "fortify-ssc": "addons.fortify",
    "anchore-enterprise": "addons.anchoreEnterprise",
    "mattermost-operator": "addons.mattermostOperator",
    mattermost: "addons.mattermost",
    velero: "addons.velero",
    keycloak: "addons.keycloak",
    vault: "addons.vault",
    "metrics-server": "addons.metricsServer",
    harbor: "addons.harbor",
    thanos: "addons.thanos",
    "external-secrets": "addons.externalSecrets",
    mimir: "addons.mimir",
    headlamp: "addons.headlamp",
});

/** The Big Bang values key (dot path) that installs `chartName`, or undefined for a chart Big Bang does not ship. */
export function packageKeyForChart(chartName: string): string | undefined {
    return Object.hasOwn(BIGBANG_PACKAGE_KEYS, chartName) ? BIGBANG_PACKAGE_KEYS[chartName] : undefined;
}

// A segment starts with a letter, which keeps `__proto__` and friends out of
// the paths the snippet builder assigns to; dashes are allowed because custom
// package names often have them.
const KEY_SEGMENT = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/**
 * Top-level keys of Big Bang's values that are settings or containers, not
 * packages: a chart placed there would overwrite Big Bang settings. Kept in sync
 * with Big Bang's values by test/conformance/bigbangPackages.test.ts.
 */
export const BIGBANG_SETTING_KEYS: ReadonlySet<string> = new Set([
    "domain", "istio", "offline", "helmRepositories", "registryCredentials", "openshift", "git", "sso", "flux",
    "networkPolicies", "imagePullPolicy", "addons", "packageConfiguration", "packages",
]);

const CORE_KEYS: ReadonlySet<string> = new Set(Object.values(BIGBANG_PACKAGE_KEYS).filter((key) => !key.includes(".")));

/**
 * Why `key` cannot be a package key, or undefined when it can. Accepted: a core
 * package key from the table (`kiali`), `addons.<name>` (any name, so add-ons
 * newer than the table still work) and `packages.<name>` (custom packages).
 * An unknown top-level key is refused because Big Bang would silently ignore it.
 */
export function packageKeyProblem(key: string): string | undefined {
    const segments = key.split(".");
    if (!segments.every((s) => KEY_SEGMENT.test(s))) {
        return "expected a dot path of names made of letters, digits and '-', each starting with a letter, such as kiali, addons.anchoreEnterprise or packages.myapp";
    }
    if (segments.length === 1) {
        if (CORE_KEYS.has(key)) return undefined;
        if (BIGBANG_SETTING_KEYS.has(key)) return `${key} is a Big Bang setting, not a package; use a core package key, addons.<name> or packages.<name>`;
        return `${key} is not a Big Bang core package, so Big Bang would ignore it; use addons.<name> or packages.<name>`;
    }
    if (segments.length === 2 && (segments[0] === "addons" || segments[0] === "packages")) return undefined;
    return "expected a core package key, addons.<name> or packages.<name>";
}
