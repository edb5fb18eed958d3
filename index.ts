// bigbang-oci-dev: a Big Bang package developer's dev host, k3d cluster and
// OCI registry. Reads and checks the stack config, builds the components, and
// exports what the developer copies from.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ChartPushes } from "./components/charts/charts";
import { chartsOutput, etcHostsLine, helmPushCommand, pushTarget, snippetRepository } from "./components/charts/chartsPlan";
import { K3dCluster } from "./components/cluster/cluster";
import { RegistryDns } from "./components/dns/coredns";
import { DevHost } from "./components/host/host";
import { HostDocker } from "./components/host/hostDocker";
import { prepare } from "./components/prepare";
import { Registry } from "./components/registry/registry";
import { valuesSnippet as snippetValues, valuesSnippetYaml } from "./components/charts/valuesSnippet";
import { BigBangRelease } from "./components/bigbang/bigbang";
import { FluxInstall } from "./components/bigbang/flux";
import { MetalLbInstall } from "./components/bigbang/metallb";
import { ingressAddresses } from "./components/bigbang/metallbPlan";
import { releaseValues } from "./components/bigbang/prepareBigbang";
import { bigbangStatusCommands, etcHostsLines, PASSTHROUGH_SUBDOMAINS, socksCommand, sshuttleCommand } from "./components/bigbang/access";
import { shellQuote } from "./components/host/hostPlan";
import { bigbangServerBlock, BIGBANG_SERVER_KEY } from "./components/dns/corednsPlan";

