// The top level of the stack config: the sections together, the top-level keys (owner, allowedCidrs,
// allowAnywhere, acceptPublicKeyRisk, chartVersionScheme), and the typed StackConfig built from a parse.
import * as os from "os";
import { z } from "zod";
import { BigbangConfig, bigbangSchema } from "./bigbangSection";
import { CHART_VERSION_SCHEMES, ChartEntry, chartSchema, ChartVersionScheme } from "./chartsSection";
import { ClusterConfig, clusterSchema } from "./clusterSection";
import { buildHostConfig, HostConfig, hostSchema } from "./hostSection";
import { NetworkConfig, networkSchema } from "./networkSection";
import { buildRegistryConfig, RegistryConfig, registrySchema } from "./registrySection";
import { bool, cidrv4 } from "./scalars";

export interface StackConfig {
    owner: string;
    allowedCidrs: string[];
    allowAnywhere: boolean;
    /** Open a port to allowedCidrs even though its TLS key is Big Bang's published dev key (issue 21). */
    acceptPublicKeyRisk: boolean;
    host: HostConfig;
    network: NetworkConfig;
    registry: RegistryConfig;
    cluster: ClusterConfig;
    charts: ChartEntry[];
    /** The version scheme of every chart without its own `versionScheme`. */
    chartVersionScheme: ChartVersionScheme;
    bigbang: BigbangConfig;
}

export const stackSchema = z.strictObject({
    owner: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, {
        error: "expected lower-case letters, digits and '-', at most 32 characters",
    }).optional(),
    allowedCidrs: z.array(cidrv4, { error: "expected a list of IPv4 CIDRs" }).default([]),
    allowAnywhere: bool.default(false),
    acceptPublicKeyRisk: bool.default(false),
    host: hostSchema.prefault({}),
    network: networkSchema.prefault({}),
    registry: registrySchema.prefault({}),
    cluster: clusterSchema.prefault({}),
    charts: z.array(chartSchema, { error: "expected a list of { path, package? }" }).default([]),
    chartVersionScheme: z.enum(CHART_VERSION_SCHEMES, { error: "expected build or prerelease" }).default("build"),
    bigbang: bigbangSchema.prefault({}),
});

// Keys whose values are objects or lists: Pulumi stores them as JSON text.
export const STRUCTURED_KEYS = new Set(["allowedCidrs", "host", "network", "registry", "cluster", "charts", "bigbang"]);
export const LIST_KEYS = new Set(["allowedCidrs", "charts"]);
export const KNOWN_KEYS = new Set(Object.keys(stackSchema.shape));

/** The local user name, reduced to what names and tags accept. */
export function sanitizeOwner(raw: string): string {
    const cleaned = raw.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 32).replace(/-+$/, "");
    return cleaned || "developer";
}

function safeUserName(): string {
    try {
        return os.userInfo().username;
    } catch {
        return process.env.USER ?? "developer";
    }
}

export function buildConfig(parsed: z.output<typeof stackSchema>, userName: string | undefined): StackConfig {
    return {
        owner: parsed.owner ?? sanitizeOwner(userName ?? safeUserName()),
        allowedCidrs: [...new Set(parsed.allowedCidrs)],
        allowAnywhere: parsed.allowAnywhere,
        acceptPublicKeyRisk: parsed.acceptPublicKeyRisk,
        host: buildHostConfig(parsed.host),
        network: {
            name: parsed.network.name,
            subnet: parsed.network.subnet,
            gateway: parsed.network.gateway ?? "",
            registryAddress: parsed.network.registryAddress ?? "",
            cacheAddress: parsed.network.cacheAddress ?? "",
        },
        registry: buildRegistryConfig(parsed.registry),
        cluster: {
            ...parsed.cluster,
            ports: parsed.cluster.ports.map((p) => ({ ...p, containerPort: p.containerPort ?? p.port })),
        },
        charts: parsed.charts,
        chartVersionScheme: parsed.chartVersionScheme,
        bigbang: {
            ...parsed.bigbang,
            registry1: { ...parsed.bigbang.registry1 },
            registry1Cache: parsed.bigbang.registry1Cache ?? false,
            source: { ...parsed.bigbang.source },
            valuesFiles: [...parsed.bigbang.valuesFiles],
            packages: parsed.bigbang.packages ? [...new Set(parsed.bigbang.packages)] : undefined,
        },
    };
}
