import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../../components/config/config";
import { K3D_SCRIPT_FILES, k3dConfigYaml } from "../../components/cluster/k3dConfig";
import { findOnPath as findOnPathIn, runScriptFile, ScriptRun } from "../support/scripts";
import { SCHEDULING_SLACK_MS, longestSilenceMs, runTimed } from "../support/progress";

const STUB_DIR = path.join(__dirname, "..", "fixtures", "k3d-stub");
const CLUSTER = "bigbang";
const SPAWN_TIMEOUT_MS = 20_000;

// Everything the scripts and the stub may run. PATH holds only these (plus the
// stub), so a script that needs another tool, such as jq, fails here too.
const HOST_TOOLS = ["bash", "awk", "cat", "chmod", "cmp", "id", "mkdir", "mktemp", "mv", "rm", "sleep", "sort", "timeout", "touch"];

type RunResult = ScriptRun;
const findOnPath = (tool: string): string => findOnPathIn(tool, "the k3d script tests");

function runScript(scriptFile: string, args: string[], env: NodeJS.ProcessEnv, stdin = ""): Promise<RunResult> {
    return runScriptFile(scriptFile, args, env, { stdin, timeoutMs: SPAWN_TIMEOUT_MS });
}

function configYaml(publicIp: string): string {
    const cfg = parseStackConfig({ "bigbang-oci-dev:allowedCidrs": '["203.0.113.7/32"]' }, { userName: "tester" });
    return k3dConfigYaml({
        cluster: cfg.cluster,
        networkName: cfg.network.name,
        apiAddress: publicIp,
        privateIp: "10.0.1.15",
        registry: { hostname: cfg.registry.hostname, port: cfg.registry.port, address: cfg.network.registryAddress },
    });
}

const CONFIG = configYaml("198.51.100.20");
const CHANGED_CONFIG = configYaml("198.51.100.21");

