// SshHost on its own under Pulumi's mocks: what it registers, what its commands
// and copies carry (the machine's identity, the pinned host key, no deletedWith),
// the boot id on readiness steps, secrecy of the connection, and its outputs.
// The whole program with host.backend ssh is in test/program.ssh.test.ts.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SshHost } from "../../components/host/ssh/sshHost";
import { SSH_TOOLS_DIR } from "../../components/host/ssh/sshPlan";

/** The mocks pass some secret inputs in their wire form ({<secret signature>: ..., value}). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function unsecret(value: unknown): Record<string, unknown> {
    const v = value as Record<string, unknown>;
    return SECRET_SIG in v ? (v.value as Record<string, unknown>) : v;
}

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

const BOOT_ID = "0b5d1a0e-6a3c-4f5e-9d2b-7c8e9f0a1b2c";

function settled<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

describe("SshHost under mocks", function () {
    this.timeout(60_000);
    let tmp = "";
    const registered: Registered[] = [];
    const invokes: { token: string; inputs: Record<string, unknown> }[] = [];
    let host: SshHost;
    let hostKey = "";
    let keyFile = "";

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-host-test-"));
        keyFile = path.join(tmp, "client");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]);
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "root@lab", "-f", path.join(tmp, "host")]);
        hostKey = fs.readFileSync(path.join(tmp, "host.pub"), "utf8").trim();
        await pulumi.runtime.setMocks({
            newResource(args) {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
                return { id: `${args.name}-id`, state: { ...args.inputs, stdout: "" } };
            },
            call(args) {
                invokes.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
                return args.token === "command:local:run" ? { ...args.inputs, stdout: `${BOOT_ID}\n`, stderr: "" } : {};
            },
        }, "bigbang-oci-dev", "dev", false);
        host = new SshHost("host", {
            stack: "dev",
            ssh: { address: "192.0.2.10", user: "alice", port: 2222, privateKeyFile: keyFile, hostKey, privateAddress: "10.0.0.5" },
            architecture: "amd64",
            tools: { k3d: "v5.8.3", kubectl: "v1.32.9", helm: "v3.18.6" },
            toolSha256: { k3d: "a".repeat(64), kubectl: "b".repeat(64), helm: "c".repeat(64) },
            images: ["rancher/k3s:v1.32.5-k3s1", "registry:2.8.3"],
            homeDir: tmp,
        });
        const parent = host;
        host.command("probe", { create: "k3d version", delete: "echo gone", triggers: ["own"], afterEveryStart: true }, { parent });
        host.command("build", { create: "true", triggers: ["own"] }, { parent });
        host.copyFile("chart", { source: new pulumi.asset.StringAsset("x"), remotePath: `${host.workDir}/charts/a.tgz` }, { parent });
        await settled(pulumi.all([host.machineId, host.bootId, host.sshCommand, host.bindAddress]));
        // Let the mocks see every registration.
        await new Promise((r) => setTimeout(r, 500));
    });
    after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

    const commands = () => registered.filter((r) => r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote");
    const one = (name: string) => {
        const hits = registered.filter((r) => r.name === name);
        assert.equal(hits.length, 1, `${name}: ${hits.length}`);
        return hits[0];
    };

    it("registers no aws resource, and no machine to be deletedWith", () => {
        assert.deepEqual(registered.filter((r) => r.type.startsWith("aws:")), []);
        assert.equal(host.machine, undefined);
        assert.deepEqual(host.onHostOptions(), {});
        assert.equal(registered.find((r) => r.name === "host")?.type, "bigbang-oci-dev:index:DevHost", "the aws host's type: known-hosts-file keeps its URN across a switch");
        assert.deepEqual(registered.map((r) => r.name).sort(), ["build", "chart", "host", "host-setup", "known-hosts-file", "probe", "pull-images", "tools"].sort());
    });

    it("connects with the configured port, user, key and pinned host key, and keeps the connection secret", async () => {
        assert.equal(await pulumi.isSecret(host.connection), true);
        for (const c of commands()) {
            const conn = unsecret(c.inputs.connection);
            assert.equal(conn.host, "192.0.2.10", c.name);
            assert.equal(conn.port, 2222);
            assert.equal(conn.user, "alice");
            assert.equal(conn.hostKey, hostKey.split(" ").slice(0, 2).join(" "), `${c.name} pins the host key`);
            assert.equal(conn.privateKey, fs.readFileSync(keyFile, "utf8"));
        }
    });

    it("puts the machine's identity first in every trigger, and the boot id on readiness steps only", () => {
        for (const c of commands()) assert.equal((c.inputs.triggers as unknown[])[0], "alice@192.0.2.10:2222", c.name);
        assert.deepEqual(one("probe").inputs.triggers, ["alice@192.0.2.10:2222", "own", BOOT_ID]);
        assert.deepEqual(one("build").inputs.triggers, ["alice@192.0.2.10:2222", "own"]);
        const read = invokes.filter((i) => i.token === "command:local:run");
        assert.equal(read.length, 1);
        assert.match(String(read[0].inputs.command), /cat \/proc\/sys\/kernel\/random\/boot_id/);
    });

    it("runs commands with the program's tools first on PATH, deletes included", () => {
        assert.equal(one("probe").inputs.create, `PATH=${SSH_TOOLS_DIR}:"$PATH"; export PATH; k3d version`);
        assert.equal(one("probe").inputs.delete, `PATH=${SSH_TOOLS_DIR}:"$PATH"; export PATH; echo gone`);
    });

    it("installs, and uninstalls only in host-setup's delete, keyed on the machine alone", () => {
        const setup = one("host-setup");
        assert.deepEqual(setup.inputs.triggers, ["alice@192.0.2.10:2222"]);
        assert.match(String(setup.inputs.create), / install-host --user alice --stack dev --arch amd64 /);
        assert.match(String(setup.inputs.delete), / uninstall-host --user alice --stack dev /);
        assert.equal(one("tools").inputs.delete, undefined);
        assert.equal(one("pull-images").inputs.delete, undefined);
    });

    it("pins the host key in the per-stack known_hosts, and hands Docker and the user the same options", async () => {
        const kh = one("known-hosts-file");
        assert.equal(kh.inputs.stdin, `bigbang-oci-dev-dev ${hostKey.split(" ").slice(0, 2).join(" ")}\n`);
        assert.equal(host.docker.host, "ssh://alice@192.0.2.10:2222");
        const opts = await settled(pulumi.output(host.docker.sshOpts ?? []));
        for (const o of ["StrictHostKeyChecking=yes", "HostKeyAlias=bigbang-oci-dev-dev", `UserKnownHostsFile=${path.join(tmp, ".ssh", "bigbang-oci-dev-dev.known_hosts")}`, keyFile]) {
            assert.ok(opts.includes(o), o);
        }
        assert.deepEqual(opts.slice(-2), ["-p", "2222"]);
        assert.match(await settled(host.sshCommand), /^ssh .* -p 2222 alice@192\.0\.2\.10$/);
    });

    it("binds to the private address, stages under the user's home, and outputs only what makes sense", async () => {
        assert.equal(await settled(host.bindAddress), "10.0.0.5");
        assert.equal(host.workDir, "/home/alice/.bigbang-oci-dev");
        assert.deepEqual(Object.keys(host.outputs).sort(), ["address", "sshCommand"]);
        assert.deepEqual(host.dockerLabels({ label: "x", value: "y" })[0], { label: "bigbang-oci-dev/host-instance", value: host.machineId });
    });
});