export = async () => {
    const stack = pulumi.getStack();
    const prepared = await prepare(pulumi.runtime.allConfig(), { projectDir: process.cwd() });
    for (const warning of prepared.warnings) void pulumi.log.warn(warning);
    const { config } = prepared;
    const reg = config.registry;
    const hosted = reg.target === "hosted";
    if (hosted && !prepared.certificate) throw new Error("the hosted registry's certificate was not loaded before the Registry component");

    const host = new DevHost("host", { config, stack, allowedCidrs: prepared.allowedCidrs, placement: prepared.placement });
    const hostDocker = new HostDocker("docker", { host, network: config.network });
    const registry = hosted && prepared.certificate
        ? new Registry("registry", { config, stack, host, docker: hostDocker, certificate: prepared.certificate })
        : undefined;

    const dnsAddress = hosted ? config.network.registryAddress : reg.dnsAlias;
    const cluster = new K3dCluster("cluster", {
        config,
        stack,
        host,
        network: { name: hostDocker.network.name, id: hostDocker.network.id },
        // Only what k3d needs at create: the network it joins. The registry's readiness gates
        // the pushes, not the cluster.
        dependsOn: [hostDocker.network],
        registry: dnsAddress
            ? { hostname: reg.hostname, port: reg.port, address: dnsAddress }
            : undefined,
    });
    const bb = prepared.bigbang;
    const bigbangConfig = config.bigbang;
    // MetalLB's gateway addresses, which the cluster's DNS answers for every name in the Big Bang domain.
    const ingress = bb && bigbangConfig.metallb ? ingressAddresses(config.network.subnet) : undefined;
    const dns = dnsAddress || ingress
        ? new RegistryDns("registry-dns", {
            host,
            cluster,
            registry: dnsAddress
                ? { hostname: reg.hostname, address: dnsAddress, localRegistryHosting: hosted ? { port: reg.port } : undefined }
                : undefined,
            ingress: ingress ? {
                key: BIGBANG_SERVER_KEY,
                // The dev script's passthrough names (keycloak, vault) whether or not those packages are on, as
                // the script does: turning one on later then changes no DNS.
                block: bigbangServerBlock({
                    domain: bigbangConfig.domain,
                    publicAddress: ingress.public,
                    passthroughAddress: ingress.passthrough,
                    passthroughHosts: PASSTHROUGH_SUBDOMAINS.map((row) => `${row.subdomain}.${bigbangConfig.domain}`),
                }),
            } : undefined,
        })
        : undefined;

    const target = pushTarget(reg);
    const password = registry?.password ?? (reg.password === undefined ? undefined : pulumi.secret(reg.password));
    const pushes = new ChartPushes("charts", {
        host,
        charts: prepared.charts,
        target,
        password,
        dependsOn: registry ? [registry.ready] : [host.ready],
        archiveDir: path.join(process.cwd(), ".bigbang-oci-dev", stack, "charts"),
    });

    // The pushed version, so a changed chart is a new HelmChart version that Flux fetches.
    const snippetCharts = prepared.charts.map((c) => ({ name: c.name, version: c.pushVersion, packageKey: c.packageKey }));
    const valuesSnippet = reg.target === "registry1-staging"
        ? pulumi.output(valuesSnippetYaml(snippetRepository(reg, target, undefined), snippetCharts))
        : pulumi.secret(pulumi.output(password).apply((p) => valuesSnippetYaml(snippetRepository(reg, target, p), snippetCharts)));

    let bigbangOutputs: Record<string, unknown> = {};
    if (bb) {
        const registry1 = {
            username: bigbangConfig.registry1.username ?? "",
            password: pulumi.secret(bigbangConfig.registry1.password ?? ""),
        };
        // Flux and MetalLB need only the cluster: they install while the charts are pushed.
        const flux = new FluxInstall("flux", { cluster, fluxDir: bb.source.fluxDir, registry1 });
        const metallb = ingress && bb.source.metallbDir
            ? new MetalLbInstall("metallb", { cluster, metallbDir: bb.source.metallbDir, registry1, subnet: config.network.subnet })
            : undefined;
        const values = pulumi.all([password, registry1.password]).apply(([registryPassword, registry1Password]) => releaseValues(bb, {
            domain: bigbangConfig.domain,
            registry1: { username: registry1.username, password: registry1Password },
            snippet: snippetValues(snippetRepository(reg, target, reg.target === "registry1-staging" ? undefined : registryPassword), snippetCharts),
        }));
        const release = new BigBangRelease("bigbang", {
            host,
            cluster,
            chartDir: bb.source.chartDir,
            chartRevision: bb.chartRevision,
            values,
            // Flux's CRDs and controllers, and the charts its first reconcile fetches; not MetalLB.
            dependsOn: flux.objects.apply((objects) => [...objects, ...pushes.pushes]),
            awaited: prepared.charts.map((c) => ({ repoName: reg.repoName, chartName: c.name, version: c.pushVersion })),
            waitMinutes: bigbangConfig.waitMinutes,
            waitAlsoFor: [...(metallb?.pools ?? []), ...(dns ? [dns] : [])],
        });
        const sshAccess = pulumi.all([host.address, host.sshOpts]).apply(([address, opts]) => ({
            sshUser: host.sshUser, address, sshOptions: opts.map(shellQuote).join(" "),
        }));
        bigbangOutputs = {
            bigbang: {
                chartVersion: bb.source.chartVersion,
                fluxVersion: bb.fluxVersion,
                source: bb.source.kind === "path" ? bb.source.root : bigbangConfig.source.version,
                commit: bb.source.commit,
                uncommittedChanges: bb.source.dirty,
                revision: bb.chartRevision,
                packages: bb.enabledPackages,
                release: release.release.status.apply((st) => ({ name: st?.name, namespace: st?.namespace, revision: st?.revision, status: st?.status })),
            },
            bigbangHostsLines: ingress
                ? etcHostsLines({ domain: bigbangConfig.domain, enabledPackages: bb.enabledPackages, developerPackages: prepared.charts.map((c) => c.packageKey), addresses: ingress })
                : undefined,
            sshuttleCommand: ingress ? sshAccess.apply((a) => sshuttleCommand({ ...a, lanCidr: ingress.lanCidr })) : undefined,
            socksProxyCommand: sshAccess.apply((a) => socksCommand(a)),
            bigbangStatusCommand: bigbangStatusCommands({ kubeContext: `k3d-${cluster.clusterName}` }),
        };
    }

    return {
        ...bigbangOutputs,
        publicIp: host.publicIp,
        privateIp: host.privateIp,
        sshCommand: host.sshCommand,
        sshPrivateKey: host.generatedPrivateKey,
        registryHostname: reg.hostname,
        registryEndpoint: target.ociUrl,
        registryAddressInCluster: registry?.addressInCluster,
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
        helmPushCommand: helmPushCommand(target),
    };
};
