// The cluster's DNS entry for the registry, kept in `coredns-custom` so that it
// survives k3s restarts, and the KEP-1755 registry-discovery ConfigMap.
//
// Concept `dns`: exports RegistryDns; it uses the host and the cluster.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    COREDNS_DEPLOYMENT, corednsBlockHash, corednsCustomKey, corednsServerBlock, CUSTOM_CONFIGMAP, localRegistryHostingYaml, RESTART_ANNOTATION,
} from "./corednsPlan";
import { K3dCluster } from "../cluster/cluster";
import { DevHost } from "../host/devHost";

export const README_URL = "https://github.com/bigbang-oci-dev/bigbang-oci-dev#readme";

export interface RegistryDnsArgs {
    host: DevHost;
    cluster: K3dCluster;
    /** The registry's name and what it resolves to inside the cluster. */
    registry?: {
        hostname: string;
        address: string;
        /** Publish KEP-1755 `local-registry-hosting` (the hosted registry only). */
        localRegistryHosting?: { port: number };
    };
    /** Big Bang's ingress names (`bigbang.server`, see corednsPlan.ts bigbangServerBlock). */
    ingress?: { key: string; block: string };
}

/** The cluster's `coredns-custom` entries: the registry's name and Big Bang's ingress domain. */
export class RegistryDns extends pulumi.ComponentResource {
    /** coredns-custom key to server block. */
    readonly blocks: Record<string, string>;

    constructor(name: string, args: RegistryDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:RegistryDns", name, {}, opts);
        const { cluster, registry } = args;
        // The objects live in the cluster: when the k3d-cluster command is deleted (destroy, a new
        // host, a new cluster config; it is delete-before-replace, so it is among the deletions
        // before anything is recreated) the engine skips their Delete calls, which could only
        // fail against a cluster that is gone, or hit the new cluster behind the same address.
        // Removing one of them while the cluster stays still deletes it. The provider's
        // clusterIdentifier (K3dCluster) replaces them on a recreated cluster.
        const k8sOpts = { parent: this, provider: cluster.provider, deletedWith: cluster.cluster };
        this.blocks = {
            ...(registry ? { [corednsCustomKey(registry.hostname)]: corednsServerBlock(registry.hostname, registry.address) } : {}),
            ...(args.ingress ? { [args.ingress.key]: args.ingress.block } : {}),
        };

        // A patch needs an object to patch, and a fresh k3s has no coredns-custom.
        // Create it empty if missing; never delete it (Big Bang's dev script keeps keys there too).
        const ensure = args.host.command("coredns-custom-exists", {
            create: `kubectl --context k3d-${cluster.clusterName} -n ${CUSTOM_CONFIGMAP.namespace} get configmap ${CUSTOM_CONFIGMAP.name} >/dev/null 2>&1 || kubectl --context k3d-${cluster.clusterName} -n ${CUSTOM_CONFIGMAP.namespace} create configmap ${CUSTOM_CONFIGMAP.name}`,
            triggers: [cluster.cluster.id],
        }, { parent: this, dependsOn: [cluster.cluster] });

        // Server-side apply with its own field manager: other keys stay untouched, and
        // deleting this resource removes only the key it owns.
        const entry = new k8s.core.v1.ConfigMapPatch("coredns-custom-entry", {
            metadata: { ...CUSTOM_CONFIGMAP, annotations: { "pulumi.com/patchForce": "true" } },
            data: this.blocks,
        }, { ...k8sOpts, dependsOn: [ensure] });

        // CoreDNS reads coredns-custom at start; a new block hash rolls the Deployment, an unchanged one does nothing.
        // With the registry's block alone the hash is that block's, as before Big Bang's block existed.
        new k8s.apps.v1.DeploymentPatch("coredns-restart", {
            metadata: { ...COREDNS_DEPLOYMENT, annotations: { "pulumi.com/patchForce": "true" } },
            spec: { template: { metadata: { annotations: { [RESTART_ANNOTATION]: corednsBlockHash(Object.keys(this.blocks).sort().map((key) => this.blocks[key]).join("")) } } } },
        }, { ...k8sOpts, dependsOn: [entry] });

        if (registry?.localRegistryHosting) {
            new k8s.core.v1.ConfigMap("local-registry-hosting", {
                metadata: { name: "local-registry-hosting", namespace: "kube-public" },
                data: {
                    "localRegistryHosting.v1": localRegistryHostingYaml({
                        hostname: registry.hostname, port: registry.localRegistryHosting.port, help: README_URL,
                    }),
                },
            }, k8sOpts);
        }
        this.registerOutputs({});
    }
}
