// bigbang-oci-dev: a Big Bang package developer's dev host, k3d cluster and
// OCI registry. Reads and checks the stack config, builds the components, and
// exports what the developer copies from.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { isConfigSecret } from "@pulumi/pulumi/runtime/config";
import { ChartPushes, valuesSnippetOutput } from "./components/charts/charts";
import { chartsOutput, etcHostsLine, helmPushCommand, pushTarget, snippetCharts } from "./components/charts/chartsPlan";
import { K3dCluster } from "./components/cluster/cluster";
import { RegistryDns } from "./components/dns/coredns";
import { createDevHost } from "./components/host/createDevHost";
import { HostDocker } from "./components/host/hostDocker";
import { prepare } from "./components/prepare";
import { Registry } from "./components/registry/registry";
import { RegistryCache } from "./components/registry/registryCache";
import { ingressPlan, installBigbang } from "./components/bigbang/install";

// The engine's list of secret config keys (PULUMI_CONFIG_SECRET_KEYS), which a credential set without
// --secret is missing from. @pulumi/pulumi 3.248.0 exports isConfigSecret from runtime/config.ts but marks it
// @internal, so its .d.ts leaves it out; this declares what that file defines. index.ts checks it exists.
declare module "@pulumi/pulumi/runtime/config" {
    export function isConfigSecret(k: string): boolean;
}

export = async () => {
    if (typeof isConfigSecret !== "function") throw new Error("@pulumi/pulumi no longer exports runtime/config isConfigSecret; update index.ts");
    const stack = pulumi.getStack();
    const prepared = await prepare(pulumi.runtime.allConfig(), { projectDir: process.cwd(), stack, isConfigSecret });
    for (const warning of prepared.warnings) void pulumi.log.warn(warning);
    const { config } = prepared;
    const reg = config.registry;
    const hosted = reg.target === "hosted";
    if (hosted && !prepared.certificate) throw new Error("the hosted registry's certificate was not loaded before the Registry component");

    const host = createDevHost("host", { config, stack, prepared: prepared.host });
    const hostDocker = new HostDocker("docker", { host, network: config.network });
    const registry = hosted && prepared.certificate
        ? new Registry("registry", { config, stack, host, docker: hostDocker, certificate: prepared.certificate })
        : undefined;

    // Registry1's pull-through cache (issue 19): on when the Registry1 login is set, unless turned off.
    const r1 = config.bigbang.registry1;
    const registry1Cache = config.bigbang.registry1Cache && r1.username !== undefined && r1.password !== undefined
        ? new RegistryCache("registry1-cache", { config, host, docker: hostDocker, username: r1.username, password: pulumi.secret(r1.password) })
        : undefined;

    const dnsAddress = reg.target === "hosted" ? config.network.registryAddress : reg.target === "external" ? reg.dnsAlias : undefined;
    const cluster = new K3dCluster("cluster", {
        config,
        stack,
        host,
        network: { name: hostDocker.network.name, id: hostDocker.network.id },
        // Only what k3d needs at create: the network it joins, and its node image, pulled while the
        // tools install. The registry's readiness gates the pushes, not the cluster; the Registry1
        // cache gates nothing (the nodes fall back to Registry1).
        dependsOn: [hostDocker.network, host.imagesPulled],
        registry: dnsAddress
            ? { hostname: reg.hostname, port: reg.port, address: dnsAddress }
            : undefined,
        registry1Mirror: registry1Cache?.mirrorEndpoint,
    });
    // With Big Bang and MetalLB, the cluster's DNS also answers every name in the Big Bang domain.
    const ingress = prepared.bigbang ? ingressPlan(config) : undefined;
    const dns = dnsAddress || ingress
        ? new RegistryDns("registry-dns", {
            host,
            cluster,
            registry: dnsAddress
                ? { hostname: reg.hostname, address: dnsAddress, localRegistryHosting: hosted ? { port: reg.port } : undefined }
                : undefined,
            ingress: ingress?.dns,
        })
        : undefined;

    const target = pushTarget(reg);
    const password = registry?.password ?? (reg.target === "hosted" || reg.password === undefined ? undefined : pulumi.secret(reg.password));
    const pushes = new ChartPushes("charts", {
        host,
        charts: prepared.charts,
        target,
        password,
        dependsOn: registry ? [registry.ready] : [host.ready],
        archiveDir: path.join(process.cwd(), ".bigbang-oci-dev", stack, "charts"),
    });

    const snippet = { registry: reg, target, charts: snippetCharts(prepared.charts) };
    const valuesSnippet = valuesSnippetOutput(snippet, password);

    const bigbangOutputs = prepared.bigbang
        ? installBigbang({
            config, prepared: prepared.bigbang, host, cluster, ingress, snippet, registryPassword: password, pushes: pushes.pushes, dns,
        })
        : {};

    return {
        ...bigbangOutputs,
        // The backend's own (aws: instanceId, publicIp, privateIp, sshCommand, sshPrivateKey).
        ...host.outputs,
        registryHostname: reg.hostname,
        registryEndpoint: target.ociUrl,
        registryAddressInCluster: registry?.addressInCluster,
        registryUsername: target.username,
        registryPassword: registry?.password,
        certificateExpiresAt: registry?.certificateExpiresAt,
        registry1CacheEndpoint: registry1Cache?.mirrorEndpoint,
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        kubeApiEndpoint: cluster.kubeApiEndpoint,
        kubectlHint: cluster.kubectlHint,
        valuesSnippet,
        charts: chartsOutput(prepared.charts, target),
        etcHostsLine: hosted ? host.address.apply((ip) => etcHostsLine(ip, reg.hostname)) : undefined,
        helmPushCommand: helmPushCommand(target),
    };
};
