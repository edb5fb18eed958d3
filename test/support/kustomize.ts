// What the Kubernetes provider's `kubernetes:kustomize:directory` invoke returns,
// for the mocks: `kubectl kustomize <dir>` (kubectl 1.32 from bin/, kustomize
// v5.5.0, the same krusty engine the provider embeds) of the actual folder, so
// images and patches are applied as on a real `pulumi up`. Nothing is
// downloaded: a kustomization with a remote entry is refused here (the program
// hands the provider MetalLB's with the vendored manifest in the URL's place,
// components/bigbang/metallbVendor.ts). Renders are cached by folder content:
// the whole-program tests evaluate the same folders many times.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { kubeTool } from "./kubeTools";

const RENDER_TIMEOUT_MS = 30_000;
const cache = new Map<string, Record<string, unknown>[]>();

/** A hash over every file under `dir` (paths and bytes). */
function folderHash(dir: string): string {
    const hash = createHash("sha256");
    for (const rel of fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
        const file = path.join(dir, rel);
        if (!fs.statSync(file).isFile()) continue;
        hash.update(`${rel}\0`).update(fs.readFileSync(file)).update("\0");
    }
    return hash.digest("hex");
}

/** Entries of resources/bases/components that kustomize would fetch. */
export function remoteEntries(directory: string): string[] {
    const kustomization: unknown = parse(fs.readFileSync(path.join(directory, "kustomization.yaml"), "utf8"));
    if (kustomization === null || typeof kustomization !== "object") return [];
    return Object.entries(kustomization)
        .filter(([key]) => ["resources", "bases", "components"].includes(key))
        .flatMap(([, list]) => (Array.isArray(list) ? list.map(String) : []))
        .filter((entry) => /^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com\//i.test(entry));
}

/**
 * Whether every kustomization.yaml under `dir` names only paths inside `dir`: no string in it is an
 * absolute path or climbs with `..` (a JSON patch's `/spec/...` path counts as absolute: the folder is
 * then keyed by its location too, which costs a render, never a wrong one).
 */
function selfContained(dir: string): boolean {
    const strings = (v: unknown): string[] => (typeof v === "string" ? [v]
        : Array.isArray(v) ? v.flatMap(strings)
            : typeof v === "object" && v !== null ? Object.values(v).flatMap(strings) : []);
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((rel) => /^(kustomization\.ya?ml|Kustomization)$/.test(path.basename(rel)))
        .every((rel) => strings(parse(fs.readFileSync(path.join(dir, rel), "utf8"))).every((s) => !s.startsWith("/") && !s.split(/[\\/]/).includes("..")));
}

export function renderKustomization(directory: string): Record<string, unknown>[] {
    const remote = remoteEntries(directory);
    if (remote.length > 0) throw new Error(`the mocks never download: ${directory}/kustomization.yaml names ${remote.join(", ")}`);
    // A kustomization that names nothing outside its folder renders the same wherever the folder is (each
    // whole-program test copies the checkout to a folder of its own): then the content alone is the key.
    const key = `${selfContained(directory) ? "" : directory}\0${folderHash(directory)}`;
    let objects = cache.get(key);
    if (!objects) {
        const yaml = execFileSync(kubeTool("kubectl"), ["kustomize", directory], {
            encoding: "utf8", timeout: RENDER_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: { PATH: "/usr/bin:/bin", HOME: os.tmpdir() },
        });
        objects = [];
        for (const doc of parseAllDocuments(yaml)) {
            const obj: unknown = doc.toJS();
            if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) objects.push(Object.fromEntries(Object.entries(obj)));
        }
        cache.set(key, objects);
    }
    return objects.map((o) => structuredClone(o));
}
