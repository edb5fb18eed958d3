// The Big Bang part of the program, called from index.ts when bigbang.install
// is on: which ingress DNS the cluster gets, then Flux and MetalLB (in parallel
// with the chart pushes), the Big Bang release and its wait, and the outputs a
// developer uses to watch and reach it.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PushTarget, snippetRepository } from "../charts/chartsPlan";
import { SnippetChart, valuesSnippet } from "../charts/valuesSnippet";
import { K3dCluster } from "../cluster/cluster";
import { StackConfig } from "../config/config";
import { bigbangServerBlock, BIGBANG_SERVER_KEY } from "../dns/corednsPlan";
import { DevHost } from "../host/host";
import { shellQuote } from "../host/hostPlan";
import { bigbangStatusCommands, etcHostsLines, hostIngressNames, PASSTHROUGH_SUBDOMAINS, socksCommand, sshuttleCommand } from "./access";
import { BIGBANG_NAMESPACE, BigBangRelease } from "./bigbang";
import { registry1PullSecret } from "./kustomizeInstall";
import { FluxInstall } from "./flux";
import { MetalLbInstall } from "./metallb";
import { IngressAddresses, ingressAddresses } from "./metallbPlan";
import { PreparedBigbang, releaseValues } from "./prepareBigbang";

export interface IngressPlan {
    addresses: IngressAddresses;
    /** The coredns-custom entry that answers every name in the Big Bang domain with a gateway address. */
    dns: { key: string; block: string };
}

/** With MetalLB: its gateway addresses and the dev script's `bigbang.server` block for them. */
export function ingressPlan(config: StackConfig): IngressPlan | undefined {
    const bigbang = config.bigbang;
    if (!bigbang.install || !bigbang.metallb) return undefined;
    const addresses = ingressAddresses(config.network.subnet);
    return {
        addresses,
        dns: {
            key: BIGBANG_SERVER_KEY,
            // The dev script's passthrough names (keycloak, vault) whether or not those packages are on, as the
            // script does: turning one on later then changes no DNS.
            block: bigbangServerBlock({
                domain: bigbang.domain,
                publicAddress: addresses.public,
                passthroughAddress: addresses.passthrough,
                passthroughHosts: PASSTHROUGH_SUBDOMAINS.map((row) => `${row.subdomain}.${bigbang.domain}`),
            }),
        },
    };
}

export interface InstallBigbangArgs {
    config: StackConfig;
    prepared: PreparedBigbang;
    host: DevHost;
    cluster: K3dCluster;
    ingress?: IngressPlan;
    /** The registry the charts are pushed to, its password (secret; generated for the hosted registry), and the charts. */
    target: PushTarget;
    registryPassword: pulumi.Input<string | undefined>;
    charts: SnippetChart[];
    /** The chart pushes: Flux's first reconcile fetches what they pushed. */
    pushes: pulumi.Resource[];
    /** What the HelmReleases also need before the wait can end: the DNS entries. */
    dns?: pulumi.Resource;
}

