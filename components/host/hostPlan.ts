// Pure planning shared by the backends that reach the host over SSH (aws, ssh):
// the files the program leaves on the workstation, the pinned known_hosts entry,
// the ssh client options, and shell quoting.
import * as path from "path";
import { PROJECT } from "../config/config";

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
    if (fields.length < 2 || !/^ssh-[a-z0-9-]+$/.test(fields[0])) throw new Error(`not an OpenSSH public key: ${JSON.stringify(hostPublicKey.slice(0, 40))}`);
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
