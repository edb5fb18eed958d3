import { strict as assert } from "assert";
import fc from "fast-check";
import { helmCoalesce, type Values } from "../../components/bigbang/helmMerge";
import {
    DISABLE_CORE_PACKAGES, NEEDS, defaultEnabledPackages, enabledPackages, packageKeyProblems, packageToggles, packagesToKeep, withNeeds,
} from "../../components/bigbang/packagePlan";

// Shaped like Big Bang's chart/values.yaml (settings, core packages, add-ons,
// `auto`, a custom package); generated here so `npm test` needs no upstream file.
const DEFAULTS_ON = [
    "networkPolicies", "istioCRDs", "istiod", "istioGateway", "kiali", "kyverno", "kyvernoPolicies", "kyvernoReporter",
    "alloy", "loki", "neuvector", "tempo", "prometheusOperatorCRDs", "monitoring", "grafana", "bbctl",
];
const DEFAULTS_OFF = ["istioCNI", "gatekeeper", "elasticsearchKibana", "eckOperator", "twistlock", "addons.keycloak", "addons.minioOperator", "addons.vault"];

function valuesFixture(): Values {
    const values: Values = { domain: "dev.bigbang.mil", registryCredentials: null, sso: { name: "x" }, flux: { interval: "2m" }, addons: {} };
    const addons: Values = { metricsServer: { enabled: "auto" } };
    for (const [keys, enabled] of [[DEFAULTS_ON, true], [DEFAULTS_OFF, false]] as const) {
        for (const key of keys) {
            if (key.startsWith("addons.")) addons[key.slice(7)] = { enabled, values: {} };
            else values[key] = { enabled, sourceType: "git" };
        }
    }
    values.addons = addons;
    values.packages = { sample: { enabled: false } };
    return values;
}

function enabledAfter(toggles: Values, values = valuesFixture()): string[] {
    return enabledPackages(helmCoalesce(values, toggles));
}

describe("packagePlan", () => {
    it("defaultEnabledPackages: enabled true only, add-ons as addons.<name>, auto and disabled custom packages are not on", () => {
        assert.deepEqual(defaultEnabledPackages(valuesFixture()), DEFAULTS_ON);
        assert.deepEqual(enabledPackages({ packages: { a: {}, b: { enabled: false }, c: { enabled: true } } }), ["packages.a", "packages.c"]);
    });

    it("pins Big Bang's tests/disable-core-values.yaml (commit 1699eff40) and the NEEDS table", () => {
        assert.deepEqual([...DISABLE_CORE_PACKAGES], ["bbctl", "monitoring", "grafana", "neuvector", "loki", "tempo", "kyvernoReporter", "kiali", "alloy", "addons.minioOperator"]);
        assert.deepEqual({ ...NEEDS }, {
            istiod: ["istioCRDs"], istioCNI: ["istiod"], istioGateway: ["istiod"], kyvernoPolicies: ["kyverno"], kyvernoReporter: ["kyverno"],
            monitoring: ["prometheusOperatorCRDs"], elasticsearchKibana: ["eckOperator"],
        });
    });

    it("default plan: Big Bang's CI trim, and the developer's package with what it needs", () => {
        const toggles = packageToggles({ defaultsOn: DEFAULTS_ON, developerKeys: [] });
        assert.deepEqual(enabledAfter(toggles), ["networkPolicies", "istioCRDs", "istiod", "istioGateway", "kyverno", "kyvernoPolicies", "prometheusOperatorCRDs"]);
        assert.deepEqual(toggles.kiali, { enabled: false });
        assert.deepEqual(toggles.addons, undefined, "minioOperator is off by default already, so nothing to say");

        const withMonitoring = packageToggles({ defaultsOn: DEFAULTS_ON, developerKeys: ["monitoring", "addons.keycloak", "packages.podinfo"] });
        const on = enabledAfter(withMonitoring);
        assert.ok(on.includes("monitoring") && on.includes("prometheusOperatorCRDs") && on.includes("addons.keycloak"), on.join(" "));
        assert.ok(!on.includes("grafana"), "grafana is not a hard need of monitoring");
        assert.equal(JSON.stringify(withMonitoring).includes("podinfo"), false, "custom packages are left to the snippet");
    });

    it("an explicit keep list replaces the default plan; needs are still added", () => {
        const toggles = packageToggles({ defaultsOn: DEFAULTS_ON, keep: ["kyvernoReporter"], developerKeys: ["istioCNI"] });
        assert.deepEqual(enabledAfter(toggles).sort(), ["istioCNI", "istioCRDs", "istiod", "kyverno", "kyvernoReporter", "networkPolicies"].sort());
        assert.equal(Object.hasOwn(toggles, "networkPolicies"), false, "a setting, not a package: left alone");
        assert.deepEqual(packagesToKeep({ defaultsOn: DEFAULTS_ON, keep: [], developerKeys: [] }), []);
    });

    it("properties: kept and developer packages end up on, nothing else default-on stays on, and every need of an enabled package is on", () => {
        const known = [...DEFAULTS_ON, ...DEFAULTS_OFF].filter((k) => k !== "networkPolicies");
        fc.assert(fc.property(
            fc.option(fc.subarray(known), { nil: undefined }),
            fc.subarray(known, { maxLength: 4 }),
            (keep, developerKeys) => {
                const toggles = packageToggles({ defaultsOn: DEFAULTS_ON, keep, developerKeys });
                const on = enabledAfter(toggles);
                const kept = packagesToKeep({ defaultsOn: DEFAULTS_ON, keep, developerKeys });
                for (const key of [...(keep ?? []), ...developerKeys]) assert.ok(on.includes(key), key);
                for (const key of on) assert.ok(kept.includes(key) || key === "networkPolicies", `${key} is on but not kept`);
                for (const key of on) for (const need of NEEDS[key] ?? []) assert.ok(on.includes(need), `${key} needs ${need}`);
                if (keep === undefined) {
                    for (const key of DISABLE_CORE_PACKAGES) {
                        if (!withNeeds(developerKeys).includes(key)) assert.ok(!on.includes(key), key);
                    }
                }
            },
        ));
    });

    it("packageKeyProblems: names unknown keys and custom packages, accepts every package in values.yaml", () => {
        const values = valuesFixture();
        assert.deepEqual(packageKeyProblems([...DEFAULTS_ON, ...DEFAULTS_OFF, "addons.metricsServer"].filter((k) => k !== "networkPolicies"), values), []);
        const problems = packageKeyProblems(["kialii", "sso", "addons.nope", "packages.podinfo", "networkPolicies"], values);
        assert.equal(problems.length, 5);
        assert.match(problems[0], /^"kialii" is not a package in Big Bang's chart\/values\.yaml; expected one of istioCRDs, /);
        assert.match(problems[1], /^"sso" is a Big Bang setting/);
        assert.match(problems[2], /^"addons\.nope" is not a package/);
        assert.match(problems[3], /custom packages/);
        assert.match(problems[4], /^"networkPolicies" is a Big Bang setting/);
    });
});
