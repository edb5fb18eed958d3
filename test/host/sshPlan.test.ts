// The ssh backend's pure planners and its prepare-time checks: real keys from
// ssh-keygen, the boot-id read run against a stub `ssh`, and shellcheck on the
// script the invoke runs.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { knownHostsAlias, knownHostsLine } from "../../components/host/hostPlan";
import { hostKeyProblem, sshPrepareProblems } from "../../components/host/ssh/sshChecks";
import {
    bootIdReadScript, parseBootId, sshBindAddress, sshCommandPrefix, sshDockerHost, sshMachineId, SshSettings, SSH_TOOLS_DIR, sshWorkDir,
} from "../../components/host/ssh/sshPlan";
import { bashEnv, findOnPath } from "../support/scripts";

let tmp = "";
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-plan-test-")); });
after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

function keygen(name: string, type: string, passphrase = ""): { file: string; publicKey: string } {
    const file = path.join(tmp, name);
    execFileSync("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", "root@lab", "-f", file]);
    return { file, publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim() };
}

const BASE: SshSettings = { address: "192.0.2.10", user: "alice", port: 22, hostKey: "" };

describe("ssh backend planners", () => {
    it("names the machine by login, address and port, and derives the endpoint, bind address and work folder", () => {
        assert.equal(sshMachineId(BASE), "alice@192.0.2.10:22");
        assert.notEqual(sshMachineId({ ...BASE, address: "192.0.2.11" }), sshMachineId(BASE), "a changed address is a new machine");
        assert.notEqual(sshMachineId({ ...BASE, port: 2222 }), sshMachineId(BASE));
        assert.equal(sshDockerHost({ ...BASE, port: 2222 }), "ssh://alice@192.0.2.10:2222");
        assert.equal(sshBindAddress(BASE), "192.0.2.10");
        assert.equal(sshBindAddress({ ...BASE, address: "lab.example.com", privateAddress: "10.0.0.5" }), "10.0.0.5");
        assert.equal(sshWorkDir("alice"), "/home/alice/.bigbang-oci-dev");
    });

    it("puts the program's tools first on the commands' PATH, in sh syntax", () => {
        const out = spawnSync("sh", ["-c", `${sshCommandPrefix()}echo "$PATH"`], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
        assert.equal(out.stdout.trim(), `${SSH_TOOLS_DIR}:/usr/bin:/bin`);
    });

    it("reads the boot id over ssh with the pinned key in a temporary known_hosts, and cleans up", () => {
        const hostKey = keygen("host-for-boot", "ed25519").publicKey;
        const stubDir = path.join(tmp, "ssh-stub");
        fs.mkdirSync(stubDir, { recursive: true });
        // Records its arguments and the known_hosts file it was given, then answers as the machine would.
        fs.writeFileSync(path.join(stubDir, "ssh"), [
            "#!/bin/sh",
            'printf "%s\\n" "$@" >"$OUT/args"',
            'for a in "$@"; do case "$a" in UserKnownHostsFile=*) cp "${a#UserKnownHostsFile=}" "$OUT/known_hosts"; echo "${a#UserKnownHostsFile=}" >"$OUT/kh-path" ;; esac; done',
            '[ -n "${STUB_SSH_FAIL:-}" ] && { echo "ssh: connect to host 192.0.2.10 port 2222: Connection refused" >&2; exit 255; }',
            "echo 0b5d1a0e-6a3c-4f5e-9d2b-7c8e9f0a1b2c",
        ].join("\n") + "\n", { mode: 0o755 });
        const ssh: SshSettings = { ...BASE, port: 2222, hostKey, privateKeyFile: "/home/dev/.ssh/lab key" };
        const alias = knownHostsAlias("dev");
        const script = bootIdReadScript({ ssh, knownHostsLine: knownHostsLine(alias, hostKey), hostKeyAlias: alias });
        const sc = spawnSync(findOnPath("shellcheck", "the boot id test"), ["-s", "sh", "-"], { input: script, encoding: "utf8" });
        assert.equal(sc.status, 0, sc.stdout);

        const out = path.join(tmp, "boot-out");
        fs.mkdirSync(out, { recursive: true });
        const env = bashEnv({ PATH: `${stubDir}:/usr/bin:/bin`, OUT: out });
        const ok = spawnSync("sh", ["-c", script], { encoding: "utf8", env });
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal(parseBootId(ok.stdout), "0b5d1a0e-6a3c-4f5e-9d2b-7c8e9f0a1b2c");
        const args = fs.readFileSync(path.join(out, "args"), "utf8").split("\n");
        for (const want of ["StrictHostKeyChecking=yes", `HostKeyAlias=${alias}`, "BatchMode=yes", "/home/dev/.ssh/lab key", "2222", "alice@192.0.2.10", "/proc/sys/kernel/random/boot_id"]) {
            assert.ok(args.includes(want), `${want} not among ${args.join(" | ")}`);
        }
        assert.equal(fs.readFileSync(path.join(out, "known_hosts"), "utf8"), knownHostsLine(alias, hostKey));
        assert.ok(!fs.existsSync(fs.readFileSync(path.join(out, "kh-path"), "utf8").trim()), "the temporary known_hosts is removed");

        const failed = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...env, STUB_SSH_FAIL: "1" } });
        assert.equal(failed.status, 1);
        assert.match(failed.stderr, /bigbang-oci-dev: cannot reach alice@192\.0\.2\.10 port 2222 over SSH to read its boot id: ssh: connect to host .* Connection refused/);
        assert.throws(() => parseBootId("Last login: yesterday"), /boot id is not a UUID/);
    });
});

