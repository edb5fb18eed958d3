// The k3d cluster on the dev host, its kubeconfig, and a Kubernetes provider.
//
// Concept `cluster`: exports K3dCluster (the create command, kubeconfig,
// Kubernetes provider) and the k3d config planner.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { kubeApiEndpoint, kubeconfigForEndpoint, kubectlHint } from "./clusterPlan";
import { StackConfig } from "../config/config";
import { DevHost, HostCommand } from "../host/devHost";
import { k3dConfigYaml, k3dCreateCommandTimeoutSeconds, K3dRegistryInput } from "./k3dConfig";
import { scriptFolder } from "../host/remoteScript";

export interface K3dClusterArgs {
    config: StackConfig;
    stack: string;
    host: DevHost;
    /** The Docker network the cluster joins: its name, and its ID (a new network is a new cluster). */
    network: { name: pulumi.Input<string>; id: pulumi.Input<string> };
    /** Resources the cluster must wait for: the network and the pre-pulled node image, nothing else (not the registry's readiness). */
    dependsOn: pulumi.Resource[];
    /** The registry, for the nodes' hostAliases. */
    registry?: K3dRegistryInput;
    /**
     * The Registry1 cache's mirror URL, for the nodes' registries.yaml. A URL, not the cache's
     * container: k3d never waits for the cache, and the nodes fall back to Registry1 without it.
     */
    registry1Mirror?: string;
}

export class K3dCluster extends pulumi.ComponentResource {
    readonly clusterName: string;
    readonly configYaml: pulumi.Output<string>;
    readonly cluster: HostCommand;
    readonly kubeconfig: pulumi.Output<string>;
    /**
     * Completes when the cluster's API answers: after the create, and again after every start
     * of the host. The Kubernetes provider is registered only after it.
     */
    readonly apiReady: HostCommand;
    readonly kubeApiEndpoint: pulumi.Output<string>;
    readonly kubectlHint: string;
    readonly provider: k8s.Provider;
    /** Changes exactly when the cluster is created again; the Kubernetes provider's identity. */
    readonly clusterIdentifier: pulumi.Output<string>;

    constructor(name: string, args: K3dClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:K3dCluster", name, {}, opts);
        const { config, host } = args;
        const cluster = config.cluster;
        this.clusterName = cluster.name;

        // Only addresses the cluster is reached by: see K3dConfigInput.apiAddress.
        this.configYaml = pulumi.all([host.address, host.bindAddress, args.network.name]).apply(([apiAddress, privateIp, networkName]) =>
            k3dConfigYaml({ cluster, networkName, apiAddress, privateIp, registry: args.registry, registry1Mirror: args.registry1Mirror }));

        this.cluster = host.command("k3d-cluster", {
            create: CLUSTER_SCRIPTS.command("k3d-cluster-create", [cluster.name, k3dCreateCommandTimeoutSeconds(cluster)]),
            delete: CLUSTER_SCRIPTS.command("k3d-cluster-delete", [cluster.name]),
            stdin: this.configYaml,
            // A new host, a new network, or a changed config is a new cluster; the config text in
            // triggers shows the change in the diff.
            triggers: [args.network.id, this.configYaml],
        }, { parent: this, dependsOn: [host.ready, ...args.dependsOn], deleteBeforeReplace: true });

        const rawKubeconfig = host.command("kubeconfig", {
            create: `k3d kubeconfig get ${cluster.name}`,
            triggers: [this.cluster.id],
            logging: "none",
        }, { parent: this, dependsOn: [this.cluster], additionalSecretOutputs: ["stdout", "stderr"] });

        // The node containers come back by themselves when the host starts, but not at once. A
        // provider configured before k3s answers marks the cluster unreachable for the whole run
        // (pulumi-kubernetes provider/pkg/provider/provider.go Configure, then Create and Update
        // refuse), and the engine configures a provider as soon as it is registered (pulumi/pulumi
        // pkg/resource/deploy/providers/registry.go). So this step runs again on every start (the
        // host's last start is in its triggers: afterEveryStart) and the provider is registered after it.
        this.apiReady = host.command("api-ready", {
            create: CLUSTER_SCRIPTS.command("k3d-cluster-ready", [cluster.name, API_READY_TIMEOUT_SECONDS]),
            triggers: [this.cluster.id],
            afterEveryStart: true,
        }, { parent: this, dependsOn: [this.cluster] });

        this.kubeApiEndpoint = host.address.apply(kubeApiEndpoint);
        this.kubeconfig = pulumi.secret(pulumi.all([rawKubeconfig.stdout, this.kubeApiEndpoint])
            .apply(([text, server]) => kubeconfigForEndpoint(text, server)));
        this.kubectlHint = kubectlHint(args.stack, cluster.name);

        // The provider's identity is the cluster's: pulumi-kubernetes
        // provider/pkg/provider/provider.go DiffConfig replaces the provider (and so, through
        // pulumi/pulumi step_generator.go providerChanged, every object it manages) exactly when
        // clusterIdentifier changes, and ignores kubeconfig changes while it stays the same (the
        // kubeconfig text changes when k3s rotates its certificates). The k3d-cluster command gets a
        // new ID whenever it is created again (pulumi-command remote/commandController.go Create:
        // resource.NewUniqueHex), so a recreated cluster gets its objects applied again.
        // A stopped host does not fail a run that changes nothing in the cluster: Configure marks an
        // unreachable cluster instead of failing, Check and Diff go on without it, and only Create
        // and Update refuse (provider.go, clusterUnreachable); destroy calls no Delete (deletedWith).
        this.clusterIdentifier = pulumi.interpolate`bigbang-oci-dev-${args.stack}-${cluster.name}-${this.cluster.id}`;
        this.provider = new k8s.Provider("k3d", {
            kubeconfig: this.kubeconfig,
            clusterIdentifier: this.clusterIdentifier,
            enableServerSideApply: true,
        }, { parent: this, dependsOn: [this.apiReady, rawKubeconfig] });

        this.registerOutputs({ clusterName: this.clusterName, kubeApiEndpoint: this.kubeApiEndpoint });
    }
}

/** How long a start of the host may take to bring the API back before the run fails. */
export const API_READY_TIMEOUT_SECONDS = 600;

const CLUSTER_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));
