// scripts/pulumi-local.sh (npm run up / preview / destroy) against a stub
// `pulumi` on PATH that keeps its stacks in a folder and logs every call.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const WRAPPER = path.resolve(__dirname, "../../scripts/pulumi-local.sh");
const EXAMPLE = path.resolve(__dirname, "../../stack-config.example.yaml");

/** bash from PATH, for the stubs' first line: no `env` process in front of every stub call. */
const BASH = (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter).map((dir) => path.join(dir, "bash"))
    .find((file) => { try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; } }) ?? "/bin/bash";

const STUB = `#!${BASH}
[ "$1" = version ] && { echo "\${STUB_PULUMI_VERSION:-v3.276.0}"; exit 0; }
echo "$* passphrase_file=\${PULUMI_CONFIG_PASSPHRASE_FILE:-}" >>"$STUB_DIR/calls"
if [ "$1 $2" = "stack select" ]; then
  [ -n "\${STUB_FAIL_SELECT:-}" ] && { echo "error: stub select failure" >&2; exit 1; }
  if [ "$3" = "--create" ]; then touch "$STUB_DIR/stacks/$4"; exit 0; fi
  [ -e "$STUB_DIR/stacks/$3" ] || { echo "error: no stack named '$3' found" >&2; exit 255; }
  exit 0
fi
exit "\${STUB_EXIT:-0}"
`;

interface WrapperRun {
    status: number | null;
    stderr: string;
    calls: string[];
    stacks: string[];
    passphraseFile: string;
}

