// The stack configuration: every `bigbang-oci-dev:*` key is read and validated
// here, once, before any resource is created. The parser is pure (raw strings
// in, typed config or one error out) so that it can be tested without Pulumi.
//
// Concept `config` (the lowest): exports StackConfig and its parts, ConfigError,
// PROJECT, the default pins, and the IPv4/CIDR/hostname rules every concept uses.
import { RunError } from "@pulumi/pulumi/errors";
import * as os from "os";
import { z } from "zod";
import { DEFAULT_K3S_IMAGE, DEFAULT_REGISTRY_IMAGE, DEFAULT_TOOL_VERSIONS, K3S_IMAGE_TAG, pinnedToolSha256, PinnedTool } from "./pins";
import { cidrProblem, didYouMean, expectedListHint, misspeltNamespaceProblems } from "./configHints";

export const PROJECT = "bigbang-oci-dev";

export const REGISTRY1_STAGING_URL = "oci://registry1.dso.mil/bigbang-staging";
export const BIGBANG_INGRESS_CERTS_URL =
    "https://repo1.dso.mil/big-bang/bigbang/-/raw/master/chart/ingress-certs.yaml";

// Where each pinned version comes from is recorded in pins.ts, the one place to change them.
export { DEFAULT_K3S_IMAGE, DEFAULT_TOOL_VERSIONS } from "./pins";

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
    /** The SHA-256 each tool download must have: host.<tool>Sha256, else the pin in pins.ts. */
    toolSha256: { k3d: string; kubectl: string; helm: string };
}

export interface NetworkConfig {
    name: string;
    subnet: string;
    gateway: string;
    registryAddress: string;
    /** The Registry1 pull-through cache's fixed IP on the network (issue 19). */
    cacheAddress: string;
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
    /** Overrides StackConfig.chartVersionScheme for this chart. */
    versionScheme?: ChartVersionScheme;
}

/**
 * How a pushed chart's version carries its content hash (charts/chartSource.ts, contentVersion):
 * `build` as SemVer build metadata (`1.2.3+content.<hash>`), `prerelease` as a pre-release
 * identifier (`1.2.3-content-<hash>`), for charts that put `.Chart.Version` into a label, where `+` is refused.
 */
export type ChartVersionScheme = "build" | "prerelease";
export const CHART_VERSION_SCHEMES: readonly ChartVersionScheme[] = ["build", "prerelease"];

/** Big Bang itself on the dev cluster: Flux, MetalLB, ingress DNS and the umbrella chart (issue 12). */
export interface BigbangConfig {
    install: boolean;
    /** Registry1 login for Iron Bank images (Flux, MetalLB, every package). */
    registry1: { username?: string; password?: string };
    /** A pull-through cache of registry1.dso.mil on the host, which every node pulls through; on when registry1 is set. */
    registry1Cache: boolean;
    /** Exactly one, when install: a local checkout (`path`) or a release tag (`version`, at `commit` when pins.ts has none). */
    source: { path?: string; version?: string; commit?: string };
    /** The developer's own values files, applied last. */
    valuesFiles: string[];
    /** Big Bang values keys to keep on; unset: the dev-box default plan. */
    packages?: string[];
    metallb: boolean;
    domain: string;
    /** Bound for the wait on the developer's HelmReleases; 0 skips the wait. */
    waitMinutes: number;
}

export const DEFAULT_BIGBANG_DOMAIN = "dev.bigbang.mil";

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

/**
 * Every problem in the stack configuration, one line a key. A RunError, because
 * Pulumi's language host prints a RunError as its message alone and anything
 * else as a crash with a stack trace (@pulumi/pulumi cmd/run/run.js, the
 * uncaughtHandler); test/program.entrypoint.test.ts runs that entry point.
 */