function show(result: RunResult): string {
    return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

/** A case's own folder: HOME, the tools on PATH, the stub's log and node state. */
function makeSandbox() {
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-k3d-"));
    const home = path.join(sandbox, "home");
    const toolsDir = path.join(sandbox, "tools");
    const logFile = path.join(sandbox, "k3d-calls.log");
    const stateFile = path.join(sandbox, "k3d-nodes");
    const storedConfig = path.join(home, ".bigbang-oci-dev", `k3d-${CLUSTER}.yaml`);
    fs.mkdirSync(home);
    fs.mkdirSync(toolsDir);
    for (const tool of HOST_TOOLS) fs.symlinkSync(findOnPath(tool), path.join(toolsDir, tool));
    fs.writeFileSync(logFile, "");

    const env = (extra: Record<string, string> = {}, withK3d = true): NodeJS.ProcessEnv => ({
        HOME: home,
        PATH: withK3d ? `${STUB_DIR}${path.delimiter}${toolsDir}` : toolsDir,
        LC_ALL: "C",
        K3D_STUB_LOG: logFile,
        K3D_STUB_STATE: stateFile,
        ...extra,
    });
    /** The k3d calls made so far, one per line, and the log then cleared. */
    const takeCalls = (): string[] => {
        const calls = fs.readFileSync(logFile, "utf8").split("\n").filter((line) => line !== "");
        fs.writeFileSync(logFile, "");
        return calls;
    };
    const create = (stdin: string, extra: Record<string, string> = {}, timeoutSeconds = "30") =>
        runScript(K3D_SCRIPT_FILES.create, [CLUSTER, timeoutSeconds], env(extra), stdin);
    const remove = (extra: Record<string, string> = {}, withK3d = true) =>
        runScript(K3D_SCRIPT_FILES.delete, [CLUSTER], env(extra, withK3d));
    return { stateFile, storedConfig, env, takeCalls, create, remove, cleanup: () => fs.rmSync(sandbox, { recursive: true, force: true }) };
}
type Sandbox = ReturnType<typeof makeSandbox>;

describe("k3d cluster scripts", function () {
    this.timeout(60_000);

    // The cases that wait on a hung k3d (2-4 s each) start together in before(), each in its own sandbox,
    // and each it() awaits its own (its assertions and its failure stay its own); the others run one
    // after another in a fresh sandbox each.
    const waiting: { title: string; body: (s: Sandbox) => Promise<void> }[] = [];
    const waitingCase = (title: string, body: (s: Sandbox) => Promise<void>) => waiting.push({ title, body });
    const running = new Map<string, Promise<void>>();

    let sb: Sandbox;
    let stateFile: string;
    let storedConfig: string;

    beforeEach(() => {
        sb = makeSandbox();
        ({ stateFile, storedConfig } = sb);
    });

    afterEach(() => {
        sb.cleanup();
    });

    const env = (extra: Record<string, string> = {}, withK3d = true) => sb.env(extra, withK3d);
    const takeCalls = () => sb.takeCalls();
    const create = (stdin: string, extra: Record<string, string> = {}, timeoutSeconds = "30") => sb.create(stdin, extra, timeoutSeconds);
    const remove = (extra: Record<string, string> = {}, withK3d = true) => sb.remove(extra, withK3d);

    it("pass shellcheck with no findings", () => {
        const files = [K3D_SCRIPT_FILES.create, K3D_SCRIPT_FILES.delete, path.join(STUB_DIR, "k3d")];
        let output = "";
        try {
            output = execFileSync("shellcheck", ["--shell=bash", "--severity=style", ...files], { encoding: "utf8", timeout: 30_000 });
        } catch (err) {
            if (err instanceof Error && "code" in err && err.code === "ENOENT") assert.fail("shellcheck is not installed; install it (apt-get install shellcheck) to run these tests");
            const stdout = err instanceof Error && "stdout" in err ? String(err.stdout) : "";
            assert.fail(`shellcheck reported problems:\n${stdout || String(err)}`);
        }
        assert.equal(output, "");
    });

    describe("k3d-cluster-create.sh", () => {
        // Here, after the shellcheck case: a synchronous child (execFileSync) would hold up the event loop
        // and so the times the progress case notes its lines at.
        before(() => {
            for (const c of waiting) {
                const s = makeSandbox();
                const done = c.body(s).finally(() => s.cleanup());
                // Awaited by the case's it(); this only keeps a failure from counting as unhandled before then.
                done.catch(() => undefined);
                running.set(c.title, done);
            }
        });

        it("creates the cluster from the config on stdin and stores the config privately", async () => {
            const result = await create(CONFIG);
            assert.equal(result.code, 0, show(result));
            assert.match(result.stdout, /created k3d cluster bigbang/);
            assert.deepEqual(takeCalls(), ["node list --no-headers", `cluster create --config ${storedConfig}`]);
            assert.equal(fs.readFileSync(storedConfig, "utf8"), CONFIG);
            assert.equal(fs.statSync(storedConfig).mode & 0o777, 0o600);
            assert.equal(fs.statSync(path.dirname(storedConfig)).mode & 0o077, 0);
            assert.deepEqual(fs.readdirSync(path.dirname(storedConfig)), [`k3d-${CLUSTER}.yaml`], "a temporary file was left behind");
        });

        waitingCase("succeeds when k3d hangs after every node is running", async ({ create, takeCalls, storedConfig }) => {
            const result = await create(CONFIG, { K3D_STUB_CREATE: "hang" }, "2");
            assert.equal(result.code, 0, show(result));
            assert.ok(result.elapsedMs < 15_000, `the hung k3d was not cut off at the timeout (${result.elapsedMs} ms)`);
            assert.match(result.stdout, /did not return within 2s/);
            assert.match(result.stdout, /every node of bigbang is running/);
            const calls = takeCalls();
            assert.deepEqual(calls.slice(1), [
                `cluster create --config ${storedConfig}`,
                "node list --no-headers",
                "kubeconfig merge bigbang --kubeconfig-merge-default --kubeconfig-switch-context",
            ]);
            assert.equal(fs.readFileSync(storedConfig, "utf8"), CONFIG);
        });

        waitingCase("says at least every progress interval what the create waits for, the time against its limit and the node states", async ({ env }) => {
            // k3d silent for 4 s (as while it pulls images), then done: four progress intervals of 1 s.
            const result = await runTimed(K3D_SCRIPT_FILES.create, [CLUSTER, "30"], env({ K3D_STUB_CREATE: "hang", K3D_STUB_HANG_SECONDS: "4", K3D_PROGRESS_SECONDS: "1" }), SPAWN_TIMEOUT_MS, CONFIG);
            assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
            const progress = result.lines.filter((l) => l.text.startsWith("k3d cluster create bigbang: "));
            assert.ok(progress.length >= 3, `expected a progress line a second over ${result.elapsedMs} ms:\n${result.stdout}`);
            for (const line of progress) assert.match(line.text, /^k3d cluster create bigbang: \d+s of 30s; nodes: (agent|server|loadbalancer) running(, (agent|server|loadbalancer) running)*$/);
            assert.ok(longestSilenceMs(result) <= 1000 + SCHEDULING_SLACK_MS, `silent for ${longestSilenceMs(result)} ms:\n${JSON.stringify(result.lines, null, 1)}`);
            assert.match(result.stdout, /created k3d cluster bigbang\n$/, "the ticker stops with the create");
            assert.ok(result.elapsedMs < 8_000, `the ticker outlived the create (${result.elapsedMs} ms)`);
        });

        waitingCase("fails when k3d hangs and the nodes are not running", async ({ create, storedConfig }) => {
            const result = await create(CONFIG, { K3D_STUB_CREATE: "hang-nodes-down" }, "2");
            assert.notEqual(result.code, 0, show(result));
            assert.ok(result.elapsedMs < 15_000, `the hung k3d was not cut off at the timeout (${result.elapsedMs} ms)`);
            assert.match(result.stderr, /timed out after 2s and not every node of bigbang is running/);
            assert.match(result.stderr, /server created/, "the node states are not shown");
            assert.equal(fs.existsSync(storedConfig), false, "the config of a failed create must not be kept for reuse");
        });

        it("fails with k3d's output when the create fails", async () => {
            const result = await create(CONFIG, { K3D_STUB_CREATE: "fail" });
            assert.notEqual(result.code, 0, show(result));
            assert.match(result.stderr, /port 443 is already allocated/);
            assert.match(result.stderr, /k3d cluster create bigbang failed with exit status 1/);
            assert.equal(fs.existsSync(storedConfig), false, "the config of a failed create must not be kept for reuse");
        });

        it("reuses a healthy cluster with the same config without creating it again", async () => {
            assert.equal((await create(CONFIG)).code, 0);
            takeCalls();
            const result = await create(CONFIG);
            assert.equal(result.code, 0, show(result));
            assert.match(result.stdout, /reusing k3d cluster bigbang/);
            assert.deepEqual(takeCalls(), ["node list --no-headers"]);
        });

        it("deletes and creates again when the config changed", async () => {
            assert.equal((await create(CONFIG)).code, 0);
            takeCalls();
            const result = await create(CHANGED_CONFIG);
            assert.equal(result.code, 0, show(result));
            assert.match(result.stdout, /exists with a different config/);
            assert.deepEqual(takeCalls(), ["node list --no-headers", "cluster delete bigbang", `cluster create --config ${storedConfig}`]);
            assert.equal(fs.readFileSync(storedConfig, "utf8"), CHANGED_CONFIG);
        });

        it("deletes and creates again when a node of the cluster is not running", async () => {
            assert.equal((await create(CONFIG)).code, 0);
            takeCalls();
            const nodes = fs.readFileSync(stateFile, "utf8").replace(/^(k3d-bigbang-agent-1 agent bigbang) running$/m, "$1 exited");
            fs.writeFileSync(stateFile, nodes);
            const result = await create(CONFIG);
            assert.equal(result.code, 0, show(result));
            assert.match(result.stdout, /not every node is running/);
            assert.deepEqual(takeCalls(), ["node list --no-headers", "cluster delete bigbang", `cluster create --config ${storedConfig}`]);
        });

        it("creates again when the cluster exists but no config was stored for it", async () => {
            assert.equal((await create(CONFIG)).code, 0);
            fs.rmSync(storedConfig);
            takeCalls();
            const result = await create(CONFIG);
            assert.equal(result.code, 0, show(result));
            assert.deepEqual(takeCalls(), ["node list --no-headers", "cluster delete bigbang", `cluster create --config ${storedConfig}`]);
        });

        it("fails clearly when k3d cannot reach Docker", async () => {
            const result = await create(CONFIG, { K3D_STUB_DOCKER: "down" });
            assert.notEqual(result.code, 0, show(result));
            assert.match(result.stderr, /k3d cannot list nodes/);
            assert.equal(takeCalls().some((call) => call.startsWith("cluster create")), false);
        });

        it("refuses an empty config and bad arguments", async () => {
            const empty = await create("");
            assert.notEqual(empty.code, 0, show(empty));
            assert.match(empty.stderr, /config on stdin is empty/);
            const badTimeout = await runScript(K3D_SCRIPT_FILES.create, [CLUSTER, "soon"], env(), CONFIG);
            assert.notEqual(badTimeout.code, 0, show(badTimeout));
            assert.match(badTimeout.stderr, /invalid timeout/);
            const noArgs = await runScript(K3D_SCRIPT_FILES.create, [], env(), CONFIG);
            assert.notEqual(noArgs.code, 0, show(noArgs));
            assert.match(noArgs.stderr, /usage: k3d-cluster-create <cluster-name> <timeout-seconds>/);
            assert.deepEqual(takeCalls(), []);
        });

        for (const c of waiting) it(c.title, () => running.get(c.title));
    });

    describe("k3d-cluster-delete.sh", () => {
        it("deletes an existing cluster and its stored config", async () => {
            assert.equal((await create(CONFIG)).code, 0);
            takeCalls();
            const result = await remove();
            assert.equal(result.code, 0, show(result));
            assert.deepEqual(takeCalls(), ["node list --no-headers", "cluster delete bigbang"]);
            assert.equal(fs.readFileSync(stateFile, "utf8"), "", "the stub still has nodes of the cluster");
            assert.equal(fs.existsSync(storedConfig), false);
        });

        it("succeeds when the cluster does not exist", async () => {
            fs.mkdirSync(path.dirname(storedConfig), { recursive: true });
            fs.writeFileSync(storedConfig, CONFIG);
            const result = await remove();
            assert.equal(result.code, 0, show(result));
            assert.match(result.stdout, /does not exist; nothing to delete/);
            assert.deepEqual(takeCalls(), ["node list --no-headers"]);
            assert.equal(fs.existsSync(storedConfig), false);
        });

        it("succeeds when k3d is not installed", async () => {
            fs.mkdirSync(path.dirname(storedConfig), { recursive: true });
            fs.writeFileSync(storedConfig, CONFIG);
            const result = await remove({}, false);
            assert.equal(result.code, 0, show(result));
            assert.match(result.stdout, /k3d is not installed/);
            assert.deepEqual(takeCalls(), []);
            assert.equal(fs.existsSync(storedConfig), false);
        });

        it("succeeds when Docker is gone", async () => {
            const result = await remove({ K3D_STUB_DOCKER: "down" });
            assert.equal(result.code, 0, show(result));
            assert.match(result.stdout, /cannot reach Docker/);
            assert.match(result.stderr, /Cannot connect to the Docker daemon/);
        });
    });
});
