// The checks prepare runs for the `ssh` backend before any resource exists:
// the key the remote commands authenticate with (a readable file without a
// passphrase, or a live ssh-agent), and the host key every client pins. Each
// problem names its key; prepare puts them into its one ConfigError.
import * as fs from "fs";
import { expandHome } from "../../config/paths";
import { agentSocketProblem, privateKeyEncryption } from "../sshKey";
import { SshSettings } from "./sshPlan";

export interface SshProblem {
    /** The config key without the `bigbang-oci-dev:` namespace. */
    key: string;
    message: string;
}

/** Host key types whose public key blob starts with the same name (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4). */
const HOST_KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"] as const;

/**
 * Why `host.ssh.hostKey` is not a public host key ("ssh-ed25519 AAAA..." as in
 * /etc/ssh/ssh_host_ed25519_key.pub, a comment allowed), or undefined. The blob must decode and
 * name the same type, as pulumi-command's ssh.ParseAuthorizedKey (golang.org/x/crypto/ssh keys.go)
 * and ssh's known_hosts reading require: a key pasted from another line fails here, not at the
 * first connection.
 */
export function hostKeyProblem(hostKey: string): string | undefined {
    const how = "paste the machine's public host key, the output of `cat /etc/ssh/ssh_host_ed25519_key.pub` on the machine (or `ssh-keyscan -t ed25519 <address>` checked against it)";
    const fields = hostKey.trim().split(/\s+/);
    if (fields.length < 2) return `expected "<type> <base64>", such as "ssh-ed25519 AAAAC3Nza..."; ${how}`;
    const [type, blob] = fields;
    if (/PRIVATE KEY/.test(hostKey)) return `this is a private key; ${how}`;
    if (!(HOST_KEY_TYPES as readonly string[]).includes(type)) return `unsupported key type ${JSON.stringify(type)} (expected one of ${HOST_KEY_TYPES.join(", ")}); ${how}`;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return `the key after ${type} is not base64; ${how}`;
    const bytes = Buffer.from(blob, "base64");
    if (bytes.length < 4) return `the key after ${type} is too short; ${how}`;
    const nameLength = bytes.readUInt32BE(0);
    const name = bytes.length >= 4 + nameLength ? bytes.subarray(4, 4 + nameLength).toString("latin1") : "";
    if (name !== type) return `the key's own type is ${JSON.stringify(name.slice(0, 40))}, not ${type}: the line is damaged; ${how}`;
    return undefined;
}

export interface SshCheckEnv {
    env: NodeJS.ProcessEnv;
    /** Reads the private key file (tests give their own). */
    readFile?: (file: string) => string;
    /** How long the agent socket may take to answer. */
    agentTimeoutMs?: number;
}

/**
 * Every problem with the ssh backend's workstation side, at once. pulumi-command cannot ask for a
 * passphrase, so a key file must be clear; without one it authenticates with the agent
 * (SSH_AUTH_SOCK), which must then answer (provider/pkg/provider/remote/connection.go dials it).
 */
export async function sshPrepareProblems(ssh: SshSettings, check: SshCheckEnv): Promise<SshProblem[]> {
    const problems: SshProblem[] = [];
    const hostKey = hostKeyProblem(ssh.hostKey);
    if (hostKey) problems.push({ key: "host.ssh.hostKey", message: hostKey });

    const read = check.readFile ?? ((file: string) => fs.readFileSync(expandHome(file), "utf8"));
    if (ssh.privateKeyFile !== undefined) {
        let text: string | undefined;
        try {
            text = read(ssh.privateKeyFile);
        } catch (err) {
            const reason = err instanceof Error ? err.message : String(err);
            problems.push({ key: "host.ssh.privateKeyFile", message: `cannot read ${ssh.privateKeyFile}: ${reason}` });
        }
        if (text !== undefined) {
            switch (privateKeyEncryption(text)) {
                case "encrypted":
                    problems.push({
                        key: "host.ssh.privateKeyFile",
                        message: `${ssh.privateKeyFile} is protected by a passphrase, and remote commands (pulumi-command) cannot ask for it. `
                            + "Remove host.ssh.privateKeyFile and load the key into ssh-agent (ssh-add), or use a key without a passphrase",
                    });
                    break;
                case "unknown":
                    problems.push({ key: "host.ssh.privateKeyFile", message: `${ssh.privateKeyFile} is not an OpenSSH or PEM private key` });
                    break;
                default:
                    break;
            }
        }
        // A dead socket fails every remote command even with a key (sshKey.ts agentSocketProblem).
        const agent = await agentSocketProblem(check.env, true, check.agentTimeoutMs);
        if (agent) problems.push({ key: "host.ssh.privateKeyFile", message: agent });
    } else if (!check.env.SSH_AUTH_SOCK) {
        problems.push({
            key: "host.ssh.privateKeyFile",
            message: `not set, and no ssh-agent is running (SSH_AUTH_SOCK is empty): set host.ssh.privateKeyFile to the key ${ssh.user}@${ssh.address} accepts, or start ssh-agent and ssh-add that key`,
        });
    } else {
        const agent = await agentSocketProblem(check.env, false, check.agentTimeoutMs);
        if (agent) {
            problems.push({
                key: "host.ssh.privateKeyFile",
                message: `not set, so remote commands use ssh-agent, but SSH_AUTH_SOCK=${check.env.SSH_AUTH_SOCK} does not answer: start ssh-agent and ssh-add the key ${ssh.user}@${ssh.address} accepts, or set host.ssh.privateKeyFile`,
            });
        }
    }
    return problems;
}
