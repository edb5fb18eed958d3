// The k3d and k3s pins are what Big Bang's own dev script pins at the reference commit.
import { strict as assert } from "assert";
import * as fs from "fs";
import { BIGBANG_REFERENCE_COMMIT, BIGBANG_RELEASE_COMMITS, DEFAULT_TOOL_VERSIONS, K3S_IMAGE_TAG } from "../../components/config/pins";
import { referenceFile } from "./reference";

describe("conformance: version pins against Big Bang's dev script", () => {
    it("k3d and k3s match K3D_VERSION and DEFAULT_K3S_TAG at the reference commit", () => {
        const notes = fs.readFileSync(referenceFile("README.md"), "utf8");
        assert.ok(notes.includes(BIGBANG_REFERENCE_COMMIT), `the reference files are not from Big Bang commit ${BIGBANG_REFERENCE_COMMIT}`);
        const k3d = /K3D_VERSION="([^"]+)"/.exec(notes);
        const k3s = /DEFAULT_K3S_TAG="([^"]+)"/.exec(notes);
        assert.ok(k3d && k3s, "the reference notes no longer name the dev script's pins");
        assert.equal(DEFAULT_TOOL_VERSIONS.k3d, `v${k3d[1]}`);
        assert.equal(K3S_IMAGE_TAG, `rancher/k3s:${k3s[1]}`);
    });

    it("each pinned Big Bang release commit is the one the reference copy of that tag names", () => {
        const notes = fs.readFileSync(referenceFile("README.md"), "utf8");
        for (const [tag, commit] of Object.entries(BIGBANG_RELEASE_COMMITS)) {
            assert.ok(notes.includes(`tag ${tag} = commit ${commit}`), `the reference notes do not pin ${tag} at ${commit}`);
        }
    });
});
