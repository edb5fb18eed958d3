// The ssh backend's scripts on a stubbed machine: install-host.sh and install-tools.sh
// (as the ssh backend runs it) install what is missing and nothing else, and
// uninstall-host.sh removes what the program put there and leaves the machine's own
// software alone. Every system command the scripts use to change the machine (apt-get,
// systemctl, usermod, modprobe, sysctl, docker, curl) is a stub on PATH that logs its
// call; the real coreutils do the file work inside a temporary "machine".
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KERNEL_MODULES, KERNEL_SETTINGS } from "../../components/host/hostSetup";
import { HOST_INSTANCE_LABEL } from "../../components/host/onHost";
import { HOST_SCRIPTS } from "../../components/host/remoteScript";
import {
    kernelSettingWords, sshBaseInstallCommand, sshToolsInstallCommand, sshUninstallCommand, SSH_INSTALL_RECORD, SSH_TOOLS_DIR, sshWorkDir,
} from "../../components/host/ssh/sshPlan";
import { bashEnv, findOnPath } from "../support/scripts";

const SCRIPTS = path.join(__dirname, "..", "..", "components", "host", "scripts");
const PINNED = { k3d: "v5.8.3", kubectl: "v1.32.9", helm: "v3.18.6" };
const USER = "alice";
/** The real tools the scripts may use for file work: everything else is a stub or absent. */
const CORE = ["bash", "sh", "sed", "grep", "tr", "sort", "head", "tail", "cat", "mktemp", "dirname", "basename", "readlink", "install", "sha256sum",
    "awk", "tar", "gzip", "mv", "rm", "mkdir", "chmod", "touch", "ln", "cp", "wc", "sleep", "rmdir", "env", "printf", "cmp"];

let tmp = "";
let counter = 0;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ssh-scripts-test-")); });
after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    helmArchive = "";
});

function writeExecutable(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o755 });
}
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

const k3dStub = (v: string) => `#!/bin/sh\n[ "$1" = version ] || exit 64\nprintf 'k3d version ${v}\\nk3s version v1.31.5-k3s1 (default)\\n'\n`;
const kubectlStub = (v: string) => `#!/bin/sh\n[ "$1 $2" = "version --client" ] || exit 64\nprintf '{\\n  "clientVersion": {\\n    "gitVersion": "${v}"\\n  }\\n}\\n'\n`;
const helmStub = (v: string) => `#!/bin/sh\n[ "$1" = version ] || exit 64\nprintf '${v}'\n`;
const TOOL_STUB = { k3d: k3dStub, kubectl: kubectlStub, helm: helmStub };

/** A stubbed machine: its root, the stubs, and the machine's own bin folder. */
interface Machine {
    root: string;
    stubs: string;
    core: string;
    /** The machine's own tools (/usr/bin): on PATH after the stubs. */
    bin: string;
    log: string;
    home: string;
    toolsDir: string;
    linkDir: string;
    record: string;
    workDir: string;
    releases: string;
    sums: string[];
}

function sysctlValues(level: "low" | "pinned"): Record<string, number> {
    return Object.fromEntries(Object.entries(KERNEL_SETTINGS).map(([k, v]) => [k, level === "low" ? 128 : v]));
}

