import { strict as assert } from "assert";
import fc from "fast-check";
import { parse } from "yaml";
import { BIGBANG_PACKAGE_KEYS } from "../../components/charts/bigbangPackages";
import { valuesSnippet, valuesSnippetYaml, type SnippetChart, type SnippetRepository } from "../../components/charts/valuesSnippet";

const BARE: SnippetRepository = { name: "k3d", url: "oci://oci.dev.bigbang.mil:5000/charts" };
const REPO: SnippetRepository = { ...BARE, username: "bigbang", password: "s3cret" };
const REPO_ENTRY = { name: "k3d", repository: BARE.url, type: "oci", username: "bigbang", password: "s3cret" };

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function at(values: unknown, dotPath: string): unknown {
    let node = values;
    for (const key of dotPath.split(".")) {
        if (!isRecord(node) || !Object.hasOwn(node, key)) return undefined;
        node = node[key];
    }
    return node;
}

function helmRepositories(values: unknown): unknown[] {
    assert.ok(isRecord(values));
    const list = values.helmRepositories;
    assert.ok(Array.isArray(list), "helmRepositories is not a list");
    return list;
}

describe("valuesSnippet", () => {
    const charts: SnippetChart[] = [
        { name: "kiali", version: "2.5.0-bb.1", packageKey: "kiali" },
        { name: "anchore-enterprise", version: "3.1.0-bb.0+build.7", packageKey: "addons.anchoreEnterprise" },
        { name: "podinfo", version: "6.7.1", packageKey: "packages.podinfo" },
    ];

    it("renders YAML that parses back to the same values", () => {
        const text = valuesSnippetYaml(REPO, charts);
        const parsed: unknown = parse(text);
        assert.deepEqual(parsed, valuesSnippet(REPO, charts));
        assert.equal(valuesSnippetYaml(REPO, charts), text, "not deterministic");
    });

    it("declares the registry as an OCI Helm repository", () => {
        const parsed: unknown = parse(valuesSnippetYaml(REPO, charts));
        assert.deepEqual(helmRepositories(parsed), [REPO_ENTRY]);
    });

    it("points every chart's package at the repository, tag = Chart.yaml version with '+' kept", () => {
        const parsed: unknown = parse(valuesSnippetYaml(REPO, charts));
        for (const chart of charts) {
            assert.deepEqual(at(parsed, chart.packageKey), {
                sourceType: "helmRepo",
                helmRepo: { repoName: "k3d", chartName: chart.name, tag: chart.version },
            }, chart.packageKey);
        }
        assert.equal(at(parsed, "addons.anchoreEnterprise.helmRepo.tag"), "3.1.0-bb.0+build.7");
        assert.deepEqual(Object.keys(isRecord(parsed) ? parsed : {}), ["helmRepositories", "kiali", "addons", "packages"]);
    });

    it("keeps sibling packages under one parent", () => {
        const values = valuesSnippet(REPO, [
            { name: "argocd", version: "1.0.0", packageKey: "addons.argocd" },
            { name: "harbor", version: "1.0.0", packageKey: "addons.harbor" },
            { name: "a", version: "1.0.0", packageKey: "packages.a" },
            { name: "b", version: "1.0.0", packageKey: "packages.b" },
        ]);
        assert.deepEqual(Object.keys(at(values, "addons") as object), ["argocd", "harbor"]);
        assert.deepEqual(Object.keys(at(values, "packages") as object), ["a", "b"]);
        assert.equal(at(values, "addons.argocd.helmRepo.chartName"), "argocd");
        assert.equal(at(values, "addons.harbor.helmRepo.chartName"), "harbor");
    });

    it("renders only the repository when there are no charts", () => {
        assert.deepEqual(valuesSnippet(REPO, []), { helmRepositories: [REPO_ENTRY] });
    });

    it("adds username and password only when both are given, and keeps odd characters intact", () => {
        const password = "p@ss: #word' \"*&x\n";
        const repo = { ...BARE, username: "bigbang", password };
        const parsed: unknown = parse(valuesSnippetYaml(repo, charts));
        assert.deepEqual(helmRepositories(parsed)[0], { name: "k3d", repository: REPO.url, type: "oci", username: "bigbang", password });
        assert.throws(() => valuesSnippet({ ...BARE, username: "bigbang" }, charts), /both username and password/);
        assert.throws(() => valuesSnippet({ ...BARE, password: "x" }, charts), /both username and password/);
    });

    it("references an existing Secret instead of credentials", () => {
        const parsed: unknown = parse(valuesSnippetYaml({ ...BARE, existingSecret: "private-registry" }, charts));
        assert.deepEqual(helmRepositories(parsed)[0], { name: "k3d", repository: REPO.url, type: "oci", existingSecret: "private-registry" });
        assert.throws(() => valuesSnippet({ ...REPO, existingSecret: "s", username: "u", password: "p" }, charts), /not both/);
        assert.throws(() => valuesSnippet({ ...BARE, existingSecret: "Not_A_Secret" }, charts), /Kubernetes Secret name/);
    });

    // Big Bang's chart/values.schema.json: each helmRepositories[] item needs existingSecret, or username and
    // password (or a cloud provider, which no target here uses); Helm refuses the values otherwise.
    it("refuses an entry without credentials, as Big Bang's schema does; empty strings count as absent", () => {
        for (const repo of [BARE, { ...BARE, username: "", password: "", existingSecret: "" }]) {
            assert.throws(() => valuesSnippet(repo, charts), /Big Bang's values schema requires existingSecret, or username and password/);
            assert.throws(() => valuesSnippet(repo, []), /Big Bang's values schema requires existingSecret, or username and password/);
        }
        for (const repo of [REPO, { ...BARE, existingSecret: "private-registry" }]) {
            const entry = helmRepositories(valuesSnippet(repo, []))[0];
            assert.ok(isRecord(entry));
            assert.ok(typeof entry.existingSecret === "string" || (typeof entry.username === "string" && typeof entry.password === "string"));
        }
    });

    it("refuses two charts at one package key, naming both", () => {
        assert.throws(
            () => valuesSnippet(REPO, [
                { name: "kiali", version: "1.0.0", packageKey: "kiali" },
                { name: "my-kiali", version: "1.0.0", packageKey: "kiali" },
            ]),
            /charts kiali and my-kiali are both set to install as Big Bang package kiali/,
        );
    });

    it("refuses package keys that are not packages", () => {
        for (const packageKey of ["helmRepositories", "addons", "myapp", "packages.a.b", "packages.__proto__", "constructor"]) {
            assert.throws(() => valuesSnippet(REPO, [{ name: "a", version: "1.0.0", packageKey }]), /package key/, packageKey);
        }
    });

    it("refuses a bad repository name or URL, chart name or version", () => {
        assert.throws(() => valuesSnippet({ ...REPO, name: "K3D" }, charts), /Helm repository name/);
        assert.throws(() => valuesSnippet({ ...REPO, url: "https://r:5000" }, charts), /expected oci:\/\//);
        assert.throws(() => valuesSnippet({ ...REPO, url: "oci://" }, charts), /expected oci:\/\//);
        assert.throws(() => valuesSnippet(REPO, [{ name: "My_Chart", version: "1.0.0", packageKey: "packages.a" }]), /not a valid Helm chart name/);
        assert.throws(() => valuesSnippet(REPO, [{ name: "a", version: "1.0.0_b", packageKey: "packages.a" }]), /not SemVer 2/);
    });

    it("quotes chart names and versions YAML would read as other types", () => {
        const tricky: SnippetChart[] = [{ name: "true", version: "1.0.0", packageKey: "packages.null" }];
        const parsed: unknown = parse(valuesSnippetYaml(REPO, tricky));
        assert.equal(at(parsed, "packages.null.helmRepo.chartName"), "true");
    });

    it("puts each chart at its own package key, for any set of distinct keys", () => {
        const coreKeys = Object.values(BIGBANG_PACKAGE_KEYS).filter((key) => !key.includes("."));
        const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
        const packageKey = fc.oneof(
            fc.constantFrom(...coreKeys),
            name.map((n) => `addons.${n}`),
            name.map((n) => `packages.${n}`),
        );
        const chartsArb = fc.uniqueArray(
            fc.record({ name, version: fc.constantFrom("1.0.0", "0.1.0-bb.2", "2.3.4+meta.1"), packageKey }),
            { selector: (chart) => chart.packageKey, maxLength: 12 },
        );
        fc.assert(
            fc.property(chartsArb, (generated) => {
                const parsed: unknown = parse(valuesSnippetYaml(REPO, generated));
                assert.ok(isRecord(parsed));
                for (const chart of generated) {
                    assert.deepEqual(at(parsed, chart.packageKey), {
                        sourceType: "helmRepo",
                        helmRepo: { repoName: REPO.name, chartName: chart.name, tag: chart.version },
                    });
                }
                // Nothing else was written: every leaf package object is one of the charts.
                const leaves = Object.entries(parsed).flatMap(([key, value]) =>
                    key === "helmRepositories" ? [] : key === "addons" || key === "packages" ? Object.keys(value as object).map((k) => `${key}.${k}`) : [key]);
                assert.deepEqual(leaves.sort(), generated.map((c) => c.packageKey).sort());
            }),
            { numRuns: 300 },
        );
    });
});
