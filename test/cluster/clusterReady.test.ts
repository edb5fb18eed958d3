// k3d-cluster-ready.sh, the step that runs after the cluster is created and again
// after every start of the host, against stub kubectl and docker: it returns as
// soon as the API answers /readyz, prints what it waits for with the elapsed time
// against its limit and the latest sign of life while it waits, and fails with
// the nodes' states and the command to start them when the limit runs out.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findOnPath, runScriptFile } from "../support/scripts";

const SCRIPT = path.resolve(__dirname, "../../components/cluster/scripts/k3d-cluster-ready.sh");
const HOST_TOOLS = ["bash", "cat", "sleep", "sort", "tail", "timeout", "tr"];

/** A case's own folder: tools, the stubs, the kubectl log. */
function makeSandbox() {
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-api-ready-"));
    const bin = path.join(sandbox, "bin");
    fs.mkdirSync(bin);
    for (const tool of HOST_TOOLS) fs.symlinkSync(findOnPath(tool, "the cluster readiness test"), path.join(bin, tool));
    // kubectl answers /readyz only from its READY_AFTER-th call on; every call is logged.
    fs.writeFileSync(path.join(bin, "kubectl"), [
        "#!/usr/bin/env bash",
        `echo "$*" >>"${sandbox}/kubectl.log"`,
        // The count is read by bash itself (no cat, no $(...)): a process costs milliseconds on a busy machine.
        `n=0; [ -f "${sandbox}/count" ] && read -r n <"${sandbox}/count"; n=$((n + 1)); echo "$n" >"${sandbox}/count"`,
        `if [ "$n" -ge "\${READY_AFTER:-1}" ]; then echo ok; exit 0; fi`,
        "echo 'The connection to the server 0.0.0.0:6443 was refused - did you specify the right host or port?' >&2",
        "exit 1",
        "",
    ].join("\n"), { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "docker"), "#!/usr/bin/env bash\nprintf 'k3d-bigbang-server-0=restarting\\nk3d-bigbang-serverlb=running\\n'\n", { mode: 0o755 });
    const run = (timeoutSeconds: number, env: Record<string, string>) => runScriptFile(SCRIPT, ["bigbang", String(timeoutSeconds)], {
        PATH: bin, HOME: sandbox, READY_POLL_SECONDS: "0.2", READY_PROGRESS_SECONDS: "1", ...env,
    }, { timeoutMs: 30_000 });
    return { sandbox, run, remove: () => fs.rmSync(sandbox, { recursive: true, force: true }) };
}
type Sandbox = ReturnType<typeof makeSandbox>;

describe("k3d-cluster-ready.sh", function () {
    this.timeout(60_000);

    // The cases wait (2-3 s each, one after another before): all start in before(), each in its own
    // sandbox, and each it() awaits its own, so its assertions and its failure stay its own.
    const cases: { title: string; body: (s: Sandbox) => Promise<void> }[] = [];
    const scriptCase = (title: string, body: (s: Sandbox) => Promise<void>) => cases.push({ title, body });
    const running = new Map<string, Promise<void>>();
    before(() => {
        for (const c of cases) {
            const s = makeSandbox();
            const done = c.body(s).finally(() => s.remove());
            // Awaited by the case's it(); this only keeps a failure from counting as unhandled before then.
            done.catch(() => undefined);
            running.set(c.title, done);
        }
    });

    scriptCase("returns at once when the API answers, asking the cluster's own context", async ({ sandbox, run }) => {
        const result = await run(60, { READY_AFTER: "1" });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /k3d cluster bigbang: API ready after \d+s/);
        assert.match(fs.readFileSync(path.join(sandbox, "kubectl.log"), "utf8"), /^--context k3d-bigbang get --raw=\/readyz$/m);
    });

    scriptCase("waits for the API after a start, printing progress with the elapsed time, the limit and the latest sign of life", async ({ run }) => {
        const result = await run(60, { READY_AFTER: "14" });
        assert.equal(result.code, 0, result.stderr);
        const progress = result.stdout.split("\n").filter((l) => l.includes("waiting for the API,"));
        assert.ok(progress.length >= 1, result.stdout);
        assert.match(progress[0], /^k3d cluster bigbang: waiting for the API, \d+s of 60s \(API: .*refused.*; nodes: k3d-bigbang-server-0=restarting k3d-bigbang-serverlb=running \)$/);
        assert.match(result.stdout, /API ready after \d+s/);
    });

    scriptCase("fails after its limit with the nodes' states and what to run", async ({ run }) => {
        const result = await run(2, { READY_AFTER: "1000" });
        assert.equal(result.code, 1);
        assert.match(result.stderr, /k3d cluster bigbang: API not ready after \d+s \(API: .*; nodes: k3d-bigbang-server-0=restarting/);
        assert.match(result.stderr, /k3d cluster start bigbang/);
        assert.ok(result.elapsedMs < 15_000, `bounded: ${result.elapsedMs} ms`);
    });

    for (const c of cases) it(c.title, () => running.get(c.title));
});
