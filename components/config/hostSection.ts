// The `host` section: the machine the cluster runs on, its schema and its own checks.
import { z } from "zod";
import { DEFAULT_TOOL_VERSIONS, pinnedToolSha256, PinnedTool } from "./pins";
import { asRecord, PROJECT, Report } from "./problems";
import { bool, integer, IPV4, ipv4, LINUX_USER, nonEmpty, RESERVED_USERS, sha256Hex, version } from "./scalars";

const OPENSSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/;
const HOST_KEY_ERROR = "expected the machine's public host key line, such as 'ssh-ed25519 AAAA...' "
    + "(its /etc/ssh/ssh_host_ed25519_key.pub, checked out of band; ssh-keyscan alone trusts whoever answers)";

// ---------------------------------------------------------------------------
// Schemas. One strict object holds every backend's keys, so that a key of another backend is
// reported as "not used with host.backend <name>" (hostChecks) rather than as an unknown key.

/** The keys every backend reads: the tools installed on the machine and their checksums. */
const toolsShape = {
    architecture: z.enum(["amd64", "arm64"], { error: "expected amd64 or arm64" }).optional(),
    k3dVersion: version.default(DEFAULT_TOOL_VERSIONS.k3d),
    kubectlVersion: version.default(DEFAULT_TOOL_VERSIONS.kubectl),
    helmVersion: version.default(DEFAULT_TOOL_VERSIONS.helm),
    k3dSha256: sha256Hex.optional(),
    kubectlSha256: sha256Hex.optional(),
    helmSha256: sha256Hex.optional(),
};

/** host.backend aws: an EC2 instance this program creates. */
const awsShape = {
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: "expected an EC2 instance type such as t3.2xlarge" }).default("t3.2xlarge"),
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
    sshPublicKey: z.string().trim().regex(OPENSSH_PUBLIC_KEY, {
        error: "expected an OpenSSH public key line such as 'ssh-ed25519 AAAA... me@laptop'",
    }).optional(),
    /** Private key for `sshPublicKey`; without it, remote commands use the SSH agent. */
    sshPrivateKeyFile: nonEmpty("a path to the private key of sshPublicKey").optional(),
    sshUser: z.string({ error: "expected a login user name" }).regex(LINUX_USER, {
        error: "expected a Linux user name: a lower-case letter or '_', then up to 31 lower-case letters, digits, '_' or '-'",
    }).refine((v) => !RESERVED_USERS.has(v), { error: "expected a regular user: Ubuntu's system accounts cannot log in over SSH" }).default("ubuntu"),
    autoShutdownHours: integer(0, 720).default(8),
    usePrivateIp: bool.default(false),
    /** false stops the instance (disk, Elastic IP and cluster kept); true starts it again. */
    running: bool.default(true),
    /** The Registry1 cache's data on its own EBS volume of this size (issue 19); off unless set. */
    cacheVolumeGiB: integer(10, 16384).optional(),
    /** Leave that volume in AWS when the stack or cacheVolumeGiB goes (retainOnDelete). */
    keepCacheVolume: bool.default(false),
};

// An IPv4 address or a DNS name (one label allowed: a lab machine's short name), as ssh takes it.
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const ADDRESS_ERROR = "expected the machine's IPv4 address or DNS name, such as 192.0.2.10 or lab1.example.com";

/** host.backend ssh: an existing Linux machine, reached over SSH. */
const sshSchema = z.strictObject({
    address: z.string({ error: ADDRESS_ERROR }).trim().toLowerCase()
        .refine((v) => (/^[\d.]+$/.test(v) ? IPV4.test(v) : DNS_NAME.test(v)), { error: ADDRESS_ERROR }).optional(),
    user: z.string({ error: "expected a login user name" }).regex(LINUX_USER, {
        error: "expected a Linux user name: a lower-case letter or '_', then up to 31 lower-case letters, digits, '_' or '-'",
    }).refine((v) => v !== "root", { error: "expected a regular user with sudo, not root" }).optional(),
    port: integer(1, 65535).default(22),
    privateKeyFile: nonEmpty("a path to a private key such as ~/.ssh/id_ed25519").optional(),
    hostKey: z.string({ error: HOST_KEY_ERROR }).trim().regex(OPENSSH_PUBLIC_KEY, { error: HOST_KEY_ERROR }).optional(),
    privateAddress: ipv4.refine((v) => v !== "0.0.0.0", { error: "expected the machine's own IPv4 address, not 0.0.0.0" }).optional(),
}, { error: "expected an object" });

