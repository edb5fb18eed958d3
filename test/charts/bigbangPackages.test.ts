import { strict as assert } from "assert";
import { BIGBANG_PACKAGE_KEYS, packageKeyForChart, packageKeyProblem } from "../../components/charts/bigbangPackages";

describe("bigbangPackages", () => {
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
