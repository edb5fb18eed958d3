// The chart archive copied to the host: its bytes, what GNU tar makes of them,
// and the whole path from CopyToRemote's layout rule to the real helm-push.sh.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { chartArchiveName, chartTar, pruneChartArchives, writeChartArchive } from "../../components/charts/chartArchive";
import { chartPushPlan, pushTarget } from "../../components/charts/chartsPlan";
import { listChartFiles, readChart, readChartFiles } from "../../components/charts/chartSource";
import { emulateCopyToRemote } from "../support/copyToRemote";
import { defaultStackConfig } from "../support/fixtures";

const RUN_TIMEOUT_MS = 20_000;

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: RUN_TIMEOUT_MS, ...opts });
    if (r.error) throw r.error;
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeFiles(root: string, files: Record<string, string>): string {
    for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), text);
    }
    return root;
}

/** Every regular file under dir, as relative POSIX path -> contents. */
// Built with Object.fromEntries, which defines each path as an own property: a file named `__proto__`
// (the round-trip property generates one now and then) assigned with `out[r] = ...` would set the
// object's prototype instead and vanish from the comparison.
function treeOf(dir: string): Record<string, string> {
    const entries: [string, string][] = [];
    const walk = (abs: string, rel: string): void => {
        for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
            const r = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) walk(path.join(abs, e.name), r);
            else entries.push([r, fs.readFileSync(path.join(abs, e.name), "utf8")]);
        }
    };
    walk(dir, "");
    return Object.fromEntries(entries);
}

// The folder name differs from the chart name on purpose: helm names the package from Chart.yaml.
const CHART_FILES: Record<string, string> = {
    "Chart.yaml": "apiVersion: v2\nname: podinfo\nversion: 6.5.0-bb.1+build.7\n",
    "values.yaml": "replicas: 1\n",
    "templates/deployment.yaml": "kind: Deployment\n",
    ".helmignore": "*.bak\nci/\n",
    "notes.bak": "ignored\n",
    "ci/test-values.yaml": "ignored: true\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/objects/ab/cdef": "blob\n",
};

