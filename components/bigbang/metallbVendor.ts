// The dev script's MetalLB kustomization with its one remote resource served
// from the project: Big Bang's docs/reference/scripts/developer/metallb/
// kustomization.yaml lists MetalLB's manifest by GitHub URL, which kustomize
// would download on every run and apply as cluster-admin, unpinned (issue 21
// §4). The program instead applies a copy of that folder, written under
// .bigbang-oci-dev/, whose kustomization names the vendored manifest
// (components/bigbang/vendor/, pinned with its SHA-256 in config/pins.ts)
// in the URL's place. Everything else in the kustomization (images, patches)
// stays as the checkout has it. A kustomization that names another remote
// resource is refused before any resource: nothing is fetched unpinned.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isScalar, isSeq, parseDocument } from "yaml";
import { METALLB_MANIFEST } from "../config/pins";

export const METALLB_VENDOR_DIR = path.join(__dirname, "vendor");

/** The vendored manifest's path in the project. */
export function vendoredMetallbManifest(): string {
    return path.join(METALLB_VENDOR_DIR, METALLB_MANIFEST.file);
}

export function sha256OfFile(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The kustomization fields whose entries kustomize may load from a URL (kustomize api/types/kustomization.go). */
const LOADED_FIELDS = ["resources", "bases", "components"] as const;
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com\//i;

export interface VendoredKustomization {
    /** The folder to apply, or undefined when there are problems. */
    dir?: string;
    problems: string[];
}

/**
 * Copies the kustomization folder `metallbDir` to `outDir` (replacing what was there), with the pinned
 * manifest URL replaced by the vendored file beside it. Problems: a remote entry other than the pin.
 */
export function vendorMetallbKustomization(metallbDir: string, outDir: string): VendoredKustomization {
    const file = path.join(metallbDir, "kustomization.yaml");
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    if (doc.errors.length > 0) return { problems: [`${file} is not valid YAML: ${doc.errors[0].message}`] };
    const problems: string[] = [];
    let replaced = 0;
    for (const field of LOADED_FIELDS) {
        const list = doc.get(field);
        if (!isSeq(list)) continue;
        for (const item of list.items) {
            if (!isScalar(item) || typeof item.value !== "string" || !REMOTE.test(item.value)) continue;
            if (item.value === METALLB_MANIFEST.url) {
                item.value = METALLB_MANIFEST.file;
                replaced++;
            } else {
                problems.push(`${file} names the remote ${field} entry ${item.value}; the program applies only its vendored `
                    + `MetalLB manifest (${METALLB_MANIFEST.url}) and fetches nothing else unpinned: use a Big Bang version whose `
                    + `dev-script MetalLB kustomization names that URL, or set bigbang.metallb to false`);
            }
        }
    }
    if (problems.length > 0) return { problems };

    const manifest = vendoredMetallbManifest();
    const actual = sha256OfFile(manifest);
    if (actual !== METALLB_MANIFEST.sha256) {
        // The project's own file changed: not the user's config, so not a ConfigError.
        throw new Error(`${manifest} has SHA-256 ${actual}, but config/pins.ts pins ${METALLB_MANIFEST.sha256}; restore it from ${METALLB_MANIFEST.url}`);
    }
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    fs.cpSync(metallbDir, outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "kustomization.yaml"), doc.toString());
    if (replaced > 0) fs.copyFileSync(manifest, path.join(outDir, METALLB_MANIFEST.file));
    return { dir: outDir, problems };
}
