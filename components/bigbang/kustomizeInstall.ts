// Applying one of Big Bang's kustomizations (Flux's base/flux, the dev script's
// MetalLB) through the Kubernetes provider, with an image pull Secret from the
// Registry1 login in the kustomization's own Namespace, as install_flux.sh and
// k3d-dev.sh create it before they apply. The kustomization's Namespace stays
// as upstream wrote it (its labels, e.g. MetalLB's pod-security `privileged`);
// the Secret waits for it, and the workloads wait for the Secret, so no Pod
// starts without it. Every object is deletedWith the k3d cluster.
//
// @pulumi/kubernetes v4.34.2 kustomize/kustomize.js: Directory invokes
// `kubernetes:kustomize:directory` (rendered by the provider's embedded
// kustomize, `images:` and `patches:` included) through the provider it finds on
// its parent, then yaml.parse registers each object with only `{ parent }`
// (yaml/yaml.js getChildOpts): the provider is inherited from the component;
// deletedWith and dependsOn are not, so a transformation sets them.
// parseYamlObject runs the transformations on a copy of the options, before the
// object is registered. The provider refuses to create an object that already
// exists (server-side apply without upsertExistingObjects, pulumi-kubernetes
// provider/pkg/await/await.go), so the program must not declare the Namespace
// a second time.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K3dCluster } from "../cluster/cluster";
import { dockerConfigJson, REGISTRY1_SERVER } from "./pullSecret";

export interface Registry1Login {
    username: string;
    /** Secret. */
    password: pulumi.Input<string>;
}

/** A `kubernetes.io/dockerconfigjson` Secret for registry1.dso.mil from the Registry1 login (its data secret). */
export function registry1PullSecret(
    resourceName: string, secret: { namespace: string; name: string; registry1: Registry1Login }, opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(resourceName, {
        metadata: { name: secret.name, namespace: secret.namespace },
        type: "kubernetes.io/dockerconfigjson",
        stringData: {
            ".dockerconfigjson": pulumi.secret(pulumi.output(secret.registry1.password)
                .apply((password) => dockerConfigJson(REGISTRY1_SERVER, secret.registry1.username, password))),
        },
    }, opts);
}

export interface KustomizeInstallArgs {
    cluster: K3dCluster;
    /** Absolute path of the kustomization directory. */
    directory: string;
    /** The Secret the kustomization's workloads name in imagePullSecrets, in its Namespace. */
    pullSecret: { namespace: string; name: string; registry1: Registry1Login };
}

/** The kinds whose Pods pull images: they wait for the pull Secret. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(["Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"]);

export interface KustomizeInstall {
    directory: k8s.kustomize.Directory;
    pullSecret: k8s.core.v1.Secret;
    /**
     * Every object, once created (and, for Deployments and DaemonSets, rolled out). Depend on this, not on
     * the component: its objects are registered later, inside an apply, and the v1 Directory sets no
     * `ready` of its own (only helm.v3.Chart does, helm/v3/helm.js).
     */
    objects: pulumi.Output<pulumi.CustomResource[]>;
}

export function kustomizeInstall(name: string, args: KustomizeInstallArgs, opts: { parent: pulumi.Resource }): KustomizeInstall {
    const { cluster, pullSecret } = args;
    // The transformations run after the render, by when the Secret below exists.
    const secretHolder: { secret?: k8s.core.v1.Secret } = {};
    const directory = new k8s.kustomize.Directory(name, {
        directory: args.directory,
        transformations: [
            (obj: Record<string, unknown>, childOpts: pulumi.CustomResourceOptions) => {
                childOpts.deletedWith = cluster.cluster;
                if (typeof obj.kind === "string" && WORKLOAD_KINDS.has(obj.kind) && secretHolder.secret) {
                    childOpts.dependsOn = [secretHolder.secret];
                }
            },
        ],
    }, { parent: opts.parent, provider: cluster.provider });
    const objects = directory.resources.apply((byId) => Object.values(byId));
    // The kustomization's own Namespace object, or none (then the Secret's create names the missing namespace).
    const namespace = directory.resources.apply((byId) => {
        const ns = byId[`v1/Namespace::${pullSecret.namespace}`];
        return ns ? [ns] : [];
    });
    const secret = registry1PullSecret(`${pullSecret.namespace}-${pullSecret.name}`, pullSecret,
        { parent: opts.parent, provider: cluster.provider, deletedWith: cluster.cluster, dependsOn: namespace });
    secretHolder.secret = secret;
    return { directory, pullSecret: secret, objects };
}
