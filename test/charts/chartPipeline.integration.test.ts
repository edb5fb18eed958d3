// The chart pipeline for real: the push command the program sends to the host
// (ChartPushes: CHART_SCRIPTS.command("helm-push", chartPushPlan(...).scriptArgs),
// the password on stdin), run with the real helm 3.17 (bin/, npm run kube-tools)
// against the real docker-registry with the program's TLS and htpasswd
// settings. Each pushed version is pulled back with `helm pull` and compared
// file by file with the chart on disk; an edited chart pushes a second version
// while the first still pulls back unchanged; a push run twice succeeds
// (retry-safe); and HOME holds no helm registry login afterwards.
//
// The registry's name must resolve to 127.0.0.1 for helm, without touching the
// machine: each helm run happens in a private mount namespace (`unshare -m`)
// where a temporary hosts file is bind-mounted over /etc/hosts (helm is a
// static Go binary: its pure-Go resolver reads /etc/hosts first, Go net/conf.go
// hostLookupOrder). The test CA comes in through SSL_CERT_FILE, which Go's
// crypto/x509 reads on Linux (root_unix.go), so the script's "no --ca-file"
// stays as on the host. As root the namespace needs nothing more; as another user
// it is made in a user namespace of its own (unshare --map-root-user), and fails,
// saying why, where the kernel refuses those.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { writeChartArchive } from "../../components/charts/chartArchive";
import { CHART_SCRIPTS } from "../../components/charts/charts";
import { chartPushPlan, pushTarget, PushTarget } from "../../components/charts/chartsPlan";
import { ChartInfo, readChart, readChartFiles } from "../../components/charts/chartSource";
import { htpasswdLine } from "../../components/registry/htpasswd";
import { defaultStackConfig } from "../support/fixtures";
import { readChartArchive } from "../support/helmChartArchive";
import { kubeTool } from "../support/kubeTools";
import { createTestPki, TestPki } from "../support/pki";
import { findOnPath, REGISTRY_TEST_HOSTNAME, RunningRegistry, startRegistry } from "../support/registryServer";

const USERNAME = "bigbang";
const PASSWORD = "pipeline-test-password-0123456789";
const RUN_TIMEOUT_MS = 30_000;

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