describe("chart archive", function () {
    this.timeout(60_000);
    let tmp: string;
    beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-archive-")); });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("GNU tar extracts exactly the files helm package keeps, with their modes, and no .git or .helmignored file", () => {
        const dir = writeFiles(path.join(tmp, "src", "podinfo-chart"), CHART_FILES);
        fs.writeFileSync(path.join(dir, "templates", "hook.sh"), "#!/bin/sh\n", { mode: 0o755 });
        const tarFile = path.join(tmp, "c.tar");
        fs.writeFileSync(tarFile, chartTar(readChartFiles(dir)));
        const out = path.join(tmp, "out");
        fs.mkdirSync(out);
        const r = run("tar", ["-xf", tarFile, "-C", out]);
        assert.equal(r.code, 0, r.stderr);
        const kept = listChartFiles(dir).map((f) => f.relPath);
        assert.deepEqual(Object.keys(treeOf(out)).sort(), [...kept].sort());
        assert.ok(!kept.some((f) => f.startsWith(".git/") || f.endsWith(".bak") || f.startsWith("ci/")));
        assert.equal(fs.statSync(path.join(out, "templates", "hook.sh")).mode & 0o777, 0o755);
        assert.equal(fs.statSync(path.join(out, "values.yaml")).mode & 0o777, 0o644);
        const listing = run("tar", ["--numeric-owner", "--full-time", "-tvf", tarFile]);
        assert.match(listing.stdout, /0\/0 .* 1970-01-01 00:00:00 Chart\.yaml/);
    });

    it("has the same bytes when only timestamps, .git or ignored files change, and new bytes when a kept file does", () => {
        const dir = writeFiles(path.join(tmp, "chart"), CHART_FILES);
        const before = chartTar(readChartFiles(dir));
        fs.utimesSync(path.join(dir, "values.yaml"), new Date(0), new Date(1_000_000));
        writeFiles(dir, { ".git/HEAD": "ref: refs/heads/other\n", "notes.bak": "changed\n", "ci/new.yaml": "x: 1\n" });
        assert.ok(chartTar(readChartFiles(dir)).equals(before));
        writeFiles(dir, { "values.yaml": "replicas: 2\n" });
        assert.ok(!chartTar(readChartFiles(dir)).equals(before));
    });

    it("round-trips any file set through GNU tar, long and non-ASCII paths included (ustar prefix and PAX)", () => {
        const segment = fc.stringMatching(/^[a-zA-Z0-9_.é-]{1,60}$/).filter((s) => s !== "." && s !== "..");
        const relPath = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("/"));
        fc.assert(fc.property(fc.uniqueArray(fc.tuple(relPath, fc.string({ maxLength: 700 }), fc.boolean()), { selector: ([p]) => p, minLength: 1, maxLength: 5 }), (entries) => {
            // A path may not also be a directory of another path.
            const paths = entries.map(([p]) => p);
            fc.pre(paths.every((p) => !paths.some((q) => q.startsWith(`${p}/`))));
            const sorted = [...entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
            const files = sorted.map(([p, text, executable]) => ({ relPath: p, executable, contents: Buffer.from(text, "utf8") }));
            const work = fs.mkdtempSync(path.join(tmp, "rt-"));
            const tarFile = path.join(work, "x.tar");
            fs.writeFileSync(tarFile, chartTar(files));
            const out = path.join(work, "out");
            fs.mkdirSync(out);
            const r = run("tar", ["-xf", tarFile, "-C", out]);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(treeOf(out), Object.fromEntries(files.map((f) => [f.relPath, f.contents.toString("utf8")])));
            for (const f of files) assert.equal((fs.statSync(path.join(out, f.relPath)).mode & 0o100) !== 0, f.executable, f.relPath);
        }), {
            numRuns: 25,
            // One path that fits ustar only with a prefix, one that needs a PAX record.
            // And a file named __proto__ (seed 596085524 found it).
            examples: [
                [[[`${"p".repeat(150)}/${"n".repeat(99)}`, "split", false], [`${"a".repeat(90)}/${"b".repeat(90)}/${"c".repeat(90)}/${"d".repeat(101)}`, "pax", true]]],
                [[["__proto__", "", false], ["A", "", false]]],
            ],
        });
    });

    it("writeChartArchive names the file by content hash, keeps it when unchanged, prunes the chart's older archives, and refuses a chart that changed since it was read", () => {
        const dir = writeFiles(path.join(tmp, "chart"), CHART_FILES);
        const cache = path.join(tmp, "cache");
        const first = readChart(dir);
        const file = writeChartArchive(first, cache);
        assert.equal(path.basename(file), chartArchiveName(first));
        assert.equal(path.basename(file), `podinfo-${first.contentHash.slice(0, 12)}.tar`);
        const mtime = fs.statSync(file).mtimeMs;
        assert.equal(writeChartArchive(first, cache), file);
        assert.equal(fs.statSync(file).mtimeMs, mtime, "an unchanged archive is not rewritten");
        fs.writeFileSync(path.join(cache, "podinfo-extra-0123456789ab.tar"), "another chart's");

        writeFiles(dir, { "values.yaml": "replicas: 3\n" });
        assert.throws(() => writeChartArchive(first, cache), /changed while the program was reading it/);
        const second = readChart(dir);
        const next = writeChartArchive(second, cache);
        assert.notEqual(next, file);
        assert.deepEqual(fs.readdirSync(cache).sort(), [path.basename(next), "podinfo-extra-0123456789ab.tar"].sort());
    });

    it("pruneChartArchives removes the archives of charts no longer listed, and the folder once empty (issue 21)", () => {
        const cache = path.join(tmp, "prune");
        fs.mkdirSync(cache);
        for (const name of ["kept-0123456789ab.tar", "gone-0123456789ab.tar", "gone-abcdefabcdef.tar.partial", "notes.txt"]) {
            fs.writeFileSync(path.join(cache, name), name);
        }
        pruneChartArchives(cache, [path.join(cache, "kept-0123456789ab.tar")]);
        assert.deepEqual(fs.readdirSync(cache).sort(), ["kept-0123456789ab.tar", "notes.txt"], "only this program's archive names are touched");
        fs.rmSync(path.join(cache, "notes.txt"));
        pruneChartArchives(cache, []);
        assert.equal(fs.existsSync(cache), false);
        pruneChartArchives(cache, []);
    });
});

