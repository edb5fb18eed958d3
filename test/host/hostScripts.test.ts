import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_PATHS, autoShutdownUnits, cloudInitConfig, embeddedScripts } from "../../components/host/aws/cloudInit";
import { AwsHostConfig } from "../../components/config/config";
import { awsHost, defaultStackConfig } from "../support/fixtures";
import { bashEnv } from "../support/scripts";
import { SCHEDULING_SLACK_MS, longestSilenceMs, runTimed } from "../support/progress";

const SCRIPTS_DIR = path.join(__dirname, "..", "..", "components", "host", "scripts");
const HOSTS_BLOCK = path.join(SCRIPTS_DIR, "etc-hosts-block.sh");
const WAIT_CLOUD_INIT = path.join(SCRIPTS_DIR, "wait-cloud-init.sh");
const INSTALL_TOOLS = path.join(SCRIPTS_DIR, "install-tools.sh");

interface RunResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

function realTool(name: string): string {
    const found = spawnSync("/bin/sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    const location = found.stdout.trim();
    if (found.status !== 0 || !location.startsWith("/")) assert.fail(`${name} is needed to run the host scripts in tests and is not installed`);
    return location;
}

const BASH = realTool("bash");

function runBash(script: string, args: string[], env: Record<string, string>): RunResult {
    const result = spawnSync(BASH, [script, ...args], { encoding: "utf8", env: bashEnv(env), timeout: 60_000 });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeExecutable(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o755 });
}

