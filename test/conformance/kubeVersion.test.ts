// The facts the early refusals rest on, checked against Big Bang 3.30.0 itself:
// the chart's kubeVersion (which the pinned k3s must satisfy, and the stand-in
// checkout copies), and the printf-built registry Secrets that cannot hold a
// `"`, `\` or control character.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { k3sKubernetesVersion, satisfiesKubeVersion } from "../../components/bigbang/kubeVersion";
import { DEFAULT_K3S_IMAGE } from "../../components/config/config";
import { referenceFile } from "./reference";

function kubeVersionOf(file: string): unknown {
    const chart: unknown = parse(fs.readFileSync(file, "utf8"));
    return typeof chart === "object" && chart !== null && "kubeVersion" in chart ? chart.kubeVersion : undefined;
}

describe("conformance: Big Bang 3.30.0's kubeVersion and registry Secrets", () => {
    it("the pinned k3s satisfies chart/Chart.yaml kubeVersion, an older one does not, and the stand-in checkout says the same", () => {
        const constraint = kubeVersionOf(referenceFile("bigbang-3.30.0/chart/Chart.yaml"));
        assert.equal(typeof constraint, "string");
        const version = k3sKubernetesVersion(DEFAULT_K3S_IMAGE);
        assert.ok(version);
        assert.deepEqual(satisfiesKubeVersion(String(constraint), version), { ok: true });
        assert.deepEqual(satisfiesKubeVersion(String(constraint), "1.33.4+k3s1"), { ok: false, reason: "unsatisfied" });
        assert.equal(kubeVersionOf(path.resolve(__dirname, "../fixtures/bigbang-checkout/chart/Chart.yaml")), constraint);
    });

    it("both registry Secrets are JSON built with printf from the raw username and password", () => {
        const repoSecret = fs.readFileSync(referenceFile("bigbang-3.30.0/chart/templates/helm-repository/helmreposecret.yaml"), "utf8");
        const helpers = fs.readFileSync(referenceFile("bigbang-3.30.0/chart/templates/_helpers.tpl"), "utf8");
        for (const text of [repoSecret, helpers]) {
            assert.match(text, /printf "\{\\"auths\\":\{\\"%s\\":\{\\"username\\":\\"%s\\",\\"password\\":\\"%s\\"/);
            assert.match(text, /\.username \.password/);
        }
    });
});