export const hostSchema = z.strictObject({
    backend: z.enum(["aws", "ssh", "local"], { error: "expected aws, ssh or local" }).default("aws"),
    ...toolsShape,
    ...awsShape,
    ssh: sshSchema.optional(),
}, { error: "expected an object" });

// ---------------------------------------------------------------------------
// Types, from the schemas.

export type HostBackendName = z.output<typeof hostSchema>["backend"];
export type Market = z.output<typeof awsShape.market>;
export type UbuntuRelease = z.output<typeof awsShape.ubuntuRelease>;
export type Architecture = NonNullable<z.output<typeof toolsShape.architecture>>;

/** The keys every backend shares. */
export interface HostToolsConfig {
    /** host.architecture: aws follows instanceType; ssh defaults to amd64; local to the workstation's. */
    architecture: Architecture;
    /** host.k3dVersion, kubectlVersion, helmVersion. */
    tools: { k3d: string; kubectl: string; helm: string };
    /** The SHA-256 each tool download must have: host.<tool>Sha256, else the pin in pins.ts. */
    toolSha256: { k3d: string; kubectl: string; helm: string };
}

/** host.backend aws (the default): every EC2 key. */
export type AwsHostConfig = HostToolsConfig & { backend: "aws" } & z.output<z.ZodObject<typeof awsShape>>;

type SshFields = z.output<typeof sshSchema>;
/** host.backend ssh: host.ssh.*, with address, user and hostKey required. */
export interface SshHostConfig extends HostToolsConfig {
    backend: "ssh";
    ssh: Required<Pick<SshFields, "address" | "user" | "port" | "hostKey">> & Pick<SshFields, "privateKeyFile" | "privateAddress">;
}

/** host.backend local: the workstation's own Docker. */
export interface LocalHostConfig extends HostToolsConfig {
    backend: "local";
}

export type HostConfig = AwsHostConfig | SshHostConfig | LocalHostConfig;

/** The keys only aws reads, in schema order. */
export const AWS_ONLY_HOST_KEYS: readonly string[] = Object.keys(awsShape);

