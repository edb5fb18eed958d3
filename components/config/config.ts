// The stack configuration: every `bigbang-oci-dev:*` key is read and validated
// here, once, before any resource is created. The parser is pure (raw strings
// in, typed config or one error out) so that it can be tested without Pulumi.
//
// Concept `config` (the lowest): exports StackConfig and its parts, ConfigError,
// PROJECT, the default pins, and the IPv4/CIDR/hostname rules every concept uses.
import * as os from "os";
import { z } from "zod";

export const PROJECT = "bigbang-oci-dev";

export const REGISTRY1_STAGING_URL = "oci://registry1.dso.mil/bigbang-staging";
export const BIGBANG_INGRESS_CERTS_URL =
    "https://repo1.dso.mil/big-bang/bigbang/-/raw/master/chart/ingress-certs.yaml";

/** Default tool pins installed on the host. Each download is checked against the SHA-256 its project publishes. */
export const DEFAULT_TOOL_VERSIONS = {
    k3d: "v5.8.3",
    kubectl: "v1.32.9",
    helm: "v3.18.6",
} as const;

export const DEFAULT_K3S_IMAGE = "rancher/k3s:v1.32.9-k3s1";

export type Market = "spot" | "on-demand";
export type UbuntuRelease = "22.04" | "24.04";
export type Architecture = "amd64" | "arm64";
export type RegistryTarget = "hosted" | "registry1-staging" | "external";
export type TlsSource = "bigbang" | "files" | "self-signed";

export interface HostConfig {
    instanceType: string;
    architecture: Architecture;
    market: Market;
    spotMaxPrice?: string;
    volumeSizeGiB: number;
    ubuntuRelease: UbuntuRelease;
    amiId?: string;
    vpcId?: string;
    subnetId?: string;
    sshPublicKey?: string;
    /** Private key for `sshPublicKey`; without it, remote commands use the SSH agent. */
    sshPrivateKeyFile?: string;
    sshUser: string;
    autoShutdownHours: number;
    usePrivateIp: boolean;
    /** false stops the instance (disk, Elastic IP and cluster kept); true starts it again. */
    running: boolean;
    tools: { k3d: string; kubectl: string; helm: string };
}

export interface NetworkConfig {
    name: string;
    subnet: string;
    gateway: string;
    registryAddress: string;
}

export interface RegistryTlsConfig {
    source: TlsSource;
    url: string;
    certFile?: string;
    keyFile?: string;
    caFile?: string;
}

export interface RegistryConfig {
    target: RegistryTarget;
    hostname: string;
    port: number;
    image: string;
    repoName: string;
    exposePublicly: boolean;
    tls: RegistryTlsConfig;
    auth: { enabled: boolean; username: string };
    /** `external`: the OCI URL charts are pushed to (`oci://host[:port][/path]`). */
    url?: string;
    /** Credentials for `registry1-staging` (required) and `external` (optional). */
    username?: string;
    password?: string;
    /** `external`: an IP the cluster's CoreDNS answers for the registry host. */
    dnsAlias?: string;
}

export interface K3sArg {
    arg: string;
    nodeFilters: string[];
}

export interface ClusterPort {
    port: number;
    containerPort: number;
    nodeFilters: string[];
    exposePublicly: boolean;
}

export interface ClusterConfig {
    name: string;
    servers: number;
    agents: number;
    k3sImage: string;
    k3sArgs: K3sArg[];
    disable: string[];
    ports: ClusterPort[];
    createTimeoutSeconds: number;
}

export interface ChartEntry {
    path: string;
    package?: string;
}

export interface StackConfig {
    owner: string;
    allowedCidrs: string[];
    allowAnywhere: boolean;
    host: HostConfig;
    network: NetworkConfig;
    registry: RegistryConfig;
    cluster: ClusterConfig;
    charts: ChartEntry[];
}

