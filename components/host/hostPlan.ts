// Pure planning for the EC2 dev host: AMI lookup terms, tags, ingress ports,
// and the names of the files the program leaves on the workstation.
import * as path from "path";
import { Architecture, ClusterPort, PROJECT, UbuntuRelease } from "../config/config";

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

/** Per-stack files under ~/.ssh, as Big Bang's dev script keeps its key there. */
export function workstationSshFiles(homeDir: string, stack: string): { privateKey: string; knownHosts: string } {
    const base = path.join(homeDir, ".ssh", `${PROJECT}-${stack}`);
    return { privateKey: `${base}.pem`, knownHosts: `${base}.known_hosts` };
}

/**
 * The name the host's key is pinned under in the per-stack known_hosts file (HostKeyAlias):
 * per stack, not per address, so the entry does not depend on the Elastic IP and a replaced
 * instance (which gets the same, stack-wide host key) matches it too.
 */
export function knownHostsAlias(stack: string): string {
    return `${PROJECT}-${stack}`;
}

/** The per-stack known_hosts file's one line: the alias and the host's public key. */
export function knownHostsLine(alias: string, hostPublicKey: string): string {
    const fields = hostPublicKey.trim().split(/\s+/);
    // ssh-* and ecdsa-sha2-* key types: the aws host's is ed25519, an ssh machine's may be ECDSA (issue 20).
    if (fields.length < 2 || !/^(ssh-[a-z0-9-]+|ecdsa-sha2-nistp(256|384|521))$/.test(fields[0])) throw new Error(`not an OpenSSH public key: ${JSON.stringify(hostPublicKey.slice(0, 40))}`);
    return `${alias} ${fields[0]} ${fields[1]}\n`;
}

/**
 * ssh options for every client that talks to the host (the Docker provider's
 * sshOpts, the exported sshCommand, sshuttle and the SOCKS proxy): the host key
 * is pinned, not learnt. The per-stack known_hosts file holds the key the
 * program generated and gave the instance (DevHost), under HostKeyAlias, and
 * StrictHostKeyChecking=yes refuses any other key instead of adding it
 * (accept-new would trust whatever answers first). BatchMode: no client may
 * wait on a prompt nobody sees.
 */
export function sshClientOptions(opts: { privateKeyFile?: string; knownHostsFile: string; hostKeyAlias: string }): string[] {
    const keyOpts = opts.privateKeyFile ? ["-i", opts.privateKeyFile, "-o", "IdentitiesOnly=yes"] : [];
    return [
        ...keyOpts,
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${opts.knownHostsFile}`,
        "-o", `HostKeyAlias=${opts.hostKeyAlias}`,
        "-o", "ConnectTimeout=15",
    ];
}

export function sshCommand(opts: { user: string; address: string; privateKeyFile?: string; knownHostsFile: string; hostKeyAlias: string }): string {
    return ["ssh", ...sshClientOptions(opts).map(shellQuote), `${opts.user}@${opts.address}`].join(" ");
}

/** Quote a word for a POSIX shell. */
export function shellQuote(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