export class ConfigError extends RunError {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
        // No stack frames: Pulumi never prints a RunError's stack, but its handler still formats the
        // error with util.inspect(err, { colors: true }) for a trace event (cmd/run/run.js uncaughtHandler,
        // cmd/run/error.js defaultErrorMessage). On Node 20.20 that loops until the heap is exhausted on a
        // source-mapped frame like ".../node_modules/@pulumi/resource.ts:1598:22" (nodejs/node#64011,
        // lib/internal/util/inspect.js markNodeModules; fixed by nodejs/node#64022), so `pulumi preview`
        // would hang instead of printing the problems.
        this.stack = `${this.name}: ${this.message}`;
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

// Each reason names its fix: the prefix range, the /32 a bare address lacks, or the network address.
const cidrv4 = z.string({ error: "expected an IPv4 CIDR such as 203.0.113.7/32" }).superRefine((v, ctx) => {
    const problem = cidrProblem(v, IPV4);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

// DNS-1123 hostname: lower-case labels of letters, digits and dashes.
export const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const hostname = z.string({ error: "expected a lower-case DNS name with at least two labels" })
    .regex(HOSTNAME, { error: "expected a lower-case DNS name with at least two labels" });

// The user name cloud-init's provisioning accepts (components/host/cloudInit.ts
// checks the same pattern), without the accounts Ubuntu cloud images already
// have: cloud-init turns root's SSH login away (canonical/cloud-init
// cloudinit/config/cc_ssh.py: `disable_root` defaults to true), and the
// system accounts have no login shell.
export const LINUX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const RESERVED_USERS = new Set(["root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
    "www-data", "backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "messagebus", "systemd-timesync",
    "syslog", "_apt", "sshd", "docker", "lxd"]);

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

const nodeFilters = z.array(z.string({ error: "expected a k3d node filter such as server:*" }).min(1), {
    error: "expected a list of k3d node filters such as server:*",
}).min(1, {
    error: "expected at least one node filter such as server:*",
});

// k3d v5.8.3's node filter grammar, pkg/util/filter.go (NodeFilterRegexp):
//   ^(server|servers|agent|agents|loadbalancer|all)(:(\d+,?)+|:\d*-\d*|:\*)?(:[[:alpha:]]+)?$
// FilterNodes then refuses a suffix (k3s args, volumes), a server/agent group
// without a subset ("unknown subset"), and an index or range outside the
// group; port mappings (pkg/client/ports.go) allow only the suffixes proxy and
// direct. The same rules apply here, so a filter k3d would refuse at
// `k3d cluster create` on the host is refused before anything is created.
const K3D_NODE_FILTER = /^(server|servers|agent|agents|loadbalancer|all)(?::(?:((?:\d+,?)+)|(\d*-\d*)|(\*)))?(?::([A-Za-z]+))?$/;

/** Why k3d would refuse a node filter on a cluster of this size, or undefined. */
export function nodeFilterProblem(filter: string, nodes: { servers: number; agents: number }, allowedSuffixes: readonly string[] = []): string | undefined {
    const m = K3D_NODE_FILTER.exec(filter);
    const grammar = "expected a k3d node filter: server, agent, loadbalancer or all, then :<index list>, :<from>-<to> or :*, such as server:0 or agent:*";
    if (!m) return grammar;
    const [, group, list, range, wildcard, suffix] = m;
    if (suffix !== undefined && !allowedSuffixes.includes(suffix)) {
        return allowedSuffixes.length > 0
            ? `expected the suffix ${allowedSuffixes.join(" or ")}, not :${suffix}`
            : `a k3s argument's node filter takes no suffix such as :${suffix}`;
    }
    if (group === "all" || group === "loadbalancer") return undefined;
    const size = group.startsWith("server") ? nodes.servers : nodes.agents;
    const what = group.startsWith("server") ? `cluster.servers is ${nodes.servers}` : `cluster.agents is ${nodes.agents}`;
    if (list === undefined && range === undefined && wildcard === undefined) {
        return `k3d needs a subset after ${group}: ${group}:*, ${group}:0 or ${group}:0-1`;
    }
    if (list !== undefined) {
        const bad = list.split(",").filter((i) => i !== "" && Number(i) >= size);
        if (bad.length > 0) return `index ${bad.join(", ")} is out of range: ${what} (indexes start at 0)`;
    }
    if (range !== undefined) {
        const [from, to] = range.split("-");
        const start = from === "" ? 0 : Number(from);
        if (from !== "" && start >= size) return `range start ${from} is out of range: ${what}`;
        if (to !== "" && (Number(to) < start || Number(to) >= size)) return `range end ${to} is before the start or out of range: ${what}`;
    }
    return undefined;
}

/** k3s flags are long options; k3d expands `$` from its own environment when it reads the config file. */
export function k3sArgProblem(arg: string): string | undefined {
    if (arg.includes("$")) return "k3d expands environment variables in its config file, so '$' cannot be used";
    if (!/^--[a-z0-9][a-z0-9-]*(=[\s\S]*)?$/.test(arg)) return "expected a k3s flag starting with --, such as --kubelet-arg=max-pods=200";
    return undefined;
}

// A tool download's SHA-256, as its project publishes it (sha256sum's first column).
const sha256Hex = z.string({ error: "expected a SHA-256: 64 hex digits" }).trim().toLowerCase()
    .regex(/^[0-9a-f]{64}$/, { error: "expected a SHA-256: 64 hex digits" });

const hostSchema = z.strictObject({
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: "expected an EC2 instance type such as t3.2xlarge" }).default("t3.2xlarge"),
    architecture: z.enum(["amd64", "arm64"], { error: "expected amd64 or arm64" }).optional(),
    market: z.enum(["spot", "on-demand"], { error: "expected spot or on-demand" }).default("spot"),
    spotMaxPrice: z.union([z.string(), z.number()]).transform(String)
        .pipe(z.string().regex(/^\d+(\.\d+)?$/, { error: "expected a price in USD per hour such as 0.25" })).optional(),
    volumeSizeGiB: integer(30, 16384).default(120),
    // YAML reads an unquoted 24.04 as a number; take it as the release it names.
    ubuntuRelease: z.preprocess((v) => (typeof v === "number" ? v.toFixed(2) : v),
        z.enum(["22.04", "24.04"], { error: "expected \"22.04\" or \"24.04\"" })).default("24.04"),
    amiId: z.string().regex(/^ami-[0-9a-f]{8,17}$/, { error: "expected an AMI ID such as ami-0123456789abcdef0" }).optional(),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: "expected a VPC ID such as vpc-0123456789abcdef0" }).optional(),
    subnetId: z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "expected a subnet ID such as subnet-0123456789abcdef0" }).optional(),
    sshPublicKey: z.string().trim().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/, {
        error: "expected an OpenSSH public key line such as 'ssh-ed25519 AAAA... me@laptop'",
    }).optional(),
    sshPrivateKeyFile: nonEmpty("a path to the private key of sshPublicKey").optional(),
    sshUser: z.string({ error: "expected a login user name" }).regex(LINUX_USER, {
        error: "expected a Linux user name: a lower-case letter or '_', then up to 31 lower-case letters, digits, '_' or '-'",
    }).refine((v) => !RESERVED_USERS.has(v), { error: "expected a regular user: Ubuntu's system accounts cannot log in over SSH" }).default("ubuntu"),
    autoShutdownHours: integer(0, 720).default(8),
    usePrivateIp: bool.default(false),
    running: bool.default(true),
    k3dVersion: version.default(DEFAULT_TOOL_VERSIONS.k3d),
    kubectlVersion: version.default(DEFAULT_TOOL_VERSIONS.kubectl),
    helmVersion: version.default(DEFAULT_TOOL_VERSIONS.helm),
    k3dSha256: sha256Hex.optional(),
    kubectlSha256: sha256Hex.optional(),
    helmSha256: sha256Hex.optional(),
}, { error: "expected an object" });

const networkSchema = z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { error: "expected a Docker network name" }).default("k3d-network"),
    subnet: cidrv4.default("172.20.0.0/16"),
    gateway: ipv4.optional(),
    registryAddress: ipv4.optional(),
    cacheAddress: ipv4.optional(),
}, { error: "expected an object" });

