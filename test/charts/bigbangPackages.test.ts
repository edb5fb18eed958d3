import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { BIGBANG_PACKAGE_KEYS, BIGBANG_SETTING_KEYS, packageKeyForChart, packageKeyProblem } from "../../components/charts/bigbangPackages";

const REFERENCE_DIR = path.resolve(__dirname, "../../../shared/reference");
const VALUES_FILE = path.join(REFERENCE_DIR, "bigbang-chart-values.yaml");

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** chartName -> every values key path whose `helmRepo.chartName` is that chart, at any depth. */
function chartNamesInReference(values: unknown): Map<string, string[]> {
    const found = new Map<string, string[]>();
    const walk = (node: unknown, keyPath: string[]): void => {
        if (Array.isArray(node)) {
            node.forEach((item, i) => walk(item, [...keyPath, String(i)]));
            return;
        }
        if (!isRecord(node)) return;
        const helmRepo = node.helmRepo;
        if (isRecord(helmRepo) && typeof helmRepo.chartName === "string") {
            const key = keyPath.join(".");
            found.set(helmRepo.chartName, [...(found.get(helmRepo.chartName) ?? []), key]);
        }
        for (const [key, child] of Object.entries(node)) walk(child, [...keyPath, key]);
    };
    walk(values, []);
    return found;
}

describe("bigbangPackages", () => {
    let reference: Record<string, unknown>;
    let referenceCharts: Map<string, string[]>;

    before(() => {
        assert.ok(
            fs.existsSync(VALUES_FILE),
            `reference file missing: ${VALUES_FILE} (the shared reference folder must sit next to the project, see shared/reference/README.md)`,
        );
        const parsed: unknown = parse(fs.readFileSync(VALUES_FILE, "utf8"));
        assert.ok(isRecord(parsed), `${VALUES_FILE} is not a YAML mapping`);
        reference = parsed;
        referenceCharts = chartNamesInReference(reference);
        // Guards the walk itself: the reference has dozens of packages.
        assert.ok(referenceCharts.size > 30, `found only ${referenceCharts.size} helmRepo.chartName entries in ${VALUES_FILE}`);
    });

    it("maps every helmRepo.chartName in Big Bang's values to its key path", () => {
        const missing: string[] = [];
        for (const [chartName, keys] of referenceCharts) {
            const key = packageKeyForChart(chartName);
            if (key === undefined || !keys.includes(key)) missing.push(`${chartName} -> ${keys.join(" | ")} (table: ${key ?? "none"})`);
        }
        assert.deepEqual(missing, [], `table out of date with ${VALUES_FILE}`);
    });

    it("has no entry that Big Bang's values do not have", () => {
        const extra = Object.entries(BIGBANG_PACKAGE_KEYS)
            .filter(([chartName, key]) => !(referenceCharts.get(chartName) ?? []).includes(key))
            .map(([chartName, key]) => `${chartName} -> ${key}`);
        assert.deepEqual(extra, []);
    });

    it("finds no chart name shared by two values keys (the table would have to pick one)", () => {
        const shared = [...referenceCharts].filter(([, keys]) => keys.length > 1).map(([chartName, keys]) => `${chartName}: ${keys.join(", ")}`);
        assert.deepEqual(shared, [], "a chart name now appears under several keys: decide which one BIGBANG_PACKAGE_KEYS names, say why there, and list the exception here");
    });

    it("maps the examples from the Big Bang docs", () => {
        assert.equal(packageKeyForChart("gateway"), "istioGateway");
        assert.equal(packageKeyForChart("kiali"), "kiali");
        assert.equal(packageKeyForChart("anchore-enterprise"), "addons.anchoreEnterprise");
        assert.equal(packageKeyForChart("minio-instance"), "addons.minio");
        assert.equal(packageKeyForChart("k8s-monitoring"), "alloy");
    });

    it("knows nothing of other charts, including names on Object.prototype", () => {
        for (const name of ["podinfo", "my-app", "constructor", "toString", "__proto__", "hasOwnProperty", ""]) {
            assert.equal(packageKeyForChart(name), undefined, name);
        }
    });

    it("lists every top-level Big Bang key as either a core package or a setting", () => {
        const corePackages = new Set(Object.values(BIGBANG_PACKAGE_KEYS).filter((key) => !key.includes(".")));
        const unclassified = Object.keys(reference).filter((key) => !corePackages.has(key) && !BIGBANG_SETTING_KEYS.has(key));
        assert.deepEqual(unclassified, [], "new top-level keys in Big Bang's values: add them to the table or BIGBANG_SETTING_KEYS");
        const stale = [...BIGBANG_SETTING_KEYS].filter((key) => !Object.hasOwn(reference, key));
        assert.deepEqual(stale, [], "BIGBANG_SETTING_KEYS lists keys Big Bang's values no longer have");
        const both = [...BIGBANG_SETTING_KEYS].filter((key) => corePackages.has(key));
        assert.deepEqual(both, []);
    });

    describe("packageKeyProblem", () => {
        it("accepts every key in the table, add-ons and custom packages", () => {
            for (const key of [...Object.values(BIGBANG_PACKAGE_KEYS), "addons.somethingNew", "packages.myapp", "packages.my-app"]) {
                assert.equal(packageKeyProblem(key), undefined, key);
            }
        });

        it("refuses settings, unknown top-level keys and malformed paths", () => {
            const cases: [string, RegExp][] = [
                ["helmRepositories", /is a Big Bang setting/],
                ["addons", /is a Big Bang setting/],
                ["packages", /is a Big Bang setting/],
                ["myapp", /not a Big Bang core package/],
                ["packages.a.b", /expected a core package key/],
                ["kiali.values", /expected a core package key/],
                ["packages.__proto__", /dot path of names/],
                ["packages.", /dot path of names/],
                ["", /dot path of names/],
                ["packages.my_app", /dot path of names/],
                ["packages.1app", /dot path of names/],
            ];
            for (const [key, expected] of cases) {
                const problem = packageKeyProblem(key);
                assert.ok(problem !== undefined, `${JSON.stringify(key)} was accepted`);
                assert.match(problem, expected, key);
            }
        });
    });
});
