// What the Kubernetes provider's `kubernetes:kustomize:directory` invoke returns,
// for the mocks: the objects of a kustomization's local resource files, as
// rendered objects. Images and patches are not applied (the program never
// reads them), and a remote resource (the dev script's MetalLB manifests on
// GitHub) is stood in for by MetalLB's own objects, so no test downloads it.
import * as fs from "fs";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";

const METALLB_STANDIN: Record<string, unknown>[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "metallb-system" } },
    { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "ipaddresspools.metallb.io" }, spec: { group: "metallb.io", names: { kind: "IPAddressPool", plural: "ipaddresspools" }, scope: "Namespaced", versions: [] } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "controller", namespace: "metallb-system" }, spec: { template: { spec: { containers: [{ name: "controller", image: "quay.io/metallb/controller:v0.15.3" }] } } } },
    { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "speaker", namespace: "metallb-system" }, spec: { template: { spec: { containers: [{ name: "speaker", image: "quay.io/metallb/speaker:v0.15.3" }] } } } },
];

export function renderKustomization(directory: string): Record<string, unknown>[] {
    const kustomization: unknown = parse(fs.readFileSync(path.join(directory, "kustomization.yaml"), "utf8"));
    const resources = kustomization !== null && typeof kustomization === "object" && "resources" in kustomization && Array.isArray(kustomization.resources)
        ? kustomization.resources.map(String) : [];
    const objects: Record<string, unknown>[] = [];
    for (const resource of resources) {
        if (/^https?:\/\//.test(resource)) {
            if (!resource.includes("metallb")) throw new Error(`no stand-in for the remote resource ${resource}`);
            objects.push(...METALLB_STANDIN.map((o) => structuredClone(o)));
            continue;
        }
        for (const doc of parseAllDocuments(fs.readFileSync(path.join(directory, resource), "utf8"))) {
            const obj: unknown = doc.toJS();
            if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) objects.push(Object.fromEntries(Object.entries(obj)));
        }
    }
    return objects;
}
