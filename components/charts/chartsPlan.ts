// Pure planning for chart pushes: where each chart goes, with which helm
// arguments, and what the developer is told about it.
import { createHash } from "crypto";
import { ChartInfo } from "./chartSource";
import { RegistryConfig } from "../config/config";
import { SnippetChart, SnippetRepository, valuesSnippet } from "./valuesSnippet";
import { shellQuote } from "../host/hostPlan";

export interface PushTarget {
    /** `oci://host[:port][/path]`, what `helm push` takes. */
    ociUrl: string;
    /** `host[:port]`, what `helm registry login` takes. */
    registryHost: string;
    username?: string;
}

export function pushTarget(registry: RegistryConfig): PushTarget {
    const ociUrl = registry.target === "hosted" ? `oci://${registry.hostname}:${registry.port}` : registry.url ?? "";
    const registryHost = ociUrl.slice("oci://".length).split("/")[0];
    const username = registry.target === "hosted" ? (registry.auth.enabled ? registry.auth.username : undefined) : registry.username;
    return { ociUrl, registryHost, username };
}

/**
 * The values snippet's helmRepositories entry. Registry1 pulls use the
 * `private-registry` Secret Big Bang's chart renders from registryCredentials, never the developer's token; every other
 * target carries the pull credentials, since Big Bang's values schema refuses
 * an entry without credentials (config makes sure there is a password).
 */
export function snippetRepository(registry: RegistryConfig, target: PushTarget, password: string | undefined): SnippetRepository {
    const base = { name: registry.repoName, url: target.ociUrl };
    if (registry.target === "registry1-staging") return { ...base, existingSecret: "private-registry" };
    return { ...base, username: target.username, password };
}

/** What the values snippet says about the stack: the registry Flux pulls the charts from, and the charts. */
export interface StackSnippet {
    registry: RegistryConfig;
    target: PushTarget;
    charts: readonly SnippetChart[];
}

/** The snippet's charts: each at the version it was pushed as, so a changed chart is a new version Flux fetches. */
export function snippetCharts(charts: readonly { name: string; pushVersion: string; packageKey: string }[]): SnippetChart[] {
    return charts.map((c) => ({ name: c.name, version: c.pushVersion, packageKey: c.packageKey }));
}

/**
 * The values snippet: the one builder. prepare() checks it against Big Bang's values schema
 * (with a stand-in for a password generated at deploy time), installBigbang merges it into the
 * release's values, and index.ts exports it as YAML (valuesSnippetOutput).
 */
export function stackValuesSnippet(snippet: StackSnippet, password: string | undefined): Record<string, unknown> {
    return valuesSnippet(snippetRepository(snippet.registry, snippet.target, password), snippet.charts);
}

/** Where Flux (and `helm pull`) finds a pushed chart: `<oci-url>/<name>:<version with + as _>` (HIP-0006). */
export function ociReference(target: PushTarget, chart: Pick<ChartInfo, "name" | "ociTag">): string {
    return `${target.ociUrl}/${chart.name}:${chart.ociTag}`;
}

export interface ChartPushPlan {
    resourceName: string;
    /**
     * Where the chart's tar lands on the host: CopyToRemote puts a file source at
     * exactly its remotePath when nothing is there (pulumi-command v1.2.1,
     * provider/pkg/provider/remote/copyController.go, sftpCopy). The name carries
     * a digest of the OCI reference the push targets (which holds the content
     * hash), so every push replacement gets a file of its own: the old push's
     * delete removes only the old file, never the one the new push reads.
     */
    remoteArchive: string;
    scriptArgs: string[];
    ociReference: string;
}

export function chartPushPlan(chart: ChartInfo, target: PushTarget, stagingRoot: string): ChartPushPlan {
    const reference = ociReference(target, { name: chart.name, ociTag: chart.pushOciTag });
    const remoteArchive = `${stagingRoot}/${chart.name}-${createHash("sha256").update(reference).digest("hex").slice(0, 12)}.tar`;
    return {
        resourceName: `chart-${chart.name}`,
        remoteArchive,
        scriptArgs: [remoteArchive, chart.pushVersion, target.ociUrl, target.registryHost, target.username ?? ""],
        ociReference: reference,
    };
}

/** A copy-paste push for a chart built by hand on the workstation. */
export function helmPushCommand(target: PushTarget): string {
    const login = target.username ? `helm registry login ${shellQuote(target.registryHost)} --username ${shellQuote(target.username)} && ` : "";
    return `${login}helm package <chart-dir> && helm push <name>-<version>.tgz ${shellQuote(target.ociUrl)}`;
}

export interface ChartOutput {
    name: string;
    /** The version pushed and installed: Chart.yaml's, with the content build metadata. */
    version: string;
    /** The version in Chart.yaml on disk. */
    chartVersion: string;
    ociReference: string;
    package: string;
}

export function chartsOutput(charts: (Pick<ChartInfo, "name" | "version" | "pushVersion" | "pushOciTag"> & { packageKey: string })[], target: PushTarget): ChartOutput[] {
    return charts.map((c) => ({
        name: c.name,
        version: c.pushVersion,
        chartVersion: c.version,
        ociReference: ociReference(target, { name: c.name, ociTag: c.pushOciTag }),
        package: c.packageKey,
    }));
}

/** For the workstation's /etc/hosts, to push by hand to the hosted registry. */
export function etcHostsLine(address: string, hostname: string): string {
    return `${address} ${hostname}`;
}
