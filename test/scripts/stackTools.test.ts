// npm run recreate-host / recreate-cluster / status (scripts/pulumi-local.sh with scripts/stack-tools.ts)
// against stubs of pulumi, ssh, kubectl, aws, docker and curl on PATH: the URNs come from the stack's
// own export, and status reads only, each tool bounded; for each host backend (aws, ssh, local).
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_PROBE_OVERRIDE, LocalProbe } from "../../components/host/local/localProbe";
import {
    exportedBackend, helmReleaseSummary, outputsBackend, recreateHostRefusal, stackStatus, statusExitCode, statusReport, urnsToReplace,
} from "../../scripts/stack-tools";
import { BASE_CONFIG, BASE_TLS, ProgramRun, runProgram, sharedRun } from "../support/program";

const WRAPPER = path.resolve(__dirname, "..", "..", "scripts", "pulumi-local.sh");
const MACHINE_TYPES = ["aws:ec2/instance:Instance", "aws:ec2/spotInstanceRequest:SpotInstanceRequest"];

/** bash from PATH, for the stubs' first line: no `env` process in front of every stub call. */
const BASH = (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter).map((dir) => path.join(dir, "bash"))
    .find((file) => { try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; } }) ?? "/bin/bash";

interface Stubs {
    /** `pulumi stack export` text. */
    exported?: string;
    /** `pulumi stack output --json --show-secrets` text. */
    outputs?: Record<string, unknown>;
    /** Body of the ssh stub (bash), given the remote command in $last. */
    ssh?: string;
    kubectl?: string;
    aws?: string;
    docker?: string;
    curl?: string;
}

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    /** Every stub call, `<tool> <args>`. */
    calls: string[];
}

let tmp = "";
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-stack-tools-"));
});
after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A folder of stubs on PATH that log every call, and the environment the wrapper runs in. */
function stubBin(stubs: Stubs): { env: NodeJS.ProcessEnv; calls: () => string[] } {
    const bin = fs.mkdtempSync(path.join(tmp, "bin-"));
    const log = path.join(bin, "calls.log");
    fs.writeFileSync(path.join(bin, "export.json"), stubs.exported ?? "{}");
    fs.writeFileSync(path.join(bin, "outputs.json"), JSON.stringify(stubs.outputs ?? {}));
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), [
        `#!${BASH}`,
        // The wrapper checks the CLI's version first (pulumi-local.sh): a current one, not logged.
        ...(name === "pulumi" ? ['[ "$1" = version ] && { echo v3.276.0; exit 0; }'] : []),
        `echo "${name} $*" >>${JSON.stringify(log)}`,
        body,
    ].join("\n"), { mode: 0o755 });
    stub("pulumi", [
        `if [ "$1 $2" = "stack export" ]; then cat ${JSON.stringify(path.join(bin, "export.json"))}; exit 0; fi`,
        `if [ "$1 $2" = "stack output" ]; then cat ${JSON.stringify(path.join(bin, "outputs.json"))}; exit 0; fi`,
        `if [ "$1 $2" = "config get" ]; then echo us-east-1; exit 0; fi`,
        "exit 0",
    ].join("\n"));
    if (stubs.ssh !== undefined) stub("ssh", `last="\${*: -1}"\n${stubs.ssh}`);
    if (stubs.kubectl !== undefined) stub("kubectl", stubs.kubectl);
    if (stubs.aws !== undefined) stub("aws", stubs.aws);
    if (stubs.docker !== undefined) stub("docker", stubs.docker);
    if (stubs.curl !== undefined) stub("curl", stubs.curl);
    const env: NodeJS.ProcessEnv = {
        PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: tmp,
        PULUMI_CONFIG_PASSPHRASE: "test",
    };
    const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
    return { env, calls };
}

function runWrapper(args: string[], stubs: Stubs): Run {
    const { env, calls } = stubBin(stubs);
    const result = spawnSync("bash", [WRAPPER, ...args], { encoding: "utf8", env, timeout: 60_000 });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: calls() };
}