describe("chart pipeline: the program's push command with the real helm and docker-registry", function () {
    this.timeout(60_000);
    let helm: string;
    let tmp: string;
    let home: string;
    let hostsFile: string;
    let pki: TestPki;
    let registry: RunningRegistry | undefined;
    let target: PushTarget;

    /** Runs a shell command line as sshd would (`bash -c`), inside a mount namespace where /etc/hosts is ours. */
    function inNamespace(commandLine: string, stdin: string): Promise<Run> {
        const env = {
            PATH: `${path.dirname(helm)}:/usr/bin:/bin`,
            HOME: home,
            TMPDIR: path.join(tmp, "tmp"),
            SSL_CERT_FILE: pki.ca.certFile,
        };
        return new Promise((resolve, reject) => {
            // Not root (a developer's own account): a user namespace of its own, where the user is root and may
            // bind-mount (unshare --map-root-user); root needs none.
            const asRoot = process.getuid?.() === 0;
            const child = spawn("unshare", [...(asRoot ? [] : ["--map-root-user"]), "--mount", "--propagation", "private", "bash", "-c",
                'mount --bind "$1" /etc/hosts && exec bash -c "$2"', "ns", hostsFile, commandLine],
            { env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
            child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
            const timer = setTimeout(() => {
                if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
                reject(new Error(`ran longer than ${RUN_TIMEOUT_MS} ms: ${commandLine.slice(0, 200)}\nstderr:\n${stderr}`));
            }, RUN_TIMEOUT_MS);
            child.on("error", (err) => { clearTimeout(timer); reject(err); });
            child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
            child.stdin.on("error", () => { /* the command may not read stdin */ });
            child.stdin.end(stdin);
        });
    }

    before(async () => {
        helm = kubeTool("helm");
        if (!findOnPath("docker-registry")) assert.fail("docker-registry is not on PATH (Debian package docker-registry; scripts/test.sh installs it)");
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-pipeline-"));
        home = path.join(tmp, "home");
        fs.mkdirSync(home);
        fs.mkdirSync(path.join(tmp, "tmp"));
        hostsFile = path.join(tmp, "hosts");
        fs.writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.0.1 ${REGISTRY_TEST_HOSTNAME}\n`);
        pki = createTestPki();
        const probe = await inNamespace(`getent hosts ${REGISTRY_TEST_HOSTNAME}`, "");
        // A namespace that does not work fails the check instead of passing it unchecked: as root (CI,
        // scripts/test.sh) it always works, and as another user it needs unprivileged user namespaces.
        assert.ok(probe.code === 0 && probe.stdout.startsWith("127.0.0.1"),
            `cannot resolve ${REGISTRY_TEST_HOSTNAME} to 127.0.0.1 in a private mount namespace (unshare --mount, with --map-root-user `
            + `when not root; a kernel with unprivileged user namespaces off, sysctl kernel.unprivileged_userns_clone=0 or `
            + `user.max_user_namespaces=0, refuses the latter: run the tests as root): exit ${probe.code}: ${probe.stderr.trim()}`);
        const leaf = pki.leaf({ dnsNames: [REGISTRY_TEST_HOSTNAME], days: 2 });
        registry = await startRegistry({
            authEnabled: true,
            htpasswd: `${htpasswdLine(USERNAME, PASSWORD)}\n`,
            tls: { certFile: leaf.certFile, keyFile: leaf.keyFile, caPem: pki.ca.certPem },
        });
        target = pushTarget(defaultStackConfig({
            "bigbang-oci-dev:registry": JSON.stringify({ hostname: registry.hostname, port: registry.port, auth: { enabled: true, username: USERNAME } }),
        }).registry);
        assert.equal(target.registryHost, `${REGISTRY_TEST_HOSTNAME}:${registry.port}`);
    });

    after(async () => {
        await registry?.stop();
        pki?.cleanup();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    function writeChart(dir: string, greeting: string): void {
        fs.mkdirSync(path.join(dir, "templates"), { recursive: true });
        fs.writeFileSync(path.join(dir, "Chart.yaml"), "apiVersion: v2\nname: podinfo\nversion: 6.5.0-bb.1\nappVersion: 6.5.0\n");
        fs.writeFileSync(path.join(dir, "values.yaml"), `greeting: ${greeting}\n`);
        fs.writeFileSync(path.join(dir, ".helmignore"), "*.bak\n");
        fs.writeFileSync(path.join(dir, "notes.bak"), "left out by .helmignore\n");
        fs.writeFileSync(path.join(dir, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n");
    }

    /** What ChartPushes does for one chart: the archive where CopyToRemote puts it, then the push command. */
    async function push(chart: ChartInfo): Promise<Run> {
        const plan = chartPushPlan(chart, target, path.join(tmp, "host", ".bigbang-oci-dev", "charts"));
        fs.mkdirSync(path.dirname(plan.remoteArchive), { recursive: true });
        fs.copyFileSync(writeChartArchive(chart, path.join(tmp, "workstation-cache")), plan.remoteArchive);
        return inNamespace(CHART_SCRIPTS.command("helm-push", plan.scriptArgs), PASSWORD);
    }

    /** `helm pull` of each version (one login, in a folder whose removal takes it away), as name -> archive. */
    async function pull(name: string, versions: string[]): Promise<Map<string, Buffer>> {
        const out = fs.mkdtempSync(path.join(tmp, "pull-"));
        const script = [
            "set -euo pipefail",
            `export HELM_REGISTRY_CONFIG=${out}/login.json`,
            `helm registry login ${target.registryHost} --username ${USERNAME} --password-stdin >/dev/null`,
            ...versions.flatMap((version, i) => [
                `mkdir ${out}/${i}`,
                `helm pull ${target.ociUrl}/${name} --version '${version}' --destination ${out}/${i}`,
            ]),
        ].join("\n");
        const r = await inNamespace(script, PASSWORD);
        assert.equal(r.code, 0, `helm pull ${name} ${versions.join(" ")}: ${r.stderr}`);
        const archives = new Map<string, Buffer>();
        versions.forEach((version, i) => {
            const files = fs.readdirSync(path.join(out, String(i)));
            assert.deepEqual(files, [`${name}-${version}.tgz`]);
            archives.set(version, fs.readFileSync(path.join(out, String(i), files[0])));
        });
        fs.rmSync(out, { recursive: true, force: true });
        return archives;
    }

    /** The pulled package holds exactly the chart's files (after .helmignore), Chart.yaml at the pushed version. */
    function assertSameContent(archive: Buffer | undefined, chart: ChartInfo, files: ReturnType<typeof readChartFiles>): void {
        assert.ok(archive, `${chart.pushVersion} was not pulled`);
        const unpacked = readChartArchive(archive);
        assert.equal(unpacked.rootDirectory, chart.name);
        const pulled = [...unpacked.files.keys()].map((k) => k.slice(chart.name.length + 1)).sort();
        assert.deepEqual(pulled, files.map((f) => f.relPath).sort());
        for (const f of files) {
            const bytes = unpacked.files.get(`${chart.name}/${f.relPath}`);
            if (f.relPath === "Chart.yaml") {
                const meta: unknown = parse(unpacked.chartYaml);
                assert.deepEqual(meta, { ...(parse(f.contents.toString("utf8")) as object), version: chart.pushVersion });
            } else {
                assert.ok(bytes?.equals(f.contents), `${f.relPath} differs from the chart on disk`);
            }
        }
    }

    function assertNoLoginInHome(): void {
        const leftovers = fs.readdirSync(home, { recursive: true, encoding: "utf8" });
        assert.ok(!fs.existsSync(path.join(home, ".config", "helm", "registry", "config.json")),
            `helm left its registry login in HOME: ${leftovers.join(", ")}`);
        assert.deepEqual(leftovers.filter((p) => /registry|config\.json/.test(p)), [], "no registry config anywhere under HOME");
        assert.deepEqual(fs.readdirSync(path.join(tmp, "tmp")), [], "the script's work folder is gone");
    }

    it("pushes, pulls back exactly, pushes an edit as a second version, and a repeated push succeeds", async () => {
        const chartDir = path.join(tmp, "src", "podinfo");
        writeChart(chartDir, "one");
        const first = readChart(chartDir);
        const firstFiles = readChartFiles(chartDir);
        assert.ok(!firstFiles.some((f) => f.relPath === "notes.bak"));

        let r = await push(first);
        assert.equal(r.code, 0, `first push: ${r.stderr}\n--- registry ---\n${registry?.logs().slice(-2000)}`);
        assertNoLoginInHome();
        // Retry-safe: the same push again (a rerun of the command after a lost connection) succeeds.
        r = await push(first);
        assert.equal(r.code, 0, `repeated push: ${r.stderr}`);

        writeChart(chartDir, "two");
        const second = readChart(chartDir);
        const secondFiles = readChartFiles(chartDir);
        assert.notEqual(second.pushVersion, first.pushVersion, "an edit is a new content version");
        r = await push(second);
        assert.equal(r.code, 0, `second push: ${r.stderr}`);
        assertNoLoginInHome();

        // Both versions pull back exactly: the edit did not touch the first.
        const pulled = await pull(first.name, [first.pushVersion, second.pushVersion]);
        assertSameContent(pulled.get(first.pushVersion), first, firstFiles);
        assertSameContent(pulled.get(second.pushVersion), second, secondFiles);
    });

    // helm 3.17 reports a refused login as its last attempt, plain http (the registry answers TLS-only, 400).
    it("a wrong password fails the push, and leaves no login behind", async () => {
        const chartDir = path.join(tmp, "src-bad", "podinfo");
        writeChart(chartDir, "bad");
        const chart = readChart(chartDir);
        const plan = chartPushPlan(chart, target, path.join(tmp, "host", ".bigbang-oci-dev", "charts"));
        fs.mkdirSync(path.dirname(plan.remoteArchive), { recursive: true });
        fs.copyFileSync(writeChartArchive(chart, path.join(tmp, "workstation-cache")), plan.remoteArchive);
        const r = await inNamespace(CHART_SCRIPTS.command("helm-push", plan.scriptArgs), "not-the-password");
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /login attempt to .* failed/);
        assertNoLoginInHome();
    });
});
