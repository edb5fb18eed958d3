import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kubeTool } from "../support/kubeTools";
import { SCHEDULING_SLACK_MS, longestSilenceMs, runTimed } from "../support/progress";
import { findOnPath as findOnPathIn, runScriptFile, ScriptRun, scriptNamed } from "../support/scripts";

const SCRIPT = path.join(scriptNamed("wait-helmreleases").dir, "wait-helmreleases.sh");
const STUB_DIR = path.join(__dirname, "..", "fixtures", "kubectl-stub");
const CONTEXT = "k3d-bigbang";
const SPAWN_TIMEOUT_MS = 30_000;

// Everything the script (and the stub) may run besides kubectl. PATH holds only
// these, so a script that needs another tool, such as jq, fails here too.
const HOST_TOOLS = ["bash", "awk", "grep", "head", "mktemp", "rm", "sleep", "tr"];

type RunResult = ScriptRun;
const findOnPath = (tool: string): string => findOnPathIn(tool, "the wait-helmreleases tests");

function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
    return runScriptFile(SCRIPT, args, env, { timeoutMs: SPAWN_TIMEOUT_MS });
}

function show(r: RunResult): string {
    return `exit ${r.code} after ${r.elapsedMs} ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

interface HrSpec {
    namespace: string;
    name: string;
    repo?: string;
    chart?: string;
    sourceKind?: string;
    generation?: number;
    observedGeneration?: number;
    revision?: string;
    ready?: { status: "True" | "False" | "Unknown"; reason: string; message: string };
    stalled?: boolean;
    /** status.lastHandledReconcileAt; TOKEN unless given, none when null. */
    handled?: string | null;
}

/** A HelmRelease as helm-controller's API v2 reports it. */
function helmRelease(s: HrSpec): object {
    const conditions: object[] = [];
    if (s.ready) conditions.push({ type: "Ready", status: s.ready.status, reason: s.ready.reason, message: s.ready.message, lastTransitionTime: "2026-11-28T10:00:00Z" });
    if (s.stalled) conditions.push({ type: "Stalled", status: "True", reason: "RetriesExceeded", message: "Failed to install after 1 attempt(s)" });
    return {
        apiVersion: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: { namespace: s.namespace, name: s.name, generation: s.generation ?? 1 },
        spec: {
            releaseName: s.name,
            chart: { spec: { chart: s.chart ?? s.name, version: s.revision ?? "1.0.0", sourceRef: { kind: s.sourceKind ?? "HelmRepository", name: s.repo ?? "registry1", namespace: "bigbang" } } },
        },
        status: {
            observedGeneration: s.observedGeneration ?? s.generation ?? 1,
            ...(s.revision !== undefined ? { lastAttemptedRevision: s.revision } : {}),
            ...(s.handled === null ? {} : { lastHandledReconcileAt: s.handled ?? TOKEN }),
            conditions,
        },
    };
}

const READY = { status: "True", reason: "InstallSucceeded", message: "Helm install succeeded for release podinfo/podinfo.v1 with chart podinfo@1.2.3" } as const;
const PROGRESSING = { status: "Unknown", reason: "Progressing", message: "Running 'install' action with timeout of 5m0s" } as const;
const FAILED = {
    status: "False",
    reason: "InstallFailed",
    message: "Helm install failed for release podinfo/podinfo with chart podinfo@1.2.3: context deadline exceeded\nlast error:\tpod podinfo-0 is not ready",
} as const;

/** Big Bang's own releases, which the report covers too. */
const ISTIOD_READY: HrSpec = { namespace: "bigbang", name: "istiod", chart: "istiod", revision: "1.30.3-bb.0", ready: { status: "True", reason: "UpgradeSucceeded", message: "ok" } };
const KYVERNO_FAILED: HrSpec = { namespace: "bigbang", name: "kyverno", chart: "kyverno", revision: "3.6.3-bb.0", ready: { status: "False", reason: "UpgradeFailed", message: "Helm upgrade failed: timed out waiting for the condition" } };

const PODINFO = { namespace: "bigbang", name: "podinfo", repo: "dev-registry", chart: "podinfo" };
const VERSION = "1.2.3+content.0123456789ab";
/** The reconcile request this wait makes (the program passes Big Bang's release revision). */
const TOKEN = "7";

/** One case's own folder: the states kubectl answers from, the log of its calls, HOME and the tools on PATH. */
interface Sandbox {
    logFile: string;
    /** What `kubectl get` answers from call number `fromCall` on (until a later state). */
    state(fromCall: number, releases: HrSpec[]): void;
    env(extra?: Record<string, string>): NodeJS.ProcessEnv;
    calls(): string[];
    gets(): string[];
    annotates(): string[];
    wait(timeout: string, triples: string[][], extra?: Record<string, string>): Promise<RunResult>;
    runScript(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult>;
    /** Runs a script once one of the CONCURRENT_CASES slots is free (wait and runScript take one themselves). */
    gate<T>(run: () => Promise<T>): Promise<T>;
}

type Gate = <T>(run: () => Promise<T>) => Promise<T>;

function makeSandbox(realKubectl: string, kubectlCache: string, gate: Gate): { sandbox: Sandbox; remove(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-waithr-"));
    const toolsDir = path.join(dir, "tools");
    const statesDir = path.join(dir, "states");
    const logFile = path.join(dir, "kubectl-calls.log");
    fs.mkdirSync(toolsDir);
    fs.mkdirSync(statesDir);
    fs.mkdirSync(path.join(dir, "home"));
    for (const tool of HOST_TOOLS) fs.symlinkSync(findOnPath(tool), path.join(toolsDir, tool));
    fs.writeFileSync(logFile, "");

    const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
        HOME: path.join(dir, "home"),
        PATH: `${STUB_DIR}${path.delimiter}${toolsDir}`,
        LC_ALL: "C",
        KUBECTL_STUB_LOG: logFile,
        KUBECTL_STUB_STATES: statesDir,
        KUBECTL_STUB_REAL: realKubectl,
        KUBECTL_STUB_CACHE: kubectlCache,
        WAIT_HR_POLL_SECONDS: "1",
        ...extra,
    });
    const calls = () => fs.readFileSync(logFile, "utf8").split("\n").filter((l) => l !== "");
    const sandbox: Sandbox = {
        logFile,
        state(fromCall, releases) {
            const stateDir = path.join(statesDir, String(fromCall));
            fs.mkdirSync(stateDir);
            // Each object's content names its answers in the stub's shared cache (.keys), where the object
            // goes too (objects/, by a rename: a stub may read it at any time) for the stub to evaluate
            // it with others in one kubectl.
            const keys = releases.map((r, i) => {
                const name = `${String(i).padStart(2, "0")}-${r.namespace}-${r.name}.json`;
                const json = JSON.stringify(helmRelease(r));
                fs.writeFileSync(path.join(stateDir, name), json);
                const key = createHash("sha256").update(json).digest("hex");
                const shared = path.join(kubectlCache, "objects", `${key}.json`);
                if (!fs.existsSync(shared)) {
                    fs.writeFileSync(path.join(kubectlCache, `objects-${key}.tmp`), json);
                    fs.renameSync(path.join(kubectlCache, `objects-${key}.tmp`), shared);
                }
                return `${key} ${name}\n`;
            });
            fs.writeFileSync(path.join(stateDir, ".keys"), keys.join(""));
        },
        env,
        calls,
        gets: () => calls().filter((c) => / get /.test(c)),
        annotates: () => calls().filter((c) => / annotate /.test(c)),
        wait: (timeout, triples, extra = {}) => gate(() => runScript([CONTEXT, timeout, TOKEN, ...triples.flat()], env(extra))),
        runScript: (args, scriptEnv) => gate(() => runScript(args, scriptEnv)),
        gate,
    };
    return { sandbox, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The call that asks Flux to reconcile `ns/name` now. */
const annotate = (namespace: string, name: string, token = TOKEN) =>
    `--context ${CONTEXT} --request-timeout=30s annotate --overwrite helmreleases.helm.toolkit.fluxcd.io -n ${namespace} ${name} reconcile.fluxcd.io/requestedAt=${token}`;

/** Cases that run at once: the script polls every second, and one after another they took 40 s. */
const CONCURRENT_CASES = 6;

describe("wait-helmreleases.sh (kubectl stub)", function () {
    this.timeout(60_000);

    // Each case runs in its own sandbox. All of them are started in before(), their scripts at most
    // CONCURRENT_CASES at a time (the timing checks need the CPU), and each it() awaits its own case: its assertions
    // and its failure stay its own.
    const cases: { title: string; body: (sandbox: Sandbox) => Promise<void> }[] = [];
    const scriptCase = (title: string, body: (sandbox: Sandbox) => Promise<void>) => cases.push({ title, body });
    const running = new Map<string, Promise<void>>();

    // The real kubectl's answers for every (state, template), shared by the cases (see the stub).
    let kubectlCache = "";
    after(() => { if (kubectlCache) fs.rmSync(kubectlCache, { recursive: true, force: true }); });

    before(() => {
        kubectlCache = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-waithr-kubectl-"));
        fs.mkdirSync(path.join(kubectlCache, "objects"));
        // kubectl 1.32 from bin/ (npm run kube-tools), not Debian 12's kubernetes-client (1.20): the host runs
        // the pinned kubectl (pins.ts), so the templates are checked by a kubectl near it.
        const realKubectl = kubeTool("kubectl");
        let slots = CONCURRENT_CASES;
        const queue: (() => void)[] = [];
        const slot = () => new Promise<void>((resolve) => {
            if (slots > 0) {
                slots--;
                resolve();
            } else queue.push(resolve);
        });
        const release = () => {
            const next = queue.shift();
            if (next) next();
            else slots++;
        };
        // The cap is on the scripts that run, not on the cases: every case writes its states before its
        // first script (synchronously, here), so the stub's first kubectl evaluates every case's objects.
        const gate: Gate = async (run) => {
            await slot();
            try {
                return await run();
            } finally {
                release();
            }
        };
        for (const c of cases) {
            const done = (async () => {
                const { sandbox, remove } = makeSandbox(realKubectl, kubectlCache, gate);
                try {
                    await c.body(sandbox);
                } finally {
                    remove();
                }
            })();
            // Awaited by the case's it(); this only keeps a failure from counting as unhandled before then.
            done.catch(() => undefined);
            running.set(c.title, done);
        }
    });

    it("passes shellcheck with no findings, with its stub", () => {
        let output = "";
        try {
            output = execFileSync("shellcheck", ["--shell=bash", "--severity=style", SCRIPT, path.join(STUB_DIR, "kubectl")], { encoding: "utf8", timeout: 30_000 });
        } catch (err) {
            const stdout = err instanceof Error && "stdout" in err ? String(err.stdout) : "";
            assert.fail(`shellcheck reported problems:\n${stdout || String(err)}`);
        }
        assert.equal(output, "");
    });

    scriptCase("succeeds at once when the release is already Ready at the version", async ({ state, calls, annotates, wait }) => {
        state(1, [ISTIOD_READY, { ...PODINFO, revision: VERSION, ready: READY }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, new RegExp(`^ready: bigbang/podinfo podinfo ${VERSION.replace(/[.+]/g, "\\$&")}$`, "m"));
        assert.equal(calls().length, 2);
        assert.match(calls()[0], /^--context k3d-bigbang --request-timeout=30s get helmreleases\.helm\.toolkit\.fluxcd\.io --all-namespaces -o jsonpath=/);
        assert.deepEqual(annotates(), [annotate("bigbang", "podinfo")], "a reconcile request for the developer's release only");
        assert.match(r.stdout, /^requested a reconcile of bigbang\/podinfo \(7\)$/m);
    });

    scriptCase("waits until the release has handled this reconcile request, although Ready at the version before", async ({ state, calls, gets, annotates, wait }) => {
        // Only Big Bang's values changed: same generation and version, Ready from the
        // last request (6) until the controller handles the new one (7).
        state(1, [{ ...PODINFO, revision: VERSION, ready: READY, handled: "6" }]);
        state(2, [{ ...PODINFO, revision: VERSION, ready: PROGRESSING, handled: TOKEN }]);
        state(3, [{ ...PODINFO, revision: VERSION, ready: READY, handled: TOKEN }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 0, show(r));
        assert.equal(gets().length, 3);
        assert.deepEqual(annotates(), [annotate("bigbang", "podinfo")], "requested once");
        assert.match(calls()[1], / annotate /, "requested right after the first list");
        assert.match(r.stdout, /waiting: bigbang\/podinfo \(Ready=True, reconcile request 6 handled, want 7\)/);
        assert.match(r.stdout, /^ready: bigbang\/podinfo /m);
    });

    scriptCase("times out when the reconcile request is never handled, and ignores a Stalled from before it", async ({ state, annotates, wait }) => {
        state(1, [{ ...PODINFO, revision: VERSION, ready: FAILED, stalled: true, handled: null }]);
        const r = await wait("2", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 1, show(r));
        assert.match(r.stderr, /^error: timed out after 2s waiting for bigbang\/podinfo \(Ready=False, reconcile request none handled, want 7\)$/m);
        assert.deepEqual(annotates(), [annotate("bigbang", "podinfo")]);
    });

    scriptCase("requests the reconcile again at the next poll when annotating fails", async ({ state, annotates, wait }) => {
        state(1, [{ ...PODINFO, revision: VERSION, ready: READY, handled: "6" }]);
        state(3, [{ ...PODINFO, revision: VERSION, ready: READY, handled: TOKEN }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]], { KUBECTL_STUB_ANNOTATE_DOWN: "1" });
        assert.equal(r.code, 0, show(r));
        assert.deepEqual(annotates(), [annotate("bigbang", "podinfo"), annotate("bigbang", "podinfo")]);
        assert.match(r.stdout, /; kubectl cannot annotate bigbang\/podinfo: The connection to the server/);
    });

    scriptCase("waits until the release becomes Ready after some polls", async ({ state, gets, wait }) => {
        state(1, [{ ...PODINFO, revision: VERSION, ready: PROGRESSING }]);
        state(3, [{ ...PODINFO, revision: VERSION, ready: READY }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 0, show(r));
        assert.equal(gets().length, 3);
        assert.match(r.stdout, /waiting: bigbang\/podinfo \(Ready=Unknown\)/);
        assert.equal(r.stdout.match(/^waiting:/gm)?.length, 1, "unchanged progress is printed once");
    });

    scriptCase("does not count a Ready left over from the previous version or generation", async ({ state, gets, wait }) => {
        // The old version is Ready; then the spec changes (generation 2) but the
        // controller has not observed it; then it tries the new version.
        state(1, [{ ...PODINFO, revision: "1.2.2", ready: READY }]);
        state(2, [{ ...PODINFO, generation: 2, observedGeneration: 1, revision: VERSION, ready: READY }]);
        state(3, [{ ...PODINFO, generation: 2, revision: VERSION, ready: PROGRESSING }]);
        state(4, [{ ...PODINFO, generation: 2, revision: VERSION, ready: READY }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 0, show(r));
        assert.equal(gets().length, 4);
        assert.match(r.stdout, new RegExp(`revision 1\\.2\\.2, want ${VERSION.replace(/[.+]/g, "\\$&")}`));
    });

    scriptCase("waits for every release of every chart, in any namespace", async ({ state, annotates, wait }) => {
        const other = { namespace: "team-a", name: "podinfo-copy", repo: "dev-registry", chart: "podinfo" };
        const api = { namespace: "bigbang", name: "api", repo: "dev-registry", chart: "api" };
        state(1, [{ ...PODINFO, revision: VERSION, ready: READY }, { ...other, revision: VERSION, ready: PROGRESSING }, { ...api, revision: "0.1.0", ready: READY }]);
        state(2, [{ ...PODINFO, revision: VERSION, ready: READY }, { ...other, revision: VERSION, ready: READY }, { ...api, revision: "0.1.0", ready: READY }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION], ["dev-registry", "api", "0.1.0"]]);
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, /^ready: bigbang\/podinfo /m);
        assert.match(r.stdout, /^ready: team-a\/podinfo-copy /m);
        assert.match(r.stdout, /^ready: bigbang\/api api 0\.1\.0$/m);
        assert.deepEqual(annotates(), [annotate("bigbang", "podinfo"), annotate("team-a", "podinfo-copy"), annotate("bigbang", "api")], "each requested once");
    });

    scriptCase("ignores releases of the same chart name from another source", async ({ state, annotates, wait }) => {
        state(1, [
            { ...PODINFO, name: "podinfo-git", sourceKind: "GitRepository", revision: VERSION, ready: FAILED },
            { ...PODINFO, name: "podinfo-upstream", repo: "registry1", revision: VERSION, ready: FAILED },
            { ...PODINFO, revision: VERSION, ready: READY },
        ]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 0, show(r));
        assert.doesNotMatch(r.stdout, /podinfo-git|podinfo-upstream/);
        assert.deepEqual(annotates(), [annotate("bigbang", "podinfo")]);
    });

    scriptCase("times out within its bound and reports every release that is not Ready, messages on one line", async ({ state, gets, annotates, wait }) => {
        state(1, [ISTIOD_READY, KYVERNO_FAILED, { ...PODINFO, revision: VERSION, ready: FAILED }]);
        const r = await wait("3", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 1, show(r));
        assert.ok(r.elapsedMs < 10_000, `not cut off at the timeout (${r.elapsedMs} ms)`);
        const lines = r.stderr.trim().split("\n");
        assert.deepEqual(lines, [
            "HelmReleases that are not Ready:",
            "bigbang/kyverno: Ready=False UpgradeFailed: Helm upgrade failed: timed out waiting for the condition",
            "bigbang/podinfo: Ready=False InstallFailed: Helm install failed for release podinfo/podinfo with chart podinfo@1.2.3: context deadline exceeded last error: pod podinfo-0 is not ready",
            `error: timed out after 3s waiting for bigbang/podinfo (Ready=False)`,
        ]);
        assert.ok(gets().length >= 2 && gets().length <= 6, `polled ${gets().length} times in 3 s at 1 s`);
        assert.deepEqual(annotates(), [annotate("bigbang", "podinfo")]);
    });

    scriptCase("reports the version it still waits for when the old revision stays", async ({ state, wait }) => {
        state(1, [{ ...PODINFO, revision: "1.2.2", ready: READY }]);
        const r = await wait("2", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 1, show(r));
        assert.match(r.stderr, new RegExp(`^error: timed out after 2s waiting for bigbang/podinfo \\(Ready=True, revision 1\\.2\\.2, want ${VERSION.replace(/[.+]/g, "\\$&")}\\)$`, "m"));
        assert.match(r.stderr, /^HelmReleases that are not Ready:$/m);
    });

    scriptCase("fails at once when Flux stalled on the release", async ({ state, wait }) => {
        state(1, [KYVERNO_FAILED, { ...PODINFO, revision: VERSION, ready: FAILED, stalled: true }]);
        const r = await wait("60", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 1, show(r));
        assert.ok(r.elapsedMs < 10_000, show(r));
        assert.match(r.stderr, /^bigbang\/podinfo: Ready=False InstallFailed: Helm install failed/m);
        assert.match(r.stderr, /^error: Flux gave up on bigbang\/podinfo \(Stalled at revision 1\.2\.3\+content\.0123456789ab\); see its message above/m);
    });

    scriptCase("lists at most 60 releases in the report and still ends with the summary", async ({ state, wait }) => {
        const failing: HrSpec[] = Array.from({ length: 70 }, (_, i) => ({ ...KYVERNO_FAILED, name: `pkg-${String(i).padStart(2, "0")}` }));
        state(1, [...failing, { ...PODINFO, revision: VERSION, ready: FAILED, stalled: true }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]]);
        assert.equal(r.code, 1, show(r));
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.filter((l) => / Ready=False /.test(l)).length, 60, show(r));
        assert.match(lines[lines.length - 1], /^error: Flux gave up on bigbang\/podinfo/);
    });

    scriptCase("fails after the missing grace when no release of the chart exists", async ({ state, wait }) => {
        state(1, [ISTIOD_READY]);
        const r = await wait("60", [["dev-registry", "podinfo", VERSION]], { WAIT_HR_MISSING_SECONDS: "2" });
        assert.equal(r.code, 1, show(r));
        assert.ok(r.elapsedMs < 10_000, show(r));
        assert.match(r.stderr, /^error: after \ds still dev-registry\/podinfo \(no HelmRelease of chart podinfo from HelmRepository dev-registry\); check the package's helmRepo repoName and chartName/m);
    });

    scriptCase("waits for a release that appears within the missing grace", async ({ state, calls, wait }) => {
        state(1, []);
        state(2, [{ ...PODINFO, revision: VERSION, ready: READY }]);
        const r = await wait("30", [["dev-registry", "podinfo", VERSION]], { WAIT_HR_MISSING_SECONDS: "20" });
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, /waiting: dev-registry\/podinfo \(no HelmRelease/);
        assert.equal(calls().length, 3);
        assert.match(calls()[1], / get /);
        assert.equal(calls()[2], annotate("bigbang", "podinfo"), "requested when it shows up");
    });

    scriptCase("keeps polling through API errors and says so when they last until the timeout", async ({ state, wait, logFile }) => {
        state(1, [{ ...PODINFO, revision: VERSION, ready: READY }]);
        const recovered = await wait("30", [["dev-registry", "podinfo", VERSION]], { KUBECTL_STUB_DOWN: "1 2" });
        assert.equal(recovered.code, 0, show(recovered));
        assert.match(recovered.stdout, /waiting: kubectl cannot list HelmReleases: The connection to the server/);
        fs.writeFileSync(logFile, "");
        const down = await wait("2", [["dev-registry", "podinfo", VERSION]], { KUBECTL_STUB_DOWN: Array.from({ length: 20 }, (_, i) => i + 1).join(" ") });
        assert.equal(down.code, 1, show(down));
        assert.match(down.stderr, /^cannot list HelmReleases for the report: The connection to the server/m);
        assert.match(down.stderr, /^error: timed out after 2s; kubectl cannot list HelmReleases: The connection/m);
    });

    scriptCase("says at least every progress interval how many HelmReleases are Ready and the slowest one with its reason", async ({ state, env, gate }) => {
        state(1, [ISTIOD_READY, KYVERNO_FAILED, { ...PODINFO, revision: "1.0.0", ready: PROGRESSING }]);
        state(5, [ISTIOD_READY, KYVERNO_FAILED, { ...PODINFO, revision: VERSION, ready: READY }]);
        const r = await gate(() => runTimed(SCRIPT, [CONTEXT, "30", TOKEN, "dev-registry", "podinfo", VERSION], env({ WAIT_HR_PROGRESS_SECONDS: "1" }), SPAWN_TIMEOUT_MS));
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        const progress = r.lines.filter((l) => l.text.startsWith("Big Bang: "));
        assert.ok(progress.length >= 3, `expected a progress line a second over ${r.elapsedMs} ms:\n${r.stdout}`);
        // Every condition in the fixtures has the same lastTransitionTime: the first not Ready in the list wins.
        for (const line of progress) assert.match(line.text, /^Big Bang: \d+s of 30s; Ready 1\/3 HelmReleases; slowest: bigbang\/kyverno \(Ready=False UpgradeFailed\)$/);
        assert.ok(longestSilenceMs(r) <= 1000 + SCHEDULING_SLACK_MS, `silent for ${longestSilenceMs(r)} ms:\n${JSON.stringify(r.lines, null, 1)}`);
    });

    scriptCase("succeeds without kubectl calls when no chart is given", async ({ calls, wait }) => {
        const r = await wait("30", []);
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, /no charts to wait for/);
        assert.deepEqual(calls(), []);
    });

    scriptCase("refuses bad arguments with exit status 2", async ({ env, calls, runScript }) => {
        const cases: [string[], RegExp][] = [
            [[], /expected a kube context, a timeout and a token/],
            [[CONTEXT, "30"], /expected a kube context, a timeout and a token/],
            [[CONTEXT, "soon", TOKEN], /invalid timeout 'soon'/],
            [[CONTEXT, "0", TOKEN], /invalid timeout '0'/],
            [[CONTEXT, "30", "", "dev-registry", "podinfo", VERSION], /invalid token ''/],
            [[CONTEXT, "30", "7 8", "dev-registry", "podinfo", VERSION], /invalid token '7 8'/],
            [[CONTEXT, "30", "$(reboot)", "dev-registry", "podinfo", VERSION], /invalid token/],
            [[CONTEXT, "30", "dev-registry", "podinfo", VERSION], /expected the charts as triples/],
            [[CONTEXT, "30", TOKEN, "dev-registry", "podinfo"], /expected the charts as triples/],
            [[CONTEXT, "30", TOKEN, "dev-registry", "Pod Info", "1.0.0"], /invalid chart name/],
            [[CONTEXT, "30", TOKEN, "dev-registry", "podinfo", "$(reboot)"], /invalid version/],
        ];
        for (const [args, pattern] of cases) {
            const r = await runScript(args, env());
            assert.equal(r.code, 2, show(r));
            assert.match(r.stderr, /^usage: wait-helmreleases <kube-context> <timeout-seconds> <token> /m);
            assert.match(r.stderr, pattern);
        }
        const poll = await runScript([CONTEXT, "30", TOKEN], env({ WAIT_HR_POLL_SECONDS: "0" }));
        assert.equal(poll.code, 2, show(poll));
        assert.deepEqual(calls(), []);
    });

    for (const c of cases) it(c.title, () => running.get(c.title));
});