function sha256(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

let tmp = "";
let dirCounter = 0;
function freshDir(label: string): string {
    const dir = path.join(tmp, `${label}-${++dirCounter}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "host-scripts-test-"));
});
after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------

describe("etc-hosts-block.sh", () => {
    const ORIGINAL = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n# a comment\n10.0.0.5 nas.home\n";

    function hostsFile(content = ORIGINAL): string {
        const file = path.join(freshDir("hosts"), "hosts");
        fs.writeFileSync(file, content);
        return file;
    }
    // SUDO empty: the temp file belongs to the test user, so no sudo is needed.
    const run = (file: string, ...args: string[]) => runBash(HOSTS_BLOCK, args, { PATH: process.env.PATH ?? "/usr/bin:/bin", ETC_HOSTS: file, SUDO: "" });
    const block = (line: string) => `# BEGIN bigbang-oci-dev\n${line}\n# END bigbang-oci-dev\n`;

    it("adds one block, and adding again leaves one block", () => {
        const file = hostsFile();
        assert.equal(run(file, "add", "203.0.113.7", "oci.dev.bigbang.mil").status, 0);
        const past = new Date("2001-02-03T04:05:06Z");
        fs.utimesSync(file, past, past);
        const again = run(file, "add", "203.0.113.7", "oci.dev.bigbang.mil");
        assert.equal(again.status, 0, again.stderr);
        assert.equal(fs.readFileSync(file, "utf8"), ORIGINAL + block("203.0.113.7 oci.dev.bigbang.mil"));
        assert.equal(fs.statSync(file).mtime.getTime(), past.getTime(), "an unchanged block is not written again");
    });

    it("replaces the block in place when the address changes, keeping lines other tools added after it", () => {
        const file = hostsFile();
        assert.equal(run(file, "add", "203.0.113.7", "oci.dev.bigbang.mil").status, 0);
        fs.appendFileSync(file, "192.0.2.1 added-later.example\n");
        const result = run(file, "add", "198.51.100.9", "oci.dev.bigbang.mil", "registry.dev.bigbang.mil");
        assert.equal(result.status, 0, result.stderr);
        assert.equal(
            fs.readFileSync(file, "utf8"),
            ORIGINAL + block("198.51.100.9 oci.dev.bigbang.mil registry.dev.bigbang.mil") + "192.0.2.1 added-later.example\n",
        );
    });

    it("removes the block and keeps everything else", () => {
        const file = hostsFile();
        assert.equal(run(file, "add", "203.0.113.7", "oci.dev.bigbang.mil").status, 0);
        fs.appendFileSync(file, "192.0.2.1 added-later.example\n");
        const result = run(file, "remove", "203.0.113.7", "oci.dev.bigbang.mil");
        assert.equal(result.status, 0, result.stderr);
        assert.equal(fs.readFileSync(file, "utf8"), `${ORIGINAL}192.0.2.1 added-later.example\n`);
    });

    it("succeeds without writing when there is no block to remove", () => {
        const file = hostsFile();
        const past = new Date("2001-02-03T04:05:06Z");
        fs.utimesSync(file, past, past);
        const result = run(file, "remove");
        assert.equal(result.status, 0, result.stderr);
        assert.equal(fs.readFileSync(file, "utf8"), ORIGINAL);
        assert.equal(fs.statSync(file).mtime.getTime(), past.getTime(), "the file was written");
    });

    it("keeps the file's mode and inode (writes onto the file, not a replacement)", () => {
        const file = hostsFile();
        fs.chmodSync(file, 0o640);
        const inode = fs.statSync(file).ino;
        assert.equal(run(file, "add", "203.0.113.7", "oci.dev.bigbang.mil").status, 0);
        assert.equal(fs.statSync(file).mode & 0o777, 0o640);
        assert.equal(fs.statSync(file).ino, inode);
    });

    it("keeps named blocks (ETC_HOSTS_BLOCK) apart from the registry's and from each other", () => {
        const file = hostsFile();
        const named = (name: string, ...args: string[]) =>
            runBash(HOSTS_BLOCK, args, { PATH: process.env.PATH ?? "/usr/bin:/bin", ETC_HOSTS: file, SUDO: "", ETC_HOSTS_BLOCK: name });
        assert.equal(run(file, "add", "127.0.0.1", "oci.dev.bigbang.mil").status, 0);
        assert.equal(named("ingress-public", "add", "172.20.1.241", "grafana.dev.bigbang.mil", "kiali.dev.bigbang.mil").status, 0);
        assert.equal(named("ingress-passthrough", "add", "172.20.1.240", "keycloak.dev.bigbang.mil").status, 0);
        const publicBlock = "# BEGIN bigbang-oci-dev ingress-public\n172.20.1.241 grafana.dev.bigbang.mil kiali.dev.bigbang.mil\n# END bigbang-oci-dev ingress-public\n";
        const passthroughBlock = "# BEGIN bigbang-oci-dev ingress-passthrough\n172.20.1.240 keycloak.dev.bigbang.mil\n# END bigbang-oci-dev ingress-passthrough\n";
        assert.equal(fs.readFileSync(file, "utf8"), ORIGINAL + block("127.0.0.1 oci.dev.bigbang.mil") + publicBlock + passthroughBlock);
        assert.equal(named("ingress-public", "remove").status, 0);
        assert.equal(fs.readFileSync(file, "utf8"), ORIGINAL + block("127.0.0.1 oci.dev.bigbang.mil") + passthroughBlock);
        assert.equal(run(file, "remove").status, 0);
        assert.equal(fs.readFileSync(file, "utf8"), ORIGINAL + passthroughBlock);
        const bad = named("Bad Name", "remove");
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /ETC_HOSTS_BLOCK/);
    });

    it("refuses to guess around a damaged block", () => {
        const damaged = `${ORIGINAL}# BEGIN bigbang-oci-dev\n203.0.113.7 oci.dev.bigbang.mil\n10.0.0.6 printer.home\n`;
        const file = hostsFile(damaged);
        const result = run(file, "add", "203.0.113.8", "oci.dev.bigbang.mil");
        assert.equal(result.status, 1);
        assert.match(result.stderr, /damaged/);
        assert.equal(fs.readFileSync(file, "utf8"), damaged);
    });

    it("rejects bad arguments without touching the file", () => {
        const file = hostsFile();
        for (const args of [[], ["add"], ["add", "203.0.113.7"], ["add", "not-an-ip", "a.example"], ["add", "203.0.113.7", "bad name"], ["rename"]]) {
            const result = run(file, ...args);
            assert.equal(result.status, 1, `args ${JSON.stringify(args)}: ${result.stdout}`);
        }
        assert.equal(fs.readFileSync(file, "utf8"), ORIGINAL);
    });

    it("uses the SUDO program with -n to write", () => {
        const dir = freshDir("fake-sudo");
        const log = path.join(dir, "sudo.log");
        writeExecutable(path.join(dir, "fake-sudo"), `#!/bin/sh\necho "$*" >> "${log}"\n[ "$1" = -n ] || exit 1\nshift\nexec "$@"\n`);
        const file = hostsFile();
        const env = { PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`, ETC_HOSTS: file, SUDO: "fake-sudo" };
        assert.equal(runBash(HOSTS_BLOCK, ["add", "203.0.113.7", "oci.dev.bigbang.mil"], env).status, 0);
        assert.match(fs.readFileSync(log, "utf8"), new RegExp(`^-n cp \\S+ ${file}$`, "m"));
        assert.equal(fs.readFileSync(file, "utf8"), ORIGINAL + block("203.0.113.7 oci.dev.bigbang.mil"));
    });
});

// ---------------------------------------------------------------------------

/** A PATH of symlinks to just these real tools, so no docker, k3d, kubectl or helm on the test machine leaks in. */
function isolatedSystemPath(tools: string[]): string {
    const dir = freshDir("system-bin");
    for (const tool of tools) fs.symlinkSync(realTool(tool), path.join(dir, tool));
    return dir;
}

describe("wait-cloud-init.sh", () => {
    let stubs = "";
    let systemBin = "";
    let outputLog = "";

    before(() => {
        systemBin = isolatedSystemPath(["bash", "sh", "env", "timeout", "awk", "sed", "tail", "cat", "sleep"]);
        stubs = freshDir("wait-stubs");
        const stub = (name: string, body: string) => writeExecutable(path.join(stubs, name), `#!/bin/sh\necho "${name} $*" >> "$STUB_LOG"\n${body}\n`);
        stub("cloud-init", [
            'case "$*" in',
            // `status` says "running" for the first $STUB_CLOUD_INIT_RUNNING_POLLS calls (counted in a
            // file next to the call log), then "done" with the exit code $STUB_CLOUD_INIT_EXIT.
            '  "status")',
            // (Read by the shell itself, no cat: a process per poll costs milliseconds on a busy machine.)
            '    count_file="$STUB_LOG.polls"; n=0; [ -f "$count_file" ] && read -r n < "$count_file"; n=$(( n + 1 )); echo "$n" > "$count_file"',
            '    if [ "$n" -le "${STUB_CLOUD_INIT_RUNNING_POLLS:-0}" ]; then echo "status: running"; exit 0; fi',
            '    echo "status: done"; exit "${STUB_CLOUD_INIT_EXIT:-0}" ;;',
            '  "status --long") echo "status: stub long status"; exit "${STUB_CLOUD_INIT_EXIT:-0}" ;;',
            "esac",
            "exit 64",
        ].join("\n"));
        stub("sudo", '[ "$1" = -n ] || exit 1\nshift\nexec "$@"');
        stub("id", [
            'case "$*" in',
            '  "-un") echo ubuntu ;;',
            '  "-nG") echo "$STUB_SESSION_GROUPS" ;;',
            '  "-nG ubuntu") echo "$STUB_USER_GROUPS" ;;',
            "  *) exit 64 ;;",
            "esac",
        ].join("\n"));
        stub("sg", '[ "$1" = docker ] && [ "$2" = -c ] || exit 64\nexec /bin/sh -c "$3"');
        stub("docker", '[ "$1" = info ] && exit "${STUB_DOCKER_EXIT:-0}"\nexit 0');
        stub("systemctl", "exit 3");
        stub("k3d", "printf 'k3d version v5.8.3\\nk3s version v1.31.5-k3s1 (default)\\n'");
        stub("kubectl", "printf '{\\n  \"clientVersion\": {\\n    \"gitVersion\": \"v1.32.9\"\\n  }\\n}\\n'");
        stub("helm", "printf 'v3.18.6'");
        outputLog = path.join(freshDir("wait-log"), "cloud-init-output.log");
        fs.writeFileSync(outputLog, Array.from({ length: 100 }, (_, i) => `log line ${String(i + 1).padStart(3, "0")}\n`).join(""));
    });

    function run(env: Record<string, string> = {}, removeStub?: string): RunResult & { log: string } {
        let stubDir = stubs;
        if (removeStub) {
            stubDir = freshDir("wait-stubs-partial");
            for (const name of fs.readdirSync(stubs).filter((n) => n !== removeStub)) fs.copyFileSync(path.join(stubs, name), path.join(stubDir, name));
            for (const name of fs.readdirSync(stubDir)) fs.chmodSync(path.join(stubDir, name), 0o755);
        }
        const log = path.join(freshDir("wait-run"), "calls.log");
        fs.writeFileSync(log, "");
        const result = runBash(WAIT_CLOUD_INIT, [], {
            PATH: `${stubDir}:${systemBin}`,
            STUB_LOG: log,
            STUB_SESSION_GROUPS: "ubuntu adm sudo docker",
            STUB_USER_GROUPS: "ubuntu adm sudo docker",
            CLOUD_INIT_OUTPUT_LOG: outputLog,
            ...env,
        });
        return { ...result, log: fs.readFileSync(log, "utf8") };
    }

    it("succeeds when cloud-init is done (exit 0) and docker works", () => {
        const result = run({ STUB_CLOUD_INIT_EXIT: "0" });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /cloud-init finished/);
        assert.match(result.stdout, /docker works for ubuntu$/m);
        assert.doesNotMatch(result.log, /^(k3d|kubectl|helm) /m, "the tools come later, from the tools step");
        assert.doesNotMatch(result.stderr, /WARNING|ERROR/);
        assert.match(result.log, /^cloud-init status$/m);
        assert.match(result.log, /^docker info$/m);
    });

    it("succeeds with a warning when cloud-init is degraded (exit 2)", () => {
        const result = run({ STUB_CLOUD_INIT_EXIT: "2" });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stderr, /WARNING: cloud-init finished with recoverable errors/);
        assert.match(result.stderr, /stub long status/);
        assert.match(result.stdout, /docker works/);
    });

    it("fails on a cloud-init error (exit 1) and shows the last 50 lines of its output log", () => {
        const result = run({ STUB_CLOUD_INIT_EXIT: "1" });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /ERROR: cloud-init failed \(cloud-init status exited with 1\)/);
        assert.match(result.stderr, /log line 051\n[\s\S]*log line 100\n/);
        assert.doesNotMatch(result.stderr, /log line 050/);
        assert.match(result.log, new RegExp(`^sudo -n tail -n 50 ${outputLog}$`, "m"));
        assert.doesNotMatch(result.log, /^docker/m, "stops before checking the tools");
    });

    it("fails when cloud-init does not finish in time", function () {
        this.timeout(20_000);
        const result = run({ STUB_CLOUD_INIT_RUNNING_POLLS: "1000000", CLOUD_INIT_WAIT_SECONDS: "1", CLOUD_INIT_POLL_SECONDS: "0.2" });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /did not finish within 1s/);
        assert.match(result.stderr, /log line 100/);
    });

    it("says while it waits, at least every progress interval, what cloud-init is doing and its last log line", async function () {
        this.timeout(30_000);
        const log = path.join(freshDir("wait-run"), "calls.log");
        fs.writeFileSync(log, "");
        // About 4.5 s of "running" at 0.5 s polls (the script naps until the next progress line at
        // most, so the lines do not depend on the poll): four progress intervals of 1 s. Shorter polls
        // only cost processes (a cloud-init status, a timeout, a sed per poll).
        const result = await runTimed(WAIT_CLOUD_INIT, [], bashEnv({
            PATH: `${stubs}:${systemBin}`,
            STUB_LOG: log,
            STUB_SESSION_GROUPS: "ubuntu adm sudo docker",
            STUB_USER_GROUPS: "ubuntu adm sudo docker",
            CLOUD_INIT_OUTPUT_LOG: outputLog,
            STUB_CLOUD_INIT_RUNNING_POLLS: "9",
            CLOUD_INIT_POLL_SECONDS: "0.5",
            CLOUD_INIT_PROGRESS_SECONDS: "1",
        }), 25_000);
        assert.equal(result.code, 0, result.stderr);
        const progress = result.lines.filter((l) => l.text.startsWith("cloud-init: "));
        assert.ok(progress.length >= 3, `expected a progress line a second over ${result.elapsedMs} ms:\n${result.stdout}`);
        for (const line of progress) assert.match(line.text, /^cloud-init: running, \d+s of 1800s; last log: log line 100$/);
        assert.ok(longestSilenceMs(result) <= 1000 + SCHEDULING_SLACK_MS, `silent for ${longestSilenceMs(result)} ms:\n${JSON.stringify(result.lines, null, 1)}`);
        assert.match(result.stdout, /cloud-init finished/);
    });

    it("fails when docker is not on PATH", () => {
        const result = run({}, "docker");
        assert.equal(result.status, 1);
        assert.match(result.stderr, /not on PATH.*: docker$/m);
    });

    it("checks docker through sg when the session predates the docker group", () => {
        const result = run({ STUB_SESSION_GROUPS: "ubuntu adm sudo" });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.log, /^sg docker -c docker info$/m);
        assert.match(result.log, /^docker info$/m);
    });

    it("fails when the user is not in the docker group", () => {
        const result = run({ STUB_SESSION_GROUPS: "ubuntu adm", STUB_USER_GROUPS: "ubuntu adm" });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /ubuntu is not in the docker group/);
    });

    it("fails when docker does not work", () => {
        const result = run({ STUB_DOCKER_EXIT: "1" });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /docker does not work for ubuntu/);
    });
});

