// Big Bang itself: the umbrella chart from the developer's checkout (or a
// release's), installed as a Helm release through the Kubernetes provider with
// the merged, schema-checked values, then a bounded wait on the HelmReleases of
// the developer's charts.
//
// Concept `bigbang` (the highest; only prepare.ts and index.ts use it):
// exports FluxInstall, MetalLbInstall, BigBangRelease, and the planners for
// values, packages, MetalLB pools, access and the source checkout.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { K3dCluster } from "../cluster/cluster";
import { DevHost, HostCommand } from "../host/devHost";
import { scriptFolder } from "../host/remoteScript";

export const BIGBANG_NAMESPACE = "bigbang";
export const BIGBANG_RELEASE = "bigbang";

/** A developer chart whose HelmRelease the wait looks for: the HelmRepository, chart and pushed version. */
export interface AwaitedChart {
    repoName: string;
    chartName: string;
    version: string;
}

export interface BigBangReleaseArgs {
    host: DevHost;
    cluster: K3dCluster;
    /** `<Big Bang>/chart`, absolute. */
    chartDir: string;
    /** What identifies the chart's content (commit and dirty state, or a content hash): a new one upgrades the release. */
    chartRevision: string;
    /** The merged values; secret (registry passwords, the gateway key). */
    values: pulumi.Output<Record<string, unknown>>;
    /** Flux's controllers (the HelmRelease CRD) and the pushed charts. */
    dependsOn: pulumi.Input<pulumi.Resource[]>;
    /** Developer charts whose HelmReleases the wait covers; none: no wait (Big Bang's own HelmReleases are not waited for). */
    awaited: AwaitedChart[];
    /** 0: no wait. */
    waitMinutes: number;
    /** What else the HelmReleases need before the wait can end (MetalLB pools, the DNS entry). */
    waitAlsoFor: pulumi.Resource[];
}

export class BigBangRelease extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly wait?: HostCommand;

    constructor(name: string, args: BigBangReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:BigBangRelease", name, {}, opts);
        const { cluster, host } = args;
        this.release = new k8s.helm.v3.Release("bigbang", {
            name: BIGBANG_RELEASE,
            chart: args.chartDir,
            namespace: BIGBANG_NAMESPACE,
            createNamespace: true,
            values: pulumi.secret(args.values),
            // The provider diffs a local chart by its path and values only, so a chart edit in the
            // checkout would never upgrade the release; the revision in the description does.
            description: `bigbang-oci-dev: ${args.chartRevision}`,
            timeout: 600,
        }, { parent: this, provider: cluster.provider, deletedWith: cluster.cluster, dependsOn: args.dependsOn });

        if (args.waitMinutes > 0 && args.awaited.length > 0) {
            const triples = args.awaited.flatMap((c) => [c.repoName, c.chartName, c.version]);
            const revision = this.release.status.apply((s) => s?.revision ?? 0);
            this.wait = host.command("helmreleases-ready", {
                // The revision is also the script's reconcile request token: a values-only upgrade leaves the
                // HelmReleases' generation alone, so the script asks Flux to reconcile them and waits until
                // they have handled this very request (see the script's "On-demand reconcile").
                create: revision.apply((r) => BIGBANG_SCRIPTS.command("wait-helmreleases", [`k3d-${cluster.clusterName}`, args.waitMinutes * 60, r, ...triples])),
                // Every upgrade of the release (a new revision) waits again; so does a new cluster or host.
                triggers: [cluster.cluster.id, revision],
            }, { parent: this, dependsOn: [this.release, ...args.waitAlsoFor] });
        }
        this.registerOutputs({});
    }
}

export const BIGBANG_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));
