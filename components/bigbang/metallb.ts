// MetalLB as Big Bang's dev script installs it (k3d-dev.sh install_metallb):
// the dev script's kustomization (upstream v0.15.3 manifests, Iron Bank
// images) with a `registry1` pull Secret in `metallb-system`, then the address
// pools and L2Advertisements. MetalLB's controller serves the
// webhook that validates the pools, so they wait for its Deployment to roll out
// (the script's `kubectl wait ... deployment controller`).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K3dCluster } from "../cluster/cluster";
import { kustomizeInstall, Registry1Login } from "./kustomizeInstall";
import { METALLB_NAMESPACE, metallbObjects } from "./metallbPlan";

/** The Secret name the dev script's kustomization patches into the controller and speaker. */
export const METALLB_PULL_SECRET = "registry1";

export interface MetalLbInstallArgs {
    cluster: K3dCluster;
    /** `<Big Bang>/docs/reference/scripts/developer/metallb`. */
    metallbDir: string;
    registry1: Registry1Login;
    /** The Docker network's subnet: the pools are in its second /24, as the dev script's. */
    subnet: string;
}

export class MetalLbInstall extends pulumi.ComponentResource {
    readonly pools: k8s.apiextensions.CustomResource[];

    constructor(name: string, args: MetalLbInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:MetalLbInstall", name, {}, opts);
        const { cluster } = args;
        const install = kustomizeInstall("metallb", {
            cluster,
            directory: args.metallbDir,
            pullSecret: { namespace: METALLB_NAMESPACE, name: METALLB_PULL_SECRET, registry1: args.registry1 },
        }, { parent: this });
        const objects = metallbObjects(args.subnet);
        this.pools = objects.map((obj) => new k8s.apiextensions.CustomResource(`metallb-${obj.kind.toLowerCase()}-${obj.metadata.name}`, {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            metadata: obj.metadata,
            spec: obj.spec,
        }, { parent: this, provider: cluster.provider, deletedWith: cluster.cluster, dependsOn: install.objects }));
        this.registerOutputs({});
    }
}