/** Every problem in the stack configuration, one line a key. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
    }
}

// ---------------------------------------------------------------------------
// Scalars. Pulumi hands top-level values over as strings and `--path` values as
// JSON, so numbers and booleans accept both forms.

const integer = (min: number, max: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
        z.number({ error: `expected ${min}-${max}` }).int({ error: `expected ${min}-${max}` })
            .min(min, { error: `expected ${min}-${max}` }).max(max, { error: `expected ${min}-${max}` }),
    );

const bool = z.preprocess(
    (v) => (v === "true" ? true : v === "false" ? false : v),
    z.boolean({ error: "expected true or false" }),
);

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}` });

export const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv4 = z.string({ error: "expected an IPv4 address" }).regex(IPV4, { error: "expected an IPv4 address" });

export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    if (!m || !IPV4.test(m[1])) return undefined;
    const prefix = Number(m[2]);
    if (prefix > 32) return undefined;
    const base = ipToInt(m[1]);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if ((base & mask) >>> 0 !== base) return undefined;
    return { base, prefix };
}

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => ((acc << 8) >>> 0) + Number(octet), 0) >>> 0;
}

export function intToIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
}

export function cidrContains(cidr: string, ip: string): boolean {
    const parsed = parseCidr(cidr);
    if (!parsed || !IPV4.test(ip)) return false;
    const size = 2 ** (32 - parsed.prefix);
    const addr = ipToInt(ip);
    return addr >= parsed.base && addr < parsed.base + size;
}

/** The first /24 of a subnet: Docker's pool for dynamic addresses, which k3d's nodes take. */
export function firstSlash24(subnet: string): string {
    const [a, b, c] = subnet.split("/")[0].split(".");
    return `${a}.${b}.${c}.0/24`;
}

const cidrv4 = z.string({ error: "expected an IPv4 CIDR such as 203.0.113.7/32" }).refine((v) => parseCidr(v) !== undefined, {
    error: "expected an IPv4 CIDR with no host bits set, such as 203.0.113.7/32",
});

// DNS-1123 hostname: lower-case labels of letters, digits and dashes.
export const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const hostname = z.string({ error: "expected a lower-case DNS name with at least two labels" })
    .regex(HOSTNAME, { error: "expected a lower-case DNS name with at least two labels" });

// k3d and Docker name containers after the cluster; keep to what both accept.
const dnsLabel = (what: string) =>
    z.string({ error: `expected ${what}` }).regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, {
        error: `expected ${what}: lower-case letters, digits and '-', at most 32 characters`,
    });

const version = z.string({ error: "expected a version such as v1.2.3" })
    .regex(/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { error: "expected a version such as v1.2.3" });

// An image reference, optionally digest-pinned: name[:tag][@sha256:...].
const imageRef = z.string({ error: "expected an image reference" }).regex(
    /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    { error: "expected an image reference such as registry:2 or registry@sha256:<64 hex>" },
);

// ---------------------------------------------------------------------------
// Objects. Strict, so a misspelt key is an error rather than a silent default.

const nodeFilters = z.array(z.string().min(1), { error: "expected a list of k3d node filters such as server:*" }).min(1, {
    error: "expected at least one node filter such as server:*",
});

const hostSchema = z.strictObject({
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: "expected an EC2 instance type such as t3.2xlarge" }).default("t3.2xlarge"),
    architecture: z.enum(["amd64", "arm64"], { error: "expected amd64 or arm64" }).optional(),
    market: z.enum(["spot", "on-demand"], { error: "expected spot or on-demand" }).default("spot"),
    spotMaxPrice: z.union([z.string(), z.number()]).transform(String)
        .pipe(z.string().regex(/^\d+(\.\d+)?$/, { error: "expected a price in USD per hour such as 0.25" })).optional(),
    volumeSizeGiB: integer(30, 16384).default(120),
    ubuntuRelease: z.enum(["22.04", "24.04"], { error: "expected 22.04 or 24.04" }).default("24.04"),
    amiId: z.string().regex(/^ami-[0-9a-f]{8,17}$/, { error: "expected an AMI ID such as ami-0123456789abcdef0" }).optional(),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: "expected a VPC ID such as vpc-0123456789abcdef0" }).optional(),
    subnetId: z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "expected a subnet ID such as subnet-0123456789abcdef0" }).optional(),
    sshPublicKey: z.string().trim().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/, {
        error: "expected an OpenSSH public key line such as 'ssh-ed25519 AAAA... me@laptop'",
    }).optional(),
    sshPrivateKeyFile: nonEmpty("a path to the private key of sshPublicKey").optional(),
    sshUser: dnsLabel("a login user name").default("ubuntu"),
    autoShutdownHours: integer(0, 720).default(8),
    usePrivateIp: bool.default(false),
    running: bool.default(true),
    k3dVersion: version.default(DEFAULT_TOOL_VERSIONS.k3d),
    kubectlVersion: version.default(DEFAULT_TOOL_VERSIONS.kubectl),
    helmVersion: version.default(DEFAULT_TOOL_VERSIONS.helm),
}, { error: "expected an object" });

