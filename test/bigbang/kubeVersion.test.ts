// Helm's kubeVersion check, before any resource: the k3s image's Kubernetes
// version against a chart's constraint, read as Masterminds/semver v3 reads it.
import { strict as assert } from "assert";
import { k3sKubernetesVersion, satisfiesKubeVersion } from "../../components/bigbang/kubeVersion";
import { kubeVersionProblems } from "../../components/bigbang/prepareBigbang";
import { DEFAULT_K3S_IMAGE } from "../../components/config/config";

describe("bigbang: kubeVersion", () => {
    it("reads the Kubernetes version from a k3s image tag as k3s reports it", () => {
        assert.equal(k3sKubernetesVersion("rancher/k3s:v1.36.2-k3s1"), "1.36.2+k3s1");
        assert.equal(k3sKubernetesVersion("rancher/k3s:v1.35.0-rc1-k3s1"), "1.35.0-rc1+k3s1");
        assert.equal(k3sKubernetesVersion(`my.registry:5000/k3s:v1.33.4-k3s2@sha256:${"a".repeat(64)}`), "1.33.4+k3s2");
        assert.equal(k3sKubernetesVersion(`rancher/k3s@sha256:${"a".repeat(64)}`), undefined);
        assert.equal(k3sKubernetesVersion("my.registry:5000/k3s"), undefined, "a port is not a tag");
        assert.equal(k3sKubernetesVersion("rancher/k3s:latest"), undefined);
    });

    it("checks the constraint forms Helm accepts", () => {
        const cases: [string, string, boolean][] = [
            [">=1.34.0-0", "1.36.2+k3s1", true],
            [">=1.34.0-0", "1.33.4+k3s1", false],
            // `-0` admits pre-releases; without a pre-release in the constraint, Masterminds skips them.
            [">=1.34.0-0", "1.35.0-rc1+k3s1", true],
            [">=1.34.0", "1.35.0-rc1+k3s1", false],
            [">= 1.20, < 1.40", "1.36.2", true],
            [">=1.20 <1.36", "1.36.2", false],
            ["=> 1.20", "1.36.2", true],
            ["~1.36", "1.36.2", true],
            ["~> 1.33", "1.36.2", false],
            ["^1.30", "1.36.2", true],
            ["1.36.x", "1.36.2", true],
            ["<1.30 || >=1.36", "1.36.2", true],
            ["!=1.36.2", "1.36.2", false],
            [">=1.30, !=1.35.0", "1.36.2", true],
            ["1.30 - 1.37", "1.36.2", true],
        ];
        for (const [constraint, version, ok] of cases) {
            assert.deepEqual(satisfiesKubeVersion(constraint, version).ok, ok, `${version} against ${constraint}`);
        }
        assert.deepEqual(satisfiesKubeVersion("not a range", "1.36.2"), { ok: false, reason: "unparsable" });
        assert.deepEqual(satisfiesKubeVersion(">=1.0 ||", "1.36.2"), { ok: false, reason: "unparsable" });
    });

    it("names cluster.k3sImage, the chart's constraint and file; warns when the image has no version tag", () => {
        const source = { chartDir: "/bb/chart", chartVersion: "3.30.0", kubeVersion: ">=1.34.0-0" };
        const warnings: string[] = [];
        assert.deepEqual(kubeVersionProblems(source, DEFAULT_K3S_IMAGE, warnings), []);
        const [problem] = kubeVersionProblems(source, "rancher/k3s:v1.33.4-k3s1", warnings);
        assert.match(problem, /^bigbang-oci-dev:cluster\.k3sImage: rancher\/k3s:v1\.33\.4-k3s1 runs Kubernetes 1\.33\.4, and Big Bang 3\.30\.0 needs kubeVersion ">=1\.34\.0-0" \(\/bb\/chart\/Chart\.yaml\)/);
        assert.deepEqual(kubeVersionProblems(source, `rancher/k3s@sha256:${"a".repeat(64)}`, warnings), []);
        assert.match(warnings[0], /cluster\.k3sImage: cannot tell the Kubernetes version/);
        assert.deepEqual(kubeVersionProblems({ ...source, kubeVersion: undefined }, "rancher/k3s:v1.20.0-k3s1", []), [], "a chart without kubeVersion installs anywhere");
        assert.match(kubeVersionProblems({ ...source, kubeVersion: "garbage" }, DEFAULT_K3S_IMAGE, [])[0], /bigbang\.source: .*kubeVersion "garbage" is not a version constraint/);
    });
});
