// Flux, as Big Bang installs it (scripts/install_flux.sh): Big Bang's own
// `base/flux` kustomization (Flux's gotk-components with Iron Bank images and
// the pull secret patched in) with the `private-registry` pull Secret from the
// Registry1 login. The provider waits for each controller Deployment to roll
// out, as install_flux.sh's `kubectl wait --for=condition=available`.
import * as pulumi from "@pulumi/pulumi";
import { K3dCluster } from "../cluster/cluster";
import { kustomizeInstall, Registry1Login } from "./kustomizeInstall";

export const FLUX_NAMESPACE = "flux-system";
/** The Secret name base/flux patches into every controller (imagePullSecrets). */
export const FLUX_PULL_SECRET = "private-registry";

export interface FluxInstallArgs {
    cluster: K3dCluster;
    /** `<Big Bang>/base/flux`. */
    fluxDir: string;
    registry1: Registry1Login;
}

export class FluxInstall extends pulumi.ComponentResource {
    /** Flux's objects; its controllers are rolled out when this resolves. */
    readonly objects: pulumi.Output<pulumi.CustomResource[]>;

    constructor(name: string, args: FluxInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:FluxInstall", name, {}, opts);
        this.objects = kustomizeInstall("flux", {
            cluster: args.cluster,
            directory: args.fluxDir,
            pullSecret: { namespace: FLUX_NAMESPACE, name: FLUX_PULL_SECRET, registry1: args.registry1 },
        }, { parent: this }).objects;
        this.registerOutputs({});
    }
}