const tlsSchema = z.strictObject({
    source: z.enum(["bigbang", "files", "self-signed"], { error: "expected bigbang, files or self-signed" }).default("bigbang"),
    url: z.string().regex(/^(https:\/\/[^\s/]+|file:\/\/)\S*$/, {
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
    image: imageRef.default(DEFAULT_REGISTRY_IMAGE),
    repoName: dnsLabel("a Helm repository name").default("k3d"),
    exposePublicly: bool.default(false),
    tls: tlsSchema.prefault({}),
    auth: z.strictObject({
        enabled: bool.default(true),
        username: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, { error: "expected a user name of letters, digits, '.', '_' or '-'" }).default("bigbang"),
    }, { error: "expected an object" }).prefault({}),
    url: z.string().regex(/^oci:\/\/[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/, {
        error: "expected an OCI URL such as oci://harbor.dev.bigbang.mil/library",
    }).optional(),
    username: nonEmpty("a user name").optional(),
    password: nonEmpty("a password or token (set it with --secret)").optional(),
    dnsAlias: ipv4.optional(),
}, { error: "expected an object" });

// "--flag" is short for { arg: "--flag", nodeFilters: [server:*] }; the object
// form is strict, so a misspelt key inside an item is named with its index.
const k3sArgSchema = z.preprocess(
    (v) => (typeof v === "string" ? { arg: v, nodeFilters: ["server:*"] } : v),
    z.strictObject({ arg: z.string({ error: "expected a k3s flag such as --kubelet-arg=max-pods=200" }).min(1), nodeFilters },
        { error: "expected \"--arg=value\" or { arg, nodeFilters }" }),
);

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
        error: `expected a pinned rancher/k3s image such as ${K3S_IMAGE_TAG}`,
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
        versionScheme: z.enum(CHART_VERSION_SCHEMES, { error: "expected build or prerelease" }).optional(),
    }),
], { error: "expected { path, package?, versionScheme? }" });

// A Big Bang values key that names a package: "istiod", "addons.keycloak", "packages.myapp".
const bigbangPackageKey = z.string({ error: "expected a Big Bang values key such as istiod or addons.keycloak" })
    .regex(/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9-]*)*$/, { error: "expected a Big Bang values key such as istiod or addons.keycloak" });

const bigbangSchema = z.strictObject({
    install: bool.default(false),
    registry1: z.strictObject({
        username: nonEmpty("your Registry1 user name").optional(),
        password: nonEmpty("your Registry1 CLI token (set it with --secret)").optional(),
    }, { error: "expected { username, password }" }).prefault({}),
    registry1Cache: bool.optional(),
    source: z.strictObject({
        path: nonEmpty("a path to a Big Bang checkout such as ../bigbang").optional(),
        // Big Bang's release tags are bare SemVer (3.30.0); a leading v is tolerated.
        version: z.string({ error: "expected a Big Bang release such as 3.30.0" })
            .regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { error: "expected a Big Bang release such as 3.30.0" }).optional(),
        // The full commit the release tag must point at, for a release pins.ts does not pin (issue 21).
        commit: z.string({ error: "expected a full git commit: 40 hex digits" }).trim().toLowerCase()
            .regex(/^[0-9a-f]{40}$/, { error: "expected a full git commit: 40 hex digits" }).optional(),
    }, { error: "expected { path } or { version }" }).prefault({}),
    valuesFiles: z.array(nonEmpty("a path to a values file"), { error: "expected a list of values file paths" }).default([]),
    packages: z.array(bigbangPackageKey, { error: "expected a list of Big Bang values keys such as [istiod, istioGateway]" }).optional(),
    metallb: bool.default(true),
    domain: hostname.default(DEFAULT_BIGBANG_DOMAIN),
    waitMinutes: integer(0, 240).default(30),
}, { error: "expected an object" });

