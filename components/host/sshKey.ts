// Pure checks of the workstation's SSH setup, run by prepare before any
// resource exists: remote commands (pulumi-command) cannot ask for a key's
// passphrase, and they give up on a dead ssh-agent socket.
import * as net from "net";

export type KeyEncryption = "none" | "encrypted" | "unknown";

const OPENSSH_MAGIC = "openssh-key-v1\0";

/**
 * Whether a private key file's text is passphrase-protected. OpenSSH's own
 * format names its cipher right after the magic ("none" when clear); PEM keys
 * say so in a Proc-Type header or an ENCRYPTED PRIVATE KEY (PKCS#8) armour.
 */
export function privateKeyEncryption(text: string): KeyEncryption {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || /^Proc-Type:\s*4,\s*ENCRYPTED/m.test(text)) return "encrypted";
    const openssh = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
    if (openssh) {
        const body = Buffer.from(openssh[1].replace(/\s+/g, ""), "base64");
        if (body.subarray(0, OPENSSH_MAGIC.length).toString("latin1") !== OPENSSH_MAGIC) return "unknown";
        const at = OPENSSH_MAGIC.length;
        if (body.length < at + 4) return "unknown";
        const cipherLength = body.readUInt32BE(at);
        if (body.length < at + 4 + cipherLength) return "unknown";
        const cipher = body.subarray(at + 4, at + 4 + cipherLength).toString("latin1");
        return cipher === "none" ? "none" : "encrypted";
    }
    if (/-----BEGIN (RSA |EC |DSA )?PRIVATE KEY-----/.test(text)) return "none";
    return "unknown";
}

/** The problem with a configured private key file, phrased for the user, or undefined. */
export function privateKeyFileProblem(file: string, text: string): string | undefined {
    switch (privateKeyEncryption(text)) {
        case "encrypted":
            return `${file} is protected by a passphrase, and remote commands (pulumi-command) cannot ask for it. `
                + `Use a key without a passphrase for this host (ssh-keygen -t ed25519 -N "" -f ~/.ssh/bigbang-oci-dev and set host.sshPublicKey and host.sshPrivateKeyFile to it), `
                + "or remove host.sshPublicKey and host.sshPrivateKeyFile and let the program generate a key";
        case "unknown":
            return `${file} is not an OpenSSH or PEM private key`;
        default:
            return undefined;
    }
}

/** Whether something accepts connections on the unix socket `path`, within `timeoutMs`. */
export function agentSocketAnswers(path: string, timeoutMs = 2_000): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.createConnection({ path });
        const done = (ok: boolean) => {
            clearTimeout(timer);
            socket.destroy();
            resolve(ok);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

/**
 * pulumi-command dials SSH_AUTH_SOCK for every remote command whenever it is
 * set, even when the connection has a private key, and fails the command when
 * the dial fails (provider/pkg/provider/remote/connection.go, SShConfig in
 * pulumi/pulumi-command). So a socket left over from a closed session breaks
 * every remote command; say so before anything is created.
 */
export async function agentSocketProblem(env: NodeJS.ProcessEnv, hasPrivateKey: boolean, timeoutMs?: number): Promise<string | undefined> {
    const socket = env.SSH_AUTH_SOCK;
    if (!socket) return undefined;
    if (await agentSocketAnswers(socket, timeoutMs)) return undefined;
    return `SSH_AUTH_SOCK=${socket} is not a live ssh-agent socket, and remote commands dial it even when they have a key. `
        + (hasPrivateKey
            ? "Run `unset SSH_AUTH_SOCK` (npm run up/preview/destroy do that for a dead socket), or start the agent again"
            : "Start ssh-agent and add the key of host.sshPublicKey, or set host.sshPrivateKeyFile and `unset SSH_AUTH_SOCK`");
}
