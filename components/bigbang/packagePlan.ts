// Which Big Bang packages a dev install turns on. Big Bang's defaults run about
// sixteen packages, more than a dev host needs; Big Bang's own CI trims them
// the same way this module does by default, and a developer's own charts (and
// what they cannot run without) are always kept on.
//
// Package keys are values keys: core packages at the top level (`kiali`),
// add-ons under `addons.` (`addons.keycloak`). Custom `packages.<name>` entries
// are on unless `enabled: false` (Big Bang's chart/templates/package), so the
// values snippet that defines them is all they need.
import { BIGBANG_SETTING_KEYS } from "../charts/bigbangPackages";
import { isValuesMap, type Values } from "./helmMerge";

// `networkPolicies` has an `enabled` switch and is on by default, but it is a
// setting for every package's policies, not a package (charts/bigbangPackages):
// listing packages to keep must not turn it off by accident.
function isSetting(key: string): boolean {
    return BIGBANG_SETTING_KEYS.has(key);
}

/**
 * The default-on packages Big Bang's CI turns off to get a small install:
 * tests/disable-core-values.yaml at Big Bang commit 1699eff40 (the whole file
 * is these ten `enabled: false` entries).
 */
export const DISABLE_CORE_PACKAGES: readonly string[] = Object.freeze([
    "bbctl", "monitoring", "grafana", "neuvector", "loki", "tempo", "kyvernoReporter", "kiali", "alloy", "addons.minioOperator",
]);

/**
 * Packages that do not install without others: only hard requirements, read
 * from chart/templates/<package>/helmrelease.yaml at Big Bang commit 1699eff40.
 * A `fail` stops `helm upgrade`; an unconditional `dependsOn` leaves the
 * HelmRelease waiting forever on one that is never created. Conditional
 * ordering ("after monitoring when monitoring is on") is not a need.
 */
export const NEEDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
    // istiod/helmrelease.yaml l.4-5: fail "istiod requires istioCRDs to be enabled"
    istiod: ["istioCRDs"],
    // istio-cni/helmrelease.yaml l.4-5: fail "istioCNI requires istiod to be enabled"
    istioCNI: ["istiod"],
    // istio-gateway/helmrelease.yaml l.3: renders only `if and .Values.istiod.enabled .Values.istioGateway.enabled`
    istioGateway: ["istiod"],
    // kyverno-policies/helmrelease.yaml l.26-27: dependsOn kyverno, unconditionally
    kyvernoPolicies: ["kyverno"],
    // kyverno-reporter/helmrelease.yaml l.32-33: dependsOn kyverno, unconditionally
    kyvernoReporter: ["kyverno"],
    // monitoring/helmrelease.yaml l.33-34: dependsOn prometheus-operator-crds, unconditionally
    monitoring: ["prometheusOperatorCRDs"],
    // elasticsearch-kibana/helmrelease.yaml l.28-29: dependsOn eck-operator, unconditionally
    elasticsearchKibana: ["eckOperator"],
});

function packageEntries(values: Values): [string, Values][] {
    const out: [string, Values][] = [];
    for (const [key, value] of Object.entries(values)) {
        if (key === "addons" || key === "packages") continue;
        if (isValuesMap(value) && Object.hasOwn(value, "enabled")) out.push([key, value]);
    }
    const addons = values.addons;
    if (isValuesMap(addons)) {
        for (const [key, value] of Object.entries(addons)) {
            if (isValuesMap(value) && Object.hasOwn(value, "enabled")) out.push([`addons.${key}`, value]);
        }
    }
    return out;
}

/**
 * The package keys that are on in `values`: top-level and `addons.*` entries
 * with `enabled: true` (`enabled: auto` is Big Bang's "only if the cluster
 * lacks it", not on), and `packages.<name>` entries unless `enabled: false`.
 * Works on Big Bang's chart/values.yaml and on values merged over it.
 */
