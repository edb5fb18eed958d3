// bigbang-oci-dev: a Big Bang package developer's dev host, k3d cluster and
// OCI registry. Reads and checks the stack config, builds the components, and
// exports what the developer copies from.
import * as pulumi from "@pulumi/pulumi";
import { ChartPushes } from "./components/charts/charts";
import { chartsOutput, etcHostsLine, helmPushCommand, pushTarget } from "./components/charts/chartsPlan";
import { K3dCluster } from "./components/cluster/cluster";
import { RegistryDns } from "./components/dns/coredns";
import { DevHost } from "./components/host/host";
import { HostDocker } from "./components/host/hostDocker";
import { prepare } from "./components/prepare";
import { Registry } from "./components/registry/registry";
import { valuesSnippetYaml } from "./components/charts/valuesSnippet";

export = async () => {
    const stack = pulumi.getStack();
    const prepared = await prepare(pulumi.runtime.allConfig(), { projectDir: process.cwd() });
    for (const warning of prepared.warnings) void pulumi.log.warn(warning);
    const { config } = prepared;
    const reg = config.registry;
    const hosted = reg.target === "hosted";

    const host = new DevHost("host", { config, stack, allowedCidrs: prepared.allowedCidrs, placement: prepared.placement });
    const hostDocker = new HostDocker("docker", { host, network: config.network });
    const registry = hosted
        ? new Registry("registry", { config, stack, host, docker: hostDocker, certificate: prepared.certificate })
        : undefined;

    const dnsAddress = hosted ? config.network.registryAddress : reg.dnsAlias;
    const cluster = new K3dCluster("cluster", {
        config,
        stack,
        host,
        network: hostDocker.network.name,
        dependsOn: [hostDocker.network, ...(registry ? [registry.ready] : [])],
        registry: dnsAddress
            ? { hostname: reg.hostname, port: reg.port, address: dnsAddress, caFileOnHost: registry?.caFileOnHost }
            : undefined,
    });
    if (dnsAddress) {
        new RegistryDns("registry-dns", {
            host,
            cluster,
            hostname: reg.hostname,
            address: dnsAddress,
            localRegistryHosting: hosted ? { port: reg.port } : undefined,
        });
    }

    const target = pushTarget(reg, registry?.caFileOnHost);
    const password = registry?.password ?? (reg.password === undefined ? undefined : pulumi.secret(reg.password));
    new ChartPushes("charts", {
        host,
        charts: prepared.charts,
        target,
        password,
        dependsOn: registry ? [registry.ready] : [host.ready],
    });

    // Registry1 pulls use the cluster's existing `private-registry` secret, never the developer's token.
    const snippetCharts = prepared.charts.map((c) => ({ name: c.name, version: c.version, packageKey: c.packageKey }));
    const valuesSnippet = reg.target === "registry1-staging"
        ? pulumi.output(valuesSnippetYaml({ name: reg.repoName, url: target.ociUrl, existingSecret: "private-registry" }, snippetCharts))
        : password
            ? pulumi.secret(pulumi.output(password).apply((p) =>
                valuesSnippetYaml({ name: reg.repoName, url: target.ociUrl, username: target.username, password: p }, snippetCharts)))
            : pulumi.output(valuesSnippetYaml({ name: reg.repoName, url: target.ociUrl }, snippetCharts));

    return {
        publicIp: host.publicIp,
        privateIp: host.privateIp,
        sshCommand: host.sshCommand,
        sshPrivateKey: host.generatedPrivateKey,
        registryHostname: reg.hostname,
        registryEndpoint: target.ociUrl,
        registryAddressInCluster: registry?.addressInCluster,
        registryCaCert: reg.tls.source === "self-signed" ? registry?.caCert : undefined,
        registryUsername: target.username,
        registryPassword: registry?.password,
        certificateExpiresAt: registry?.certificateExpiresAt,
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        kubeApiEndpoint: cluster.kubeApiEndpoint,
        kubectlHint: cluster.kubectlHint,
        valuesSnippet,
        charts: chartsOutput(prepared.charts, target),
        etcHostsLine: hosted ? host.address.apply((ip) => etcHostsLine(ip, reg.hostname)) : undefined,
        helmPushCommand: helmPushCommand(target, registry?.caFileOnHost ? "registry-ca.crt" : undefined),
    };
};
