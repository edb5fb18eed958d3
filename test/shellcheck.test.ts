import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CloudInitOptions, cloudInitConfig, embeddedScripts } from "../components/host/cloudInit";
import { HostConfig } from "../components/config/config";
import { defaultStackConfig } from "./support/fixtures";
import { allScripts } from "./support/scripts";

/** shellcheck's findings for a file; "" when there are none. Scripts without a shebang are checked as bash. */
function shellcheck(file: string): { status: number | null; output: string } {
    const hasShebang = fs.readFileSync(file, "utf8").startsWith("#!");
    const args = [...(hasShebang ? [] : ["--shell=bash"]), "--external-sources", "--format=gcc", file];
    const result = spawnSync("shellcheck", args, { encoding: "utf8" });
    if (result.error) {
        assert.fail(`cannot run shellcheck (${result.error.message}); install the shellcheck package (apt-get install shellcheck)`);
    }
    return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
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

    const host: HostConfig = defaultStackConfig().host;
    const variants: [string, HostConfig, CloudInitOptions][] = [];
    for (const architecture of ["amd64", "arm64"] as const) {
        for (const autoShutdownHours of [0, 8]) {
            variants.push([`${architecture}, autoShutdownHours ${autoShutdownHours}`, { ...host, architecture, autoShutdownHours }, {}]);
        }
    }
    variants.push(["another user, all options on", { ...host, sshUser: "dev_user-1" }, { packageUpgrade: true, extraPackages: ["git"], dockerDaemonConfig: {} }]);

    for (const [label, variantHost, opts] of variants) {
        it(`has no findings (${label})`, () => {
            const scripts = embeddedScripts(cloudInitConfig(variantHost, opts));
            assert.ok(scripts.length >= 2, `expected the provisioning script and runcmd, got ${scripts.map((s) => s.path).join(", ")}`);
            for (const [i, script] of scripts.entries()) {
                const file = path.join(tmp, `${label.replace(/\W+/g, "-")}-${i}-${path.basename(script.path)}`);
                fs.writeFileSync(file, script.content);
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

    it("finds the deploy wrapper and the CI entry point", () => {
        assert.ok(files.includes(path.join("scripts", "pulumi-local.sh")));
    });

    for (const file of files) {
        it(`${file} has no findings`, () => assertClean(path.join(root, file), file));
    }
});