/** Graviton families carry a `g` after the generation digit (t4g, m7g, c7gn, r8g). */
export function architectureOf(instanceType: string): Architecture {
    const family = instanceType.split(".")[0];
    // a1 (the first Graviton) and mac2* (Apple silicon) are arm64 without the `g`.
    if (family === "a1" || family.startsWith("mac2")) return "arm64";
    return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "amd64";
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
export function toolSha256Problems(host: HostConfig): string[] {
    const problems: string[] = [];
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

/** The typed host config of the parsed section: the chosen backend's variant, with the defaults it implies. */
export function buildHostConfig(parsed: z.output<typeof hostSchema>): HostConfig {
    const tools = {
        tools: { k3d: parsed.k3dVersion, kubectl: parsed.kubectlVersion, helm: parsed.helmVersion },
        toolSha256: { k3d: parsed.k3dSha256 ?? "", kubectl: parsed.kubectlSha256 ?? "", helm: parsed.helmSha256 ?? "" },
    };
    switch (parsed.backend) {
        case "aws":
            return {
                backend: "aws",
                instanceType: parsed.instanceType,
                architecture: parsed.architecture ?? architectureOf(parsed.instanceType),
                market: parsed.market,
                spotMaxPrice: parsed.spotMaxPrice,
                volumeSizeGiB: parsed.volumeSizeGiB,
                ubuntuRelease: parsed.ubuntuRelease,
                amiId: parsed.amiId,
                vpcId: parsed.vpcId,
                subnetId: parsed.subnetId,
                sshPublicKey: parsed.sshPublicKey,
                sshPrivateKeyFile: parsed.sshPrivateKeyFile,
                sshUser: parsed.sshUser,
                autoShutdownHours: parsed.autoShutdownHours,
                usePrivateIp: parsed.usePrivateIp,
                running: parsed.running,
                cacheVolumeGiB: parsed.cacheVolumeGiB,
                keepCacheVolume: parsed.keepCacheVolume,
                ...tools,
            };
        case "ssh": {
            const ssh = parsed.ssh ?? { port: 22 };
            const address = ssh.address ?? "";
            return {
                backend: "ssh",
                // The install script checks it against the machine's `uname -m`.
                architecture: parsed.architecture ?? "amd64",
                ssh: {
                    address,
                    user: ssh.user ?? "",
                    port: ssh.port,
                    privateKeyFile: ssh.privateKeyFile,
                    hostKey: ssh.hostKey ?? "",
                    // Cluster ports bind to the machine's own address; a DNS name needs it spelled out (hostChecks).
                    privateAddress: ssh.privateAddress ?? (IPV4.test(address) ? address : undefined),
                },
                ...tools,
            };
        }
        case "local":
            return { backend: "local", architecture: parsed.architecture ?? (process.arch === "arm64" ? "arm64" : "amd64"), ...tools };
    }
}

/** What each backend needs from host.ssh, and why. */
const SSH_REQUIRED: readonly (readonly ["address" | "user" | "hostKey", string])[] = [
    ["address", "host.backend ssh needs the machine's IPv4 address or DNS name"],
    ["user", "host.backend ssh needs the Linux user to log in as (a regular user with sudo)"],
    ["hostKey", "host.backend ssh needs the machine's public host key (its /etc/ssh/ssh_host_ed25519_key.pub), which every SSH client pins"],
];

/** The host's own rules across its keys, and the keys of another backend. */
export function hostChecks(host: HostConfig, raw: Record<string, unknown>, p: Report): void {
    const rawHost = asRecord(raw.host);
    // A key the chosen backend never reads would be silently ignored: refuse it instead.
    if (host.backend !== "aws") {
        for (const key of AWS_ONLY_HOST_KEYS) {
            if (rawHost[key] !== undefined) p(`host.${key}`, `not used with host.backend ${host.backend}`, rawHost[key]);
        }
    }
    if (host.backend !== "ssh") {
        const rawSsh = rawHost.ssh;
        const keys = Object.keys(asRecord(rawSsh));
        if (rawSsh !== undefined && keys.length === 0) p("host.ssh", `not used with host.backend ${host.backend}`, rawSsh);
        for (const key of keys) p(`host.ssh.${key}`, `not used with host.backend ${host.backend}`, asRecord(rawSsh)[key]);
    }
    switch (host.backend) {
        case "aws": {
            const impliedArchitecture = architectureOf(host.instanceType);
            if (rawHost.architecture !== undefined && host.architecture !== impliedArchitecture) {
                p("host.architecture", `contradicts host.instanceType ${host.instanceType}, which is ${impliedArchitecture}; leave architecture unset to follow the instance type`, host.architecture);
            }
            if (host.sshPrivateKeyFile && !host.sshPublicKey) {
                p("host.sshPrivateKeyFile", "is only used with host.sshPublicKey", host.sshPrivateKeyFile);
            }
            if (host.market === "on-demand" && host.spotMaxPrice !== undefined) {
                p("host.spotMaxPrice", "only applies when host.market is spot", host.spotMaxPrice);
            }
            break;
        }
        case "ssh":
            for (const [key, why] of SSH_REQUIRED) {
                if (!host.ssh[key]) p(`host.ssh.${key}`, why, undefined);
            }
            if (host.ssh.address && host.ssh.privateAddress === undefined) {
                p("host.ssh.privateAddress", `host.ssh.address ${host.ssh.address} is a DNS name, so set the machine's own IPv4 address, which the cluster's ports bind to`, undefined);
            }
            break;
        case "local":
            break;
    }
}
