// The `host` section: the machine the cluster runs on, its schema and its own checks.
import { z } from "zod";
import { DEFAULT_TOOL_VERSIONS, pinnedToolSha256, PinnedTool } from "./pins";
import { asRecord, PROJECT, Report } from "./problems";
import { bool, integer, LINUX_USER, nonEmpty, RESERVED_USERS, sha256Hex, version } from "./scalars";

export type Market = "spot" | "on-demand";
export type UbuntuRelease = "22.04" | "24.04";
export type Architecture = "amd64" | "arm64";

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

export const hostSchema = z.strictObject({
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

/** The host's own rules across its keys. */
export function hostChecks(host: HostConfig, raw: Record<string, unknown>, p: Report): void {
    const rawHost = asRecord(raw.host);
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
}