/** Declares Flux, MetalLB and Big Bang; returns the stack outputs about them. */
export function installBigbang(args: InstallBigbangArgs): Record<string, unknown> {
    const { config, prepared, host, cluster, ingress } = args;
    const bigbang = config.bigbang;
    const reg = config.registry;
    const registry1 = { username: bigbang.registry1.username ?? "", password: pulumi.secret(bigbang.registry1.password ?? "") };

    // Flux and MetalLB need only the cluster: they install while the charts are pushed.
    const flux = new FluxInstall("flux", { cluster, fluxDir: prepared.source.fluxDir, registry1 });
    const developerPackages = args.charts.map((c) => c.packageKey);
    // prepare() vendors the kustomization whenever bigbang.metallb is on, which ingressPlan also needs.
    if (ingress && !prepared.metallbDir) throw new Error("bigbang.metallb is on but prepare() made no MetalLB kustomization");
    const metallb = ingress && prepared.metallbDir
        ? new MetalLbInstall("metallb", {
            cluster,
            metallbDir: prepared.metallbDir,
            registry1,
            subnet: config.network.subnet,
            host,
            addresses: ingress.addresses,
            hostNames: hostIngressNames({ domain: bigbang.domain, developerPackages, exclude: [reg.hostname] }),
        })
        : undefined;
    const values = pulumi.all([args.registryPassword, registry1.password]).apply(([registryPassword, registry1Password]) => releaseValues(prepared, {
        domain: bigbang.domain,
        registry1: { username: registry1.username, password: registry1Password },
        // Registry1 staging names its Secret instead of a password (snippetRepository).
        snippet: valuesSnippet(snippetRepository(reg, args.target, registryPassword), args.charts),
    }));
    // registry1-staging: the snippet names Big Bang's usual `private-registry` Secret (the commented registry1
    // entry in chart/values.yaml) in the release's namespace, where Flux's HelmRepository looks for it
    // (chart/templates/helm-repository/helmrepo.yaml, secretRef in .Release.Namespace). Nothing else makes it
    // there, so it is made from the Registry1 login before the release.
    const releaseNeeds: pulumi.Resource[] = [...args.pushes];
    if (reg.target === "registry1-staging") {
        const k8sOpts = { provider: cluster.provider, deletedWith: cluster.cluster };
        const namespace = new k8s.core.v1.Namespace("bigbang-namespace", { metadata: { name: BIGBANG_NAMESPACE } }, k8sOpts);
        releaseNeeds.push(registry1PullSecret("bigbang-private-registry", { namespace: BIGBANG_NAMESPACE, name: "private-registry", registry1 },
            { ...k8sOpts, dependsOn: [namespace] }));
    }
    const release = new BigBangRelease("bigbang", {
        host,
        cluster,
        chartDir: prepared.source.chartDir,
        chartRevision: prepared.chartRevision,
        values,
        // Flux's CRDs and controllers, and the charts its first reconcile fetches; not MetalLB.
        dependsOn: flux.objects.apply((objects) => [...objects, ...releaseNeeds]),
        awaited: args.charts.map((c) => ({ repoName: reg.repoName, chartName: c.name, version: c.version })),
        waitMinutes: bigbang.waitMinutes,
        waitAlsoFor: [...(metallb?.pools ?? []), ...(args.dns ? [args.dns] : [])],
    });

    const sshAccess = pulumi.all([host.address, host.sshOpts]).apply(([address, opts]) => ({
        sshUser: host.sshUser, address, sshOptions: opts.map(shellQuote).join(" "),
    }));
    return {
        bigbang: {
            chartVersion: prepared.source.chartVersion,
            fluxVersion: prepared.fluxVersion,
            source: prepared.source.kind === "path" ? prepared.source.root : bigbang.source.version,
            commit: prepared.source.commit,
            uncommittedChanges: prepared.source.dirty,
            revision: prepared.chartRevision,
            packages: prepared.enabledPackages,
            release: release.release.status.apply((st) => ({ name: st?.name, namespace: st?.namespace, revision: st?.revision, status: st?.status })),
        },
        bigbangHostsLines: ingress
            ? etcHostsLines({
                domain: bigbang.domain,
                enabledPackages: prepared.enabledPackages,
                developerPackages,
                addresses: ingress.addresses,
            })
            : undefined,
        sshuttleCommand: ingress ? sshAccess.apply((a) => sshuttleCommand({ ...a, lanCidr: ingress.addresses.lanCidr })) : undefined,
        // The proxy resolves names on the host, whose /etc/hosts maps them to the MetalLB gateways.
        socksProxyCommand: ingress ? sshAccess.apply((a) => socksCommand(a)) : undefined,
        bigbangStatusCommand: bigbangStatusCommands({ kubeContext: `k3d-${cluster.clusterName}` }),
    };
}
