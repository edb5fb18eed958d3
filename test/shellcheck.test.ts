import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CloudInitOptions, cloudInitConfig, embeddedScripts } from "../components/host/aws/cloudInit";
import { AwsHostConfig } from "../components/config/config";
import { awsHost, defaultStackConfig } from "./support/fixtures";
import { allScripts } from "./support/scripts";

interface Findings { status: number | null; output: string }

/** shellcheck on these files, all with or all without a shebang; scripts without one are checked as bash. */
function runShellcheck(files: string[], hasShebang: boolean): { status: number | null; stdout: string; stderr: string } {
    const args = [...(hasShebang ? [] : ["--shell=bash"]), "--external-sources", "--format=gcc", ...files];
    const result = spawnSync("shellcheck", args, { encoding: "utf8" });
    if (result.error) {
        assert.fail(`cannot run shellcheck (${result.error.message}); install the shellcheck package (apt-get install shellcheck)`);
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const hasShebang = (file: string) => fs.readFileSync(file, "utf8").startsWith("#!");

/** shellcheck's findings for a file; "" when there are none. */
function shellcheck(file: string): Findings {
    const cached = checked.get(file);
    if (cached) return cached;
    const result = runShellcheck([file], hasShebang(file));
    return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

// Files checked in one shellcheck run per describe block (a process per file cost ~0.2 s each). With
// --format=gcc every finding is a line starting "<file>:<line>:<column>:", so each file gets its own
// lines; anything else (a file shellcheck could not read) goes to every file of that run.
const checked = new Map<string, Findings>();
function shellcheckAll(files: string[]): void {
    for (const withShebang of [true, false]) {
        const group = files.filter((f) => hasShebang(f) === withShebang);
        if (group.length === 0) continue;
        const { status, stdout, stderr } = runShellcheck(group, withShebang);
        const lines = `${stdout}${stderr}`.split("\n").filter((l) => l.trim() !== "");
        const owner = (line: string) => group.find((f) => line.startsWith(`${f}:`));
        const unowned = lines.filter((l) => owner(l) === undefined);
        for (const file of group) {
            const own = [...lines.filter((l) => owner(l) === file), ...unowned];
            checked.set(file, { status: own.length === 0 ? 0 : status, output: own.join("\n") });
        }
    }
}

function assertClean(file: string, label: string): void {
    const { status, output } = shellcheck(file);
    assert.equal(output, "", `${label}:\n${output}`);
    assert.equal(status, 0, `${label}: shellcheck exited ${status}`);
}

let tmp = "";
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shellcheck-test-"));
});
after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("shellcheck: components/*/scripts", function () {
    this.timeout(60_000);

    // Read at load time so each script gets its own test, including ones added later.
    const scripts = allScripts();
    before(() => shellcheckAll(scripts.map((s) => s.file)));

    it("finds the host scripts", () => {
        const names = scripts.map((s) => s.name);
        for (const name of ["install-tools", "wait-cloud-init", "etc-hosts-block", "k3d-cluster-create", "helm-push", "registry-ready"]) {
            assert.ok(names.includes(name), `${name}.sh missing: ${names.join(", ")}`);
        }
    });

    for (const { name, file } of scripts) {
        it(`${name}.sh has no findings`, () => assertClean(file, path.relative(path.join(__dirname, ".."), file)));
    }
});

describe("shellcheck: scripts in the user-data", function () {
    this.timeout(120_000);

    const host: AwsHostConfig = awsHost(defaultStackConfig());
    const variants: [string, AwsHostConfig, CloudInitOptions][] = [];
    for (const architecture of ["amd64", "arm64"] as const) {
        for (const autoShutdownHours of [0, 8]) {
            variants.push([`${architecture}, autoShutdownHours ${autoShutdownHours}`, { ...host, architecture, autoShutdownHours }, {}]);
        }
    }
    variants.push(["another user, all options on", { ...host, sshUser: "dev_user-1" }, { packageUpgrade: true, extraPackages: ["git"], dockerDaemonConfig: {} }]);

    const fileOf = (label: string, i: number, scriptPath: string) => path.join(tmp, `${label.replace(/\W+/g, "-")}-${i}-${path.basename(scriptPath)}`);
    const embedded = variants.map(([label, variantHost, opts]) => ({ label, scripts: embeddedScripts(cloudInitConfig(variantHost, opts)) }));
    before(() => {
        const files = embedded.flatMap(({ label, scripts }) => scripts.map((script, i) => {
            const file = fileOf(label, i, script.path);
            fs.writeFileSync(file, script.content);
            return file;
        }));
        shellcheckAll(files);
    });

    for (const { label, scripts } of embedded) {
        it(`has no findings (${label})`, () => {
            assert.ok(scripts.length >= 2, `expected the provisioning script and runcmd, got ${scripts.map((s) => s.path).join(", ")}`);
            for (const [i, script] of scripts.entries()) {
                const file = fileOf(label, i, script.path);
                assert.equal(fs.readFileSync(file, "utf8"), script.content);
                assertClean(file, `${script.path} (${label})`);
            }
        });
    }
});

describe("shellcheck: the check itself", () => {
    it("reports a finding in a flawed script", () => {
        const file = path.join(tmp, "flawed.sh");
        fs.writeFileSync(file, "#!/usr/bin/env bash\nrm -rf $1/*\n");
        const { status, output } = shellcheck(file);
        assert.notEqual(status, 0);
        assert.match(output, /SC2086/);
    });

    it("reports a flawed script's findings as its own when checked with clean ones", () => {
        const flawed = path.join(tmp, "flawed-in-batch.sh");
        const clean = path.join(tmp, "clean-in-batch.sh");
        fs.writeFileSync(flawed, "#!/usr/bin/env bash\nrm -rf $1/*\n");
        fs.writeFileSync(clean, "#!/usr/bin/env bash\necho \"$1\"\n");
        shellcheckAll([clean, flawed]);
        assert.deepEqual(shellcheck(clean), { status: 0, output: "" });
        assert.notEqual(shellcheck(flawed).status, 0);
        assert.match(shellcheck(flawed).output, /^.*flawed-in-batch\.sh:2:\d+: .*SC2086/m);
    });

    it("checks a script without a shebang as bash", () => {
        const file = path.join(tmp, "no-shebang.sh");
        fs.writeFileSync(file, "names=(a b)\necho \"${names[@]}\"\n");
        assert.deepEqual(shellcheck(file), { status: 0, output: "" });
    });
});

describe("shellcheck: the project's own scripts", function () {
    this.timeout(60_000);
    const root = path.join(__dirname, "..");
    const files = [
        ...fs.readdirSync(path.join(root, "scripts")).filter((n) => n.endsWith(".sh")).map((n) => path.join("scripts", n)),
        path.join(".ci", "run"),
    ];

    before(() => shellcheckAll(files.map((file) => path.join(root, file))));

    it("finds the deploy wrapper and the CI entry point", () => {
        assert.ok(files.includes(path.join("scripts", "pulumi-local.sh")));
    });

    for (const file of files) {
        it(`${file} has no findings`, () => assertClean(path.join(root, file), file));
    }
});