export function enabledPackages(values: Values): string[] {
    const on = packageEntries(values).filter(([, entry]) => entry.enabled === true).map(([key]) => key);
    const custom = values.packages;
    if (isValuesMap(custom)) {
        for (const [name, entry] of Object.entries(custom)) {
            if (isValuesMap(entry) && entry.enabled !== false) on.push(`packages.${name}`);
        }
    }
    return on;
}

/** The packages Big Bang's chart/values.yaml turns on by itself. */
export function defaultEnabledPackages(valuesYaml: Values): string[] {
    return enabledPackages(valuesYaml);
}

/** Every package key chart/values.yaml knows (those with an `enabled` setting), custom packages excluded. */
export function knownPackages(valuesYaml: Values): string[] {
    return packageEntries(valuesYaml).map(([key]) => key);
}

/** `keys` plus everything they need, transitively (NEEDS), in first-seen order. */
export function withNeeds(keys: readonly string[]): string[] {
    const out: string[] = [];
    const visit = (key: string): void => {
        if (out.includes(key)) return;
        out.push(key);
        for (const need of NEEDS[key] ?? []) visit(need);
    };
    keys.forEach(visit);
    return out;
}

export interface PackageToggleArgs {
    /** defaultEnabledPackages of the Big Bang being installed. */
    defaultsOn: readonly string[];
    /** Packages to keep on (the `bigbang.packages` config); unset means Big Bang's CI trim (DISABLE_CORE_PACKAGES). */
    keep?: readonly string[];
    /** The package keys of the developer's charts: always on. */
    developerKeys: readonly string[];
}

/** The package keys that end up on: the keep set, the developer's keys, and their needs. */
export function packagesToKeep(args: PackageToggleArgs): string[] {
    const keep = args.keep ?? args.defaultsOn.filter((key) => !DISABLE_CORE_PACKAGES.includes(key));
    return withNeeds([...keep, ...args.developerKeys]);
}

/**
 * Values that switch packages: `enabled: false` for every default-on package
 * that is not kept, `enabled: true` for every kept one (so a developer's chart
 * at a default-off key such as `addons.keycloak` is installed). Custom
 * `packages.<name>` keys are left to the values snippet that defines them,
 * and settings such as `networkPolicies` to the developer's values files.
 */
export function packageToggles(args: PackageToggleArgs): Values {
    const kept = packagesToKeep(args).filter((key) => !key.startsWith("packages.") && !isSetting(key));
    const toggles: Values = {};
    const set = (key: string, enabled: boolean): void => {
        const [first, second] = key.split(".");
        if (second === undefined) {
            toggles[first] = { enabled };
            return;
        }
        const parent = isValuesMap(toggles[first]) ? toggles[first] : {};
        parent[second] = { enabled };
        toggles[first] = parent;
    };
    for (const key of args.defaultsOn) {
        if (!key.startsWith("packages.") && !isSetting(key) && !kept.includes(key)) set(key, false);
    }
    for (const key of kept) set(key, true);
    return toggles;
}

/**
 * Why each of `keys` cannot be kept on, as config error text (empty when all
 * are fine): a key has to be a package in the chart/values.yaml being installed.
 */
export function packageKeyProblems(keys: readonly string[], valuesYaml: Values): string[] {
    const known = knownPackages(valuesYaml).filter((key) => !isSetting(key));
    const problems: string[] = [];
    for (const key of keys) {
        if (known.includes(key)) continue;
        if (isSetting(key)) {
            problems.push(`${JSON.stringify(key)} is a Big Bang setting, not a package; set it in one of bigbang.valuesFiles`);
            continue;
        }
        if (/^packages\.[^.]+$/.test(key)) {
            problems.push(`${JSON.stringify(key)}: custom packages are on whenever their values define them; list only core packages and addons.<name> here`);
        } else {
            problems.push(`${JSON.stringify(key)} is not a package in Big Bang's chart/values.yaml; expected one of ${known.join(", ")}`);
        }
    }
    return problems;
}
