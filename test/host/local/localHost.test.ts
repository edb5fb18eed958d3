// LocalHost under Pulumi's mocks: only local commands, the engine's ID first in
// every trigger, deletes guarded by on-engine.sh, nothing deletedWith, the
// addresses 127.0.0.1, and no aws outputs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LocalHost, LocalHostArgs } from "../../../components/host/local/localHost";
import { HOST_INSTANCE_LABEL } from "../../../components/host/onHost";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

function args(extra: Partial<LocalHostArgs> = {}): LocalHostArgs {
    return {
        stack: "dev",
        homeDir: "/home/jdoe",
        platform: "linux",
        architecture: "amd64",
        tools: { k3d: "v5.8.3", kubectl: "v1.36.2", helm: "v3.18.6" },
        toolSha256: { k3d: "a".repeat(64), kubectl: "b".repeat(64), helm: "c".repeat(64) },
        images: ["rancher/k3s:v1.36.2-k3s1@sha256:6a47", "registry:2.8.3@sha256:a3d8"],
        facts: { engineId: "ENGINE:ONE", lastStart: "k3d-dev-server-0=2026-12-03T08:00:00Z" },
        ...extra,
    };
}

function value<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe("LocalHost under mocks", () => {
    let dir: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-host-"));
        await pulumi.runtime.setMocks({
            newResource(a) {
                registered.push({ type: a.type, name: a.name, inputs: a.inputs as Record<string, unknown> });
                return { id: `${a.name}-id`, state: a.inputs as Record<string, unknown> };
            },
            call(a) { return a.inputs as Record<string, unknown>; },
        }, "bigbang-oci-dev", "dev", false);
    });
    after(() => { fs.rmSync(dir, { recursive: true, force: true }); });
    beforeEach(() => { registered.length = 0; });

    it("builds its setup from local commands only, with the tools installed into the stack's bin and checked", async () => {
        const host = new LocalHost("host", args());
        await value(host.lastStart);
        await settle();
        const types = new Set(registered.map((r) => r.type));
        assert.deepEqual([...types].sort(), ["bigbang-oci-dev:index:LocalHost", "command:local:Command"]);
        assert.deepEqual(registered.filter((r) => r.type === "command:local:Command").map((r) => r.name).sort(), ["engine-objects", "pull-images", "tools", "work-dir"]);
        const tools = registered.find((r) => r.name === "tools");
        const create = String(tools?.inputs.create);
        assert.ok(create.startsWith(`PATH=/home/jdoe/.bigbang-oci-dev/dev/bin:"$PATH" KUBECONFIG=/home/jdoe/.bigbang-oci-dev/dev/kubeconfig; export PATH KUBECONFIG; `), create.slice(0, 200));
        assert.ok(create.includes("INSTALL_DIR=/home/jdoe/.bigbang-oci-dev/dev/bin bash -c"), "installs into the stack's bin");
        assert.ok(!/sudo -n/.test(create), "no sudo on the workstation");
        assert.deepEqual(tools?.inputs.triggers, ["ENGINE:ONE", "install", "amd64", "v5.8.3", "v1.36.2", "v3.18.6", "a".repeat(64), "b".repeat(64), "c".repeat(64)]);
        assert.equal(await value(host.address), "127.0.0.1");
        assert.equal(await value(host.bindAddress), "127.0.0.1");
        assert.equal(host.workDir, "/home/jdoe/.bigbang-oci-dev/dev");
        assert.deepEqual(host.outputs, {});
        assert.equal(host.machine, undefined);
        assert.equal(host.ssh, undefined);
        assert.equal(host.managesEtcHosts, false);
        assert.deepEqual(host.docker, {});
        assert.deepEqual(host.onHostOptions(), {});
        assert.equal(await value(host.machineId), "ENGINE:ONE");
    });

    it("removes the program's objects still on its engine when it goes away (a switch to another backend)", async () => {
        new LocalHost("host", args());
        await settle();
        const cleanup = registered.find((r) => r.name === "engine-objects")?.inputs;
        assert.equal(cleanup?.create, "true");
        assert.deepEqual(cleanup?.triggers, ["ENGINE:ONE"]);
        const del = String(cleanup?.delete);
        assert.match(del, /on-engine ENGINE:ONE bash -c '#!\/usr\/bin\/env bash\n# Removes what the program left on a Docker Engine/);
        assert.ok(del.endsWith(` docker-objects-cleanup ${HOST_INSTANCE_LABEL}=ENGINE:ONE`), del.slice(-80));
    });

    it("on macOS checks the developer's tools instead of installing them", async () => {
        new LocalHost("host", args({ platform: "darwin" }));
        await settle();
        const create = String(registered.find((r) => r.name === "tools")?.inputs.create);
        assert.ok(!create.includes("INSTALL_DIR="));
        assert.ok(create.includes("local-ready tools v5.8.3 v1.36.2 v3.18.6"));
    });

    it("installs the Helm container's helm first on PATH when pushes need it", async () => {
        const host = new LocalHost("host", args({ facts: { engineId: "ENGINE:ONE", lastStart: "not started", helmContainer: { image: "alpine/helm:3.18.6@sha256:abc", network: "k3d-network" } } }));
        await settle();
        const shim = registered.find((r) => r.name === "helm-container");
        assert.ok(shim, "a helm-container command");
        assert.match(String(shim.inputs.stdin), /^#!\/usr\/bin\/env bash\n# `helm` for the `local` backend/);
        assert.ok(host.commandPrefix.startsWith(`PATH=/home/jdoe/.bigbang-oci-dev/dev/helm-container:/home/jdoe/.bigbang-oci-dev/dev/bin:"$PATH"`));
    });

    it("command: the engine first in the triggers, the start for readiness steps, the delete only on its engine", async () => {
        const host = new LocalHost("host", args());
        const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
        const ready = host.command("api-ready", { create: "echo ready", triggers: ["cluster-id"], afterEveryStart: true }, { parent });
        host.command("k3d-cluster", { create: "echo create", delete: "echo 'gone'", stdin: pulumi.secret("cfg"), triggers: ["x"] }, { parent, deleteBeforeReplace: true });
        await value(ready.stdout);
        await settle();
        const readyInputs = registered.find((r) => r.name === "api-ready")?.inputs;
        assert.deepEqual(readyInputs?.triggers, ["ENGINE:ONE", "k3d-dev-server-0=2026-12-03T08:00:00Z", "cluster-id"]);
        assert.ok(String(readyInputs?.create).endsWith("; echo ready"));
        const cluster = registered.find((r) => r.name === "k3d-cluster")?.inputs;
        assert.deepEqual(cluster?.triggers, ["ENGINE:ONE", "x"]);
        const del = String(cluster?.delete);
        assert.match(del, /bash -c '#!\/usr\/bin\/env bash\n# Runs the rest of its arguments only against the Docker Engine it names/);
        assert.ok(del.endsWith(` on-engine ENGINE:ONE sh -c 'echo '\\''gone'\\'''`), del.slice(-80));
        assert.deepEqual(host.dockerLabels({ label: "a", value: "b" }).slice(1), [{ label: "a", value: "b" }]);
        assert.equal(host.dockerLabels()[0].label, HOST_INSTANCE_LABEL);
    });

    it("copyFile: a local copy with the content's hash in the triggers", async () => {
        const host = new LocalHost("host", args());
        const parent = new pulumi.ComponentResource("test:index:Parent", "parent2");
        const file = path.join(dir, "chart.tar");
        fs.writeFileSync(file, "chart bytes");
        const copy = host.copyFile("chart-copy", { source: new pulumi.asset.FileAsset(file), remotePath: "/home/jdoe/.bigbang-oci-dev/dev/charts/chart.tar", triggers: ["oci://x"] }, { parent });
        await value(copy.urn);
        await settle();
        const inputs = registered.find((r) => r.name === "chart-copy");
        assert.equal(inputs?.type, "command:local:Command");
        assert.equal(String(inputs?.inputs.create), `mkdir -p -- /home/jdoe/.bigbang-oci-dev/dev/charts && cp -f -- ${file} /home/jdoe/.bigbang-oci-dev/dev/charts/chart.tar.new && mv -f -- /home/jdoe/.bigbang-oci-dev/dev/charts/chart.tar.new /home/jdoe/.bigbang-oci-dev/dev/charts/chart.tar`);
        const triggers = inputs?.inputs.triggers;
        assert.ok(Array.isArray(triggers));
        assert.equal(triggers[0], "ENGINE:ONE");
        assert.match(String(triggers[1]), /^[0-9a-f]{64}$/);
        assert.equal(triggers[2], "oci://x");
        assert.throws(() => host.copyFile("bad", { source: new pulumi.asset.FileAsset(file), remotePath: "relative/x", triggers: [] }, { parent }), /not absolute/);
    });
});