const stackSchema = z.strictObject({
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
const STRUCTURED_KEYS = new Set(["allowedCidrs", "host", "network", "registry", "cluster", "charts", "bigbang"]);
const LIST_KEYS = new Set(["allowedCidrs", "charts"]);
const KNOWN_KEYS = new Set(Object.keys(stackSchema.shape));

/** The local user name, reduced to what names and tags accept. */
export function sanitizeOwner(raw: string): string {
    const cleaned = raw.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 32).replace(/-+$/, "");
    return cleaned || "developer";
}

/** Graviton families carry a `g` after the generation digit (t4g, m7g, c7gn, r8g). */
export function architectureOf(instanceType: string): Architecture {
    const family = instanceType.split(".")[0];
    // a1 (the first Graviton) and mac2* (Apple silicon) are arm64 without the `g`.
    if (family === "a1" || family.startsWith("mac2")) return "arm64";
    return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "amd64";
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Config keys whose values are secrets (a Registry1 login is one). A problem at one of them shows
 * "[secret]" instead of the value: `pulumi config set --path --secret` stores an all-digit token
 * as a number, which the schema refuses, and the ConfigError text is printed in the clear. So does
 * a problem at a key that holds one (a section of the wrong type, unparsable JSON) when its text
 * mentions a password.
 */
const SECRET_KEY_PATHS: readonly string[] = ["registry.password", "bigbang.registry1", "bigbang.registry1.password"];

function describeAt(key: string, value: unknown): string {
    if (value === undefined) return describe(value);
    if (SECRET_KEY_PATHS.includes(key)) return describe("[secret]");
    const holdsSecret = SECRET_KEY_PATHS.some((secretPath) => secretPath.startsWith(`${key}.`));
    return holdsSecret && /password/i.test(typeof value === "string" ? value : JSON.stringify(value)) ? describe("[secret]") : describe(value);
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
    /**
     * Whether the engine holds a full config key (`bigbang-oci-dev:registry`) as a secret:
     * `pulumi.runtime.isConfigSecret`. Unset (pure tests), credentials are not checked for it.
     */
    isSecret?: (fullKey: string) => boolean;
}

/** The result of checking the stack config: every problem, and a config to keep checking with. */
export interface StackConfigCheck {
    /**
     * The config, with any section (host, registry, charts, ...) that has a
     * problem replaced by its defaults, so that later checks can still run on
     * the sections that are fine.
     */
    config: StackConfig;
    problems: string[];
    /** True when no problem names this top-level key or anything under it. */
    sectionOk(key: string): boolean;
}

/**
 * Parse the raw `bigbang-oci-dev:*` config map (as `pulumi.runtime.allConfig()`
 * returns it, other namespaces allowed) into a StackConfig, or throw one
 * ConfigError listing every bad key.
 */
export function parseStackConfig(allConfig: Record<string, string>, ctx: ParseContext = {}): StackConfig {
    const checked = checkStackConfig(allConfig, ctx);
    if (checked.problems.length > 0) throw new ConfigError(checked.problems);
    return checked.config;
}

/** Like parseStackConfig, but returns the problems instead of throwing, for checks that go on to other inputs. */
export function checkStackConfig(allConfig: Record<string, string>, ctx: ParseContext = {}): StackConfigCheck {
    const problems: string[] = [];
    const raw: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(allConfig)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const key = fullKey.slice(PROJECT.length + 1);
        if (!KNOWN_KEYS.has(key)) {
            problems.push(`${PROJECT}:${key}: unknown key; expected one of ${[...KNOWN_KEYS].join(", ")}${didYouMean(key, KNOWN_KEYS)}`);
            continue;
        }
        if (STRUCTURED_KEYS.has(key)) {
            try {
                raw[key] = JSON.parse(text);
            } catch {
                // A plain `pulumi config set allowedCidrs 203.0.113.7/32` stores the bare text.
                problems.push(LIST_KEYS.has(key)
                    ? `${PROJECT}:${key}: ${expectedListHint(PROJECT, key, text)}, got ${describeAt(key, text)}`
                    : `${PROJECT}:${key}: expected JSON (set it with 'pulumi config set --path ${key}...'), got ${describeAt(key, text)}`);
            }
        } else {
            raw[key] = text;
        }
    }

    problems.push(...misspeltNamespaceProblems(allConfig, PROJECT, [...KNOWN_KEYS]));
    const result = stackSchema.safeParse(raw);
    if (!result.success) problems.push(...zodProblems(result.error.issues, raw));
    // Only the values that fail fall back to their defaults (pruneInvalid), so the cross-key rules
    // still see every other value, within a section too; should that not converge, whole sections do.
    const pruned = result.success ? undefined : pruneInvalid(raw);
    const usable: Record<string, unknown> = pruned?.usable ?? { ...raw };
    if (!result.success && pruned === undefined) {
        for (const [key, section] of Object.entries(stackSchema.shape)) {
            if (key in raw && !section.safeParse(raw[key]).success) delete usable[key];
        }
    }
    const fallback = result.success ? result : stackSchema.safeParse(usable);
    const parsed = fallback.success ? fallback.data : stackSchema.parse({});
    const cfg = buildConfig(parsed, ctx);
    for (const problem of [...crossCheck(cfg, usable), ...plaintextCredentialProblems(raw, ctx)]) {
        // A rule that read a default standing in for a refused value would report the default.
        if (pruned?.removed.some((key) => mentionsKey(problem, key))) continue;
        if (!problems.includes(problem)) problems.push(problem);
    }
    const sectionOk = (key: string) => !problems.some((line) => {
        const rest = line.slice(PROJECT.length + 1);
        return rest.startsWith(key) && /^[.[:]/.test(rest.slice(key.length));
    });
    return { config: cfg, problems, sectionOk };
}

function zodProblems(issues: readonly z.core.$ZodIssue[], raw: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const issue of issues) {
        const path = keyPath(issue.path);
        if (issue.code === "unrecognized_keys") {
            for (const k of issue.keys) problems.push(`${PROJECT}:${path ? `${path}.` : ""}${k}: unknown key${didYouMean(k, keysUnder(path))}`);
            continue;
        }
        const value = valueAt(raw, issue.path);
        if (issue.code === "invalid_type" && issue.expected === "array" && value !== undefined && !Array.isArray(value)) {
            problems.push(`${PROJECT}:${path}: ${expectedListHint(PROJECT, path, value)}, got ${describeAt(path, value)}`);
            continue;
        }
        const hint = issue.code === "invalid_value" && typeof value === "string" ? didYouMean(value, issue.values.map(String)) : "";
        problems.push(`${PROJECT}:${path}: ${issue.message}, got ${describeAt(path, value)}${hint}`);
    }
    return problems;
}

function buildConfig(parsed: z.output<typeof stackSchema>, ctx: ParseContext): StackConfig {
    return {
        owner: parsed.owner ?? sanitizeOwner(ctx.userName ?? safeUserName()),
        allowedCidrs: [...new Set(parsed.allowedCidrs)],
        allowAnywhere: parsed.allowAnywhere,
        acceptPublicKeyRisk: parsed.acceptPublicKeyRisk,
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
            toolSha256: { k3d: parsed.host.k3dSha256 ?? "", kubectl: parsed.host.kubectlSha256 ?? "", helm: parsed.host.helmSha256 ?? "" },
        },
        network: {
            name: parsed.network.name,
            subnet: parsed.network.subnet,
            gateway: parsed.network.gateway ?? "",
            registryAddress: parsed.network.registryAddress ?? "",
            cacheAddress: parsed.network.cacheAddress ?? "",
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

/** A raw config object's keys, or none when it is not an object. */
function asRecord(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {};
}

// Flux's source-controller pulls the charts with its own trust store plus the HelmRepository's certSecretRef,
// and Big Bang's helmRepositories template (chart/templates/helm-repository/helmrepo.yaml) renders no
// certSecretRef. Trusting a private CA would mean changing source-controller's Deployment, which belongs to
// whoever installs Flux; this program does not, so it refuses private CAs instead of half-working with them.
const PRIVATE_CA_REFUSED = "Flux pulls charts with its own trust store and Big Bang's helmRepositories has no CA setting, "
    + "so a private CA would fail with 'x509: certificate signed by unknown authority'; use tls.source bigbang "
    + "(Big Bang's publicly trusted dev certificate, the default) or files with a publicly trusted certificate and no caFile";

// k3d v5.8.3 gives server nodes static IPs only when it manages the network's addresses: `subnet` sets
// IPAM.Managed (pkg/config/transform.go), but on an existing network ClusterPrepNetwork replaces the
// cluster's network with the runtime's view of it (pkg/client/cluster.go, `cluster.Network = *network`),
// and that view never has Managed set (pkg/runtimes/docker/network.go, GetNetwork / parseIPAM). This cluster
// joins the network it shares with the registry, so even `subnet: auto` leaves the servers on dynamic IPs,
// and a multi-server etcd breaks when they change after a stop and start (k3d-io/k3d#550).
const SEVERAL_SERVERS_REFUSED = "expected 1: several servers run etcd on the Docker network shared with the registry, where k3d cannot "
    + "give them static IPs, so etcd breaks when their addresses change after the host stops and starts (k3d-io/k3d#550); "
    + "add agents instead";

// Big Bang's chart/values.schema.json (anyOf on helmRepositories[] items), which Helm enforces on install and upgrade.
const BIGBANG_NEEDS_CREDENTIALS = "Big Bang's values schema requires credentials on every helmRepositories entry";
const EXTERNAL_NEEDS_CREDENTIALS = `registry.target external needs registry.username and registry.password, such as a robot account that can push and pull: ${BIGBANG_NEEDS_CREDENTIALS}`;

/** Rules that span keys, and defaults derived from other keys. Fills cfg in place; returns problems. */
function crossCheck(cfg: StackConfig, raw: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const p = (key: string, message: string, value: unknown) => problems.push(`${PROJECT}:${key}: ${message}, got ${describe(value)}`);

    // Not only /0: 0.0.0.0/1 plus 128.0.0.0/1 is the whole internet too.
    const anywhere = cfg.allowedCidrs.filter((c) => (parseCidr(c)?.prefix ?? 32) < WIDEST_WITHOUT_ALLOW_ANYWHERE);
    if (anywhere.some((c) => parseCidr(c)?.prefix === 0) && !cfg.allowAnywhere) {
        p("allowedCidrs", "0.0.0.0/0 opens the host to the whole internet; set allowAnywhere to true to allow it", cfg.allowedCidrs);
    } else if (anywhere.length > 0 && !cfg.allowAnywhere) {
        p("allowedCidrs", `${anywhere.join(", ")} ${anywhere.length > 1 ? "are" : "is"} wider than a /${WIDEST_WITHOUT_ALLOW_ANYWHERE} and open${anywhere.length > 1 ? "" : "s"} the host to a large part of the internet; set allowAnywhere to true to allow it`, cfg.allowedCidrs);
    }
    problems.push(...publicKeyExposureProblems(cfg), ...toolSha256Problems(cfg));
    if (cfg.bigbang.source.commit !== undefined && cfg.bigbang.source.version === undefined) {
        p("bigbang.source.commit", "only applies with bigbang.source.version: it is the commit that release tag must point at", cfg.bigbang.source.commit);
    }

    const rawHost = asRecord(raw.host);
    const impliedArchitecture = architectureOf(cfg.host.instanceType);
    if (rawHost.architecture !== undefined && cfg.host.architecture !== impliedArchitecture) {
        p("host.architecture", `contradicts host.instanceType ${cfg.host.instanceType}, which is ${impliedArchitecture}; leave architecture unset to follow the instance type`, cfg.host.architecture);
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
            // The Registry1 cache: next to the registry, under the same rules (issue 19).
            // The default is x.x.2.11, or the next address when the stack already uses that one for the
            // registry or the gateway: a default must never refuse a stack that does not even use the cache.
            if (!cfg.network.cacheAddress) {
                const taken = new Set([reg, ipToInt(cfg.network.gateway)]);
                let candidate = subnet.base + 2 * 256 + 11;
                while (taken.has(candidate)) candidate++;
                cfg.network.cacheAddress = intToIp(candidate);
            }
            const cache = ipToInt(cfg.network.cacheAddress);
            if (!cidrContains(cfg.network.subnet, cfg.network.cacheAddress) || cache === subnet.base || cache === subnet.base + size - 1) {
                p("network.cacheAddress", `expected a host address inside network.subnet ${cfg.network.subnet}`, cfg.network.cacheAddress);
            } else if (cache === ipToInt(cfg.network.gateway) || cache === reg) {
                p("network.cacheAddress", "must differ from the network gateway and network.registryAddress", cfg.network.cacheAddress);
            } else if (cache - subnet.base < 256) {
                p("network.cacheAddress", "must be outside the first /24 of network.subnet, where k3d places its nodes", cfg.network.cacheAddress);
            } else if (cache - subnet.base >= 256 + 240 && cache - subnet.base <= 256 + 249) {
                p("network.cacheAddress", "must be outside the MetalLB range x.x.1.240-249 that Big Bang uses", cfg.network.cacheAddress);
            }
        }
    }

    const reg = cfg.registry;
    const rawRegistry = (raw.registry ?? {}) as Record<string, unknown>;
    // A key the chosen target never reads would be silently ignored: refuse it instead.
    const unused: Record<RegistryTarget, string[]> = {
        hosted: [],
        "registry1-staging": ["hostname", "port", "image", "exposePublicly", "tls", "auth", "url"],
        external: ["port", "image", "exposePublicly", "tls", "auth"],
    };
    for (const key of unused[reg.target]) {
        if (rawRegistry[key] !== undefined) {
            const hint = reg.target === "external" && key === "port" ? "; put the port in registry.url" : "";
            p(`registry.${key}`, `is not used with registry.target ${reg.target}${hint}`, rawRegistry[key]);
        }
    }
    const rawNetwork = asRecord(raw.network);
    if (reg.target !== "hosted" && rawNetwork.registryAddress !== undefined) {
        p("network.registryAddress", `is not used with registry.target ${reg.target}: there is no registry container${reg.target === "external" ? "; registry.dnsAlias is the address the cluster resolves the registry to" : ""}`, rawNetwork.registryAddress);
    }
    switch (reg.target) {
        case "hosted":
            reg.hostname ||= "oci.dev.bigbang.mil";
            for (const key of ["url", "username", "password"] as const) {
                if (rawRegistry[key] !== undefined) p(`registry.${key}`, "only applies to registry.target external or registry1-staging", key === "password" ? "[secret]" : rawRegistry[key]);
            }
            if (rawRegistry.dnsAlias !== undefined) p("registry.dnsAlias", "only applies to registry.target external", rawRegistry.dnsAlias);
            if (!reg.auth.enabled) p("registry.auth.enabled", `must stay true: ${BIGBANG_NEEDS_CREDENTIALS}, so Big Bang cannot install from an anonymous registry`, reg.auth.enabled);
            if (reg.tls.source === "files" && (!reg.tls.certFile || !reg.tls.keyFile)) {
                p("registry.tls", "source files needs certFile and keyFile", { certFile: reg.tls.certFile, keyFile: reg.tls.keyFile });
            }
            if (reg.tls.source === "self-signed") p("registry.tls.source", `self-signed: ${PRIVATE_CA_REFUSED}`, reg.tls.source);
            if (reg.tls.source === "files" && reg.tls.caFile) p("registry.tls.caFile", `a certificate that needs caFile: ${PRIVATE_CA_REFUSED}`, reg.tls.caFile);
            if (reg.tls.source !== "files" && (reg.tls.certFile || reg.tls.keyFile || reg.tls.caFile)) {
                p("registry.tls.source", "certFile, keyFile and caFile need source files", reg.tls.source);
            }
            if (reg.tls.source !== "bigbang" && asRecord(rawRegistry.tls).url !== undefined) {
                p("registry.tls.url", `is only read with registry.tls.source bigbang, not ${reg.tls.source}`, reg.tls.url);
            }
            break;
        case "registry1-staging":
            reg.url = REGISTRY1_STAGING_URL;
            reg.hostname = "registry1.dso.mil";
            reg.port = 443;
            if (!reg.username) p("registry.username", "registry1-staging needs your Registry1 user name", reg.username);
            if (!reg.password) p("registry.password", "registry1-staging needs your Registry1 CLI token (pulumi config set --path --secret registry.password)", reg.password);
            if (reg.dnsAlias) p("registry.dnsAlias", "only applies to registry.target external", reg.dnsAlias);
            break;
        case "external": {
            if (!reg.url) {
                p("registry.url", "registry.target external needs an OCI URL such as oci://harbor.dev.bigbang.mil/library", reg.url);
                break;
            }
            const authority = reg.url.slice("oci://".length).split("/")[0];
            const [host, port] = authority.split(":");
            if (rawRegistry.hostname !== undefined) {
                p("registry.hostname", `is not used with registry.target external: the host comes from registry.url (${host})`, reg.hostname);
            }
            reg.hostname = host;
            reg.port = port ? Number(port) : 443;
            if (!HOSTNAME.test(host)) p("registry.url", "expected a lower-case DNS name as the registry host", reg.url);
            if (reg.port < 1 || reg.port > 65535) p("registry.url", "expected a port of 1-65535", reg.url);
            if (!reg.username) p("registry.username", EXTERNAL_NEEDS_CREDENTIALS, reg.username);
            if (!reg.password) p("registry.password", `${EXTERNAL_NEEDS_CREDENTIALS} (set it with --secret)`, undefined);
            break;
        }
    }

    const nodes = { servers: cfg.cluster.servers, agents: cfg.cluster.agents };
    for (const [i, { arg, nodeFilters }] of cfg.cluster.k3sArgs.entries()) {
        const argProblem = k3sArgProblem(arg);
        if (argProblem) p(`cluster.k3sArgs[${i}].arg`, argProblem, arg);
        for (const [j, filter] of nodeFilters.entries()) {
            const problem = nodeFilterProblem(filter, nodes);
            if (problem) p(`cluster.k3sArgs[${i}].nodeFilters[${j}]`, problem, filter);
        }
    }
    for (const [i, port] of cfg.cluster.ports.entries()) {
        for (const [j, filter] of port.nodeFilters.entries()) {
            const problem = nodeFilterProblem(filter, nodes, ["proxy", "direct"]);
            if (problem) p(`cluster.ports[${i}].nodeFilters[${j}]`, problem, filter);
        }
    }
    if (cfg.cluster.servers > 1) p("cluster.servers", SEVERAL_SERVERS_REFUSED, cfg.cluster.servers);

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

    const bb = cfg.bigbang;
    // The cache pulls with the Registry1 login: on by default when there is one (issue 19).
    const loginSet = bb.registry1.username !== undefined && bb.registry1.password !== undefined;
    const rawCache = asRecord(raw.bigbang).registry1Cache;
    if (rawCache === undefined) {
        bb.registry1Cache = loginSet;
    } else if (bb.registry1Cache && !loginSet) {
        p("bigbang.registry1Cache", "the cache pulls from Registry1 with bigbang.registry1.username and bigbang.registry1.password; set both, or set registry1Cache to false", bb.registry1Cache);
    }
    if (bb.install) {
        if (!bb.registry1.username) p("bigbang.registry1.username", "bigbang.install needs your Registry1 user name: Flux, MetalLB and every package pull Iron Bank images", bb.registry1.username);
        if (!bb.registry1.password) p("bigbang.registry1.password", "bigbang.install needs your Registry1 CLI token (pulumi config set --path --secret bigbang.registry1.password, which prompts for it)", undefined);
        if (bb.source.path !== undefined && bb.source.version !== undefined) {
            p("bigbang.source", "expected path or version, not both", bb.source);
        } else if (bb.source.path === undefined && bb.source.version === undefined) {
            p("bigbang.source", "bigbang.install needs a Big Bang checkout ({ path: ../bigbang }) or a release ({ version: 3.30.0 })", bb.source);
        }
        // MetalLB answers ARP for its pools on the Docker network; k3s's own service load balancer would
        // claim the same LoadBalancer Services (Big Bang's dev script adds --disable=servicelb with -m).
        if (bb.metallb && !cfg.cluster.disable.includes("servicelb")) cfg.cluster.disable = [...cfg.cluster.disable, "servicelb"];
        // Both go into coredns-custom under `<first label>.server`; one key cannot hold two blocks.
        if (bb.metallb && reg.hostname.split(".")[0] === "bigbang" && (reg.target === "hosted" || reg.dnsAlias)) {
            p("registry.hostname", "its first label gives the coredns-custom key bigbang.server, which Big Bang's ingress DNS uses; pick another name", reg.hostname);
        }
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

/**
 * Every key the stack config accepts, as dot paths with `[]` for list items
 * (`cluster.k3sArgs[].nodeFilters`), read from the schema itself so that the
 * README table and stack-config.example.yaml can be checked against it.
 */
export function configKeyPaths(): string[] {
    const paths: string[] = [];
    const walk = (schema: z.core.$ZodType, prefix: string): void => {
        if (schema instanceof z.ZodObject) {
            for (const [key, child] of Object.entries(schema.shape)) {
                const keyPath = prefix ? `${prefix}.${key}` : key;
                paths.push(keyPath);
                walk(child, keyPath);
            }
        } else if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
            walk(schema.def.innerType, prefix);
        } else if (schema instanceof z.ZodPipe) {
            walk(schema.in, prefix);
            walk(schema.out, prefix);
        } else if (schema instanceof z.ZodArray) {
            walk(schema.element, `${prefix}[]`);
        } else if (schema instanceof z.ZodUnion) {
            for (const option of schema.options) walk(option, prefix);
        }
    };
    walk(stackSchema, "");
    return [...new Set(paths)].sort();
}

/** The keys the schema accepts directly under a problem's path (`cluster.k3sArgs[0]` → arg, nodeFilters). */
function keysUnder(path: string): string[] {
    if (path === "") return [...KNOWN_KEYS];
    const prefix = `${path.replace(/\[\d+\]/g, "[]")}.`;
    return configKeyPaths().filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)).filter((rest) => !/[.[]/.test(rest));
}

/** Whether a problem line is about `key` or names it in its text. */
function mentionsKey(problem: string, key: string): boolean {
    const text = problem.slice(PROJECT.length + 1);
    const problemKey = text.split(": ")[0];
    if (key.startsWith(`${problemKey}.`) || key.startsWith(`${problemKey}[`)) return true;
    const at = (i: number) => i >= 0 && !/[A-Za-z0-9]/.test(text.charAt(i + key.length));
    for (let i = text.indexOf(key); i >= 0; i = text.indexOf(key, i + 1)) {
        if (at(i) && (i === 0 || !/[A-Za-z0-9.]/.test(text.charAt(i - 1)))) return true;
    }
    return false;
}

/**
 * The raw config without the values the schema refuses, so that their defaults stand in and the
 * rest is still checked: a refused entry of a list of scalars is dropped from the list (the other
 * entries stay); a refused list item that is an object drops the whole list (later rules name
 * items by index, which dropping one would shift); any other refused value is removed. `removed`
 * lists the keys removed whole. Undefined when the schema still refuses after a few rounds.
 */
function pruneInvalid(raw: Record<string, unknown>): { usable: Record<string, unknown>; removed: string[] } | undefined {
    const usable: Record<string, unknown> = structuredClone(raw);
    const removed: string[] = [];
    for (let round = 0; round < 10; round++) {
        const result = stackSchema.safeParse(usable);
        if (result.success) return { usable, removed };
        const drops = new Map<unknown[], Set<number>>();
        let changed = false;
        for (const issue of result.error.issues) {
            const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
            for (const issuePath of paths) changed = removeAt(usable, issuePath, drops, removed) || changed;
        }
        for (const [list, indexes] of drops) {
            for (const index of [...indexes].sort((a, b) => b - a)) list.splice(index, 1);
        }
        if (!changed) return undefined;
    }
    return undefined;
}

function removeAt(root: Record<string, unknown>, issuePath: readonly PropertyKey[], drops: Map<unknown[], Set<number>>, removed: string[]): boolean {
    if (issuePath.length === 0) return false;
    let parent: unknown = root;
    for (const [depth, step] of issuePath.entries()) {
        const here = issuePath.slice(0, depth);
        if (Array.isArray(parent)) {
            if (typeof step !== "number" || step >= parent.length) return false;
            const items: unknown[] = parent;
            if (items.every((item) => item === null || typeof item !== "object")) {
                const indexes = drops.get(items) ?? new Set<number>();
                indexes.add(step);
                drops.set(items, indexes);
                return true;
            }
            return removeKey(root, here, removed);
        }
        if (parent === null || typeof parent !== "object") return removeKey(root, here, removed);
        const record = parent as Record<PropertyKey, unknown>;
        if (!(step in record)) return false;
        if (depth === issuePath.length - 1) return removeKey(root, issuePath, removed);
        parent = record[step];
    }
    return false;
}

/** Removes the value at a path of object keys (and, through a list, the list itself). */
function removeKey(root: Record<string, unknown>, keyPathSteps: readonly PropertyKey[], removed: string[]): boolean {
    const firstIndex = keyPathSteps.findIndex((step) => typeof step === "number");
    const steps = firstIndex < 0 ? keyPathSteps : keyPathSteps.slice(0, firstIndex);
    if (steps.length === 0) return false;
    const parent = valueAt(root, [...steps.slice(0, -1)]);
    if (parent === null || typeof parent !== "object" || Array.isArray(parent)) return false;
    const record = parent as Record<PropertyKey, unknown>;
    const last = steps[steps.length - 1];
    if (!(last in record)) return false;
    delete record[last];
    removed.push(keyPath([...steps]));
    return true;
}

// ---------------------------------------------------------------------------
// Security guardrails (issue 21).

/** allowedCidrs wider than this prefix need allowAnywhere. */
export const WIDEST_WITHOUT_ALLOW_ANYWHERE = 8;
/** allowedCidrs wider than this prefix get a warning. */
export const WIDEST_WITHOUT_WARNING = 24;

/** The credential keys: each must be set with `pulumi config set --secret`. */
const CREDENTIAL_KEYS: readonly (readonly [string, string])[] = [
    ["registry", "password"],
    ["bigbang", "registry1.password"],
];

/**
 * A credential set without --secret sits in plain text in the stack file (and in every backup or
 * commit of it). The engine tells which top-level keys hold a secret: an object key set with
 * `--path --secret` is secure as a whole (pulumi/pulumi sdk/go/common/resource/config/value.go,
 * Value.Secure; map.go, Map.SecureKeys, which the CLI passes as PULUMI_CONFIG_SECRET_KEYS and
 * @pulumi/pulumi runtime/config.ts isConfigSecret reads).
 */
function plaintextCredentialProblems(raw: Record<string, unknown>, ctx: ParseContext): string[] {
    const isSecret = ctx.isSecret;
    if (!isSecret) return [];
    const problems: string[] = [];
    for (const [section, rest] of CREDENTIAL_KEYS) {
        if (valueAt(raw[section], rest.split(".")) === undefined || isSecret(`${PROJECT}:${section}`)) continue;
        const key = `${section}.${rest}`;
        problems.push(`${PROJECT}:${key}: is stored in plain text in the stack file; set it again as a secret with `
            + `'pulumi config set --path --secret ${PROJECT}:${key}' (it prompts for the value, so it stays out of your shell history)`);
    }
    return problems;
}

const PUBLIC_KEY_RISK = "its TLS key is Big Bang's dev key, whose private half is published in Big Bang's repository, so anyone "
    + "between allowedCidrs and the host can impersonate it, read the registry password and swap the charts Flux installs "
    + "with cluster-admin; push through an SSH tunnel instead (README, Pushing by hand), use registry.tls.source files with "
    + "your own certificate, or set acceptPublicKeyRisk to true to open it anyway";

/** Ports opened to allowedCidrs while the certificate they serve has a published private key. */
function publicKeyExposureProblems(cfg: StackConfig): string[] {
    if (cfg.acceptPublicKeyRisk) return [];
    const problems: string[] = [];
    const reg = cfg.registry;
    // The hosted registry serves registry.tls; the gateways serve the same certificate (Big Bang's values
    // layer 2), or the checkout's chart/ingress-certs.yaml (Big Bang's dev key) without a hosted registry.
    const publicKey = reg.target !== "hosted" || reg.tls.source === "bigbang";
    if (!publicKey) return [];
    if (reg.target === "hosted" && reg.exposePublicly) {
        problems.push(`${PROJECT}:registry.exposePublicly: ${PUBLIC_KEY_RISK}, got true`);
    }
    for (const [i, port] of cfg.cluster.ports.entries()) {
        if (port.exposePublicly) problems.push(`${PROJECT}:cluster.ports[${i}].exposePublicly: ${PUBLIC_KEY_RISK}, got true`);
    }
    return problems;
}

/** What is allowed but worth a second look: printed as warnings by `pulumi up`. */
export function configWarnings(cfg: StackConfig): string[] {
    const wide = cfg.allowedCidrs.filter((c) => (parseCidr(c)?.prefix ?? 32) < WIDEST_WITHOUT_WARNING);
    if (wide.length === 0) return [];
    return [`${PROJECT}:allowedCidrs: ${wide.join(", ")} ${wide.length > 1 ? "are" : "is"} wider than a /${WIDEST_WITHOUT_WARNING}: `
        + "SSH, the Kubernetes API and every exposed port answer that whole range; list your own addresses instead if you can"];
}

const TOOL_ARTIFACT: Record<PinnedTool, (version: string, arch: Architecture) => string> = {
    k3d: (v, arch) => `https://github.com/k3d-io/k3d/releases/download/${v}/k3d-linux-${arch} (the release's checksums.txt lists it)`,
    kubectl: (v, arch) => `https://dl.k8s.io/release/${v}/bin/linux/${arch}/kubectl (its .sha256 beside it)`,
    helm: (v, arch) => `https://get.helm.sh/helm-${v}-linux-${arch}.tar.gz (the release notes and .sha256sum list it)`,
};

/**
 * Fills host.toolSha256 from pins.ts and refuses a tool version whose sum is unknown: install-tools.sh
 * checks every download against a sum fixed here, never one served beside the binary.
 */
function toolSha256Problems(cfg: StackConfig): string[] {
    const problems: string[] = [];
    const host = cfg.host;
    for (const tool of ["k3d", "kubectl", "helm"] as const) {
        const version = host.tools[tool];
        const pinned = pinnedToolSha256(tool, version, host.architecture);
        const given = host.toolSha256[tool];
        const key = `${PROJECT}:host.${tool}Sha256`;
        if (!given && pinned) {
            host.toolSha256[tool] = pinned;
        } else if (!given) {
            problems.push(`${key}: host.${tool}Version ${version} is not pinned by this program, so its download needs a SHA-256 to be checked against: `
                + `set the ${host.architecture} sum its project publishes for ${TOOL_ARTIFACT[tool](version, host.architecture)}, got nothing`);
        } else if (pinned && given !== pinned) {
            // Names host.<tool>Version, so the line is dropped when that value was refused (checkStackConfig, mentionsKey).
            problems.push(`${key}: differs from the SHA-256 pinned for ${tool} ${version} ${host.architecture} (host.${tool}Version, ${pinned}); remove it to use the pin, got "${given}"`);
        }
    }
    return problems;
}
