// No credential outlives a push (issue 21 §1): helm-push.sh's `helm registry
// login` writes the login in plain text where HELM_REGISTRY_CONFIG points
// (default ~/.config/helm/registry/config.json). A stub helm writes the login
// where the real one would and records the file; after a push that succeeds,
// fails or is cancelled, neither that file nor anything else is left in HOME
// or the temp folder.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { scriptNamed, runScriptFile } from "../support/scripts";

const SCRIPT = path.join(scriptNamed("helm-push").dir, "helm-push.sh");
const PASSWORD = "s3cret-registry-token";

/** Every file and folder under `dir`, relative. */
function tree(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

describe("helm-push.sh leaves no registry login behind (stub helm)", function () {
    this.timeout(30_000);
    let tmp: string;
    let home: string;
    let temp: string;
    let bin: string;
    let writes: string;
    let archive: string;

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-pushcred-"));
        home = path.join(tmp, "home");
        temp = path.join(tmp, "tmp");
        bin = path.join(tmp, "bin");
        writes = path.join(tmp, "writes.log");
        for (const d of [home, temp, bin]) fs.mkdirSync(d);
        fs.writeFileSync(writes, "");
        // Writes the login where helm v3 does (pkg/cli/environment.go: $HELM_REGISTRY_CONFIG, else
        // helmpath.ConfigPath("registry/config.json") = $XDG_CONFIG_HOME or ~/.config, /helm/registry/config.json).
        // STUB_FAIL=push fails the push; STUB_FAIL=hang makes it hang until killed.
        fs.writeFileSync(path.join(bin, "helm"), `#!/usr/bin/env bash
set -euo pipefail
case "$1" in
  registry)
    file=\${HELM_REGISTRY_CONFIG:-\${XDG_CONFIG_HOME:-$HOME/.config}/helm/registry/config.json}
    mkdir -p "$(dirname "$file")"
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$3" "$(printf '%s:%s' "$5" "$(cat)" | base64 -w0)" > "$file"
    echo "$file" >> ${JSON.stringify(writes)} ;;
  package)
    name=$(sed -n 's/^name: //p' "$2/Chart.yaml")
    : > "$6/$name-$4.tgz" ;;
  push)
    case "\${STUB_FAIL:-}" in
      push) echo "Error: unexpected status from HEAD request: 503" >&2; exit 1 ;;
      hang) echo started >> ${JSON.stringify(writes)}.push; sleep 30 ;;
    esac ;;
  *) ;;
esac
`, { mode: 0o755 });
        const chart = path.join(tmp, "chart");
        fs.mkdirSync(chart);
        fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: podinfo\nversion: 1.0.0\n");
        archive = path.join(tmp, "podinfo.tar");
        const tar = spawn("tar", ["-cf", archive, "-C", chart, "Chart.yaml"]);
        return new Promise<void>((resolve, reject) => tar.on("close", (code) => code === 0 ? resolve() : reject(new Error(`tar exited ${code}`))));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: `${bin}:/usr/bin:/bin`, HOME: home, TMPDIR: temp, ...extra });
    const args = () => [archive, "1.0.0+content.0123456789ab", "oci://oci.dev.bigbang.mil:5000", "oci.dev.bigbang.mil:5000", "bigbang"];

    function assertNothingLeft(): void {
        const written = fs.readFileSync(writes, "utf8").trim().split("\n").filter((l) => l !== "");
        assert.equal(written.length, 1, "the stub recorded one login");
        assert.ok(written[0].startsWith(`${temp}${path.sep}`), `the login was written to ${written[0]}, outside the script's work folder`);
        assert.ok(!fs.existsSync(written[0]), `${written[0]} is still there`);
        assert.deepEqual(tree(home), [], "HOME stays empty");
        assert.deepEqual(tree(temp), [], "the work folder is gone");
    }

    it("after a push that succeeds", async () => {
        const r = await runScriptFile(SCRIPT, args(), env(), { stdin: PASSWORD, timeoutMs: 20_000 });
        assert.equal(r.code, 0, r.stderr);
        assertNothingLeft();
    });

    it("after a push that fails", async () => {
        const r = await runScriptFile(SCRIPT, args(), env({ STUB_FAIL: "push" }), { stdin: PASSWORD, timeoutMs: 20_000 });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /503/);
        assertNothingLeft();
    });

    it("after a push cancelled by SIGTERM or a lost SSH session (SIGHUP) to its process group", async () => {
        for (const signal of ["SIGTERM", "SIGHUP"] as const) {
            fs.writeFileSync(writes, "");
            fs.rmSync(`${writes}.push`, { force: true });
            const text = fs.readFileSync(SCRIPT, "utf8");
            const child = spawn("bash", ["-c", text, "helm-push", ...args()], { env: env({ STUB_FAIL: "hang" }), detached: true, stdio: ["pipe", "ignore", "ignore"] });
            child.stdin.end(PASSWORD);
            const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
            const deadline = Date.now() + 10_000;
            while (!fs.existsSync(`${writes}.push`)) {
                assert.ok(Date.now() < deadline, "the stub push never started");
                await new Promise((r) => setTimeout(r, 50));
            }
            assert.ok(child.pid !== undefined);
            process.kill(-child.pid, signal);
            const code = await Promise.race([closed, new Promise<"hung">((r) => setTimeout(() => r("hung"), 10_000))]);
            if (code === "hung") process.kill(-child.pid, "SIGKILL");
            assert.equal(code, signal === "SIGTERM" ? 143 : 129, `${signal}: exit status`);
            assertNothingLeft();
        }
    });
});
