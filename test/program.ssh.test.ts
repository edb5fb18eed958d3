// The whole program with host.backend ssh, under Pulumi's mocks, in update and
// preview mode (issue 20): no aws:* resource, every remote command and copy on the
// configured machine with its pinned host key, nothing deletedWith a machine (the
// program does not own it: every delete runs), every secret secret, and the
// outputs that make sense for an existing machine (the others absent).
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_INSTANCE_LABEL, HOST_INSTANCE_TRIGGER } from "../components/host/onHost";
import { BASE_TLS, MOCK, RecordedResource, resolve, runProgram, sharedRun } from "./support/program";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "program-ssh-test-"));
process.on("exit", () => fs.rmSync(TMP, { recursive: true, force: true }));
const KEY_FILE = path.join(TMP, "id_ed25519");
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "me@laptop", "-f", KEY_FILE]);
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "root@lab1", "-f", path.join(TMP, "host")]);
const HOST_KEY = fs.readFileSync(path.join(TMP, "host.pub"), "utf8").trim();
const PINNED_KEY = HOST_KEY.split(" ").slice(0, 2).join(" ");
const PRIVATE_KEY = fs.readFileSync(KEY_FILE, "utf8");
const MACHINE = "alice@192.0.2.10:22";
const R1_PASSWORD = "r1-cli-token-Zq8vX2kP";

export const SSH_HOST = { backend: "ssh", ssh: { address: "192.0.2.10", user: "alice", hostKey: HOST_KEY, privateKeyFile: KEY_FILE } };
/** A stack on an existing machine: no allowedCidrs (aws only). */
export const SSH_CONFIG: Record<string, string> = {
    "bigbang-oci-dev:owner": "jdoe",
    "bigbang-oci-dev:registry": JSON.stringify({ tls: BASE_TLS }),
    "bigbang-oci-dev:host": JSON.stringify(SSH_HOST),
};

const T = {
    remote: "command:remote:Command",
    copy: "command:remote:CopyToRemote",
    local: "command:local:Command",
};

/** The secret values the program handles: none may reach an input or output in the clear. */
function secretValues(): string[] {
    return [PRIVATE_KEY.trim().split("\n")[1], MOCK.password, MOCK.kubeconfig.split("\n").find((l) => l.includes("client-key-data")) ?? "", "PRIVATE KEY"].filter((v) => v.length > 0);
}

function assertEverySecretSecret(resources: RecordedResource[], more: string[] = []): void {
    const secrets = [...secretValues(), ...more];
    for (const r of resources) {
        if (r.type.startsWith("tls:")) continue;
        for (const [key, value] of Object.entries(r.inputs)) {
            const text = JSON.stringify(value) ?? "";
            const found = secrets.find((s) => text.includes(s));
            if (found) assert.ok(r.secretInputs.has(key), `${r.type} ${r.name}.${key} carries a secret in the clear`);
        }
    }
}