describe("chart push on the host: CopyToRemote's layout and the real helm-push.sh", function () {
    this.timeout(60_000);
    const SCRIPT = path.resolve(__dirname, "../../components/charts/scripts/helm-push.sh");
    let tmp: string;
    let bin: string;
    let log: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-push-"));
        bin = path.join(tmp, "bin");
        log = path.join(tmp, "helm.log");
        fs.mkdirSync(bin);
        // A helm that, like the real one, fails unless Chart.yaml is in the folder it is given.
        fs.writeFileSync(path.join(bin, "helm"), `#!/usr/bin/env bash
set -euo pipefail
log=${JSON.stringify(log)}
case "$1" in
  package)
    dir=$2; shift 2; version=""; dest=""
    while [ $# -gt 0 ]; do
      case "$1" in --version) version=$2; shift 2 ;; --destination) dest=$2; shift 2 ;; *) echo "unexpected $1" >&2; exit 2 ;; esac
    done
    if [ ! -f "$dir/Chart.yaml" ]; then echo "Error: Chart.yaml file is missing" >&2; exit 1; fi
    (cd "$dir" && find . -type f | sed 's|^\\./||' | sort) > "$log.files"
    name=$(sed -n 's/^name: //p' "$dir/Chart.yaml")
    # helm package --version overrides Chart.yaml's version in the package, not on disk.
    [ -n "$version" ] || version=$(sed -n 's/^version: //p' "$dir/Chart.yaml")
    : > "$dest/$name-$version.tgz"
    echo "package $name-$version.tgz" >> "$log" ;;
  push) echo "push $(basename "$2") $3 \${4:-} \${5:-}" >> "$log" ;;
  registry) echo "login $3 $5 password=$(cat)" >> "$log" ;;
  *) echo "unexpected helm $*" >&2; exit 2 ;;
esac
`, { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    function hostEnv(): NodeJS.ProcessEnv {
        return { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp };
    }

    it("packages a chart whose folder name differs from its chart name, from where the copy put it, with only helm's files", () => {
        const chartDir = writeFiles(path.join(tmp, "workstation", "src", "my-podinfo-fork"), CHART_FILES);
        const chart = readChart(chartDir);
        const local = writeChartArchive(chart, path.join(tmp, "workstation", "cache"));
        const stagingRoot = path.join(tmp, "host", "home", "ubuntu", ".bigbang-oci-dev", "charts");
        const target = pushTarget(defaultStackConfig({ "bigbang-oci-dev:registry": JSON.stringify({ auth: { enabled: true } }) }).registry);
        const plan = chartPushPlan(chart, target, stagingRoot);

        const landed = emulateCopyToRemote(local, plan.remoteArchive);
        assert.equal(landed, plan.remoteArchive, "a file source lands at exactly remotePath");

        const r = run("bash", ["-c", fs.readFileSync(SCRIPT, "utf8"), "helm-push", ...plan.scriptArgs], { env: hostEnv(), input: "s3cret" });
        assert.equal(r.code, 0, r.stderr);
        const lines = fs.readFileSync(log, "utf8").trim().split("\n");
        const pushed = `6.5.0-bb.1+build.7.content.${chart.contentHash.slice(0, 12)}`;
        assert.equal(chart.pushVersion, pushed);
        assert.deepEqual(lines, [
            "login oci.dev.bigbang.mil:5000 bigbang password=s3cret",
            `package podinfo-${pushed}.tgz`,
            `push podinfo-${pushed}.tgz oci://oci.dev.bigbang.mil:5000`,
        ]);
        assert.equal(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8"), CHART_FILES["Chart.yaml"], "Chart.yaml on disk is untouched");
        assert.deepEqual(fs.readFileSync(`${log}.files`, "utf8").trim().split("\n"), listChartFiles(chartDir).map((f) => f.relPath));
        assert.deepEqual(fs.readdirSync(tmp).filter((n) => n.startsWith("tmp.")), [], "the script removes its work folder");
    });

    it("the stub catches the old layout: a directory source lands one folder below remotePath, where helm finds no Chart.yaml", () => {
        const chartDir = writeFiles(path.join(tmp, "workstation", "my-podinfo-fork"), CHART_FILES);
        const remoteDir = path.join(tmp, "host", "charts", "podinfo-0123456789ab");
        const landed = emulateCopyToRemote(chartDir, remoteDir);
        assert.equal(landed, path.join(remoteDir, "my-podinfo-fork"));
        const out = fs.mkdtempSync(path.join(tmp, "out-"));
        const r = run(path.join(bin, "helm"), ["package", remoteDir, "--destination", out], { env: hostEnv() });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /Chart\.yaml file is missing/);
    });

    it("emulates the rest of the provider's table: existing destinations, trailing slash, and a directory onto a file", () => {
        const src = writeFiles(path.join(tmp, "src", "dir"), { "a.txt": "a" });
        const host = path.join(tmp, "host");
        fs.mkdirSync(path.join(host, "exists"), { recursive: true });
        assert.equal(emulateCopyToRemote(src, path.join(host, "exists")), path.join(host, "exists", "dir"));
        assert.equal(emulateCopyToRemote(`${src}/`, path.join(host, "into")), path.join(host, "into"));
        assert.ok(fs.existsSync(path.join(host, "into", "a.txt")));
        const file = path.join(src, "a.txt");
        assert.equal(emulateCopyToRemote(file, path.join(host, "exists")), path.join(host, "exists", "a.txt"));
        fs.writeFileSync(path.join(host, "f"), "old");
        assert.equal(emulateCopyToRemote(file, path.join(host, "f")), path.join(host, "f"));
        assert.equal(fs.readFileSync(path.join(host, "f"), "utf8"), "a");
        assert.throws(() => emulateCopyToRemote(src, path.join(host, "f")), /exists but is not a directory/);
    });

    it("fails clearly when the archive is not on the host", () => {
        const r = run("bash", ["-c", fs.readFileSync(SCRIPT, "utf8"), "helm-push", path.join(tmp, "missing.tar"), "1.0.0", "oci://r:5000", "r:5000", ""], { env: hostEnv() });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /chart archive .*missing\.tar is missing on the host/);
    });
});