/**
 * `status` in this process, for the variants of a backend's checks: the same stubs, environment,
 * report and exit code as through the wrapper, without a bash and a node (tsx) process per case.
 * What the wrapper and stack-tools' main add (the stack's outputs and region from pulumi, stdout and
 * the exit status across the process boundary) is checked through the wrapper by the cases that
 * run it, at least one per backend; here the region is the pulumi stub's, us-east-1.
 */
function statusInProcess(stubs: Stubs): Run {
    const { env, calls } = stubBin(stubs);
    const saved = process.env;
    // Synchronous from here to the restore: no other test code runs while the environment is the stubs'.
    process.env = env;
    try {
        const lines = stackStatus(JSON.parse(JSON.stringify(stubs.outputs ?? {})), { region: "us-east-1" });
        return { status: statusExitCode(lines), stdout: statusReport("dev", lines), stderr: "", calls: calls() };
    } finally {
        process.env = saved;
    }
}

const SSH_COMMAND = "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/tmp/kh -o HostKeyAlias=bigbang-oci-dev-dev ubuntu@203.0.113.7";
const OUTPUTS = {
    instanceId: "i-0123456789abcdef0",
    sshCommand: SSH_COMMAND,
    registryEndpoint: "oci://oci.dev.bigbang.mil:5000",
    registryAddressInCluster: "172.20.2.10",
    kubeconfig: "apiVersion: v1\nkind: Config\n",
    kubeApiEndpoint: "https://203.0.113.7:6443",
    bigbang: { chartVersion: "3.30.0" },
};
const HELMRELEASES = {
    items: [
        { metadata: { namespace: "bigbang", name: "istiod" }, status: { conditions: [{ type: "Ready", status: "True", reason: "UpgradeSucceeded" }] } },
        { metadata: { namespace: "bigbang", name: "kiali" }, status: { conditions: [{ type: "Ready", status: "False", reason: "InstallFailed", message: "context deadline exceeded\nmore" }] } },
    ],
};
const SSH_OK = `case "$last" in true) exit 0 ;; curl*) printf 401; exit 0 ;; esac; exit 1`;
const kubectlStub = (releases: unknown) => [
    `case "$*" in *"--raw /readyz"*) echo ok; exit 0 ;; esac`,
    `case "$*" in *helmreleases*) echo ${JSON.stringify(JSON.stringify(releases))}; exit 0 ;; esac`,
    "exit 1",
].join("\n");

