// The vendored MetalLB manifest (issue 21 §4): the file in the project is the
// one pins.ts records, and the kustomization the program applies names it in
// place of the GitHub URL, with nothing else remote let through.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { sha256OfFile, vendoredMetallbManifest, vendorMetallbKustomization } from "../../components/bigbang/metallbVendor";
import { METALLB_MANIFEST } from "../../components/config/pins";

const FIXTURE = path.join(__dirname, "..", "fixtures", "bigbang-checkout", "docs", "reference", "scripts", "developer", "metallb");

describe("metallbVendor: MetalLB's manifest from the project, not from GitHub", () => {
    let tmp: string;
    beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-metallb-")); });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("the vendored file's SHA-256 is the pin, and its name and URL name the pinned version", () => {
        assert.equal(sha256OfFile(vendoredMetallbManifest()), METALLB_MANIFEST.sha256);
        assert.ok(METALLB_MANIFEST.file.includes(METALLB_MANIFEST.version));
        assert.ok(METALLB_MANIFEST.url.includes(`/${METALLB_MANIFEST.version}/`));
    });

    it("copies the checkout's kustomization with the vendored manifest in the URL's place, images and patches unchanged", () => {
        const out = path.join(tmp, "state", "metallb");
        const r = vendorMetallbKustomization(FIXTURE, out);
        assert.deepEqual(r, { dir: out, problems: [] });
        const original = parse(fs.readFileSync(path.join(FIXTURE, "kustomization.yaml"), "utf8")) as Record<string, unknown>;
        const written = parse(fs.readFileSync(path.join(out, "kustomization.yaml"), "utf8")) as Record<string, unknown>;
        assert.deepEqual(original.resources, [METALLB_MANIFEST.url]);
        assert.deepEqual(written, { ...original, resources: [METALLB_MANIFEST.file] });
        assert.ok(fs.readFileSync(path.join(out, METALLB_MANIFEST.file)).equals(fs.readFileSync(vendoredMetallbManifest())));
        // Idempotent: a second run gives the same folder.
        assert.deepEqual(vendorMetallbKustomization(FIXTURE, out), { dir: out, problems: [] });
        assert.deepEqual(fs.readdirSync(out).sort(), ["kustomization.yaml", METALLB_MANIFEST.file]);
    });

    it("refuses any other remote entry, naming it, and writes nothing", () => {
        const src = path.join(tmp, "src");
        fs.mkdirSync(src);
        fs.writeFileSync(path.join(src, "kustomization.yaml"), [
            "resources:",
            "  - https://raw.githubusercontent.com/metallb/metallb/v0.14.9/config/manifests/metallb-native.yaml",
            "  - local.yaml",
            "components:",
            "  - github.com/example/kustomize-components//metallb?ref=main",
            "",
        ].join("\n"));
        const out = path.join(tmp, "out");
        const r = vendorMetallbKustomization(src, out);
        assert.equal(r.dir, undefined);
        assert.equal(r.problems.length, 2, r.problems.join("\n"));
        assert.match(r.problems[0], /names the remote resources entry https:\/\/raw\.githubusercontent\.com\/metallb\/metallb\/v0\.14\.9\/.*set bigbang\.metallb to false/);
        assert.match(r.problems[1], /remote components entry github\.com\/example/);
        assert.ok(!fs.existsSync(out));
    });
});
