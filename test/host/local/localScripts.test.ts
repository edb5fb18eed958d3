// The `local` backend's scripts against stubs: on-engine.sh (a delete runs only
// against the engine it was created on), local-ready.sh (Docker answers, the
// tools are there at the pinned versions) and helm-container.sh (registry
// subcommands in the Helm container, the password on stdin only).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_SCRIPTS } from "../../../components/host/local/localHost";
import { HOST_SCRIPTS } from "../../../components/host/remoteScript";
import { allScripts, bashEnv, findOnPath, runScriptFile } from "../../support/scripts";

const SCRIPT = (name: string): string => path.join(LOCAL_SCRIPTS.dir, `${name}.sh`);
const BASE_PATH = "/usr/bin:/bin";

function executable(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o755 });
}

describe("local backend scripts", () => {
    let dir: string;
    let bin: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-scripts-"));
        bin = path.join(dir, "bin");
    });
    afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    const env = (): NodeJS.ProcessEnv => ({ PATH: `${bin}:${BASE_PATH}`, HOME: dir });

    it("are found by the shellcheck and remoteScript tests (test/support/scripts.ts)", () => {
        const names = allScripts().map((s) => s.name);
        for (const name of ["local-ready", "on-engine", "helm-container"]) assert.ok(names.includes(name), names.join(", "));
    });

    describe("on-engine.sh", () => {
        const engine = (id: string | undefined): void => executable(path.join(bin, "docker"), id === undefined
            ? `#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n`
            : `#!/bin/sh\n[ "$1 $2 $3" = "info --format {{.ID}}" ] || exit 3\necho '${id}'\n`);

        it("runs the delete against the engine it names", async () => {
            engine("ENGINE:ONE");
            const marker = path.join(dir, "ran");
            const run = await runScriptFile(SCRIPT("on-engine"), ["ENGINE:ONE", "sh", "-c", `touch ${marker}`], env(), { timeoutMs: 20_000 });
            assert.equal(run.code, 0, run.stderr);
            assert.ok(fs.existsSync(marker));
        });

        it("skips it against another engine, and counts it as done", async () => {
            engine("ENGINE:TWO");
            const marker = path.join(dir, "ran");
            const run = await runScriptFile(SCRIPT("on-engine"), ["ENGINE:ONE", "sh", "-c", `touch ${marker}`], env(), { timeoutMs: 20_000 });
            assert.equal(run.code, 0, run.stderr);
            assert.ok(!fs.existsSync(marker));
            assert.match(run.stdout, /this Docker Engine is ENGINE:TWO, not ENGINE:ONE: nothing of ENGINE:ONE to delete here/);
        });

        it("fails when no engine answers: what it deletes is still there", async () => {
            engine(undefined);
            const run = await runScriptFile(SCRIPT("on-engine"), ["ENGINE:ONE", "true"], env(), { timeoutMs: 20_000 });
            assert.equal(run.code, 1);
            assert.match(run.stderr, /the Docker Engine does not answer at the default socket .*start Docker and run this again/);
        });
    });

    describe("local-ready.sh", () => {
        const tools = (versions: { k3d?: string; kubectl?: string; helm?: string; curl?: boolean }): void => {
            if (versions.k3d) executable(path.join(bin, "k3d"), `#!/bin/sh\necho "k3d version ${versions.k3d}"\necho "k3s version v1.36.2-k3s1 (default)"\n`);
            if (versions.kubectl) executable(path.join(bin, "kubectl"), `#!/bin/sh\necho '{"clientVersion": {"gitVersion": "${versions.kubectl}"}}'\n`);
            if (versions.helm) executable(path.join(bin, "helm"), `#!/bin/sh\nprintf '%s' '${versions.helm}'\n`);
            if (versions.curl !== false) executable(path.join(bin, "curl"), "#!/bin/sh\nexit 0\n");
        };
        // Only the stubs, bash and coreutils: the machine's own k3d/kubectl/helm stay out of PATH.
        const toolsEnv = (): NodeJS.ProcessEnv => {
            const base = path.join(dir, "base");
            fs.mkdirSync(base, { recursive: true });
            for (const tool of ["bash", "sh", "awk", "sed", "timeout", "tr", "cat"]) fs.symlinkSync(findOnPath(tool, "local-ready tests"), path.join(base, tool));
            return { PATH: `${bin}:${base}`, HOME: dir };
        };

        it("docker: passes when the engine answers, fails saying how to start it", async () => {
            executable(path.join(bin, "docker"), "#!/bin/sh\necho 27.3.1\n");
            const ok = await runScriptFile(SCRIPT("local-ready"), ["docker"], env(), { timeoutMs: 20_000 });
            assert.equal(ok.code, 0, ok.stderr);
            assert.match(ok.stdout, /Docker Engine 27\.3\.1 answers at the default socket/);
            executable(path.join(bin, "docker"), "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n");
            const down = await runScriptFile(SCRIPT("local-ready"), ["docker"], { ...env(), DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, { timeoutMs: 20_000 });
            assert.equal(down.code, 1);
            assert.match(down.stderr, /does not answer at unix:\/\/\/run\/user\/1000\/docker\.sock: Cannot connect .*start Docker .*or set DOCKER_HOST/);
        });

        it("tools: passes when each is first on PATH at the pinned version", async () => {
            tools({ k3d: "v5.8.3", kubectl: "v1.36.2", helm: "v3.18.6" });
            const run = await runScriptFile(SCRIPT("local-ready"), ["tools", "v5.8.3", "v1.36.2", "v3.18.6"], toolsEnv(), { timeoutMs: 20_000 });
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /k3d v5\.8\.3: .*\/bin\/k3d/);
        });

        it("tools: names a missing timeout (macOS without coreutils)", async () => {
            tools({ k3d: "v5.8.3", kubectl: "v1.36.2", helm: "v3.18.6" });
            const noTimeout = toolsEnv();
            fs.rmSync(path.join(dir, "base", "timeout"));
            const run = await runScriptFile(SCRIPT("local-ready"), ["tools", "v5.8.3", "v1.36.2", "v3.18.6"], noTimeout, { timeoutMs: 20_000 });
            assert.equal(run.code, 1);
            assert.match(run.stderr, /needed on PATH at these versions: timeout \(found: none\);.*brew install .*coreutils/);
        });

        it("tools: names each one missing or at another version, and curl", async () => {
            tools({ k3d: "v5.7.0", helm: "v3.18.6", curl: false });
            const run = await runScriptFile(SCRIPT("local-ready"), ["tools", "v5.8.3", "v1.36.2", "v3.18.6"], toolsEnv(), { timeoutMs: 20_000 });
            assert.equal(run.code, 1);
            assert.match(run.stderr, /needed on PATH at these versions: k3d v5\.8\.3 \(found: v5\.7\.0 at [^)]*\/k3d\); kubectl v1\.36\.2 \(found: none\); curl \(found: none\);/);
            assert.doesNotMatch(run.stderr, /bash 5|timeout/, "this machine's bash and timeout are fine");
            assert.doesNotMatch(run.stderr, /helm v3/);
        });
    });

    describe("docker-objects-cleanup.sh (host/scripts, shared by local and ssh)", () => {
        it("removes the labelled containers, then volumes, then networks, and reports what stays", async () => {
            const log = path.join(dir, "docker.log");
            // Lists one object of each kind for the label; the network cannot be removed (still in use).
            executable(path.join(bin, "docker"), `#!/bin/sh
echo "$*" >> ${log}
case "$*" in
  "ps -aq --filter label=bigbang-oci-dev/host-instance=ENGINE:ONE") echo c1 ;;
  "volume ls -q --filter label=bigbang-oci-dev/host-instance=ENGINE:ONE") echo v1 ;;
  "network ls -q --filter label=bigbang-oci-dev/host-instance=ENGINE:ONE") echo n1 ;;
  "network rm n1") exit 1 ;;
esac
exit 0
`);
            const run = await runScriptFile(path.join(HOST_SCRIPTS.dir, "docker-objects-cleanup.sh"), ["bigbang-oci-dev/host-instance=ENGINE:ONE"], env(), { timeoutMs: 20_000 });
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), [
                "ps -aq --filter label=bigbang-oci-dev/host-instance=ENGINE:ONE", "rm -f -v c1",
                "volume ls -q --filter label=bigbang-oci-dev/host-instance=ENGINE:ONE", "volume rm v1",
                "network ls -q --filter label=bigbang-oci-dev/host-instance=ENGINE:ONE", "network rm n1",
            ]);
            assert.match(run.stdout, /removed container c1\nremoved volume v1/);
            assert.match(run.stderr, /could not remove .*: network n1;/);
        });
    });

    describe("helm-container.sh", () => {
        // The shim as the local backend installs it: a file named helm, first on PATH.
        const install = (): { shimDir: string; log: string; stdinLog: string } => {
            const shimDir = path.join(dir, "helm-container");
            executable(path.join(shimDir, "helm"), fs.readFileSync(SCRIPT("helm-container"), "utf8"));
            const log = path.join(dir, "docker.argv");
            const stdinLog = path.join(dir, "docker.stdin");
            executable(path.join(bin, "docker"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > ${log}\ncat > ${stdinLog}\n`);
            executable(path.join(bin, "helm"), `#!/bin/sh\necho "local helm $*"\n`);
            return { shimDir, log, stdinLog };
        };
        const run = (shimDir: string, args: string[], extraEnv: NodeJS.ProcessEnv, stdin = "") => spawnSync(path.join(shimDir, "helm"), args, {
            env: bashEnv({ PATH: `${shimDir}:${bin}:${BASE_PATH}`, HOME: dir, BBOD_HELM_IMAGE: "alpine/helm:3.18.6@sha256:abc", BBOD_HELM_NETWORK: "k3d-network", ...extraEnv }),
            input: stdin, encoding: "utf8", timeout: 20_000,
        });

        it("logs in inside the container on the cluster network, the password on stdin only", () => {
            const { shimDir, log, stdinLog } = install();
            const work = path.join(dir, "work");
            fs.mkdirSync(work);
            const config = path.join(work, "registry-config.json");
            const result = run(shimDir, ["registry", "login", "oci.dev.bigbang.mil:5000", "--username", "dev", "--password-stdin"], { HELM_REGISTRY_CONFIG: config }, "s3cret-pw");
            assert.equal(result.status, 0, result.stderr);
            const argv = fs.readFileSync(log, "utf8").trim().split("\n");
            const uid = String(os.userInfo().uid);
            const gid = String(os.userInfo().gid);
            assert.deepEqual(argv, [
                "run", "--rm", "-i", "--network", "k3d-network", "--user", `${uid}:${gid}`,
                "-e", "HELM_CACHE_HOME=/tmp/helm/cache", "-e", "HELM_CONFIG_HOME=/tmp/helm/config", "-e", "HELM_DATA_HOME=/tmp/helm/data",
                "-v", `${work}:${work}`, "-e", `HELM_REGISTRY_CONFIG=${config}`,
                "alpine/helm:3.18.6@sha256:abc", "registry", "login", "oci.dev.bigbang.mil:5000", "--username", "dev", "--password-stdin",
            ]);
            assert.ok(!argv.join(" ").includes("s3cret-pw"));
            assert.equal(fs.readFileSync(stdinLog, "utf8"), "s3cret-pw");
        });

        it("pushes the package from its folder, mounted read-only at the same path", () => {
            const { shimDir, log } = install();
            const out = path.join(dir, "work", "out");
            fs.mkdirSync(out, { recursive: true });
            const pkg = path.join(out, "podinfo-6.5.0.tgz");
            fs.writeFileSync(pkg, "tgz");
            const result = run(shimDir, ["push", pkg, "oci://oci.dev.bigbang.mil:5000"], { HELM_REGISTRY_CONFIG: path.join(dir, "work", "registry-config.json") });
            assert.equal(result.status, 0, result.stderr);
            const argv = fs.readFileSync(log, "utf8").trim().split("\n");
            assert.ok(argv.includes(`${out}:${out}:ro`), argv.join(" "));
            assert.deepEqual(argv.slice(-3), ["push", pkg, "oci://oci.dev.bigbang.mil:5000"]);
        });

        it("runs every other subcommand with the next helm on PATH, not in a container", () => {
            const { shimDir, log } = install();
            const result = run(shimDir, ["package", "/tmp/chart", "--version", "1.0.0"], {});
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.stdout.trim(), "local helm package /tmp/chart --version 1.0.0");
            assert.ok(!fs.existsSync(log));
        });
    });
});