describe("stack-tools: recreate and status", function () {
    this.timeout(120_000);
    let exported = "";
    let machineUrn = "";
    let clusterUrn = "";
    before(async () => {
        const run = await sharedRun(BASE_CONFIG, { stack: "dev" });
        exported = JSON.stringify({ version: 3, deployment: { resources: run.resources.map((r) => ({ urn: r.urn, type: r.type })) } }, null, 2);
        const machines = run.resources.filter((r) => MACHINE_TYPES.includes(r.type));
        assert.equal(machines.length, 1, "the program declares one machine");
        machineUrn = machines[0].urn;
        clusterUrn = run.resources.filter((r) => r.type === "command:remote:Command" && r.name === "k3d-cluster")[0].urn;
    });

    it("finds the machine and the k3d cluster in the program's own export", () => {
        assert.deepEqual(urnsToReplace(exported, "host"), [machineUrn]);
        assert.deepEqual(urnsToReplace(exported, "cluster"), [clusterUrn]);
    });

    it("finds the machine whichever resource type it is: an Instance named instance for both markets, or a spot request", () => {
        const dev = "urn:pulumi:dev::bigbang-oci-dev::bigbang-oci-dev:index:DevHost";
        const resources = (type: string, name: string) => JSON.stringify({ deployment: { resources: [
            { urn: `${dev}$${type}::${name}`, type },
            { urn: `${dev}$aws:ec2/tag:Tag::spot-instance-tag-owner`, type: "aws:ec2/tag:Tag" },
            { urn: `${dev}$aws:ec2transitgateway/instanceState:InstanceState::instance-state`, type: "aws:ec2transitgateway/instanceState:InstanceState" },
        ] } });
        assert.deepEqual(urnsToReplace(resources("aws:ec2/instance:Instance", "instance"), "host"), [`${dev}$aws:ec2/instance:Instance::instance`]);
        assert.deepEqual(urnsToReplace(resources("aws:ec2/spotInstanceRequest:SpotInstanceRequest", "spot-request"), "host"),
            [`${dev}$aws:ec2/spotInstanceRequest:SpotInstanceRequest::spot-request`]);
        assert.deepEqual(urnsToReplace("{}", "host"), []);
    });

    it("recreate-host runs up --replace with the machine's URN, and passes the rest on", () => {
        const r = runWrapper(["recreate-host", "--yes"], { exported });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.calls.at(-1), `pulumi up --replace ${machineUrn} --yes`);
    });

    it("recreate-cluster runs up --replace with the k3d cluster's URN", () => {
        const r = runWrapper(["recreate-cluster"], { exported });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.calls.at(-1), `pulumi up --replace ${clusterUrn}`);
    });

    it("recreate on a stack that was never deployed runs no up and says so", () => {
        const r = runWrapper(["recreate-cluster"], { exported: JSON.stringify({ deployment: { resources: [] } }) });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /Stack 'dev' has no cluster to recreate; deploy it first \(npm run up\)/);
        assert.ok(!r.calls.some((c) => c.startsWith("pulumi up")), r.calls.join("\n"));
    });

    it("status reports host, registry, cluster and HelmReleases, and fails on a release that is not Ready", () => {
        const r = runWrapper(["status"], { outputs: OUTPUTS, ssh: SSH_OK, kubectl: kubectlStub(HELMRELEASES) });
        assert.equal(r.status, 1, r.stderr);
        assert.deepEqual(r.stdout.trimEnd().split("\n"), [
            "stack dev",
            "ok   host         running, answers SSH at 203.0.113.7 (i-0123456789abcdef0)",
            "ok   registry     https://oci.dev.bigbang.mil:5000/v2/ answers (HTTP 401)",
            "ok   cluster      https://203.0.113.7:6443 ready",
            "FAIL helmreleases 1/2 Ready; not Ready:",
            "    bigbang/kiali: Ready=False InstallFailed: context deadline exceeded",
        ]);
        // Read-only: only reads of the stack, and ConnectTimeout before the stack's own ssh options.
        const pulumiCalls = r.calls.filter((c) => c.startsWith("pulumi "));
        assert.ok(pulumiCalls.every((c) => /^pulumi (stack select dev|stack output --json --show-secrets|config get aws:region)$/.test(c)), pulumiCalls.join("\n"));
        assert.ok(r.calls.some((c) => c.startsWith("ssh -o ConnectTimeout=8 ") && c.endsWith("ubuntu@203.0.113.7 true")));
        assert.ok(r.calls.some((c) => c.startsWith("kubectl --kubeconfig ") && c.includes("--request-timeout=10s")));
    });

    it("status exits 0 when everything answers", () => {
        const ready = { items: [HELMRELEASES.items[0]] };
        const r = statusInProcess({ outputs: OUTPUTS, ssh: SSH_OK, kubectl: kubectlStub(ready) });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /ok {3}helmreleases 1\/1 Ready\n/);
    });

    it("status says a stopped host is stopped (AWS CLI) and tries nothing else", () => {
        const r = runWrapper(["status"], { outputs: OUTPUTS, ssh: SSH_OK, kubectl: kubectlStub(HELMRELEASES), aws: "echo stopped" });
        assert.equal(r.status, 1);
        assert.match(r.stdout, /FAIL host {9}i-0123456789abcdef0 is stopped \(AWS\); npm run start starts it\n$/);
        assert.ok(r.calls.some((c) => c.includes("aws ec2 describe-instances --instance-ids i-0123456789abcdef0 --region us-east-1")));
        assert.ok(!r.calls.some((c) => c.startsWith("ssh") || c.startsWith("kubectl")), r.calls.join("\n"));
    });

    it("status says a host that does not answer SSH does not, without the AWS CLI", () => {
        const r = statusInProcess({ outputs: OUTPUTS, ssh: 'echo "ssh: connect to host 203.0.113.7 port 22: Connection timed out" >&2; exit 255' });
        assert.equal(r.status, 1);
        assert.match(r.stdout, /FAIL host {9}203\.0\.113\.7 does not answer SSH \(ssh: connect to host 203\.0\.113\.7 port 22: Connection timed out\); stopped\? npm run start/);
    });

    it("status on a stack without outputs says to deploy first", () => {
        const r = statusInProcess({ outputs: {} });
        assert.equal(r.status, 1);
        assert.match(r.stdout, /FAIL host {9}the stack has no host outputs \(sshCommand, kubeconfig\): deploy it first \(npm run up\)/);
    });

    it("helmReleaseSummary counts Ready and lists the others as the wait script does", () => {
        assert.deepEqual(helmReleaseSummary(JSON.stringify(HELMRELEASES)), {
            ready: 1, total: 2, notReady: ["bigbang/kiali: Ready=False InstallFailed: context deadline exceeded"],
        });
        assert.deepEqual(helmReleaseSummary(JSON.stringify({ items: [{ metadata: { namespace: "a", name: "b" } }] })).notReady, ["a/b: Ready=Unknown"]);
    });
});

