// The Big Bang part of the program, called from index.ts when bigbang.install
// is on: which ingress DNS the cluster gets, then Flux and MetalLB (in parallel
// with the chart pushes), the Big Bang release and its wait, and the outputs a
// developer uses to watch and reach it.
import * as pulumi from "@pulumi/pulumi";
import { StackSnippet, stackValuesSnippet } from "../charts/chartsPlan";
import { K3dCluster } from "../cluster/cluster";
import { StackConfig } from "../config/config";
import { bigbangServerBlock, BIGBANG_SERVER_KEY } from "../dns/corednsPlan";
import { DevHost } from "../host/devHost";
import { shellQuote } from "../host/hostPlan";
import { bigbangStatusCommands, etcHostsLines, hostIngressNames, PASSTHROUGH_SUBDOMAINS, socksCommand, sshuttleCommand } from "./access";
import { BigBangRelease } from "./bigbang";
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
    /** The registry the charts are pushed to and the charts, as the values snippet names them. */
    snippet: StackSnippet;
    /** The registry's password (secret; generated for the hosted registry). */
    registryPassword: pulumi.Input<string | undefined>;
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
    const developerPackages = args.snippet.charts.map((c) => c.packageKey);
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
        snippet: stackValuesSnippet(args.snippet, registryPassword),
    }));
    // registry1-staging: the snippet names Big Bang's `private-registry` Secret (the commented registry1 entry in
    // chart/values.yaml), which the chart itself renders in the release's namespace from registryCredentials
    // whenever helmRepositories is set (chart/templates/helm-repository/imagepullsecret.yaml at 3.30.0), where
    // Flux's HelmRepository looks for it (helmrepo.yaml, secretRef in .Release.Namespace). The program must not
    // declare it too: Helm refuses to install over an object it does not own (helm v3 pkg/action/install.go calls
    // existingResourceConflict, pkg/action/validate.go), and pulumi-kubernetes's Release never sets TakeOwnership.
    const releaseNeeds: pulumi.Resource[] = [...args.pushes];
    const release = new BigBangRelease("bigbang", {
        host,
        cluster,
        chartDir: prepared.source.chartDir,
        chartRevision: prepared.chartRevision,
        values,
        // Flux's CRDs and controllers, and the charts its first reconcile fetches; not MetalLB.
        dependsOn: flux.objects.apply((objects) => [...objects, ...releaseNeeds]),
        awaited: args.snippet.charts.map((c) => ({ repoName: reg.repoName, chartName: c.name, version: c.version })),
        waitMinutes: bigbang.waitMinutes,
        waitAlsoFor: [...(metallb?.pools ?? []), ...(args.dns ? [args.dns] : [])],
    });

    // Only where the workstation reaches the host over SSH (not on local, where the gateways are its own).
    const ssh = host.ssh;
    const sshAccess = ssh && pulumi.all([ssh.address, ssh.options]).apply(([address, opts]) => ({
        sshUser: ssh.user, address, sshOptions: opts.map(shellQuote).join(" "),
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
        sshuttleCommand: ingress && sshAccess ? sshAccess.apply((a) => sshuttleCommand({ ...a, lanCidr: ingress.addresses.lanCidr })) : undefined,
        // The proxy resolves names on the host, whose /etc/hosts maps them to the MetalLB gateways.
        socksProxyCommand: ingress && sshAccess ? sshAccess.apply((a) => socksCommand(a)) : undefined,
        bigbangStatusCommand: bigbangStatusCommands({ kubeContext: `k3d-${cluster.clusterName}` }),
    };
}