function makeMachine(opts: { docker: boolean; inDockerGroup: boolean; baseTools: boolean; tools: Partial<Record<keyof typeof PINNED, string>>; sysctl: "low" | "pinned"; modulesLoaded: boolean; os?: string }): Machine {
    const root = path.join(tmp, `machine-${++counter}`);
    const m: Machine = {
        root, stubs: path.join(root, "stubs"), core: path.join(root, "core"), bin: path.join(root, "usr/bin"), log: path.join(root, "calls.log"),
        home: path.join(root, "home"), toolsDir: path.join(root, "usr/local/lib/bigbang-oci-dev/bin"), linkDir: path.join(root, "usr/local/bin"),
        record: path.join(root, "var/lib/bigbang-oci-dev/installed"), workDir: path.join(root, "home", USER, ".bigbang-oci-dev"),
        releases: path.join(root, "releases"), sums: [],
    };
    for (const dir of [m.stubs, m.core, m.bin, m.linkDir, path.join(m.home, USER), path.join(root, "etc/sysctl.d"), path.join(root, "sys/module"), path.join(root, "state/sysctl")]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    fs.writeFileSync(m.log, "");
    for (const tool of CORE) fs.symlinkSync(findOnPath(tool, "the ssh script tests"), path.join(m.core, tool));
    fs.writeFileSync(path.join(root, "os-release"), opts.os ?? 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n');
    // The machine's own settings, which must survive everything.
    fs.writeFileSync(path.join(root, "etc/sysctl.d/10-own.conf"), "net.ipv4.ip_forward = 1\n");
    writeExecutable(path.join(m.linkDir, "own-tool"), "#!/bin/sh\necho own\n");
    for (const [k, v] of Object.entries(sysctlValues(opts.sysctl))) fs.writeFileSync(path.join(root, "state/sysctl", k), `${v}\n`);
    if (opts.modulesLoaded) for (const mod of KERNEL_MODULES) fs.mkdirSync(path.join(root, "sys/module", mod));
    // curl serves downloads from the fake releases: the machine's own, or apt's.
    writeExecutable(path.join(root, "curl-template"), [
        "#!/bin/sh", 'echo "curl $*" >>"$CALLS"', 'out="" url=""',
        'while [ $# -gt 0 ]; do case "$1" in --output) out="$2"; shift 2 ;; --proto | --proto-redir | --retry | --retry-delay | --connect-timeout | --max-time) shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done',
        'file="$RELEASES/${url#https://}"', '[ -f "$file" ] || exit 22', 'cp "$file" "$out"',
    ].join("\n") + "\n");
    if (opts.baseTools) {
        fs.copyFileSync(path.join(root, "curl-template"), path.join(m.bin, "curl"));
        writeExecutable(path.join(m.bin, "jq"), "#!/bin/sh\nexit 0\n");
        fs.writeFileSync(path.join(root, "ca-certificates.crt"), "");
    }
    const dockerStub = '#!/bin/sh\necho "docker $*" >>"$CALLS"\n[ "$1" = version ] && printf \'%s\\n\' "${STUB_DOCKER_VERSION:-27.3.1}"\n';
    if (opts.docker) {
        writeExecutable(path.join(m.bin, "docker"), dockerStub);
        fs.writeFileSync(path.join(root, "docker-group"), "");
    }
    if (opts.inDockerGroup) fs.writeFileSync(path.join(root, "in-docker-group"), "");
    for (const [tool, version] of Object.entries(opts.tools)) writeExecutable(path.join(m.bin, tool), TOOL_STUB[tool as keyof typeof PINNED](version));

    // The stub's name is written in, sysctl -n reads with the shell's own read, and modprobe marks a module
    // loaded with an empty file (install-host.sh checks that the entry exists): no basename, cat or mkdir
    // process per call (a process costs milliseconds of CPU on a busy test machine, and these stubs run
    // hundreds of times).
    const log = (name: string) => `echo "${name} $*" >>"$CALLS"`;
    // apt-get installs by dropping stubs into the machine's /usr/bin; curl downloads from the fake releases.
    writeExecutable(path.join(m.stubs, "apt-get"), `#!/bin/sh\n${log("apt-get")}\nfor p in "$@"; do case "$p" in\n  docker.io) printf '%s' '${dockerStub.replace(/'/g, "'\\''")}' >"$MACHINE_BIN/docker"; chmod 755 "$MACHINE_BIN/docker"; : >"$ROOT/docker-group" ;;\n  curl) cp "$ROOT/curl-template" "$MACHINE_BIN/curl" ;;\n  jq) printf '#!/bin/sh\\n' >"$MACHINE_BIN/jq"; chmod 755 "$MACHINE_BIN/jq" ;;\n  ca-certificates) : >"$ROOT/ca-certificates.crt" ;;\nesac; done\n`);
    for (const name of ["systemctl", "chown"]) writeExecutable(path.join(m.stubs, name), `#!/bin/sh\n${log(name)}\n`);
    writeExecutable(path.join(m.stubs, "modprobe"), `#!/bin/sh\n${log("modprobe")}\n: >"$ROOT/sys/module/$1"\n`);
    writeExecutable(path.join(m.stubs, "usermod"), `#!/bin/sh\n${log("usermod")}\n: >"$ROOT/in-docker-group"\n`);
    writeExecutable(path.join(m.stubs, "uname"), "#!/bin/sh\necho x86_64\n");
    writeExecutable(path.join(m.stubs, "getent"), `#!/bin/sh\ncase "$1 $2" in\n  "passwd ${USER}") echo "${USER}:x:1000:1000::$ROOT/home/${USER}:\${STUB_SHELL:-/bin/bash}" ;;\n  "group docker") [ -e "$ROOT/docker-group" ] && echo "docker:x:998:" ;;\n  *) exit 2 ;;\nesac\n`);
    writeExecutable(path.join(m.stubs, "id"), `#!/bin/sh\ncase "$1" in\n  -nG) if [ -e "$ROOT/in-docker-group" ]; then echo "${USER} docker"; else echo "${USER} adm"; fi ;;\n  -gn) echo ${USER} ;;\n  *) echo 1000 ;;\nesac\n`);
    writeExecutable(path.join(m.stubs, "sysctl"), `#!/bin/sh\n[ "$1" = -n ] && { read -r v <"$ROOT/state/sysctl/$2" && echo "$v"; exit 0; }\n${log("sysctl")}\n[ "$1" = -q ] && shift\n[ "$1" = -p ] || exit 2\nsed -n 's/^\\([a-z0-9_.-]*\\) = \\([0-9]*\\)$/\\1 \\2/p' "$2" | while read -r k v; do echo "$v" >"$ROOT/state/sysctl/$k"; done\n`);
    // Fake releases at the pinned versions, served by the curl stub (install-tools.sh's download paths).
    const k3d = path.join(m.releases, "github.com/k3d-io/k3d/releases/download", PINNED.k3d, "k3d-linux-amd64");
    writeExecutable(k3d, k3dStub(PINNED.k3d));
    const kubectl = path.join(m.releases, "dl.k8s.io/release", PINNED.kubectl, "bin/linux/amd64/kubectl");
    writeExecutable(kubectl, kubectlStub(PINNED.kubectl));
    const helmTar = path.join(m.releases, "get.helm.sh", `helm-${PINNED.helm}-linux-amd64.tar.gz`);
    fs.mkdirSync(path.dirname(helmTar), { recursive: true });
    fs.copyFileSync(helmRelease(), helmTar);
    m.sums = [sha256(k3d), sha256(kubectl), sha256(helmTar)];
    return m;
}

/** The fake helm release archive, made once per test run (tar and gzip are two processes): every machine gets a copy. */
let helmArchive = "";
function helmRelease(): string {
    if (helmArchive) return helmArchive;
    const staging = path.join(tmp, "helm-staging");
    writeExecutable(path.join(staging, "linux-amd64", "helm"), helmStub(PINNED.helm));
    const archive = path.join(tmp, `helm-${PINNED.helm}-linux-amd64.tar.gz`);
    assert.equal(spawnSync("tar", ["-czf", archive, "-C", staging, "linux-amd64"]).status, 0);
    helmArchive = archive;
    return archive;
}

function env(m: Machine, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return bashEnv({
        PATH: [m.stubs, m.linkDir, m.bin, m.core].join(":"), CALLS: m.log, ROOT: m.root, MACHINE_BIN: m.bin, RELEASES: m.releases,
        OS_RELEASE: path.join(m.root, "os-release"), SYSCTL_DIR: path.join(m.root, "etc/sysctl.d"), MODULES_DIR: path.join(m.root, "etc/modules-load.d"),
        LINK_DIR: m.linkDir, DOCKER_DAEMON_JSON: path.join(m.root, "etc/docker/daemon.json"), CA_BUNDLE: path.join(m.root, "ca-certificates.crt"),
        SYS_MODULE_DIR: path.join(m.root, "sys/module"), HOME_ROOT: m.home, ...extra,
    });
}

function run(m: Machine, script: string, args: string[], extra: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; calls: string[] } {
    fs.writeFileSync(m.log, "");
    const result = spawnSync(path.join(m.core, "bash"), [path.join(SCRIPTS, `${script}.sh`), ...args], { encoding: "utf8", env: env(m, extra), timeout: 60_000 });
    if (result.error) throw result.error;
    const calls = fs.readFileSync(m.log, "utf8").split("\n").filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

function installHost(m: Machine, stack = "dev", extra: Record<string, string> = {}) {
    return run(m, "install-host", [
        "--user", USER, "--stack", stack, "--arch", "amd64", "--work-dir", m.workDir, "--tools-dir", m.toolsDir, "--record", m.record,
        ...kernelSettingWords().flatMap((w) => ["--sysctl", w]), ...KERNEL_MODULES.flatMap((mod) => ["--module", mod]),
        "--docker-daemon-json", '{"log-driver":"json-file"}',
    ], extra);
}

/** install-tools.sh as the ssh backend runs it (sshToolsInstallCommand): the program's folder, a machine's own tool at the pin accepted. */
function installTools(m: Machine) {
    return run(m, "install-tools", ["amd64", PINNED.k3d, PINNED.kubectl, PINNED.helm, ...m.sums], { INSTALL_DIR: m.toolsDir, TOOLS_ACCEPT_ON_PATH: "1" });
}

function uninstallHost(m: Machine, stack = "dev") {
    return run(m, "uninstall-host", ["--user", USER, "--stack", stack, "--work-dir", m.workDir, "--tools-dir", m.toolsDir, "--record", m.record]);
}

/** Every file under the machine's root except the test's own state, with its content hash: what "left alone" compares. */
function snapshot(m: Machine, under: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, e.name);
            if (e.isSymbolicLink()) out[path.relative(m.root, full)] = `-> ${fs.readlinkSync(full)}`;
            else if (e.isDirectory()) walk(full);
            else out[path.relative(m.root, full)] = sha256(full);
        }
    };
    walk(path.join(m.root, under));
    return out;
}

