// Applying one of Big Bang's kustomizations (Flux's base/flux, the dev script's
// MetalLB) through the Kubernetes provider, with the two changes every such
// install needs here: the kustomization's own Namespace is left out, because the
// program creates it first (the image pull Secret has to exist in it before any
// Deployment starts), and every object is deletedWith the k3d cluster.
//
// @pulumi/kubernetes v4.34.2 kustomize/kustomize.js: Directory invokes
// `kubernetes:kustomize:directory` (rendered by the provider's embedded
// kustomize, `images:` and `patches:` included) through the provider it finds on
// its parent, then yaml.parse registers each object with only `{ parent }`
// (yaml/yaml.js getChildOpts): the provider is inherited from the component,
// deletedWith is not, so a transformation sets it. parseYamlObject runs the
// transformations on a copy of the options before it reads kind/apiVersion,
// and registers nothing for an empty `v1/List`: the documented way to omit an
// object (yaml/yaml.js ConfigGroup doc comment).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K3dCluster } from "../cluster/cluster";

export interface KustomizeInstallArgs {
    cluster: K3dCluster;
    /** Absolute path of the kustomization directory. */
    directory: string;
    /** Namespaces the program creates itself; the kustomization's copy is dropped. */
    ownNamespaces: string[];
}

/** Turns the kustomization's copy of a Namespace the program owns into an empty List, which registers nothing. */
export function omitOwnNamespaces(ownNamespaces: readonly string[]): (obj: Record<string, unknown>) => void {
    return (obj) => {
        const metadata = obj.metadata;
        const name = metadata !== null && typeof metadata === "object" && "name" in metadata ? metadata.name : undefined;
        if (obj.apiVersion === "v1" && obj.kind === "Namespace" && typeof name === "string" && ownNamespaces.includes(name)) {
            for (const key of Object.keys(obj)) delete obj[key];
            obj.apiVersion = "v1";
            obj.kind = "List";
            obj.items = [];
        }
    };
}

export interface KustomizeInstall {
    directory: k8s.kustomize.Directory;
    /**
     * Every object, once created (and, for Deployments and DaemonSets, rolled out). Depend on this, not on
     * the component: its objects are registered later, inside an apply, and the v1 Directory sets no
     * `ready` of its own (only helm.v3.Chart does, helm/v3/helm.js).
     */
    objects: pulumi.Output<pulumi.CustomResource[]>;
}

export function kustomizeInstall(name: string, args: KustomizeInstallArgs, opts: { parent: pulumi.Resource; dependsOn: pulumi.Resource[] }): KustomizeInstall {
    const deletedWith = args.cluster.cluster;
    const directory = new k8s.kustomize.Directory(name, {
        directory: args.directory,
        transformations: [
            omitOwnNamespaces(args.ownNamespaces),
            (_obj: unknown, childOpts: pulumi.CustomResourceOptions) => {
                childOpts.deletedWith = deletedWith;
                childOpts.dependsOn = opts.dependsOn;
            },
        ],
    }, { parent: opts.parent, provider: args.cluster.provider, dependsOn: opts.dependsOn });
    return { directory, objects: directory.resources.apply((byId) => Object.values(byId)) };
}
