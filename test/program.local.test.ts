// The whole program with host.backend local, under mocks, in update and preview
// mode: no AWS resource or invoke and no remote command at all, every secret
// still secret, the outputs that mean nothing locally absent, and prepare's
// refusals (no engine, an old engine, too little memory) before any resource.
// The workstation probe is a fake (LOCAL_PROBE_OVERRIDE): no docker, no DNS.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineFacts, LOCAL_PROBE_OVERRIDE, LocalProbe } from "../components/host/local/localProbe";
import { BASE_CONFIG, BASE_LEAF, isConfigError, MOCK, ProgramRun, resolve, runProgram, runProgramFailure } from "./support/program";

const P = "bigbang-oci-dev:";
const R1_PASSWORD = "r1-token-secret-0123";

/** BASE_CONFIG on the local backend: allowedCidrs is aws-only. */
const LOCAL_CONFIG: Record<string, string> = Object.fromEntries(Object.entries({
    ...BASE_CONFIG,
    [`${P}host`]: JSON.stringify({ backend: "local" }),
}).filter(([key]) => key !== `${P}allowedCidrs`));

interface FakeWorkstation {
    engine?: EngineFacts | Error;
    resolved?: string[];
}

function fakeProbe(w: FakeWorkstation): LocalProbe {
    return {
        engine: () => Promise.resolve(w.engine ?? { serverVersion: "27.3.1", id: "ENGINE:LOCAL", memTotal: 64e9 }),
        startedAt: (names) => Promise.resolve(names.map(() => "")),
        resolve: () => Promise.resolve(w.resolved ?? ["127.0.0.1"]),
    };
}

async function withProbe<T>(w: FakeWorkstation, fn: () => Promise<T>): Promise<T> {
    Reflect.set(globalThis, LOCAL_PROBE_OVERRIDE, fakeProbe(w));
    try {
        return await fn();
    } finally {
        Reflect.deleteProperty(globalThis, LOCAL_PROBE_OVERRIDE);
    }
}

/** Every plaintext the program must keep secret, and which inputs carry one without being secret. */
function leakedSecrets(run: ProgramRun, plaintexts: string[]): string[] {
    const out: string[] = [];
    for (const r of run.resources) {
        for (const [key, value] of Object.entries(r.inputs)) {
            const text = JSON.stringify(value);
            if (plaintexts.some((p) => text.includes(p)) && !r.secretInputs.has(key)) out.push(`${r.type} ${r.name}.${key}`);
        }
    }
    return out;
}

