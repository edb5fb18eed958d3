// wait-metallb-webhook.sh against a stub kubectl that answers the server-side
// dry run the way the API server does while MetalLB's webhook is not serving
// yet (connection refused), then accepts it, denies it, or never answers.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findOnPath, runScriptFile, ScriptRun, scriptNamed } from "../support/scripts";

const SCRIPT = path.join(scriptNamed("wait-metallb-webhook").dir, "wait-metallb-webhook.sh");
const CONTEXT = "k3d-bigbang";
// What the script may run besides kubectl; PATH holds only these.
const HOST_TOOLS = ["bash", "cat", "grep", "tail", "sleep"];
const REFUSED = 'Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "ipaddresspoolvalidationwebhook.metallb.io": failed to call webhook: Post "https://metallb-webhook-service.metallb-system.svc:443/validate-metallb-io-v1beta1-ipaddresspool?timeout=10s": dial tcp 10.43.12.7:443: connect: connection refused';
const DENIED = 'Error from server (Forbidden): error when creating "STDIN": admission webhook "ipaddresspoolvalidationwebhook.metallb.io" denied the request: overlapping CIDRs';

describe("bigbang: wait-metallb-webhook.sh", function () {
    this.timeout(60_000);
    let tmp: string;
    let bin: string;

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-webhook-"));
        bin = path.join(tmp, "bin");
        fs.mkdirSync(bin);
        for (const tool of HOST_TOOLS) fs.symlinkSync(findOnPath(tool, "the wait-metallb-webhook tests"), path.join(bin, tool));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** A kubectl that fails with `failure` for the first `failures` calls, then prints `then` (exit 0) or fails with it. */
    function stubKubectl(opts: { failures: number; failure?: string; then?: { ok: boolean; text: string } }): void {
        const calls = path.join(tmp, "calls");
        fs.writeFileSync(path.join(bin, "kubectl"), [
            "#!/usr/bin/env bash",
            `calls=${JSON.stringify(calls)}`,
            // Read by bash itself (no cat, no $(...)): a process costs milliseconds on a busy machine.
            "n=0; [ -f \"$calls\" ] && read -r n <\"$calls\"; n=$((n + 1))",
            "echo \"$n\" > \"$calls\"",
            `echo "$*" >> ${JSON.stringify(path.join(tmp, "args"))}`,
            `cat >> ${JSON.stringify(path.join(tmp, "stdin"))}`,
            `if [ "$n" -le ${opts.failures} ]; then echo ${JSON.stringify(opts.failure ?? REFUSED)} >&2; exit 1; fi`,
            opts.then ? `echo ${JSON.stringify(opts.then.text)}${opts.then.ok ? "" : " >&2; exit 1"}` : `echo ${JSON.stringify(REFUSED)} >&2; exit 1`,
            "",
        ].join("\n"), { mode: 0o755 });
    }

    function run(args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
        return runScriptFile(SCRIPT, args, { PATH: bin, WAIT_WEBHOOK_POLL_SECONDS: "0", WAIT_WEBHOOK_PROGRESS_SECONDS: "0", ...env }, { timeoutMs: 30_000 });
    }
    const calls = () => Number(fs.readFileSync(path.join(tmp, "calls"), "utf8"));

    it("retries while the webhook refuses connections, then succeeds with a server-side dry run of an IPAddressPool", async () => {
        stubKubectl({ failures: 3, then: { ok: true, text: "ipaddresspool.metallb.io/bigbang-oci-dev-webhook-probe created (server dry run)" } });
        const r = await run([CONTEXT, "60"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(calls(), 4);
        assert.match(r.stdout, /^ready: MetalLB's webhook answered after \d+s$/m);
        assert.equal((r.stdout.match(/^waiting for MetalLB's webhook \(\d+s of 60s\): .*connection refused$/gm) ?? []).length, 3, r.stdout);
        const args = fs.readFileSync(path.join(tmp, "args"), "utf8").trim().split("\n");
        assert.deepEqual([...new Set(args)], [`--context ${CONTEXT} --request-timeout=15s create --dry-run=server -o name -f -`]);
        const probe = fs.readFileSync(path.join(tmp, "stdin"), "utf8").split("apiVersion:").filter((d) => d.trim() !== "")[0];
        assert.match(probe, /metallb\.io\/v1beta1\nkind: IPAddressPool\n.*namespace: metallb-system/s);
        assert.match(probe, /- 192\.0\.2\.1\/32/);
    });

    it("a denial from the webhook itself means it answers", async () => {
        stubKubectl({ failures: 1, then: { ok: false, text: DENIED } });
        const r = await run([CONTEXT, "60"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /ready: .*it denied the probe: .*overlapping CIDRs/);
    });

    it("gives up at the bound with the last error and where to look", async () => {
        stubKubectl({ failures: 1_000_000 });
        // Tries 2 s apart: a first line printed only after a sleep would read 2s or more. A loaded machine may
        // cross one second boundary before the first try fails, so 0s and 1s both mean "at once".
        const r = await run([CONTEXT, "3"], { WAIT_WEBHOOK_POLL_SECONDS: "2", WAIT_WEBHOOK_PROGRESS_SECONDS: "1" });
        assert.equal(r.code, 1, r.stdout);
        assert.ok(r.elapsedMs < 12_000, `bounded: ${r.elapsedMs} ms`);
        assert.match(r.stderr, /^error: MetalLB's webhook did not answer within 3s, so the address pools cannot be created\. Last error: .*connection refused$/m);
        assert.match(r.stderr, /^hint: kubectl --context k3d-bigbang -n metallb-system get pods,endpoints/m);
        assert.match(r.stdout.split("\n")[0], /^waiting for MetalLB's webhook \([01]s of 3s\)/, `the first failure is reported at once:\n${r.stdout}`);
    });

    it("refuses bad arguments", async () => {
        stubKubectl({ failures: 0, then: { ok: true, text: "" } });
        assert.equal((await run([CONTEXT])).code, 2);
        assert.equal((await run([CONTEXT, "soon"])).code, 2);
        assert.equal((await run([CONTEXT, "60"], { WAIT_WEBHOOK_POLL_SECONDS: "-1" })).code, 2);
    });
});
