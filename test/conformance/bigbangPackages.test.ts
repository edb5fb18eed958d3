// The package table against Big Bang's chart/values.yaml (DoD-Platform-One/bigbang
// commit 1699eff40), read from the reference folder.
import { strict as assert } from "assert";
import * as fs from "fs";
import { parse } from "yaml";
import { BIGBANG_PACKAGE_KEYS, BIGBANG_SETTING_KEYS, packageKeyForChart } from "../../components/charts/bigbangPackages";
import { referenceFile } from "./reference";


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

describe("conformance: bigbangPackages against Big Bang's values.yaml", () => {
    let reference: Record<string, unknown>;
    let referenceCharts: Map<string, string[]>;

    let valuesFile = "";

    before(() => {
        valuesFile = referenceFile("bigbang-chart-values.yaml");
        const parsed: unknown = parse(fs.readFileSync(valuesFile, "utf8"));
        assert.ok(isRecord(parsed), `${valuesFile} is not a YAML mapping`);
        reference = parsed;
        referenceCharts = chartNamesInReference(reference);
        // Guards the walk itself: the reference has dozens of packages.
        assert.ok(referenceCharts.size > 30, `found only ${referenceCharts.size} helmRepo.chartName entries in ${valuesFile}`);
    });

    it("maps every helmRepo.chartName in Big Bang's values to its key path", () => {
        const missing: string[] = [];
        for (const [chartName, keys] of referenceCharts) {
            const key = packageKeyForChart(chartName);
            if (key === undefined || !keys.includes(key)) missing.push(`${chartName} -> ${keys.join(" | ")} (table: ${key ?? "none"})`);
        }
        assert.deepEqual(missing, [], `table out of date with ${valuesFile}`);
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

    it("lists every top-level Big Bang key as either a core package or a setting", () => {
        const corePackages = new Set(Object.values(BIGBANG_PACKAGE_KEYS).filter((key) => !key.includes(".")));
        const unclassified = Object.keys(reference).filter((key) => !corePackages.has(key) && !BIGBANG_SETTING_KEYS.has(key));
        assert.deepEqual(unclassified, [], "new top-level keys in Big Bang's values: add them to the table or BIGBANG_SETTING_KEYS");
        const stale = [...BIGBANG_SETTING_KEYS].filter((key) => !Object.hasOwn(reference, key));
        assert.deepEqual(stale, [], "BIGBANG_SETTING_KEYS lists keys Big Bang's values no longer have");
        const both = [...BIGBANG_SETTING_KEYS].filter((key) => corePackages.has(key));
        assert.deepEqual(both, []);
    });

});
