// The default pins agree with each other: kubectl runs the cluster's Kubernetes release.
import { strict as assert } from "assert";
import { DEFAULT_K3S_IMAGE, DEFAULT_TOOL_VERSIONS, K3S_IMAGE_TAG } from "../../components/config/pins";

describe("pins", () => {
    it("kubectl is the k3s image's Kubernetes release", () => {
        const k3s = /^rancher\/k3s:(v\d+\.\d+\.\d+)-k3s\d+$/.exec(K3S_IMAGE_TAG);
        assert.ok(k3s, K3S_IMAGE_TAG);
        assert.ok(DEFAULT_K3S_IMAGE.startsWith(`${K3S_IMAGE_TAG}@sha256:`), DEFAULT_K3S_IMAGE);
        assert.equal(DEFAULT_TOOL_VERSIONS.kubectl, k3s[1]);
    });
});