describe("ssh backend: prepare-time checks", function () {
    this.timeout(30_000);

    it("accepts the machine's real host keys, with or without the comment", () => {
        for (const type of ["ed25519", "ecdsa", "rsa"]) {
            const { publicKey } = keygen(`host-${type}`, type);
            assert.equal(hostKeyProblem(publicKey), undefined, type);
            assert.equal(hostKeyProblem(publicKey.split(" ").slice(0, 2).join(" ")), undefined, `${type} without comment`);
        }
    });

    it("refuses a damaged, mislabelled, private or empty host key, saying how to get the right one", () => {
        const ed = keygen("host-bad", "ed25519");
        const [, blob] = ed.publicKey.split(" ");
        assert.match(hostKeyProblem("") ?? "", /expected "<type> <base64>"/);
        assert.match(hostKeyProblem(`ssh-rsa ${blob}`) ?? "", /the key's own type is "ssh-ed25519", not ssh-rsa/);
        assert.match(hostKeyProblem(`ssh-ed25519 ${blob.slice(0, 20)}!!`) ?? "", /not base64/);
        assert.match(hostKeyProblem(`ssh-dss ${blob}`) ?? "", /unsupported key type "ssh-dss"/);
        assert.match(hostKeyProblem(fs.readFileSync(ed.file, "utf8")) ?? "", /private key/);
        assert.match(hostKeyProblem("ssh-ed25519") ?? "", /cat \/etc\/ssh\/ssh_host_ed25519_key\.pub/);
    });

    it("takes a clear key file, refuses an unreadable or passphrase-protected one, and needs an agent without one", async () => {
        const hostKey = keygen("host-ok", "ed25519").publicKey;
        const clear = keygen("client-clear", "ed25519");
        const locked = keygen("client-locked", "ed25519", "secret words");
        const env = {};
        assert.deepEqual(await sshPrepareProblems({ ...BASE, hostKey, privateKeyFile: clear.file }, { env }), []);
        const problems = await sshPrepareProblems({ ...BASE, hostKey: "ssh-ed25519 AAAA", privateKeyFile: locked.file }, { env });
        assert.deepEqual(problems.map((p) => p.key), ["host.ssh.hostKey", "host.ssh.privateKeyFile"], "every problem at once");
        assert.match(problems[1].message, /protected by a passphrase/);
        const missing = await sshPrepareProblems({ ...BASE, hostKey, privateKeyFile: path.join(tmp, "nope") }, { env });
        assert.match(missing[0].message, /cannot read .*nope: ENOENT/);
        const noAgent = await sshPrepareProblems({ ...BASE, hostKey }, { env });
        assert.equal(noAgent[0].key, "host.ssh.privateKeyFile");
        assert.match(noAgent[0].message, /no ssh-agent is running/);

        // A live socket is an agent; a dead one is refused.
        const sock = path.join(tmp, "agent.sock");
        const server = net.createServer((c) => c.end());
        await new Promise<void>((resolve) => server.listen(sock, resolve));
        try {
            assert.deepEqual(await sshPrepareProblems({ ...BASE, hostKey }, { env: { SSH_AUTH_SOCK: sock } }), []);
        } finally {
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        const dead = await sshPrepareProblems({ ...BASE, hostKey }, { env: { SSH_AUTH_SOCK: path.join(tmp, "dead.sock") }, agentTimeoutMs: 500 });
        assert.match(dead[0].message, /does not answer/);
    });
});
