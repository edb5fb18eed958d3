// The SSH checks prepare runs before any resource: real keys from ssh-keygen and
// openssl, and a real (and a dead) unix socket standing in for ssh-agent.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { agentSocketProblem, privateKeyEncryption, privateKeyFileProblem } from "../../components/host/sshKey";
import { prepare } from "../../components/prepare";
import { awsHost } from "../support/fixtures";
import { BASE_CONFIG } from "../support/program";

let tmp = "";
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-key-test-"));
});
after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function sshKeygen(name: string, passphrase: string, extra: string[] = []): { privateKey: string; publicKey: string; file: string } {
    const file = path.join(tmp, name);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f", file, ...extra]);
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim(), file };
}

describe("sshKey: private key files", function () {
    this.timeout(30_000);

    it("tells a clear OpenSSH key from a passphrase-protected one", () => {
        assert.equal(privateKeyEncryption(sshKeygen("clear", "").privateKey), "none");
        assert.equal(privateKeyEncryption(sshKeygen("locked", "correct horse").privateKey), "encrypted");
    });

    it("tells clear and encrypted PEM keys apart", () => {
        const clear = execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], { encoding: "utf8" });
        assert.equal(privateKeyEncryption(clear), "none");
        const pkcs8 = execFileSync("openssl", ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret"], { input: clear, encoding: "utf8" });
        assert.equal(privateKeyEncryption(pkcs8), "encrypted");
        // ssh-keygen -m PEM writes the traditional format, with a Proc-Type header when encrypted.
        const legacy = sshKeygen("legacy-pem", "secret", ["-m", "PEM", "-t", "ecdsa"]).privateKey;
        assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
        assert.equal(privateKeyEncryption(legacy), "encrypted");
        assert.equal(privateKeyEncryption(sshKeygen("legacy-pem-clear", "", ["-m", "PEM", "-t", "ecdsa"]).privateKey), "none");
    });

    it("says what to do about a passphrase, and refuses what is not a key", () => {
        assert.match(String(privateKeyFileProblem("~/.ssh/id", sshKeygen("locked2", "pw").privateKey)), /passphrase.*ssh-keygen -t ed25519 -N ""/);
        assert.equal(privateKeyFileProblem("~/.ssh/id", sshKeygen("clear2", "").privateKey), undefined);
        assert.match(String(privateKeyFileProblem("~/.ssh/id.pub", "ssh-ed25519 AAAA test")), /not an OpenSSH or PEM private key/);
    });
});

describe("sshKey: the agent socket", function () {
    this.timeout(30_000);

    it("accepts a live socket, an unset one, and refuses a dead one with what to do", async () => {
        const live = path.join(tmp, "agent.sock");
        const server = net.createServer((c) => c.end());
        await new Promise<void>((resolve) => server.listen(live, resolve));
        try {
            assert.equal(await agentSocketProblem({ SSH_AUTH_SOCK: live }, true), undefined);
        } finally {
            await new Promise((resolve) => server.close(resolve));
        }
        assert.equal(await agentSocketProblem({}, true), undefined);
        const dead = await agentSocketProblem({ SSH_AUTH_SOCK: path.join(tmp, "gone.sock") }, true, 1_000);
        assert.match(String(dead), /not a live ssh-agent socket.*unset SSH_AUTH_SOCK/);
    });
});

describe("prepare: SSH problems fail before any resource, with every other problem", function () {
    this.timeout(30_000);
    const lookupPlacement = () => Promise.resolve({ subnetId: "subnet-0aaaaaaaaaaaaaaaa", vpcId: "vpc-0123456789abcdef0", availabilityZone: "us-east-1a" });
    const withKey = (file: string, publicKey: string) => ({
        ...BASE_CONFIG,
        "bigbang-oci-dev:host": JSON.stringify({ sshPublicKey: publicKey, sshPrivateKeyFile: file }),
    });

    it("refuses a passphrase-protected key file", async () => {
        const key = sshKeygen("prepare-locked", "pw");
        await assert.rejects(prepare(withKey(key.file, key.publicKey), { projectDir: tmp, env: {}, lookupPlacement }),
            /bigbang-oci-dev:host\.sshPrivateKeyFile: \S+prepare-locked is protected by a passphrase/);
    });

    it("refuses a dead SSH_AUTH_SOCK, which would fail every remote command even with a key", async () => {
        await assert.rejects(prepare(BASE_CONFIG, { projectDir: tmp, env: { SSH_AUTH_SOCK: path.join(tmp, "stale.sock") }, lookupPlacement }),
            /bigbang-oci-dev:host\.sshPrivateKeyFile: SSH_AUTH_SOCK=\S+ is not a live ssh-agent socket/);
    });

    it("accepts a clear key file with no agent", async () => {
        const key = sshKeygen("prepare-clear", "");
        const prepared = await prepare(withKey(key.file, key.publicKey), { projectDir: tmp, env: {}, lookupPlacement });
        assert.equal(awsHost(prepared.config).sshPrivateKeyFile, key.file);
    });
});
