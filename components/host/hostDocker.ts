// Docker on the dev host, driven over SSH, and the bridge network the cluster
// and the registry share (Big Bang's dev script calls it k3d-network).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { firstSlash24, NetworkConfig } from "../config/config";
import { DevHost } from "./host";

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
            host: pulumi.interpolate`ssh://${host.sshUser}@${host.address}`,
            sshOpts: host.sshOpts,
        }, { parent: this, dependsOn: [host.ready] });

        this.network = new docker.Network("cluster-network", {
            name: network.name,
            driver: "bridge",
            // Dynamic addresses (k3d's nodes) stay in the first /24, clear of MetalLB and the registry.
            ipamConfigs: [{ subnet: network.subnet, gateway: network.gateway, ipRange: firstSlash24(network.subnet) }],
        }, { parent: this, provider: this.provider });
        this.registerOutputs({ network: this.network.name });
    }
}
