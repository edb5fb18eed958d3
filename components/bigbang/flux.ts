// Flux, as Big Bang installs it (scripts/install_flux.sh): the `flux-system`
// Namespace, the `private-registry` pull Secret from the Registry1 login, then
// Big Bang's own `base/flux` kustomization (Flux's gotk-components with Iron
// Bank images and the pull secret patched in). The provider waits for each
// controller Deployment to roll out, as install_flux.sh's `kubectl wait`.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K3dCluster } from "../cluster/cluster";
import { kustomizeInstall } from "./kustomizeInstall";
import { dockerConfigJson, REGISTRY1_SERVER } from "./pullSecret";

export const FLUX_NAMESPACE = "flux-system";
/** The Secret name base/flux patches into every controller (imagePullSecrets). */
export const FLUX_PULL_SECRET = "private-registry";

export interface Registry1Login {
    username: string;
    /** Secret. */
    password: pulumi.Input<string>;
}

export interface FluxInstallArgs {
    cluster: K3dCluster;
    /** `<Big Bang>/base/flux`. */
    fluxDir: string;
    registry1: Registry1Login;
}

/** A Namespace and a Registry1 pull Secret in it, both deletedWith the cluster. */
export function namespaceWithPullSecret(
    parent: pulumi.Resource, cluster: K3dCluster, namespace: string, secretName: string, registry1: Registry1Login,
): { namespace: k8s.core.v1.Namespace; secret: k8s.core.v1.Secret } {
    const k8sOpts = { parent, provider: cluster.provider, deletedWith: cluster.cluster };
    const ns = new k8s.core.v1.Namespace(`${namespace}-namespace`, { metadata: { name: namespace } }, k8sOpts);
    const secret = new k8s.core.v1.Secret(`${namespace}-${secretName}`, {
        metadata: { name: secretName, namespace },
        type: "kubernetes.io/dockerconfigjson",
        stringData: {
            ".dockerconfigjson": pulumi.secret(pulumi.output(registry1.password).apply((p) => dockerConfigJson(REGISTRY1_SERVER, registry1.username, p))),
        },
    }, { ...k8sOpts, dependsOn: [ns] });
    return { namespace: ns, secret };
}

export class FluxInstall extends pulumi.ComponentResource {
    /** Flux's objects; its controllers are rolled out when this resolves. */
    readonly objects: pulumi.Output<pulumi.CustomResource[]>;

    constructor(name: string, args: FluxInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:FluxInstall", name, {}, opts);
        const { secret } = namespaceWithPullSecret(this, args.cluster, FLUX_NAMESPACE, FLUX_PULL_SECRET, args.registry1);
        this.objects = kustomizeInstall("flux", { cluster: args.cluster, directory: args.fluxDir, ownNamespaces: [FLUX_NAMESPACE] },
            { parent: this, dependsOn: [secret] }).objects;
        this.registerOutputs({});
    }
}