/** A stack's export as `pulumi stack export` prints it: the URNs and types the tools read. */
const exportOf = (run: ProgramRun): string =>
    JSON.stringify({ version: 3, deployment: { resources: run.resources.map((r) => ({ urn: r.urn, type: r.type })) } }, null, 2);

/** Which outputs a run has (an undefined output is absent from `pulumi stack output`), each as a string. */
const outputKeys = (run: ProgramRun): Record<string, unknown> =>
    Object.fromEntries(Object.entries(run.outputs).filter(([, v]) => v !== undefined).map(([k]) => [k, k]));

describe("stack-tools on host.backend ssh and local", function () {
    this.timeout(180_000);
    const runs: Partial<Record<"aws" | "ssh" | "local", ProgramRun>> = {};
    const run = (backend: "aws" | "ssh" | "local"): ProgramRun => {
        const r = runs[backend];
        assert.ok(r, `the ${backend} run`);
        return r;
    };
    before(async () => {
        runs.aws = await sharedRun(BASE_CONFIG, { stack: "dev" });
        // An existing machine: a client key and the machine's pinned host key.
        const keys = fs.mkdtempSync(path.join(tmp, "keys-"));
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keys, "id")]);
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(keys, "host")]);
        const hostKey = fs.readFileSync(path.join(keys, "host.pub"), "utf8").trim();
        runs.ssh = await runProgram({
            "bigbang-oci-dev:owner": "jdoe",
            "bigbang-oci-dev:registry": JSON.stringify({ tls: BASE_TLS }),
            "bigbang-oci-dev:host": JSON.stringify({ backend: "ssh", ssh: { address: "192.0.2.10", user: "alice", hostKey, privateKeyFile: path.join(keys, "id") } }),
        }, { stack: "dev" });
        // The workstation's Docker, through a fake probe (no docker here).
        const probe: LocalProbe = {
            engine: () => Promise.resolve({ serverVersion: "27.3.1", id: "ENGINE:LOCAL", memTotal: 64e9 }),
            startedAt: (names) => Promise.resolve(names.map(() => "")),
            resolve: () => Promise.resolve(["127.0.0.1"]),
        };
        Reflect.set(globalThis, LOCAL_PROBE_OVERRIDE, probe);
        try {
            runs.local = await runProgram({
                "bigbang-oci-dev:owner": "jdoe",
                "bigbang-oci-dev:registry": JSON.stringify({ tls: BASE_TLS }),
                "bigbang-oci-dev:host": JSON.stringify({ backend: "local" }),
            }, { stack: "dev" });
        } finally {
            Reflect.deleteProperty(globalThis, LOCAL_PROBE_OVERRIDE);
        }
    });

    it("tells the backend from the program's own outputs and export", () => {
        for (const backend of ["aws", "ssh", "local"] as const) {
            assert.equal(outputsBackend(outputKeys(run(backend))), backend, `${backend} outputs`);
            assert.equal(exportedBackend(exportOf(run(backend))), backend, `${backend} export`);
        }
        assert.equal(outputsBackend({}), undefined);
        assert.equal(exportedBackend("{}"), undefined);
    });

    it("finds the k3d cluster on every backend: a remote command on ssh, a local one on local", () => {
        const ssh = run("ssh").one("command:remote:Command", "k3d-cluster");
        assert.deepEqual(urnsToReplace(exportOf(run("ssh")), "cluster"), [ssh.urn]);
        const local = run("local").one("command:local:Command", "k3d-cluster");
        assert.deepEqual(urnsToReplace(exportOf(run("local")), "cluster"), [local.urn]);
        const r = runWrapper(["recreate-cluster", "--yes"], { exported: exportOf(run("local")) });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.calls.at(-1), `pulumi up --replace ${local.urn} --yes`);
    });

    it("recreate-host on ssh refuses, says why and what to run instead, and runs no up", () => {
        assert.equal(recreateHostRefusal(exportOf(run("aws"))), undefined);
        const r = runWrapper(["recreate-host", "--yes"], { exported: exportOf(run("ssh")) });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /^host\.backend ssh: the machine is yours, and the program does not replace it\./);
        assert.match(r.stderr, /the old install step's delete, the uninstall, would run last/);
        assert.match(r.stderr, /npm run recreate-cluster rebuilds the cluster; npm run destroy, then npm run up, removes everything/);
        assert.doesNotMatch(r.stderr, /deploy it first/);
        assert.ok(!r.calls.some((c) => c.startsWith("pulumi up")), r.calls.join("\n"));
    });

    it("recreate-host on local refuses: there is no machine", () => {
        const r = runWrapper(["recreate-host"], { exported: exportOf(run("local")) });
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), "host.backend local: there is no machine to recreate; npm run recreate-cluster rebuilds the cluster.");
        assert.ok(!r.calls.some((c) => c.startsWith("pulumi up")), r.calls.join("\n"));
    });

    const SSH_OUTPUTS = {
        sshCommand: "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/tmp/kh -o HostKeyAlias=bigbang-oci-dev-dev alice@192.0.2.10",
        address: "192.0.2.10",
        registryEndpoint: "oci://oci.dev.bigbang.mil:5000",
        registryAddressInCluster: "172.20.2.10",
        kubeconfig: "apiVersion: v1\nkind: Config\n",
        kubeApiEndpoint: "https://192.0.2.10:6443",
    };

    it("status on ssh: the machine, its registry and cluster over SSH; no AWS call", () => {
        const r = runWrapper(["status"], { outputs: SSH_OUTPUTS, ssh: SSH_OK, kubectl: kubectlStub(HELMRELEASES), aws: "echo stopped" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.deepEqual(r.stdout.trimEnd().split("\n"), [
            "stack dev",
            "ok   host         answers SSH at 192.0.2.10 (your machine, host.backend ssh)",
            "ok   registry     https://oci.dev.bigbang.mil:5000/v2/ answers (HTTP 401)",
            "ok   cluster      https://192.0.2.10:6443 ready",
        ]);
        assert.ok(!r.calls.some((c) => c.startsWith("aws ")), r.calls.join("\n"));
    });

    it("status on ssh: a machine that does not answer is the developer's, with no npm run start", () => {
        const r = statusInProcess({ outputs: SSH_OUTPUTS, ssh: 'echo "ssh: connect to host 192.0.2.10 port 22: No route to host" >&2; exit 255' });
        assert.equal(r.status, 1);
        assert.equal(r.stdout.trimEnd().split("\n")[1],
            "FAIL host         192.0.2.10 does not answer SSH (ssh: connect to host 192.0.2.10 port 22: No route to host); it is your own machine (host.backend ssh): check that it is on and reachable");
        assert.doesNotMatch(r.stdout, /npm run start/);
    });

    const LOCAL_OUTPUTS = {
        registryEndpoint: "oci://oci.dev.bigbang.mil:5000",
        registryAddressInCluster: "172.20.2.10",
        kubeconfig: "apiVersion: v1\nkind: Config\n",
        kubeApiEndpoint: "https://127.0.0.1:6443",
        bigbang: { chartVersion: "3.30.0" },
    };
    const DOCKER_OK = `[ "$1" = info ] && { echo 27.3.1; exit 0; }; exit 1`;

    it("status on local: the Docker engine, the registry from here without /etc/hosts, the cluster; no ssh", () => {
        const r = runWrapper(["status"], { outputs: LOCAL_OUTPUTS, docker: DOCKER_OK, curl: "printf 401", kubectl: kubectlStub(HELMRELEASES), ssh: "exit 0" });
        assert.equal(r.status, 1, r.stderr);
        assert.deepEqual(r.stdout.trimEnd().split("\n"), [
            "stack dev",
            "ok   host         the local Docker engine 27.3.1 answers (host.backend local)",
            "ok   registry     https://oci.dev.bigbang.mil:5000/v2/ answers (HTTP 401)",
            "ok   cluster      https://127.0.0.1:6443 ready",
            "FAIL helmreleases 1/2 Ready; not Ready:",
            "    bigbang/kiali: Ready=False InstallFailed: context deadline exceeded",
        ]);
        assert.ok(r.calls.includes("docker info --format {{.ServerVersion}}"), r.calls.join("\n"));
        assert.ok(r.calls.includes("curl -s -o /dev/null -w %{http_code} --max-time 8 --resolve oci.dev.bigbang.mil:5000:127.0.0.1 https://oci.dev.bigbang.mil:5000/v2/"),
            r.calls.join("\n"));
        assert.ok(!r.calls.some((c) => c.startsWith("ssh ") || c.startsWith("aws ")), r.calls.join("\n"));
    });

    it("status on local: a registry that does not answer fails its line", () => {
        const r = statusInProcess({ outputs: LOCAL_OUTPUTS, docker: DOCKER_OK, curl: "printf 000; exit 7", kubectl: kubectlStub({ items: [] }) });
        assert.equal(r.status, 1);
        assert.match(r.stdout, /FAIL registry {5}https:\/\/oci\.dev\.bigbang\.mil:5000\/v2\/ does not answer \(curl exit 7, HTTP 000\)\n/);
        assert.match(r.stdout, /ok {3}helmreleases 0\/0 Ready\n/);
    });

    it("status on local: an engine that does not answer, or no docker at all, is said and nothing else is tried", () => {
        const down = statusInProcess({
            outputs: LOCAL_OUTPUTS, curl: "printf 401", kubectl: kubectlStub(HELMRELEASES),
            docker: 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1',
        });
        assert.equal(down.status, 1);
        assert.deepEqual(down.stdout.trimEnd().split("\n").slice(1), [
            "FAIL host         the local Docker engine does not answer (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?); start Docker, then run this again (host.backend local)",
        ]);
        assert.ok(!down.calls.some((c) => c.startsWith("curl ") || c.startsWith("kubectl ")), down.calls.join("\n"));
        const none = statusInProcess({ outputs: LOCAL_OUTPUTS });
        assert.equal(none.status, 1);
        assert.match(none.stdout, /FAIL host {9}the local Docker engine does not answer \(docker is not installed here\)/);
    });
});