// ---------------------------------------------------------------------------

describe("install-tools.sh", function () {
    this.timeout(60_000);

    const versions = { k3d: "v5.8.3", kubectl: "v1.32.9", helm: "v3.18.6" };
    let curlStubDir = "";

    before(() => {
        // Serves https://<host>/<path> from $RELEASES/<host>/<path>; a missing file is a 404.
        curlStubDir = freshDir("curl-stub");
        writeExecutable(path.join(curlStubDir, "curl"), [
            "#!/bin/sh",
            'echo "$*" >> "$CURL_LOG"',
            'out="" url=""',
            'while [ $# -gt 0 ]; do',
            '  case "$1" in',
            '    --output) out="$2"; shift 2 ;;',
            "    --proto | --proto-redir | --retry | --retry-delay | --connect-timeout | --max-time) shift 2 ;;",
            "    -*) shift ;;",
            '    *) url="$1"; shift ;;',
            "  esac",
            "done",
            'case "$url" in https://*) ;; *) exit 1 ;; esac',
            'file="$RELEASES/${url#https://}"',
            '[ -f "$file" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }',
            // A slow download: nothing for $STUB_CURL_SLEEP seconds, then the file.
            'if [ -n "${STUB_CURL_SLEEP:-}" ]; then sleep "$STUB_CURL_SLEEP"; fi',
            'cp "$file" "$out"',
        ].join("\n") + "\n");
    });

    interface ReleaseOptions {
        arch?: "amd64" | "arm64";
        k3d?: string;
        kubectl?: string;
        helm?: string;
        /** Change this artifact after its checksum was published. */
        tamper?: "k3d" | "kubectl" | "helm";
        /** Leave this artifact out of the published checksums. */
        unlisted?: "k3d";
        /** With tamper: the published checksums are rewritten to match the tampered artifact. */
        republish?: boolean;
    }

    /** Each fake release's true SHA-256s (k3d, kubectl, helm), as pins.ts would hold them. */
    const sumsOf = new Map<string, string[]>();

    /** Helm's release archive per architecture and version, made once (tar and gzip are two processes): each release gets a copy. */
    const helmArchives = new Map<string, string>();
    function helmArchive(arch: string, helm: string): string {
        const made = helmArchives.get(`${arch} ${helm}`);
        if (made) return made;
        const staging = freshDir("helm-staging");
        writeExecutable(path.join(staging, `linux-${arch}`, "helm"), `#!/bin/sh\n[ "$1" = version ] || exit 64\nprintf '${helm}'\n`);
        fs.writeFileSync(path.join(staging, `linux-${arch}`, "README.md"), "helm\n");
        const archive = path.join(freshDir("helm-archive"), `helm-${helm}-linux-${arch}.tar.gz`);
        const tar = spawnSync("tar", ["-czf", archive, "-C", staging, `linux-${arch}`], { encoding: "utf8" });
        assert.equal(tar.status, 0, tar.stderr);
        helmArchives.set(`${arch} ${helm}`, archive);
        return archive;
    }

    /** Fake releases laid out as the three projects publish them. */
    function buildReleases(opts: ReleaseOptions = {}): string {
        const arch = opts.arch ?? "amd64";
        const k3d = opts.k3d ?? versions.k3d;
        const kubectl = opts.kubectl ?? versions.kubectl;
        const helm = opts.helm ?? versions.helm;
        const root = freshDir("releases");

        const k3dDir = path.join(root, "github.com/k3d-io/k3d/releases/download", k3d);
        const k3dBinary = path.join(k3dDir, `k3d-linux-${arch}`);
        writeExecutable(k3dBinary, `#!/bin/sh\n[ "$1" = version ] || exit 64\nprintf 'k3d version ${k3d}\\nk3s version v1.31.5-k3s1 (default)\\n'\n`);
        // As k3d's Makefile writes it: sha256sum of _dist/* (other platforms included).
        const checksums = [
            `${"a".repeat(64)}  _dist/k3d-darwin-arm64`,
            ...(opts.unlisted === "k3d" ? [] : [`${sha256(k3dBinary)}  _dist/k3d-linux-${arch}`]),
            `${"b".repeat(64)}  _dist/k3d-windows-amd64.exe`,
        ];
        fs.writeFileSync(path.join(k3dDir, "checksums.txt"), `${checksums.join("\n")}\n`);

        const kubectlDir = path.join(root, "dl.k8s.io/release", kubectl, "bin/linux", arch);
        writeExecutable(path.join(kubectlDir, "kubectl"),
            `#!/bin/sh\n[ "$1 $2" = "version --client" ] || exit 64\nprintf '{\\n  "clientVersion": {\\n    "major": "1",\\n    "gitVersion": "${kubectl}",\\n    "platform": "linux/${arch}"\\n  },\\n  "kustomizeVersion": "v5.5.0"\\n}\\n'\n`);
        // A bare hash without a newline, as dl.k8s.io serves it.
        fs.writeFileSync(path.join(kubectlDir, "kubectl.sha256"), sha256(path.join(kubectlDir, "kubectl")));

        const helmName = `helm-${helm}-linux-${arch}.tar.gz`;
        const helmDir = path.join(root, "get.helm.sh");
        fs.mkdirSync(helmDir, { recursive: true });
        fs.copyFileSync(helmArchive(arch, helm), path.join(helmDir, helmName));
        fs.writeFileSync(path.join(helmDir, `${helmName}.sha256sum`), `${sha256(path.join(helmDir, helmName))}  ${helmName}\n`);

        const tampered = { k3d: k3dBinary, kubectl: path.join(kubectlDir, "kubectl"), helm: path.join(helmDir, helmName) };
        sumsOf.set(root, [sha256(tampered.k3d), sha256(tampered.kubectl), sha256(tampered.helm)]);
        if (opts.tamper) fs.appendFileSync(tampered[opts.tamper], "\n# tampered\n");
        if (opts.tamper && opts.republish) {
            // A compromised release: the server's checksum files are rewritten to match.
            fs.writeFileSync(path.join(k3dDir, "checksums.txt"), `${sha256(k3dBinary)}  _dist/k3d-linux-${arch}\n`);
            fs.writeFileSync(path.join(kubectlDir, "kubectl.sha256"), sha256(tampered.kubectl));
            fs.writeFileSync(path.join(helmDir, `${helmName}.sha256sum`), `${sha256(tampered.helm)}  ${helmName}\n`);
        }
        return root;
    }

    /** Four arguments (arch and versions) get the release's true sums appended, as awsHost.ts passes the pins. */
    function install(releases: string, installDir: string, args: string[]): RunResult & { downloads: string[] } {
        const curlLog = path.join(freshDir("curl-log"), "curl.log");
        fs.writeFileSync(curlLog, "");
        const result = runBash(INSTALL_TOOLS, args.length === 4 ? [...args, ...(sumsOf.get(releases) ?? [])] : args, {
            PATH: `${curlStubDir}:/usr/bin:/bin`,
            RELEASES: releases,
            CURL_LOG: curlLog,
            INSTALL_DIR: installDir,
        });
        const downloads = fs.readFileSync(curlLog, "utf8").split("\n").filter(Boolean);
        return { ...result, downloads };
    }

    const defaultArgs = ["amd64", versions.k3d, versions.kubectl, versions.helm];
    const toolVersion = (bin: string, ...args: string[]) => spawnSync(bin, args, { encoding: "utf8" }).stdout;

    it("downloads, verifies and installs all three tools", () => {
        const releases = buildReleases();
        const installDir = path.join(freshDir("install"), "bin");
        const result = install(releases, installDir, defaultArgs);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.downloads.length, 3, result.downloads.join("\n"));
        assert.match(toolVersion(path.join(installDir, "k3d"), "version"), /^k3d version v5\.8\.3$/m);
        assert.match(toolVersion(path.join(installDir, "kubectl"), "version", "--client", "-o", "json"), /"gitVersion": "v1\.32\.9"/);
        assert.equal(toolVersion(path.join(installDir, "helm"), "version"), "v3.18.6");
        for (const tool of ["k3d", "kubectl", "helm"]) assert.equal(fs.statSync(path.join(installDir, tool)).mode & 0o777, 0o755);
        assert.deepEqual(fs.readdirSync(installDir).sort(), ["helm", "k3d", "kubectl"], "no temporary files left behind");
        for (const line of ["k3d-linux-amd64", "kubectl", `helm-${versions.helm}-linux-amd64.tar.gz`]) {
            assert.match(result.stdout, new RegExp(`  ${line.replace(/\./g, "\\.")}: SHA-256 [0-9a-f]{64} matches the pinned checksum`));
        }
    });

    it("says before and after each tool what it does, and during a slow download the bytes so far and the time against the limit", async () => {
        const releases = buildReleases();
        const curlLog = path.join(freshDir("curl-log"), "curl.log");
        // Three downloads of 1.5 s each: a progress line in each (at 1 s), and 4.5 s of progress intervals
        // of 1 s. The 0.5 s poll (the script naps until the next progress line at most) saves processes.
        const result = await runTimed(INSTALL_TOOLS, [...defaultArgs, ...(sumsOf.get(releases) ?? [])], {
            PATH: `${curlStubDir}:/usr/bin:/bin`,
            RELEASES: releases,
            CURL_LOG: curlLog,
            INSTALL_DIR: path.join(freshDir("install"), "bin"),
            STUB_CURL_SLEEP: "1.5",
            TOOLS_PROGRESS_SECONDS: "1",
            TOOLS_POLL_SECONDS: "0.5",
        }, 30_000);
        assert.equal(result.code, 0, result.stderr);
        for (const [tool, version] of Object.entries(versions)) {
            assert.match(result.stdout, new RegExp(`^tools: downloading ${tool} ${version.replace(/\./g, "\\.")} \\(amd64\\)$`, "m"));
            assert.match(result.stdout, new RegExp(`^tools: ${tool} ${version.replace(/\./g, "\\.")} installed, SHA-256 checked$`, "m"));
        }
        const progress = result.lines.filter((l) => / KiB so far, /.test(l.text));
        assert.ok(progress.length >= 3, `expected a progress line a second over ${result.elapsedMs} ms:\n${result.stdout}`);
        for (const line of progress) assert.match(line.text, /^tools: downloading (k3d|kubectl|helm) v[\d.]+ \(amd64\): \d+ KiB so far, \d+s \(limit 900s per attempt, 5 retries\)$/);
        assert.ok(longestSilenceMs(result) <= 1000 + SCHEDULING_SLACK_MS, `silent for ${longestSilenceMs(result)} ms:\n${JSON.stringify(result.lines, null, 1)}`);
    });

    it("fetches only the artifacts from the projects' release URLs (no sums from the same server), with retries and timeouts", () => {
        const result = install(buildReleases(), path.join(freshDir("install"), "bin"), defaultArgs);
        assert.equal(result.status, 0, result.stderr);
        const urls = result.downloads.map((line) => line.split(" ").pop());
        assert.deepEqual(urls, [
            "https://github.com/k3d-io/k3d/releases/download/v5.8.3/k3d-linux-amd64",
            "https://dl.k8s.io/release/v1.32.9/bin/linux/amd64/kubectl",
            "https://get.helm.sh/helm-v3.18.6-linux-amd64.tar.gz",
        ]);
        for (const line of result.downloads) {
            for (const flag of ["--fail", "--retry 5", "--connect-timeout 20", "--max-time 900", "--proto =https"]) {
                assert.ok(line.includes(flag), `${flag} missing from: curl ${line}`);
            }
        }
    });

    it("is idempotent: a second run downloads nothing", () => {
        const releases = buildReleases();
        const installDir = path.join(freshDir("install"), "bin");
        assert.equal(install(releases, installDir, defaultArgs).status, 0);
        const again = install(releases, installDir, defaultArgs);
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.downloads, []);
        assert.match(again.stdout, /k3d v5\.8\.3 is already installed/);
        assert.match(again.stdout, /kubectl v1\.32\.9 is already installed/);
        assert.match(again.stdout, /helm v3\.18\.6 is already installed/);
    });

    it("replaces only the tool whose version differs", () => {
        const installDir = path.join(freshDir("install"), "bin");
        assert.equal(install(buildReleases({ kubectl: "v1.31.0" }), installDir, ["amd64", versions.k3d, "v1.31.0", versions.helm]).status, 0);
        const upgrade = install(buildReleases(), installDir, defaultArgs);
        assert.equal(upgrade.status, 0, upgrade.stderr);
        assert.equal(upgrade.downloads.length, 1, upgrade.downloads.join("\n"));
        assert.match(upgrade.stdout, /tools: downloading kubectl v1\.32\.9 \(amd64\), replacing v1\.31\.0/);
        assert.match(toolVersion(path.join(installDir, "kubectl"), "version", "--client", "-o", "json"), /"gitVersion": "v1\.32\.9"/);
    });

    it("installs the arm64 builds for arm64", () => {
        const installDir = path.join(freshDir("install"), "bin");
        const result = install(buildReleases({ arch: "arm64" }), installDir, ["arm64", versions.k3d, versions.kubectl, versions.helm]);
        assert.equal(result.status, 0, result.stderr);
        assert.ok(result.downloads.every((line) => !line.includes("amd64")), result.downloads.join("\n"));
        assert.ok(result.downloads.some((line) => line.endsWith("/k3d-linux-arm64")));
    });

    for (const tool of ["k3d", "kubectl", "helm"] as const) {
        it(`fails loudly and installs nothing for ${tool} when its download does not match the pinned SHA-256`, () => {
            const installDir = path.join(freshDir("install"), "bin");
            const result = install(buildReleases({ tamper: tool }), installDir, defaultArgs);
            assert.equal(result.status, 1);
            assert.match(result.stderr, /SHA-256 mismatch for \S+: pinned [0-9a-f]{64}, downloaded [0-9a-f]{64}/);
            assert.ok(!fs.existsSync(path.join(installDir, tool)), `${tool} was installed despite the mismatch`);
        });

        it(`refuses ${tool} from a compromised release whose published checksums were rewritten to match (issue 21)`, () => {
            const installDir = path.join(freshDir("install"), "bin");
            const result = install(buildReleases({ tamper: tool, republish: true }), installDir, defaultArgs);
            assert.equal(result.status, 1, result.stdout);
            assert.match(result.stderr, /SHA-256 mismatch for \S+: pinned [0-9a-f]{64}, downloaded [0-9a-f]{64}/);
            assert.ok(!fs.existsSync(path.join(installDir, tool)), `${tool} was installed from a compromised release`);
        });
    }

    it("fails when a download fails", () => {
        const installDir = path.join(freshDir("install"), "bin");
        const result = install(buildReleases(), installDir, ["amd64", "v5.8.4", versions.kubectl, versions.helm]);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /download failed: https:\/\/github\.com\/k3d-io\/k3d\/releases\/download\/v5\.8\.4\/k3d-linux-amd64/);
    });

    it("rejects bad arguments before downloading anything", () => {
        const releases = buildReleases();
        const sums = sumsOf.get(releases) ?? [];
        for (const args of [[], ["amd64", "v1.0.0"], ["riscv64", ...defaultArgs.slice(1)], ["amd64", "latest", versions.kubectl, versions.helm],
            [...defaultArgs, ...sums.slice(0, 2)], [...defaultArgs, sums[0], sums[1], "not-a-sum"], [...defaultArgs, sums[0], sums[1], sums[2].toUpperCase()]]) {
            const result = install(releases, path.join(freshDir("install"), "bin"), args);
            assert.equal(result.status, 1, `args ${JSON.stringify(args)}`);
            assert.deepEqual(result.downloads, []);
        }
    });
});

