// Pure planning for the EC2 dev host: AMI lookup terms, tags and ingress ports.
import { Architecture, ClusterPort, PROJECT, UbuntuRelease } from "../../config/config";

/** Canonical publishes its Ubuntu AMIs from a different account in GovCloud. */
export const CANONICAL_OWNER = { aws: "099720109477", "aws-us-gov": "513442679011" } as const;

export function canonicalOwner(partition: string): string {
    return partition === "aws-us-gov" ? CANONICAL_OWNER["aws-us-gov"] : CANONICAL_OWNER.aws;
}

const CODENAMES: Record<UbuntuRelease, string> = { "22.04": "jammy", "24.04": "noble" };

/** The AMI name filter for Canonical's server images (gp2 and gp3 image families alike). */
export function ubuntuAmiNameFilter(release: UbuntuRelease, arch: Architecture): string {
    return `ubuntu/images/hvm-ssd*/ubuntu-${CODENAMES[release]}-${release}-${arch}-server-*`;
}

/**
 * A regular expression (RE2, as the AWS provider's nameRegex takes) matching exactly the
 * digit strings of the cut-off's length that are at most the cut-off.
 */
export function digitsAtMost(cutoff: string): string {
    if (!/^\d+$/.test(cutoff)) throw new Error(`expected digits, got ${JSON.stringify(cutoff)}`);
    const alternatives: string[] = [];
    for (let i = 0; i < cutoff.length; i++) {
        const digit = Number(cutoff[i]);
        if (digit === 0) continue;
        const rest = cutoff.length - i - 1;
        const lower = digit === 1 ? "0" : `[0-${digit - 1}]`;
        alternatives.push(`${cutoff.slice(0, i)}${lower}${rest > 0 ? `\\d{${rest}}` : ""}`);
    }
    alternatives.push(cutoff);
    return `(?:${alternatives.join("|")})`;
}

/** Canonical's image names for the release and architecture with a serial at most the cut-off (an optional ".N" respin suffix). */
export function ubuntuAmiNameRegex(release: UbuntuRelease, arch: Architecture, serialCutoff: string): string {
    return `^ubuntu/images/hvm-ssd(?:-gp3)?/ubuntu-${CODENAMES[release]}-${release}-${arch}-server-${digitsAtMost(serialCutoff)}(?:\\.\\d+)?$`;
}

export function ec2Architecture(arch: Architecture): "x86_64" | "arm64" {
    return arch === "amd64" ? "x86_64" : "arm64";
}

export function resourceTags(owner: string, stack: string): Record<string, string> {
    return { Name: `${PROJECT}-${owner}-${stack}`, Owner: owner, Project: PROJECT, Stack: stack };
}

export interface IngressRule {
    port: number;
    description: string;
}

/**
 * The TCP ports the security group opens to the developer's CIDRs. SSH and the
 * Kubernetes API always; the registry and cluster ports only when asked.
 */
export function ingressRules(opts: { registryPort?: number; clusterPorts: ClusterPort[] }): IngressRule[] {
    const rules: IngressRule[] = [
        { port: 22, description: "SSH" },
        { port: 6443, description: "Kubernetes API (k3d)" },
    ];
    if (opts.registryPort !== undefined) rules.push({ port: opts.registryPort, description: "OCI registry" });
    for (const p of opts.clusterPorts) {
        if (p.exposePublicly) rules.push({ port: p.port, description: `k3d load balancer port ${p.port}` });
    }
    return rules;
}