const networkSchema = z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { error: "expected a Docker network name" }).default("k3d-network"),
    subnet: cidrv4.default("172.20.0.0/16"),
    gateway: ipv4.optional(),
    registryAddress: ipv4.optional(),
}, { error: "expected an object" });

const tlsSchema = z.strictObject({
    source: z.enum(["bigbang", "files", "self-signed"], { error: "expected bigbang, files or self-signed" }).default("bigbang"),
    url: z.string().regex(/^(https?:\/\/[^\s/]+|file:\/\/)\S*$/, {
        error: "expected an https:// URL, or file://<path> to a local Big Bang checkout's chart/ingress-certs.yaml",
    }).default(BIGBANG_INGRESS_CERTS_URL),
    certFile: nonEmpty("a path to a PEM certificate").optional(),
    keyFile: nonEmpty("a path to a PEM private key").optional(),
    caFile: nonEmpty("a path to a PEM CA certificate").optional(),
}, { error: "expected an object" });

const registrySchema = z.strictObject({
    target: z.enum(["hosted", "registry1-staging", "external"], { error: "expected hosted, registry1-staging or external" }).default("hosted"),
    hostname: hostname.optional(),
    port: integer(1, 65535).default(5000),
    image: imageRef.default("registry:2"),
    repoName: dnsLabel("a Helm repository name").default("k3d"),
    exposePublicly: bool.default(false),
    tls: tlsSchema.prefault({}),
    auth: z.strictObject({
        enabled: bool.default(false),
        username: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, { error: "expected a user name of letters, digits, '.', '_' or '-'" }).default("bigbang"),
    }, { error: "expected an object" }).prefault({}),
    url: z.string().regex(/^oci:\/\/[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/, {
        error: "expected an OCI URL such as oci://harbor.dev.bigbang.mil/library",
    }).optional(),
    username: nonEmpty("a user name").optional(),
    password: nonEmpty("a password or token (set it with --secret)").optional(),
    dnsAlias: ipv4.optional(),
}, { error: "expected an object" });

const k3sArgSchema = z.union([
    z.string().min(1).transform((arg) => ({ arg, nodeFilters: ["server:*"] })),
    z.strictObject({ arg: z.string().min(1), nodeFilters }),
], { error: "expected \"--arg=value\" or { arg, nodeFilters }" });

const clusterPortSchema = z.strictObject({
    port: integer(1, 65535),
    containerPort: integer(1, 65535).optional(),
    nodeFilters: nodeFilters.default(["loadbalancer"]),
    exposePublicly: bool.default(false),
}, { error: "expected { port, containerPort?, nodeFilters?, exposePublicly? }" });

const clusterSchema = z.strictObject({
    name: dnsLabel("a cluster name").default("bigbang"),
    servers: integer(1, 7).default(1),
    agents: integer(0, 20).default(3),
    k3sImage: imageRef.refine((v) => v.startsWith("rancher/k3s:") || v.includes("/k3s:") || v.includes("@sha256:"), {
        error: "expected a pinned rancher/k3s image such as rancher/k3s:v1.32.9-k3s1",
    }).default(DEFAULT_K3S_IMAGE),
    k3sArgs: z.array(k3sArgSchema, { error: "expected a list" }).default([]),
    disable: z.array(z.string().regex(/^[a-z0-9-]+$/), { error: "expected a list of k3s components such as traefik" })
        .default(["traefik", "metrics-server"]),
    ports: z.array(clusterPortSchema, { error: "expected a list of { port, ... }" }).default([
        { port: 80, nodeFilters: ["loadbalancer"], exposePublicly: false },
        { port: 443, nodeFilters: ["loadbalancer"], exposePublicly: false },
    ]),
    createTimeoutSeconds: integer(60, 3600).default(600),
}, { error: "expected an object" });