// ---------------------------------------------------------------------------

describe("the provisioning script in the user-data", () => {
    const host: AwsHostConfig = awsHost(defaultStackConfig());

    interface Provisioned extends RunResult {
        calls: string[];
    }

    /** Runs the script as the user-data writes it, with its root-only commands stubbed and its file paths moved into a temp folder. */
    function provision(hostConfig: AwsHostConfig, stubEnv: Record<string, string> = {}, sysctlOverride?: (conf: string) => string): Provisioned {
        const config = cloudInitConfig(hostConfig);
        const files = new Map<string, string>();
        const writeFiles = config.write_files;
        assert.ok(Array.isArray(writeFiles));
        for (const entry of writeFiles) {
            if (entry && typeof entry === "object" && "path" in entry && "content" in entry && typeof entry.path === "string" && typeof entry.content === "string") {
                files.set(entry.path, entry.content);
            }
        }
        const runcmd = config.runcmd;
        assert.ok(Array.isArray(runcmd) && Array.isArray(runcmd[0]));
        const args = runcmd[0].slice(1).map(String);

        const dir = freshDir("provision");
        const moved = {
            [HOST_PATHS.modules]: path.join(dir, "modules.conf"),
            [HOST_PATHS.sysctl]: path.join(dir, "sysctl.conf"),
        };
        let script = embeddedScripts(config).find((s) => s.path === HOST_PATHS.provision)?.content ?? assert.fail("no provisioning script");
        for (const [from, to] of Object.entries(moved)) {
            assert.ok(script.includes(from), `the provisioning script does not use ${from}`);
            script = script.split(from).join(to);
        }
        const scriptFile = path.join(dir, "provision");
        writeExecutable(scriptFile, script);
        fs.writeFileSync(moved[HOST_PATHS.modules], files.get(HOST_PATHS.modules) ?? "");
        const sysctlConf = files.get(HOST_PATHS.sysctl) ?? "";
        fs.writeFileSync(moved[HOST_PATHS.sysctl], sysctlConf);
        // What the kernel reports after `sysctl --system`.
        const kernelState = path.join(dir, "kernel-state.conf");
        fs.writeFileSync(kernelState, sysctlOverride ? sysctlOverride(sysctlConf) : sysctlConf);

        const log = path.join(dir, "calls.log");
        fs.writeFileSync(log, "");
        const stub = (name: string, body = "exit 0") => writeExecutable(path.join(dir, "stubs", name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`);
        stub("modprobe", '[ "$1" != "${STUB_MODPROBE_FAIL:-}" ]');
        stub("sysctl", `case "$1" in\n  --system) exit 0 ;;\n  -n) awk -v key="$2" '{ k = $1; sub(/ *=.*/, "", k); v = $0; sub(/^[^=]*= */, "", v) } k == key { print v }' "${kernelState}" ;;\n  *) exit 64 ;;\nesac`);
        stub("systemctl");
        stub("usermod");
        stub("install-tools", 'exit "${STUB_INSTALL_TOOLS_EXIT:-0}"');

        const result = runBash(scriptFile, args, { PATH: `${path.join(dir, "stubs")}:/usr/bin:/bin`, ...stubEnv });
        return { ...result, calls: fs.readFileSync(log, "utf8").split("\n").filter(Boolean) };
    }

    it("loads the modules, checks the sysctls, enables Docker and adds the user to docker", () => {
        const result = provision(host);
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(result.calls.filter((c) => c.startsWith("modprobe")), [
            "modprobe br_netfilter", "modprobe nf_nat_redirect", "modprobe xt_REDIRECT", "modprobe xt_owner", "modprobe xt_statistic",
        ]);
        assert.ok(result.calls.includes("sysctl --system"));
        assert.equal(result.calls.filter((c) => c.startsWith("sysctl -n")).length, 5);
        assert.deepEqual(result.calls.filter((c) => !c.startsWith("modprobe") && !c.startsWith("sysctl")), [
            "systemctl enable --now containerd.service docker.service",
            "usermod -aG docker ubuntu",
        ]);
    });

    it("passes the host's user", () => {
        const result = provision({ ...host, sshUser: "dev" });
        assert.equal(result.status, 0, result.stderr);
        assert.ok(result.calls.includes("usermod -aG docker dev"));
    });

    it("fails when a kernel setting did not take effect", () => {
        const result = provision(host, {}, (conf) => conf.replace("vm.max_map_count = 524288", "vm.max_map_count = 65530"));
        assert.equal(result.status, 1);
        assert.match(result.stderr, /vm\.max_map_count is 65530 after sysctl --system, expected 524288/);
        assert.ok(!result.calls.some((c) => c.startsWith("usermod")));
    });

    it("fails when a module cannot be loaded", () => {
        const result = provision(host, { STUB_MODPROBE_FAIL: "xt_owner" });
        assert.notEqual(result.status, 0);
        assert.ok(!result.calls.some((c) => c.startsWith("usermod")));
    });
});

// ---------------------------------------------------------------------------

describe("auto-shutdown.sh", () => {
    const AUTO_SHUTDOWN = path.join(SCRIPTS_DIR, "..", "aws", "scripts", "auto-shutdown.sh");
    const units = autoShutdownUnits(8);

    function run(args: string[], unitDir: string): RunResult & { calls: string[] } {
        const stubs = freshDir("shutdown-stubs");
        const log = path.join(stubs, "calls.log");
        fs.writeFileSync(log, "");
        writeExecutable(path.join(stubs, "systemctl"), `#!/bin/sh\necho "systemctl $*" >> "${log}"\n`);
        const result = runBash(AUTO_SHUTDOWN, args, { PATH: `${stubs}:/usr/bin:/bin`, UNIT_DIR: unitDir });
        return { ...result, calls: fs.readFileSync(log, "utf8").split("\n").filter(Boolean) };
    }

    it("writes the units and re-arms the timer; the same hours again write the same files", () => {
        const dir = freshDir("units");
        const first = run(["8", units.service, units.timer], dir);
        assert.equal(first.status, 0, first.stderr);
        assert.equal(fs.readFileSync(path.join(dir, "bigbang-oci-dev-auto-shutdown.timer"), "utf8"), units.timer);
        assert.equal(fs.readFileSync(path.join(dir, "bigbang-oci-dev-auto-shutdown.service"), "utf8"), units.service);
        assert.deepEqual(first.calls, [
            "systemctl daemon-reload", "systemctl enable bigbang-oci-dev-auto-shutdown.timer", "systemctl restart bigbang-oci-dev-auto-shutdown.timer",
        ]);
        const again = run(["8", units.service, units.timer], dir);
        assert.equal(again.status, 0, again.stderr);
        assert.equal(fs.readFileSync(path.join(dir, "bigbang-oci-dev-auto-shutdown.timer"), "utf8"), units.timer);
        assert.deepEqual(fs.readdirSync(dir).sort(), ["bigbang-oci-dev-auto-shutdown.service", "bigbang-oci-dev-auto-shutdown.timer"]);
    });

    it("0 turns the timer off and removes the units, also when there are none", () => {
        const dir = freshDir("units");
        run(["8", units.service, units.timer], dir);
        const off = run(["0"], dir);
        assert.equal(off.status, 0, off.stderr);
        assert.deepEqual(fs.readdirSync(dir), []);
        assert.deepEqual(off.calls, ["systemctl disable --now bigbang-oci-dev-auto-shutdown.timer", "systemctl daemon-reload"]);
        const again = run(["0"], dir);
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.calls, ["systemctl daemon-reload"]);
    });

    it("refuses bad arguments without touching anything", () => {
        const dir = freshDir("units");
        for (const args of [[], ["1.5"], ["8"], ["8", "service-only"]]) {
            const result = run(args, dir);
            assert.equal(result.status, 1, args.join(" "));
            assert.deepEqual(result.calls, []);
        }
        assert.deepEqual(fs.readdirSync(dir), []);
    });
});