const read = (file: string) => fs.readFileSync(file, "utf8");

describe("ssh backend: the install commands", () => {
    it("runs install-host.sh and install-tools.sh as root with the program's folders, Big Bang's kernel list and the pins", () => {
        const args = { user: USER, stack: "dev", architecture: "amd64" as const, tools: PINNED, toolSha256: { k3d: "a".repeat(64), kubectl: "b".repeat(64), helm: "c".repeat(64) } };
        const base = sshBaseInstallCommand(args);
        assert.match(base, /^sudo -n bash -c '/);
        for (const word of ["--user alice", "--stack dev", "--arch amd64", `--work-dir ${sshWorkDir(USER)}`, `--tools-dir ${SSH_TOOLS_DIR}`, `--record ${SSH_INSTALL_RECORD}`,
            "--sysctl vm.max_map_count=524288", "--sysctl fs.inotify.max_user_watches=1048576", "--module br_netfilter"]) {
            assert.ok(base.includes(` ${word}`), `${word} missing from ${base.slice(-400)}`);
        }
        assert.equal(kernelSettingWords().length, Object.keys(KERNEL_SETTINGS).length);
        const tools = sshToolsInstallCommand(args);
        assert.match(tools, new RegExp(`^sudo -n env INSTALL_DIR=${SSH_TOOLS_DIR} TOOLS_ACCEPT_ON_PATH=1 bash -c '`));
        assert.ok(tools.endsWith(` install-tools amd64 ${PINNED.k3d} ${PINNED.kubectl} ${PINNED.helm} ${"a".repeat(64)} ${"b".repeat(64)} ${"c".repeat(64)}`));
        const uninstall = sshUninstallCommand({ ...args, machineId: "alice@203.0.113.7:22" });
        assert.match(uninstall, / uninstall-host --user alice --stack dev --work-dir \/home\/alice\/\.bigbang-oci-dev /);
        assert.ok(uninstall.includes(` --docker-label ${HOST_INSTANCE_LABEL}=alice@203.0.113.7:22 --docker-cleanup '`), uninstall.slice(-200));
    });
});

describe("install-host.sh and install-tools.sh on a stubbed machine", function () {
    this.timeout(60_000);

    it("every tool missing: installs Docker and the base packages with apt, the settings, the group, and downloads the three tools into the program's folder", () => {
        const m = makeMachine({ docker: false, inDockerGroup: false, baseTools: false, tools: {}, sysctl: "low", modulesLoaded: false });
        const host = installHost(m);
        assert.equal(host.status, 0, host.stderr);
        assert.ok(host.calls.includes("apt-get -o DPkg::Lock::Timeout=600 update -q"), host.calls.join("\n"));
        assert.ok(host.calls.includes("apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-upgrade curl jq ca-certificates docker.io"), host.calls.join("\n"));
        assert.ok(host.calls.includes("systemctl restart docker.service"));
        assert.ok(host.calls.includes(`usermod -aG docker ${USER}`));
        for (const mod of KERNEL_MODULES) assert.ok(host.calls.includes(`modprobe ${mod}`), mod);
        assert.equal(read(path.join(m.root, "etc/docker/daemon.json")), '{"log-driver":"json-file"}\n');
        const sysctlFile = read(path.join(m.root, "etc/sysctl.d/90-bigbang-oci-dev.conf"));
        for (const [k, v] of Object.entries(KERNEL_SETTINGS)) {
            assert.match(sysctlFile, new RegExp(`^${k.replace(/\./g, "\\.")} = ${v}$`, "m"));
            assert.equal(read(path.join(m.root, "state/sysctl", k)).trim(), String(v), `${k} applied`);
        }
        for (const tool of ["k3d", "kubectl", "helm"]) assert.equal(fs.readlinkSync(path.join(m.linkDir, tool)), path.join(m.toolsDir, tool));
        assert.equal(fs.statSync(m.workDir).mode & 0o777, 0o700);
        const record = read(m.record).split("\n").filter(Boolean);
        for (const line of ["package docker.io", "package curl", `group docker ${USER}`, `dir ${m.toolsDir}`, `link ${m.linkDir}/kubectl`, "stack dev"]) assert.ok(record.includes(line), `${line} not in the record:\n${record.join("\n")}`);

        const tools = installTools(m);
        assert.equal(tools.status, 0, tools.stderr);
        assert.equal(tools.calls.filter((c) => c.startsWith("curl ")).length, 3, tools.calls.join("\n"));
        assert.deepEqual(fs.readdirSync(m.toolsDir).sort(), ["helm", "k3d", "kubectl"]);
        // The links make them the user's tools too.
        assert.match(spawnSync(path.join(m.linkDir, "kubectl"), ["version", "--client", "-o", "json"], { encoding: "utf8" }).stdout, /v1\.32\.9/);

        // A second run (a retry, another `up`): nothing is installed, downloaded or changed.
        const again = installHost(m);
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.calls.filter((c) => !c.startsWith("docker version")), [], "a re-run changes nothing");
        const toolsAgain = installTools(m);
        assert.equal(toolsAgain.status, 0, toolsAgain.stderr);
        assert.deepEqual(toolsAgain.calls, []);
    });

    it("every tool present at the pinned version: nothing runs (no apt, no download, no group or kernel change)", () => {
        const m = makeMachine({ docker: true, inDockerGroup: true, baseTools: true, tools: PINNED, sysctl: "pinned", modulesLoaded: true });
        const before = snapshot(m, "usr");
        const host = installHost(m);
        assert.equal(host.status, 0, host.stderr);
        // The engine's version is read, and the work folder made (the program's own, for staged charts).
        assert.deepEqual(host.calls, ["docker version --format {{.Server.Version}}", `chown ${USER}:${USER} ${m.workDir}.new`]);
        assert.ok(!fs.existsSync(path.join(m.root, "etc/sysctl.d/90-bigbang-oci-dev.conf")), "the machine's values are high enough: no file of ours");
        assert.ok(!fs.existsSync(path.join(m.root, "etc/docker/daemon.json")), "the machine's Docker is not reconfigured");
        const tools = installTools(m);
        assert.equal(tools.status, 0, tools.stderr);
        assert.deepEqual(tools.calls, [], "nothing downloaded");
        for (const tool of ["k3d", "kubectl", "helm"]) assert.match(tools.stdout, new RegExp(`${tool} v[\\d.]+ is already installed \\(${m.bin}/${tool}\\)`));
        assert.deepEqual(fs.readdirSync(m.toolsDir), []);
        assert.deepEqual(snapshot(m, "usr"), before, "the machine's own tools and /usr/local/bin are as they were");
    });

    it("one tool at another version: only that one is downloaded, into the program's folder, and the machine's own copy stays", () => {
        const m = makeMachine({ docker: true, inDockerGroup: true, baseTools: true, tools: { ...PINNED, kubectl: "v1.30.2" }, sysctl: "pinned", modulesLoaded: true });
        const own = snapshot(m, "usr/bin");
        assert.equal(installHost(m).status, 0);
        const tools = installTools(m);
        assert.equal(tools.status, 0, tools.stderr);
        const downloads = tools.calls.filter((c) => c.startsWith("curl "));
        assert.equal(downloads.length, 1, downloads.join("\n"));
        assert.match(downloads[0], /dl\.k8s\.io\/release\/v1\.32\.9\/bin\/linux\/amd64\/kubectl/);
        assert.deepEqual(fs.readdirSync(m.toolsDir), ["kubectl"]);
        assert.deepEqual(snapshot(m, "usr/bin"), own, "the machine's kubectl v1.30.2 is untouched");
        assert.ok(!fs.existsSync(path.join(m.linkDir, "kubectl")), "no link shadows the machine's own kubectl for its user");
        // The program's commands find the pinned one first (sshCommandPrefix puts the folder first on PATH).
        const found = spawnSync(path.join(m.core, "bash"), ["-c", "kubectl version --client -o json"], { encoding: "utf8", env: { PATH: `${m.toolsDir}:${m.bin}:${m.core}` } });
        assert.match(found.stdout, /v1\.32\.9/);
    });

    it("an old Docker engine is refused, not replaced", () => {
        const m = makeMachine({ docker: true, inDockerGroup: true, baseTools: true, tools: PINNED, sysctl: "pinned", modulesLoaded: true });
        const result = installHost(m, "dev", { STUB_DOCKER_VERSION: "19.03.15" });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /Docker 19\.03\.15 is older than 20\.10\.5, which k3d needs\. The program does not replace an engine/);
        assert.ok(!result.calls.some((c) => c.startsWith("apt-get")));
    });

    it("refuses another distro, another architecture and a non-POSIX login shell clearly, before changing anything", () => {
        const fedora = makeMachine({ docker: false, inDockerGroup: false, baseTools: false, tools: {}, sysctl: "low", modulesLoaded: false, os: 'NAME="Fedora Linux"\nID=fedora\nPRETTY_NAME="Fedora Linux 41 (Server Edition)"\n' });
        const refused = installHost(fedora);
        assert.equal(refused.status, 1);
        assert.match(refused.stderr, /this machine runs Fedora Linux 41 \(Server Edition\); the ssh backend installs Docker and its settings with apt on Ubuntu and Debian only/);
        assert.deepEqual(refused.calls, []);
        const debian = makeMachine({ docker: true, inDockerGroup: true, baseTools: true, tools: PINNED, sysctl: "pinned", modulesLoaded: true, os: 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' });
        assert.equal(installHost(debian).status, 0);
        const fish = installHost(debian, "dev", { STUB_SHELL: "/usr/bin/fish" });
        assert.equal(fish.status, 1);
        assert.match(fish.stderr, /alice's login shell is \/usr\/bin\/fish/);
        const arm = run(debian, "install-host", ["--user", USER, "--stack", "dev", "--arch", "arm64", "--work-dir", debian.workDir, "--tools-dir", debian.toolsDir, "--record", debian.record]);
        assert.equal(arm.status, 1);
        assert.match(arm.stderr, /this machine is x86_64 \(amd64\), but bigbang-oci-dev:host\.architecture is arm64/);
    });
});

describe("uninstall-host.sh on a stubbed machine", function () {
    this.timeout(60_000);

    function installedMachine(): Machine {
        const m = makeMachine({ docker: false, inDockerGroup: false, baseTools: false, tools: { helm: "v3.12.0" }, sysctl: "low", modulesLoaded: false });
        assert.equal(installHost(m).status, 0);
        assert.equal(installTools(m).status, 0);
        fs.mkdirSync(path.join(m.workDir, "charts"), { recursive: true });
        fs.writeFileSync(path.join(m.workDir, "charts", "a.tgz"), "chart");
        return m;
    }

    it("removes what the program put there and leaves the machine's own software and settings alone", () => {
        const m = installedMachine();
        const own = { bin: snapshot(m, "usr/bin"), ownConf: read(path.join(m.root, "etc/sysctl.d/10-own.conf")), ownTool: read(path.join(m.linkDir, "own-tool")) };
        const result = uninstallHost(m);
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(result.calls, [], "no package removed, no group changed, nothing reloaded");
        assert.ok(!fs.existsSync(m.toolsDir), "the program's tools folder is gone");
        assert.ok(!fs.existsSync(m.workDir), "the staged files are gone");
        for (const tool of ["k3d", "kubectl"]) assert.ok(!fs.existsSync(path.join(m.linkDir, tool)) && !isLink(path.join(m.linkDir, tool)), `${tool} link removed`);
        assert.ok(!fs.existsSync(path.join(m.root, "etc/sysctl.d/90-bigbang-oci-dev.conf")));
        assert.ok(!fs.existsSync(path.join(m.root, "etc/modules-load.d/bigbang-oci-dev.conf")));
        // The machine's own: its helm (another version), its settings file, its tool in /usr/local/bin, its home.
        assert.deepEqual(snapshot(m, "usr/bin"), own.bin);
        assert.equal(read(path.join(m.root, "etc/sysctl.d/10-own.conf")), own.ownConf);
        assert.equal(read(path.join(m.linkDir, "own-tool")), own.ownTool);
        assert.ok(fs.existsSync(path.join(m.home, USER)));
        // Docker and the group: left, named, and still in the record.
        assert.match(result.stdout, /the package docker\.io \(sudo apt-get remove docker\.io\)/);
        assert.match(result.stdout, /alice in the docker group \(sudo gpasswd -d alice docker\)/);
        assert.deepEqual(read(m.record).split("\n").filter(Boolean).sort(),
            ["docker-file " + path.join(m.root, "etc/docker/daemon.json"), `group docker ${USER}`, "package ca-certificates", "package curl", "package docker.io", "package jq"].sort());
        // Idempotent: a retried delete changes nothing and succeeds.
        const before = snapshot(m, ".");
        const again = uninstallHost(m);
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(snapshot(m, "."), before);
    });

    it("removes the program's Docker objects left on this machine by its label, the engine itself stays; not while another stack uses it", () => {
        // After a move to another address the Docker provider deletes on the new machine, so the old one's
        // registry, cache and network are removed here, by the machine-identity label they carry.
        const cleanupArgs = (m: Machine, stack: string) => ["--user", USER, "--stack", stack, "--work-dir", m.workDir, "--tools-dir", m.toolsDir, "--record", m.record,
            "--docker-label", `${HOST_INSTANCE_LABEL}=alice@old:22`, "--docker-cleanup", HOST_SCRIPTS.text("docker-objects-cleanup")];
        const withDockerLog = (m: Machine) => {
            const log = path.join(m.root, "docker-calls");
            writeExecutable(path.join(m.stubs, "docker"), `#!/bin/sh\necho "$*" >>${log}\ncase "$*" in\n  "ps -aq --filter label=${HOST_INSTANCE_LABEL}=alice@old:22") echo c1 ;;\n  "volume ls -q --filter label=${HOST_INSTANCE_LABEL}=alice@old:22") echo v1 ;;\n  "network ls -q --filter label=${HOST_INSTANCE_LABEL}=alice@old:22") echo n1 ;;\nesac\n`);
            return log;
        };
        const shared = installedMachine();
        assert.equal(installHost(shared, "other").status, 0);
        const sharedLog = withDockerLog(shared);
        assert.equal(run(shared, "uninstall-host", cleanupArgs(shared, "dev")).status, 0);
        assert.ok(!fs.existsSync(sharedLog), "another stack still uses the machine: no Docker object touched");

        const m = installedMachine();
        const log = withDockerLog(m);
        const result = run(m, "uninstall-host", cleanupArgs(m, "dev"));
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(read(log).trim().split("\n"), [
            `ps -aq --filter label=${HOST_INSTANCE_LABEL}=alice@old:22`, "rm -f -v c1",
            `volume ls -q --filter label=${HOST_INSTANCE_LABEL}=alice@old:22`, "volume rm v1",
            `network ls -q --filter label=${HOST_INSTANCE_LABEL}=alice@old:22`, "network rm n1",
        ]);
        assert.match(result.stdout, /removed container c1\nremoved volume v1\nremoved network n1/);
        assert.match(result.stdout, /the package docker\.io \(sudo apt-get remove docker\.io\)/, "the engine is left, and named");
    });

    it("while another stack uses the machine, only this stack leaves the record", () => {
        const m = installedMachine();
        assert.equal(installHost(m, "other").status, 0);
        const before = snapshot(m, "usr");
        const result = uninstallHost(m, "dev");
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /the machine's setup stays for: other/);
        assert.deepEqual(snapshot(m, "usr"), before);
        assert.ok(fs.existsSync(m.workDir));
        assert.ok(!read(m.record).includes("stack dev"));
    });

    it("leaves a link the owner has since pointed elsewhere, and does nothing on a machine without a record", () => {
        const m = installedMachine();
        fs.rmSync(path.join(m.linkDir, "k3d"));
        fs.symlinkSync(path.join(m.bin, "helm"), path.join(m.linkDir, "k3d"));
        assert.equal(uninstallHost(m).status, 0);
        assert.equal(fs.readlinkSync(path.join(m.linkDir, "k3d")), path.join(m.bin, "helm"));

        const fresh = makeMachine({ docker: true, inDockerGroup: true, baseTools: true, tools: PINNED, sysctl: "pinned", modulesLoaded: true });
        fs.mkdirSync(fresh.workDir, { recursive: true });
        const before = snapshot(fresh, ".");
        const none = uninstallHost(fresh);
        assert.equal(none.status, 0, none.stderr);
        assert.match(none.stdout, /does not exist: nothing of bigbang-oci-dev's to remove/);
        assert.deepEqual(snapshot(fresh, "."), before);
    });

    it("refuses to remove folders that are not the program's", () => {
        const m = installedMachine();
        const result = run(m, "uninstall-host", ["--user", USER, "--stack", "dev", "--work-dir", path.join(m.home, USER), "--tools-dir", m.toolsDir, "--record", m.record]);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /refusing to remove .*: not alice's bigbang-oci-dev work folder/);
        assert.ok(fs.existsSync(m.toolsDir));
    });
});

function isLink(file: string): boolean {
    try {
        return fs.lstatSync(file).isSymbolicLink();
    } catch {
        return false;
    }
}