const chartSchema = z.union([
    nonEmpty("a chart directory").transform((path) => ({ path })),
    z.strictObject({
        path: nonEmpty("a chart directory"),
        package: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9-]*)*$/, {
            error: "expected a Big Bang values key such as kiali or addons.anchoreEnterprise",
        }).optional(),
    }),
], { error: "expected { path, package? }" });

const stackSchema = z.strictObject({
    owner: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, {
        error: "expected lower-case letters, digits and '-', at most 32 characters",
    }).optional(),
    allowedCidrs: z.array(cidrv4, { error: "expected a list of IPv4 CIDRs" }).default([]),
    allowAnywhere: bool.default(false),
    host: hostSchema.prefault({}),
    network: networkSchema.prefault({}),
    registry: registrySchema.prefault({}),
    cluster: clusterSchema.prefault({}),
    charts: z.array(chartSchema, { error: "expected a list of { path, package? }" }).default([]),
});

// Keys whose values are objects or lists: Pulumi stores them as JSON text.
const STRUCTURED_KEYS = new Set(["allowedCidrs", "host", "network", "registry", "cluster", "charts"]);
const KNOWN_KEYS = new Set(Object.keys(stackSchema.shape));

/** The local user name, reduced to what names and tags accept. */
export function sanitizeOwner(raw: string): string {
    const cleaned = raw.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 32).replace(/-+$/, "");
    return cleaned || "developer";
}

/** Graviton families carry a `g` after the generation digit (t4g, m7g, c7gn, r8g). */
export function architectureOf(instanceType: string): Architecture {
    const family = instanceType.split(".")[0];
    return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "amd64";
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const key of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[key];
    }
    return cur;
}

function keyPath(path: PropertyKey[]): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

export interface ParseContext {
    /** Fallback for `owner`: the local user name. */
    userName?: string;
}

/**
 * Parse the raw `bigbang-oci-dev:*` config map (as `pulumi.runtime.allConfig()`
 * returns it, other namespaces allowed) into a StackConfig, or throw one
 * ConfigError listing every bad key.
 */
export function parseStackConfig(allConfig: Record<string, string>, ctx: ParseContext = {}): StackConfig {
    const problems: string[] = [];
    const raw: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(allConfig)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const key = fullKey.slice(PROJECT.length + 1);
        if (!KNOWN_KEYS.has(key)) {
            problems.push(`${PROJECT}:${key}: unknown key; expected one of ${[...KNOWN_KEYS].join(", ")}`);
            continue;
        }
        if (STRUCTURED_KEYS.has(key)) {
            try {
                raw[key] = JSON.parse(text);
            } catch {
                problems.push(`${PROJECT}:${key}: expected JSON (set it with 'pulumi config set --path ${key}...'), got ${describe(text)}`);
            }
        } else {
            raw[key] = text;
        }
    }

    const result = stackSchema.safeParse(raw);
    if (!result.success) {
        for (const issue of result.error.issues) {
            const path = keyPath(issue.path);
            if (issue.code === "unrecognized_keys") {
                for (const k of issue.keys) problems.push(`${PROJECT}:${path ? `${path}.` : ""}${k}: unknown key`);
                continue;
            }
            problems.push(`${PROJECT}:${path}: ${issue.message}, got ${describe(valueAt(raw, issue.path))}`);
        }
    }
    if (problems.length > 0 || !result.success) throw new ConfigError(problems);

    const parsed = result.data;
    const cfg: StackConfig = {
        owner: parsed.owner ?? sanitizeOwner(ctx.userName ?? safeUserName()),
        allowedCidrs: [...new Set(parsed.allowedCidrs)],
        allowAnywhere: parsed.allowAnywhere,
        host: {
            instanceType: parsed.host.instanceType,
            architecture: parsed.host.architecture ?? architectureOf(parsed.host.instanceType),
            market: parsed.host.market,
            spotMaxPrice: parsed.host.spotMaxPrice,
            volumeSizeGiB: parsed.host.volumeSizeGiB,
            ubuntuRelease: parsed.host.ubuntuRelease,
            amiId: parsed.host.amiId,
            vpcId: parsed.host.vpcId,
            subnetId: parsed.host.subnetId,
            sshPublicKey: parsed.host.sshPublicKey,
            sshPrivateKeyFile: parsed.host.sshPrivateKeyFile,
            sshUser: parsed.host.sshUser,
            autoShutdownHours: parsed.host.autoShutdownHours,
            usePrivateIp: parsed.host.usePrivateIp,
            running: parsed.host.running,
            tools: { k3d: parsed.host.k3dVersion, kubectl: parsed.host.kubectlVersion, helm: parsed.host.helmVersion },
        },
        network: {
            name: parsed.network.name,
            subnet: parsed.network.subnet,
            gateway: parsed.network.gateway ?? "",
            registryAddress: parsed.network.registryAddress ?? "",
        },
        registry: {
            ...parsed.registry,
            hostname: parsed.registry.hostname ?? "",
            tls: { ...parsed.registry.tls },
            auth: { ...parsed.registry.auth },
        },
        cluster: {
            ...parsed.cluster,
            ports: parsed.cluster.ports.map((p) => ({ ...p, containerPort: p.containerPort ?? p.port })),
        },
        charts: parsed.charts,
    };
    problems.push(...crossCheck(cfg, raw));
    if (problems.length > 0) throw new ConfigError(problems);
    return cfg;
}