describe("scripts/pulumi-local.sh", function () {
    this.timeout(30_000);
    let dir: string;
    let home: string;
    let stubDir: string;
    /** A copy of the project (the script, the example, node_modules) so the stack file it seeds lands there. */
    let project: string;
    let wrapper: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-wrapper-"));
        home = path.join(dir, "home");
        stubDir = path.join(dir, "stub");
        project = path.join(dir, "project");
        wrapper = path.join(project, "scripts", "pulumi-local.sh");
        fs.mkdirSync(path.join(project, "scripts"), { recursive: true });
        fs.mkdirSync(path.join(project, "node_modules"));
        fs.copyFileSync(WRAPPER, wrapper);
        fs.copyFileSync(EXAMPLE, path.join(project, "stack-config.example.yaml"));
        fs.mkdirSync(home);
        fs.mkdirSync(path.join(stubDir, "bin"), { recursive: true });
        fs.mkdirSync(path.join(stubDir, "stacks"));
        fs.writeFileSync(path.join(stubDir, "bin", "pulumi"), STUB, { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function run(args: string[], env: Record<string, string> = {}): WrapperRun {
        const result = spawnSync("bash", [wrapper, ...args], {
            env: { PATH: `${path.join(stubDir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: home, STUB_DIR: stubDir, ...env },
            encoding: "utf8",
            timeout: 20_000,
        });
        const callsFile = path.join(stubDir, "calls");
        return {
            status: result.status,
            stderr: result.stderr,
            calls: fs.existsSync(callsFile) ? fs.readFileSync(callsFile, "utf8").trim().split("\n") : [],
            stacks: fs.readdirSync(path.join(stubDir, "stacks")),
            passphraseFile: path.join(home, ".config", "bigbang-oci-dev", "passphrase"),
        };
    }

    it("up on a fresh machine creates a 0600 passphrase and the stack, then runs pulumi up with it", () => {
        const r = run(["up", "--yes"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.statSync(r.passphraseFile).mode & 0o777, 0o600);
        assert.ok(fs.readFileSync(r.passphraseFile, "utf8").trim().length >= 40);
        assert.deepEqual(r.stacks, ["dev"]);
        assert.deepEqual(r.calls, [
            `stack select --create dev passphrase_file=${r.passphraseFile}`,
            // up first looks for the host's instance-state resource to refresh; a new stack has none.
            `stack export passphrase_file=${r.passphraseFile}`,
            `up --yes passphrase_file=${r.passphraseFile}`,
        ]);
        assert.match(r.stderr, /Created a state passphrase/);
    });

    it("destroy on a fresh machine creates neither a passphrase nor a stack, and says why", () => {
        const r = run(["destroy", "--yes"]);
        assert.equal(r.status, 1);
        assert.equal(fs.existsSync(r.passphraseFile), false);
        assert.equal(fs.existsSync(path.join(home, ".config", "bigbang-oci-dev")), false);
        assert.equal(fs.existsSync(path.join(project, "Pulumi.dev.yaml")), false);
        assert.deepEqual(r.stacks, []);
        assert.deepEqual(r.calls, []);
        assert.match(r.stderr, /nothing to destroy/);
    });

    it("destroy with a passphrase but no stack does not create the stack", () => {
        const r = run(["destroy", "--yes"], { PULUMI_CONFIG_PASSPHRASE: "secret", PULUMI_STACK: "other" });
        assert.equal(r.status, 1);
        assert.deepEqual(r.stacks, []);
        assert.deepEqual(r.calls, ["stack select other passphrase_file="]);
        assert.match(r.stderr, /no stack named 'other' found/);
        assert.match(r.stderr, /'destroy' does not create it/);
    });

    it("destroy after up selects the existing stack and reuses the passphrase", () => {
        assert.equal(run(["up"]).status, 0);
        const before = fs.readFileSync(path.join(home, ".config", "bigbang-oci-dev", "passphrase"), "utf8");
        const r = run(["destroy", "--yes"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(r.passphraseFile, "utf8"), before);
        assert.deepEqual(r.calls.slice(3), [`stack select dev passphrase_file=${r.passphraseFile}`, `destroy --yes passphrase_file=${r.passphraseFile}`]);
    });

    it("leaves no passphrase behind when selecting the stack fails", () => {
        const r = run(["up"], { STUB_FAIL_SELECT: "1" });
        assert.notEqual(r.status, 0);
        assert.equal(fs.existsSync(path.join(home, ".config", "bigbang-oci-dev")), false, "the folder it made for the passphrase is gone too");
        assert.match(r.stderr, /Removed the passphrase file this run created/);
        assert.deepEqual(r.stacks, []);
    });

    it("keeps a passphrase it did not create when selecting the stack fails", () => {
        fs.mkdirSync(path.join(home, ".config", "bigbang-oci-dev"), { recursive: true });
        fs.writeFileSync(path.join(home, ".config", "bigbang-oci-dev", "passphrase"), "existing\n", { mode: 0o600 });
        const r = run(["up"], { STUB_FAIL_SELECT: "1" });
        assert.notEqual(r.status, 0);
        assert.equal(fs.readFileSync(r.passphraseFile, "utf8"), "existing\n");
    });

    it("passes pulumi's own exit status through", () => {
        const r = run(["preview"], { STUB_EXIT: "3", PULUMI_CONFIG_PASSPHRASE_FILE: "/dev/null" });
        assert.equal(r.status, 3);
        assert.equal(fs.existsSync(path.join(home, ".config", "bigbang-oci-dev")), false, "an exported passphrase file is used as it is");
    });

    it("says how to install pulumi when it is not on PATH", () => {
        const result = spawnSync("bash", [WRAPPER, "up"], { env: { PATH: "/usr/bin:/bin", HOME: home }, encoding: "utf8", timeout: 20_000 });
        if (fs.existsSync("/usr/bin/pulumi") || fs.existsSync("/bin/pulumi")) return;
        assert.equal(result.status, 1);
        assert.match(result.stderr, /pulumi is not installed: see https:\/\/www\.pulumi\.com\/docs\/install\//);
        assert.equal(fs.existsSync(path.join(home, ".config")), false);
    });

    it("keeps the passphrase outside ~/.pulumi, the folder of the state it unlocks", () => {
        const r = run(["up"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.existsSync(path.join(home, ".pulumi")), false);
        assert.equal(fs.statSync(path.dirname(r.passphraseFile)).mode & 0o077, 0, "its folder is private too");
    });

    it("refuses a passphrase file that others can read, and says how to fix it", () => {
        assert.equal(run(["up"]).status, 0);
        const file = path.join(home, ".config", "bigbang-oci-dev", "passphrase");
        fs.chmodSync(file, 0o644);
        const r = run(["up"]);
        assert.equal(r.status, 1);
        assert.ok(r.stderr.includes(`${file} is readable or writable by others; it unlocks the stack's secrets. Run: chmod 600 '${file}'`), r.stderr);
        assert.equal(r.calls.length, 3, "pulumi did not run again");
    });

    it("keeps using a passphrase in the old ~/.pulumi place, and says how to move it", () => {
        const legacy = path.join(home, ".pulumi", "bigbang-oci-dev.passphrase");
        fs.mkdirSync(path.dirname(legacy));
        fs.writeFileSync(legacy, "old-passphrase\n", { mode: 0o600 });
        const r = run(["destroy", "--yes"], {});
        assert.ok(r.calls.includes(`stack select dev passphrase_file=${legacy}`), r.calls.join("\n"));
        assert.match(r.stderr, /The state passphrase is in .*\.pulumi\/bigbang-oci-dev\.passphrase, beside the state it unlocks\. Move it:/);
        assert.ok(r.stderr.includes(`mv '${legacy}' '${path.join(home, ".config", "bigbang-oci-dev", "passphrase")}'`));
        assert.equal(fs.existsSync(path.join(home, ".config", "bigbang-oci-dev")), false, "nothing new is created");
    });

    it("seeds the git-ignored stack file from the example on the first up, privately, and never overwrites it", () => {
        const r = run(["up"]);
        assert.equal(r.status, 0, r.stderr);
        const stackFile = path.join(project, "Pulumi.dev.yaml");
        assert.equal(fs.readFileSync(stackFile, "utf8"), fs.readFileSync(EXAMPLE, "utf8"));
        assert.equal(fs.statSync(stackFile).mode & 0o077, 0);
        assert.match(r.stderr, /Created Pulumi\.dev\.yaml from stack-config\.example\.yaml/);
        fs.writeFileSync(stackFile, "config:\n  aws:region: us-west-2\n");
        assert.equal(run(["up"]).status, 0);
        assert.equal(fs.readFileSync(stackFile, "utf8"), "config:\n  aws:region: us-west-2\n");
    });
    it("refuses a CLI older than 3.260.0 (deletedWith during replacement) with one line that says how to upgrade, and runs nothing", () => {
        for (const old of ["v3.259.0", "v3.100.2", "v2.25.0"]) {
            const r = run(["up"], { STUB_PULUMI_VERSION: old });
            assert.equal(r.status, 1, old);
            assert.deepEqual(r.calls, [], "no other pulumi command ran");
            const lines = r.stderr.trim().split("\n");
            assert.equal(lines.length, 1, r.stderr);
            assert.ok(lines[0].startsWith(`pulumi ${old.slice(1)} is too old: this program needs 3.260.0 or newer; upgrade with`), lines[0]);
        }
    });

    it("accepts 3.260.0 and newer, pre-releases of newer versions included", () => {
        for (const ok of ["v3.260.0", "v3.276.0", "v3.300.1-alpha.x123", "v4.0.0"]) {
            const r = run(["preview"], { STUB_PULUMI_VERSION: ok, PULUMI_CONFIG_PASSPHRASE: "x" });
            assert.equal(r.status, 0, `${ok}: ${r.stderr}`);
        }
    });
});
