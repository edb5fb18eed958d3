// The Big Bang install plan against Big Bang's own files at the pinned commit:
// the default-on packages, the package keys the plan names, the certificate
// layout, and the full values the program would give Helm against Big Bang's
// values schema.
import { strict as assert } from "assert";
import * as fs from "fs";
import { parse } from "yaml";
import { PASSTHROUGH_SUBDOMAINS, PUBLIC_SUBDOMAINS } from "../../components/bigbang/access";
import { bigbangValues, gatewayCertValues, validateBigbangValues } from "../../components/bigbang/bigbangValues";
import { helmCoalesce, isValuesMap, type Values } from "../../components/bigbang/helmMerge";
import { DISABLE_CORE_PACKAGES, NEEDS, defaultEnabledPackages, knownPackages, packageKeyProblems, packageToggles } from "../../components/bigbang/packagePlan";
import { valuesSnippet } from "../../components/charts/valuesSnippet";
import { referenceFile } from "./reference";

function readYaml(name: string): Values {
    const parsed: unknown = parse(fs.readFileSync(referenceFile(name), "utf8"));
    assert.ok(isValuesMap(parsed), `${name} is not a YAML mapping`);
    return parsed;
}

/** The bullet list under "Packages enabled by default at this commit:" in bigbang-install.md. */
function installDocDefaults(): string[] {
    const lines = fs.readFileSync(referenceFile("bigbang-install.md"), "utf8").split("\n");
    const start = lines.findIndex((l) => l.includes("Packages enabled by default at this commit:"));
    assert.ok(start >= 0, "bigbang-install.md no longer has its list of default packages");
    const out: string[] = [];
    for (const line of lines.slice(start + 1)) {
        const m = /^\s+- (.*)$/.exec(line);
        if (!m) break;
        out.push(...m[1].replace(/[;.]\s*$/, "").split(",").map((s) => s.trim()).filter((s) => s !== ""));
    }
    return out;
}

function publicTls(certs: Values): { cert: string; key: string } {
    const path = ["istioGateway", "values", "gateways", "public", "gatewayCerts"];
    let node: unknown = certs;
    for (const k of path) node = isValuesMap(node) ? node[k] : undefined;
    assert.ok(Array.isArray(node));
    const first: unknown = node[0];
    const tls = isValuesMap(first) ? first.tls : undefined;
    assert.ok(isValuesMap(tls) && typeof tls.cert === "string" && typeof tls.key === "string");
    return { cert: tls.cert, key: tls.key };
}

describe("conformance: Big Bang install plan against Big Bang's files", function () {
    this.timeout(60_000);
    let chartValues: Values;
    let schema: Values;
    let ingressCerts: Values;

    before(() => {
        chartValues = readYaml("bigbang-chart-values.yaml");
        ingressCerts = readYaml("bigbang-ingress-certs.yaml");
        const loaded: unknown = JSON.parse(fs.readFileSync(referenceFile("bigbang-chart-values.schema.json"), "utf8"));
        assert.ok(isValuesMap(loaded));
        schema = loaded;
    });

    it("defaultEnabledPackages of chart/values.yaml is the list in bigbang-install.md", () => {
        const documented = installDocDefaults();
        assert.ok(documented.length > 10, documented.join(", "));
        assert.deepEqual([...defaultEnabledPackages(chartValues)].sort(), [...documented].sort());
    });

    it("every package key the plan's tables name is a package in chart/values.yaml", () => {
        const named = new Set([
            ...DISABLE_CORE_PACKAGES,
            ...Object.keys(NEEDS), ...Object.values(NEEDS).flat(),
            ...PUBLIC_SUBDOMAINS.map((r) => r.packageKey), ...PASSTHROUGH_SUBDOMAINS.map((r) => r.packageKey),
        ]);
        assert.deepEqual(packageKeyProblems([...named], chartValues), []);
        assert.ok(knownPackages(chartValues).includes("addons.metricsServer"));
    });

    it("gatewayCertValues has chart/ingress-certs.yaml's layout exactly", () => {
        assert.deepEqual(gatewayCertValues(publicTls(ingressCerts)), ingressCerts);
    });

    function programValues(valuesFiles: Values[]): Values {
        const defaultsOn = defaultEnabledPackages(chartValues);
        const snippet = valuesSnippet(
            { name: "k3d", url: "oci://oci.dev.bigbang.mil:5000", username: "bigbang", password: "generated-by-random" },
            [{ name: "kiali", version: "2.5.0-bb.1", packageKey: "kiali" }, { name: "podinfo", version: "6.7.1", packageKey: "packages.podinfo" }],
        );
        return bigbangValues({
            domain: "dev.bigbang.mil",
            gateway: publicTls(ingressCerts),
            registry1: { username: "jane_doe", password: "r1-token" },
            snippet,
            toggles: packageToggles({ defaultsOn, developerKeys: ["kiali", "packages.podinfo"] }),
            valuesFiles,
        });
    }

    it("the program's values (certs, snippet, default plan, a values file) over chart/values.yaml pass Big Bang's values schema", () => {
        const values = programValues([{ addons: { metricsServer: { enabled: false } }, kiali: { values: { replicas: 1 } } }]);
        assert.deepEqual(validateBigbangValues(helmCoalesce(chartValues, values), schema), []);
    });

    it("a values file with a wrong type is reported by path and rule, without the value", () => {
        const values = programValues([{ kiali: { enabled: "yes-please" } }]);
        const problems = validateBigbangValues(helmCoalesce(chartValues, values), schema);
        assert.ok(problems.some((p) => p.startsWith("/kiali/enabled ")), problems.join("\n"));
        assert.ok(problems.every((p) => !p.includes("yes-please")), problems.join("\n"));
    });
});