/** Rules that span keys, and defaults derived from other keys. Fills cfg in place; returns problems. */
function crossCheck(cfg: StackConfig, raw: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const p = (key: string, message: string, value: unknown) => problems.push(`${PROJECT}:${key}: ${message}, got ${describe(value)}`);

    const anywhere = cfg.allowedCidrs.filter((c) => parseCidr(c)?.prefix === 0);
    if (anywhere.length > 0 && !cfg.allowAnywhere) {
        p("allowedCidrs", "0.0.0.0/0 opens the host to the whole internet; set allowAnywhere to true to allow it", cfg.allowedCidrs);
    }

    if (cfg.host.sshPrivateKeyFile && !cfg.host.sshPublicKey) {
        p("host.sshPrivateKeyFile", "is only used with host.sshPublicKey", cfg.host.sshPrivateKeyFile);
    }
    if (cfg.host.market === "on-demand" && cfg.host.spotMaxPrice !== undefined) {
        p("host.spotMaxPrice", "only applies when host.market is spot", cfg.host.spotMaxPrice);
    }

    // Network: gateway and registry address default from the subnet.
    const subnet = parseCidr(cfg.network.subnet);
    if (subnet) {
        const size = 2 ** (32 - subnet.prefix);
        if (subnet.prefix > 22) {
            p("network.subnet", "expected a prefix of /22 or larger, so the cluster, MetalLB and the registry fit", cfg.network.subnet);
        } else {
            cfg.network.gateway ||= intToIp(subnet.base + 1);
            // The third /24 of the subnet: above the first /24 that k3d fills with
            // nodes and the x.x.1.240-249 range Big Bang's dev script gives MetalLB.
            cfg.network.registryAddress ||= intToIp(subnet.base + 2 * 256 + 10);
            for (const [key, ip] of [["network.gateway", cfg.network.gateway], ["network.registryAddress", cfg.network.registryAddress]] as const) {
                const n = ipToInt(ip);
                if (!cidrContains(cfg.network.subnet, ip) || n === subnet.base || n === subnet.base + size - 1) {
                    p(key, `expected a host address inside network.subnet ${cfg.network.subnet}`, ip);
                }
            }
            const reg = ipToInt(cfg.network.registryAddress);
            if (!cidrContains(cfg.network.subnet, cfg.network.registryAddress)) {
                // Already reported above; the range rules below only make sense inside the subnet.
            } else if (reg === ipToInt(cfg.network.gateway)) {
                p("network.registryAddress", "must differ from the network gateway", cfg.network.registryAddress);
            } else if (reg - subnet.base < 256) {
                p("network.registryAddress", "must be outside the first /24 of network.subnet, where k3d places its nodes", cfg.network.registryAddress);
            } else if (reg - subnet.base >= 256 + 240 && reg - subnet.base <= 256 + 249) {
                p("network.registryAddress", "must be outside the MetalLB range x.x.1.240-249 that Big Bang uses", cfg.network.registryAddress);
            }
        }
    }

    const reg = cfg.registry;
    const rawRegistry = (raw.registry ?? {}) as Record<string, unknown>;
    switch (reg.target) {
        case "hosted":
            reg.hostname ||= "oci.dev.bigbang.mil";
            for (const key of ["url", "username", "password"] as const) {
                if (rawRegistry[key] !== undefined) p(`registry.${key}`, "only applies to registry.target external or registry1-staging", key === "password" ? "[secret]" : rawRegistry[key]);
            }
            if (rawRegistry.dnsAlias !== undefined) p("registry.dnsAlias", "only applies to registry.target external", rawRegistry.dnsAlias);
            if (reg.tls.source === "files" && (!reg.tls.certFile || !reg.tls.keyFile)) {
                p("registry.tls", "source files needs certFile and keyFile", { certFile: reg.tls.certFile, keyFile: reg.tls.keyFile });
            }
            if (reg.tls.source !== "files" && (reg.tls.certFile || reg.tls.keyFile || reg.tls.caFile)) {
                p("registry.tls.source", "certFile, keyFile and caFile need source files", reg.tls.source);
            }
            break;
        case "registry1-staging":
            reg.url = REGISTRY1_STAGING_URL;
            reg.hostname = "registry1.dso.mil";
            reg.port = 443;
            if (!reg.username) p("registry.username", "registry1-staging needs your Registry1 user name", reg.username);
            if (!reg.password) p("registry.password", "registry1-staging needs your Registry1 CLI token (pulumi config set --path --secret registry.password)", reg.password);
            if (reg.auth.enabled) p("registry.auth.enabled", "only applies to the hosted registry", reg.auth.enabled);
            if (reg.dnsAlias) p("registry.dnsAlias", "only applies to registry.target external", reg.dnsAlias);
            break;
        case "external": {
            if (!reg.url) {
                p("registry.url", "registry.target external needs an OCI URL such as oci://harbor.dev.bigbang.mil/library", reg.url);
                break;
            }
            const authority = reg.url.slice("oci://".length).split("/")[0];
            const [host, port] = authority.split(":");
            if (rawRegistry.hostname !== undefined && reg.hostname !== host) {
                p("registry.hostname", `is taken from registry.url (${host}) for target external`, reg.hostname);
            }
            reg.hostname = host;
            reg.port = port ? Number(port) : 443;
            if (!HOSTNAME.test(host)) p("registry.url", "expected a lower-case DNS name as the registry host", reg.url);
            if (reg.port < 1 || reg.port > 65535) p("registry.url", "expected a port of 1-65535", reg.url);
            if (Boolean(reg.username) !== Boolean(reg.password)) {
                p("registry.username", "give both registry.username and registry.password, or neither", reg.username ?? null);
            }
            if (reg.auth.enabled) p("registry.auth.enabled", "only applies to the hosted registry", reg.auth.enabled);
            break;
        }
    }

    const hostPorts = new Map<number, string>();
    for (const [i, port] of cfg.cluster.ports.entries()) {
        const other = hostPorts.get(port.port);
        if (other) p(`cluster.ports[${i}].port`, `is already used by ${other}`, port.port);
        hostPorts.set(port.port, `cluster.ports[${i}]`);
    }
    if (reg.target === "hosted") {
        const other = hostPorts.get(reg.port);
        if (other) p("registry.port", `is already used by ${other}`, reg.port);
        if (reg.port === 22 || reg.port === 6443) p("registry.port", "22 and 6443 are taken by SSH and the Kubernetes API", reg.port);
    }
    for (const [i, port] of cfg.cluster.ports.entries()) {
        if (port.port === 22 || port.port === 6443) p(`cluster.ports[${i}].port`, "22 and 6443 are taken by SSH and the Kubernetes API", port.port);
    }

    const seenPaths = new Set<string>();
    for (const [i, chart] of cfg.charts.entries()) {
        if (seenPaths.has(chart.path)) p(`charts[${i}].path`, "is listed twice", chart.path);
        seenPaths.add(chart.path);
    }
    return problems;
}

function safeUserName(): string {
    try {
        return os.userInfo().username;
    } catch {
        return process.env.USER ?? "developer";
    }
}
