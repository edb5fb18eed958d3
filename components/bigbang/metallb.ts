// MetalLB as Big Bang's dev script installs it (k3d-dev.sh install_metallb):
// the dev script's kustomization (upstream v0.15.3 manifests, vendored in vendor/ by metallbVendor.ts; Iron Bank
// images) with a `registry1` pull Secret in `metallb-system`, then the address
// pools and L2Advertisements. MetalLB's controller serves the
// webhook that validates the pools, so they wait for its Deployment to roll out
// (the script's `kubectl wait ... deployment controller`), and then until the
// webhook itself answers (wait-metallb-webhook.sh: the controller is Ready
// before its webhook serves, and the provider does not retry a refused create).
// The dev host's own
// /etc/hosts maps Big Bang's names to the gateway addresses, as the script's
// fix_etc_hosts does, so a SOCKS proxy through the host reaches them.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K3dCluster } from "../cluster/cluster";
import { DevHost } from "../host/devHost";
import { BIGBANG_SCRIPTS } from "./bigbang";
import { HOST_SCRIPTS } from "../host/remoteScript";
import { kustomizeInstall, Registry1Login } from "./kustomizeInstall";
import { IngressAddresses, METALLB_NAMESPACE, metallbObjects } from "./metallbPlan";

/** The Secret name the dev script's kustomization patches into the controller and speaker. */
export const METALLB_PULL_SECRET = "registry1";

/** How long the pools wait for MetalLB's webhook to answer once the controller is rolled out. */
export const METALLB_WEBHOOK_WAIT_SECONDS = 300;

export interface MetalLbInstallArgs {
    cluster: K3dCluster;
    /** `<Big Bang>/docs/reference/scripts/developer/metallb` as prepare() vendors it (metallbVendor.ts). */
    metallbDir: string;
    registry1: Registry1Login;
    /** The Docker network's subnet: the pools are in its second /24, as the dev script's. */
    subnet: string;
    host: DevHost;
    /** The gateway addresses (from the same subnet) and the names the host maps to them. */
    addresses: IngressAddresses;
    hostNames: { public: string[]; passthrough: string[] };
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
        const { host } = args;
        // On the host, so it follows the host (deletedWith the machine, the instance ID in its triggers), and
        // with the cluster's ID in its triggers, so a new cluster waits again.
        const webhookReady = host.command("metallb-webhook-ready", {
            create: BIGBANG_SCRIPTS.command("wait-metallb-webhook", [`k3d-${cluster.clusterName}`, METALLB_WEBHOOK_WAIT_SECONDS]),
            triggers: [cluster.cluster.id],
        }, { parent: this, dependsOn: install.objects });
        const k8sOpts = { parent: this, provider: cluster.provider, deletedWith: cluster.cluster };
        const declare = (obj: ReturnType<typeof metallbObjects>[number], dependsOn: pulumi.Input<pulumi.Resource[]>) =>
            new k8s.apiextensions.CustomResource(`metallb-${obj.kind.toLowerCase()}-${obj.metadata.name}`, {
                apiVersion: obj.apiVersion,
                kind: obj.kind,
                metadata: obj.metadata,
                spec: obj.spec,
            }, { ...k8sOpts, dependsOn });
        // The gateways' own pools first: a gateway Service handled while only `default` existed would keep
        // an address from it, not the .241 / .240 that the DNS entries and hosts lines name.
        const objects = metallbObjects(args.subnet);
        const isDefaultPool = (obj: (typeof objects)[number]) => obj.kind === "IPAddressPool" && obj.metadata.name === "default";
        const first = objects.filter((obj) => !isDefaultPool(obj)).map((obj) => ({ obj, resource: declare(obj, [webhookReady]) }));
        const gatewayPools = first.filter(({ obj }) => obj.kind === "IPAddressPool").map(({ resource }) => resource);
        const defaults = objects.filter(isDefaultPool).map((obj) => declare(obj, [webhookReady, ...gatewayPools]));
        this.pools = [...first.map(({ resource }) => resource), ...defaults];

        for (const [kind, address, names] of [
            ["public", args.addresses.public, args.hostNames.public],
            ["passthrough", args.addresses.passthrough, args.hostNames.passthrough],
        ] as const) {
            // The host's own names for the gateways (the SOCKS proxy resolves there); only where the
            // program may edit the host's /etc/hosts.
            if (names.length === 0 || !host.managesEtcHosts) continue;
            const block = `env ETC_HOSTS_BLOCK=ingress-${kind}`;
            host.command(`ingress-hosts-${kind}`, {
                create: `${block} ${HOST_SCRIPTS.command("etc-hosts-block", ["add", address, ...names])}`,
                delete: `${block} ${HOST_SCRIPTS.command("etc-hosts-block", ["remove"])}`,
            }, { parent: this, dependsOn: [host.ready] });
        }
        this.registerOutputs({});
    }
}