for (const preview of [false, true]) {
    describe(`program: host.backend ssh (${preview ? "preview" : "update"})`, function () {
        this.timeout(120_000);
        const run = () => sharedRun(SSH_CONFIG, { preview });

        it("registers no aws resource and no EC2 look-up", async () => {
            const r = await run();
            assert.deepEqual(r.resources.filter((x) => x.type.startsWith("aws:")).map((x) => `${x.type} ${x.name}`), []);
            assert.deepEqual(r.calls.filter((c) => c.token.startsWith("aws:")).map((c) => c.token), []);
        });

        it("runs every remote command and copy on the configured machine, with its pinned host key and the key file", async () => {
            const r = await run();
            const remote = [...r.all(T.remote), ...r.all(T.copy)];
            assert.ok(remote.length >= 8, `${remote.length} remote resources`);
            for (const c of remote) {
                const conn = c.inputs.connection as Record<string, unknown>;
                assert.ok(c.secretInputs.has("connection"), `${c.name}: the connection carries the private key: secret`);
                assert.equal(conn.host, "192.0.2.10", c.name);
                assert.equal(conn.user, "alice", c.name);
                assert.equal(conn.port, 22, c.name);
                assert.equal(conn.hostKey, PINNED_KEY, `${c.name} pins the machine's host key`);
                assert.equal(conn.privateKey, PRIVATE_KEY, c.name);
                if (!preview) assert.equal((c.inputs.triggers as unknown[])[0], MACHINE, `${c.name}: the machine's identity first`);
            }
        });

        it("deletes what it built: nothing on the machine is deletedWith anything but the cluster", async () => {
            const r = await run();
            const cluster = r.resources.find((x) => x.name === "k3d-cluster");
            assert.ok(cluster);
            for (const x of r.resources) {
                if (x.type.startsWith("kubernetes:") || x.type === "pulumi:providers:kubernetes") continue;
                assert.equal(x.deletedWith, "", `${x.type} ${x.name} is deletedWith ${x.deletedWith}: its delete would be skipped`);
            }
            const setup = r.one(T.remote, "host-setup");
            assert.match(String(setup.inputs.delete), / uninstall-host --user alice /);
            // The cluster and the registry are deleted before the uninstall removes the tools k3d's delete needs.
            const tools = r.one(T.remote, "tools");
            assert.ok(r.dependsOnTransitively(cluster, tools));
            assert.ok(r.dependsOn(tools, setup));
        });

        it("ties every Docker object on the machine to it (labels, image triggers), so another machine rebuilds them", async () => {
            if (preview) return;
            const r = await run();
            const docker = r.resources.filter((x) => x.custom && x.type.startsWith("docker:index/") && !x.type.startsWith("docker:index/provider"));
            assert.ok(docker.length >= 4, docker.map((x) => x.type).join(", "));
            for (const x of docker) {
                const identity = x.type === "docker:index/remoteImage:RemoteImage"
                    ? [(x.inputs.triggers as Record<string, unknown> | undefined)?.[HOST_INSTANCE_TRIGGER]]
                    : ((x.inputs.labels as { label: string; value: string }[] | undefined) ?? []).filter((l) => l.label === HOST_INSTANCE_LABEL).map((l) => l.value);
                assert.deepEqual(identity, [MACHINE], `${x.type} ${x.name}`);
            }
        });

        it("keeps every secret secret", async () => {
            const r = await run();
            assertEverySecretSecret(r.resources);
            for (const name of ["kubeconfig", "registryPassword", "valuesSnippet"]) {
                if (r.outputs[name] === undefined) continue;
                const out = await resolve(r.outputs[name]);
                if (!preview || out.known) assert.ok(out.secret, `${name} output must be secret`);
            }
        });

        it("outputs address and sshCommand, and leaves out what makes no sense for an existing machine", async () => {
            const r = await run();
            for (const absent of ["instanceId", "publicIp", "privateIp", "sshPrivateKey"]) assert.ok(!(absent in r.outputs) || r.outputs[absent] === undefined, `${absent} must be absent`);
            if (preview) return;
            assert.equal((await resolve(r.outputs.address)).value, "192.0.2.10");
            assert.match(String((await resolve(r.outputs.sshCommand)).value), /^ssh .*StrictHostKeyChecking=yes.* alice@192\.0\.2\.10$/);
            assert.equal((await resolve(r.outputs.kubeApiEndpoint)).value, "https://192.0.2.10:6443");
        });
    });
}

describe("program: host.backend ssh with Big Bang", function () {
    this.timeout(120_000);

    it("builds Big Bang and a chart on the machine too, with no aws resource and every secret secret", async () => {
        const dir = fs.mkdtempSync(path.join(TMP, "project-"));
        fs.cpSync(path.join(__dirname, "fixtures", "bigbang-checkout"), path.join(dir, "bigbang"), { recursive: true });
        fs.mkdirSync(path.join(dir, "kiali", "templates"), { recursive: true });
        fs.writeFileSync(path.join(dir, "kiali", "Chart.yaml"), "apiVersion: v2\nname: kiali\nversion: 2.1.0-bb.3\n");
        fs.writeFileSync(path.join(dir, "kiali", "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        const r = await runProgram({
            ...SSH_CONFIG,
            "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]),
            "bigbang-oci-dev:bigbang": JSON.stringify({ install: true, registry1: { username: "jane_doe", password: R1_PASSWORD }, source: { path: "bigbang" } }),
        }, { cwd: dir, secretKeys: ["bigbang-oci-dev:bigbang"] });
        assert.deepEqual(r.resources.filter((x) => x.type.startsWith("aws:")), []);
        assert.ok(r.resources.some((x) => x.name === "bigbang"), "the Big Bang release");
        assertEverySecretSecret(r.resources, [R1_PASSWORD]);
        for (const c of [...r.all(T.remote), ...r.all(T.copy)]) assert.equal((c.inputs.connection as Record<string, unknown>).hostKey, PINNED_KEY, c.name);
    });
});
