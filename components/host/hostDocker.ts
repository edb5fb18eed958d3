// Docker on the dev host, at the backend's endpoint (`host.docker`: over SSH on
// aws), and the bridge network the cluster and the registry share (Big Bang's
// dev script calls it k3d-network).
//
// The provider never dials the host when it is configured, only when a
// resource operation needs a client: pulumi/pulumi-docker provider/hybrid.go
// Configure runs the native provider's Configure (provider/provider.go), whose
// configureDockerClient (provider/image.go) skips the ping for ssh:// hosts, and
// then the bridged one: kreuzwerker/terraform-provider-docker
// internal/provider/provider.go `configure` only stores the settings, and
// internal/provider/config.go `MakeClient` (called by Create/Read/Update/
// Delete) is where the SSH connection and the `_ping` happen. Diffs need no
// client, and on destroy or host replacement every Docker resource is
// `deletedWith` the machine, so neither a stopped nor a missing host is dialled.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { firstSlash24, NetworkConfig } from "../config/config";
import { DevHost } from "./devHost";

export interface HostDockerArgs {
    host: DevHost;
    network: NetworkConfig;
}

export class HostDocker extends pulumi.ComponentResource {
    readonly provider: docker.Provider;
    readonly network: docker.Network;

    constructor(name: string, args: HostDockerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:HostDocker", name, {}, opts);
        const { host, network } = args;
        this.provider = new docker.Provider("docker", {
            host: host.docker.host,
            sshOpts: host.docker.sshOpts,
        }, { parent: this, dependsOn: [host.ready] });

        this.network = new docker.Network("cluster-network", {
            name: network.name,
            driver: "bridge",
            // Dynamic addresses (k3d's nodes) stay in the first /24, clear of MetalLB and the registry.
            ipamConfigs: [{ subnet: network.subnet, gateway: network.gateway, ipRange: firstSlash24(network.subnet) }],
            labels: host.dockerLabels(),
        }, {
            parent: this,
            provider: this.provider,
            ...host.onHostOptions(),
            // Every network setting is ForceNew upstream, and Docker refuses a second network with the
            // same name, so the old one (and what is attached to it, see networkLabels) goes first.
            deleteBeforeReplace: true,
        });
        this.registerOutputs({ network: this.network.name });
    }
}

/** The Docker label that ties a container to the network it is attached to. */
export const NETWORK_ID_LABEL = "bigbang-oci-dev/network-id";

/**
 * Labels for a container attached to the network: a replaced network has a new ID, which
 * replaces the container too (container labels are ForceNew upstream), instead of leaving it
 * attached to a network that is being deleted.
 */
export function networkLabels(network: docker.Network): { label: string; value: pulumi.Input<string> }[] {
    return [{ label: NETWORK_ID_LABEL, value: network.id }];
}