function writeChart(dir: string): void {
    fs.mkdirSync(path.join(dir, "templates"), { recursive: true });
    fs.writeFileSync(path.join(dir, "Chart.yaml"), "apiVersion: v2\nname: kiali\nversion: 2.1.0-bb.3\n");
    fs.writeFileSync(path.join(dir, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
}

describe("program: host.backend local", function () {
    this.timeout(180_000);
    let dir: string;
    let config: Record<string, string>;
    const runs: Record<"update" | "preview", ProgramRun | undefined> = { update: undefined, preview: undefined };

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-local-"));
        fs.cpSync(path.join(__dirname, "fixtures", "bigbang-checkout"), path.join(dir, "bigbang"), { recursive: true });
        writeChart(path.join(dir, "kiali"));
        // Big Bang with the Registry1 cache: every kind of secret the program handles.
        config = {
            ...LOCAL_CONFIG,
            [`${P}charts`]: JSON.stringify([{ path: "kiali" }]),
            [`${P}bigbang`]: JSON.stringify({ install: true, registry1: { username: "jdoe", password: R1_PASSWORD }, source: { path: "bigbang" } }),
        };
        for (const mode of ["update", "preview"] as const) {
            runs[mode] = await withProbe({ resolved: [] }, () => runProgram(config, { cwd: dir, secretKeys: [`${P}bigbang`], preview: mode === "preview" }));
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = (mode: "update" | "preview"): ProgramRun => {
        const r = runs[mode];
        assert.ok(r, `the ${mode} run`);
        return r;
    };

    for (const mode of ["update", "preview"] as const) {
        it(`${mode}: registers no aws:* resource, calls no AWS invoke, and builds no remote command`, () => {
            const r = run(mode);
            const types = [...new Set(r.resources.map((x) => x.type))].sort();
            assert.deepEqual(types.filter((t) => t.startsWith("aws:") || t === "pulumi:providers:aws"), []);
            assert.deepEqual(types.filter((t) => t.startsWith("command:remote:")), []);
            assert.deepEqual(r.calls.filter((c) => c.token.startsWith("aws:")).map((c) => c.token), []);
            assert.ok(r.find("bigbang-oci-dev:index:LocalHost", "host"), "the local host");
            assert.ok(r.all("command:local:Command").length > 5, "local commands");
            // Nothing follows a machine the program could delete: every delete runs against the engine. Only the
            // Kubernetes objects go with their cluster (deletedWith the k3d-cluster command), as on every backend.
            const cluster = r.one("command:local:Command", "k3d-cluster");
            const withOther = r.resources.filter((x) => x.deletedWith !== "" && x.deletedWith !== cluster.urn);
            assert.deepEqual(withOther.map((x) => `${x.type} ${x.name}`), []);
        });

        it(`${mode}: keeps every secret secret`, async () => {
            const r = run(mode);
            const key = fs.readFileSync(BASE_LEAF.keyFile, "utf8").trim().split("\n").slice(1, 2);
            assert.deepEqual(leakedSecrets(r, [MOCK.password, MOCK.kubeconfig, R1_PASSWORD, ...key]), []);
            for (const output of ["kubeconfig", "registryPassword", "valuesSnippet"]) {
                const resolved = await resolve(r.outputs[output]);
                assert.equal(resolved.secret, true, `${output} is secret`);
            }
        });

        it(`${mode}: leaves out the outputs that mean nothing locally, and keeps the rest`, async () => {
            const r = run(mode);
            for (const absent of ["instanceId", "publicIp", "privateIp", "sshCommand", "sshPrivateKey", "sshuttleCommand", "socksProxyCommand"]) {
                assert.equal(r.outputs[absent], undefined, `${absent} is absent`);
            }
            for (const present of ["registryHostname", "registryEndpoint", "kubeconfig", "kubeApiEndpoint", "kubectlHint", "valuesSnippet", "charts", "etcHostsLine", "helmPushCommand", "bigbang"]) {
                assert.ok(r.outputs[present] !== undefined, `${present} is there`);
            }
            assert.equal((await resolve(r.outputs.etcHostsLine)).value, "127.0.0.1 oci.dev.bigbang.mil");
            assert.equal((await resolve(r.outputs.kubeApiEndpoint)).value, "https://127.0.0.1:6443");
        });
    }

    it("talks to the workstation's own Docker, and binds everything to 127.0.0.1", () => {
        const r = run("update");
        const provider = r.one("pulumi:providers:docker", "docker");
        assert.equal(provider.inputs.host, undefined);
        const cluster = r.one("command:local:Command", "k3d-cluster");
        assert.match(String(cluster.inputs.stdin), /127\.0\.0\.1/);
        assert.doesNotMatch(String(cluster.inputs.stdin), /10\.0\.1\.10|198\.51\.100/);
    });

    it("runs the registry's and the API's readiness steps again after a start of the engine's containers, and nothing else", () => {
        const r = run("update");
        const withStart = r.all("command:local:Command").filter((c) => JSON.stringify(c.inputs.triggers ?? []).includes("not started")).map((c) => c.name).sort();
        assert.deepEqual(withStart, ["api-ready", "ready"]);
    });

    it("pushes through the Helm container when the registry's name does not resolve here, and warns with the one line", () => {
        const r = run("update");
        const push = r.one("command:local:Command", "chart-kiali-push");
        assert.match(String(push.inputs.create), /helm-container:.*BBOD_HELM_NETWORK=k3d-network/);
        assert.ok(r.find("command:local:Command", "helm-container"));
    });

    it("refuses no engine, an old engine and too little memory, before any resource", async () => {
        const noEngine = await withProbe({ engine: new Error("Cannot connect to the Docker daemon") }, () => runProgramFailure(LOCAL_CONFIG));
        assert.ok(isConfigError(noEngine.error), String(noEngine.error));
        assert.match(String(noEngine.error), /bigbang-oci-dev:host\.backend: local needs a running Docker Engine/);
        assert.deepEqual(noEngine.resources.filter((x) => x.custom), []);

        const old = await withProbe({ engine: { serverVersion: "20.10.4", id: "E", memTotal: 64e9 } }, () => runProgramFailure(LOCAL_CONFIG));
        assert.match(String(old.error), /the Docker Engine is 20\.10\.4, older than the 20\.10\.5 k3d needs/);

        const small = await withProbe({ engine: { serverVersion: "27.3.1", id: "E", memTotal: 8e9 } },
            () => runProgramFailure(config, { cwd: dir, secretKeys: [`${P}bigbang`] }));
        assert.match(String(small.error), /bigbang-oci-dev:bigbang\.packages: the local Docker Engine has 8\.0 GB of memory/);
        assert.deepEqual(small.resources.filter((x) => x.custom), []);
    });
});
