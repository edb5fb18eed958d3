// The vendored MetalLB manifest is upstream's file, unchanged, and Big Bang's
// dev-script kustomization at the pinned tag names exactly the URL it stands for.
import { strict as assert } from "assert";
import * as fs from "fs";
import { parse } from "yaml";
import { vendoredMetallbManifest } from "../../components/bigbang/metallbVendor";
import { METALLB_MANIFEST } from "../../components/config/pins";
import { referenceFile } from "./reference";

describe("conformance: the vendored MetalLB manifest", () => {
    it("equals the reference copy of MetalLB's metallb-native.yaml, byte for byte", () => {
        assert.ok(fs.readFileSync(vendoredMetallbManifest()).equals(fs.readFileSync(referenceFile(METALLB_MANIFEST.file))));
    });

    it("stands for the one remote resource of Big Bang 3.30.0's dev-script MetalLB kustomization", () => {
        const kustomization = parse(fs.readFileSync(referenceFile("bigbang-3.30.0/docs/reference/scripts/developer/metallb/kustomization.yaml"), "utf8")) as { resources?: unknown };
        assert.deepEqual(kustomization.resources, [METALLB_MANIFEST.url]);
    });
});
