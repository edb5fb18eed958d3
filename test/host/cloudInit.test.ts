import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { z } from "zod";
import {
    AUTO_SHUTDOWN_TIMER,
    autoShutdownUnits,
    CloudInitOptions,
    DOCKER_APT_KEY,
    EC2_USER_DATA_LIMIT_BYTES,
    HOST_PATHS,
    cloudInitConfig,
    cloudInitUserData,
    embeddedScripts,
} from "../../components/host/aws/cloudInit";
import { INSTALL_TOOLS_SCRIPT } from "../../components/host/hostSetup";
import { AwsHostConfig } from "../../components/config/config";
import { awsHost, defaultStackConfig } from "../support/fixtures";

const baseHost: AwsHostConfig = awsHost(defaultStackConfig());

function hostWith(overrides: Partial<AwsHostConfig>): AwsHostConfig {
    return { ...baseHost, ...overrides, tools: { ...baseHost.tools, ...overrides.tools } };
}

// The shape the tests read; parsing with it also checks the document has that shape.
const documentSchema = z.object({
    package_update: z.boolean(),
    package_upgrade: z.boolean(),
    apt: z.object({ sources: z.record(z.string(), z.object({ source: z.string() })) }),
    packages: z.array(z.string()),
    write_files: z.array(z.object({ path: z.string(), content: z.string(), permissions: z.string() })),
    runcmd: z.array(z.array(z.string())),
});
type Document = z.infer<typeof documentSchema>;

function renderDocument(host: AwsHostConfig, opts?: CloudInitOptions): { text: string; doc: Document } {
    const text = cloudInitUserData(host, opts);
    return { text, doc: documentSchema.parse(parse(text)) };
}

function fileAt(doc: Document, filePath: string): string {
    const file = doc.write_files.find((f) => f.path === filePath);
    assert.ok(file, `write_files has no ${filePath}; it has ${doc.write_files.map((f) => f.path).join(", ")}`);
    return file.content;
}

let tmp = "";
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-init-test-"));
});
after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface SchemaResult { file: string; status: number | null; stdout: string; stderr: string }

let fileCounter = 0;
function userDataFile(userData: string): string {
    const file = path.join(tmp, `user-data-${++fileCounter}.yaml`);
    fs.writeFileSync(file, userData);
    return file;
}

/** `cloud-init schema --config-file <file>`, a process of its own. */
function schemaCheckFile(file: string): SchemaResult {
    const result = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
    if (result.error) {
        assert.fail(`cannot run 'cloud-init schema' (${result.error.message}); install the cloud-init package (apt-get install cloud-init)`);
    }
    return { file, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// `cloud-init schema --config-file <file>` for each file, in one Python process (a process each took ~0.5 s):
// the `cloud-init` console script's own entry point (cloudinit/cmd/main.py main), called with the same
// arguments, its stdout, stderr and exit status caught per file. "gives what cloud-init schema gives"
// below compares it with the command itself.
const SCHEMA_BATCH = `
import contextlib, io, json, sys
from importlib.metadata import entry_points
(entry,) = entry_points(group="console_scripts", name="cloud-init")
main = entry.load()
results = []
for file in sys.argv[1:]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["cloud-init", "schema", "--config-file", file])
        except SystemExit as e:
            code = e.code
    status = 0 if code is None else code if isinstance(code, int) else 1
    results.append({"file": file, "status": status, "stdout": out.getvalue(), "stderr": err.getvalue()})
json.dump(results, sys.stdout)
`;

const schemaResults = new Map<string, SchemaResult>();

/** Checks every document in one process; schemaCheck then answers for them from here. */
function prefetchSchemaChecks(userDatas: string[]): void {
    const cloudInit = spawnSync("/bin/sh", ["-c", "command -v cloud-init"], { encoding: "utf8" }).stdout.trim();
    if (!cloudInit) assert.fail("cannot run 'cloud-init schema'; install the cloud-init package (apt-get install cloud-init)");
    // The interpreter the command runs with (its #! line), which has cloud-init's modules.
    const python = /^#!\s*(\S+)/.exec(fs.readFileSync(cloudInit, "utf8"))?.[1];
    if (!python) assert.fail(`${cloudInit} has no #! line naming its Python`);
    const files = userDatas.map(userDataFile);
    const result = spawnSync(python, ["-c", SCHEMA_BATCH, ...files], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(result.status, 0, `the cloud-init schema batch failed:\n${result.stderr}`);
    const results = JSON.parse(result.stdout) as SchemaResult[];
    assert.equal(results.length, userDatas.length);
    userDatas.forEach((userData, i) => schemaResults.set(userData, results[i]));
}

function schemaCheck(userData: string): SchemaResult {
    return schemaResults.get(userData) ?? schemaCheckFile(userDataFile(userData));
}

function assertSchemaValid(userData: string, label: string): void {
    const result = schemaCheck(userData);
    assert.equal(result.status, 0, `${label}: cloud-init schema failed:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Valid cloud-config/, `${label}: ${result.stdout}`);
    assert.doesNotMatch(result.stderr, /error|deprecat/i, `${label}: ${result.stderr}`);
}

const ALL_OPTIONS_ON: CloudInitOptions = {
    packageUpgrade: true,
    extraPackages: ["git", "make", "unzip"],
    dockerDaemonConfig: { "log-driver": "local", "default-address-pools": [{ base: "10.201.0.0/16", size: 24 }] },
};

describe("cloudInit: cloud-init schema", function () {
    this.timeout(120_000);

    // Every document this block checks, made up front so that one process checks them all.
    const documents: string[] = [];
    const documentOf = (userData: string) => {
        documents.push(userData);
        return userData;
    };
    before(() => prefetchSchemaChecks(documents));

    for (const ubuntuRelease of ["22.04", "24.04"] as const) {
        for (const architecture of ["amd64", "arm64"] as const) {
            for (const autoShutdownHours of [0, 8]) {
                for (const [optsLabel, opts] of [["defaults", {}], ["all options on", ALL_OPTIONS_ON]] as const) {
                    const label = `Ubuntu ${ubuntuRelease} ${architecture}, autoShutdownHours ${autoShutdownHours}, ${optsLabel}`;
                    const userData = documentOf(cloudInitUserData(hostWith({ ubuntuRelease, architecture, autoShutdownHours }), opts));
                    it(`passes for ${label}`, () => {
                        assertSchemaValid(userData, label);
                    });
                }
            }
        }
    }

    const otherUser = documentOf(cloudInitUserData(hostWith({ sshUser: "dev" }), { loginUserKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmine me@laptop" }));
    it("passes for a login user other than ubuntu, created with its key", () => {
        const userData = otherUser;
        assert.match(userData, /ssh_authorized_keys:\n\s+- ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmine me@laptop/);
        assertSchemaValid(userData, "sshUser dev");
    });

    const hostKey = {
        privateOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n",
        publicOpenssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyHostKeyHostKeyHostKeyHostKeyHostKey",
    };
    const withHostKey = documentOf(cloudInitUserData(baseHost, { hostKey }));
    it("accepts the pinned host key (ssh_keys) and keeps it as a literal block", () => {
        const userData = withHostKey;
        assertSchemaValid(userData, "host key");
        const doc = parse(userData) as Record<string, unknown>;
        assert.deepEqual(doc.ssh_keys, { ed25519_private: hostKey.privateOpenssh, ed25519_public: hostKey.publicOpenssh });
        assert.equal(doc.ssh_deletekeys, true);
        assert.equal(doc.ssh_genkeytypes, undefined, "ignored with ssh_keys, and an empty list fails the schema");
        assert.throws(() => cloudInitUserData(baseHost, { hostKey: { ...hostKey, publicOpenssh: "ssh-rsa AAAA" } }), /not ssh-ed25519/);
    });

    const broken = documentOf(`#cloud-config\n${stringify({ ...cloudInitConfig(baseHost), packages: 5, runcmd: "reboot" })}`);
    it("rejects a document with a wrong type, so the check above can fail", () => {
        const result = schemaCheck(broken);
        assert.notEqual(result.status, 0, `a broken document passed:\n${result.stdout}`);
        assert.match(result.stderr, /schema errors/i);
        assert.match(result.stderr, /packages: 5 is not of type 'array'/);
        assert.match(result.stderr, /runcmd: 'reboot' is not of type 'array'/);
    });

    const headerless = documentOf(stringify(cloudInitConfig(baseHost)));
    it("rejects user-data without the #cloud-config header", () => {
        const result = schemaCheck(headerless);
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /#cloud-config/);
    });

    it("gives what `cloud-init schema` itself gives, a process per file", () => {
        for (const userData of [documents[0], broken, headerless]) {
            const batched = schemaCheck(userData);
            assert.deepEqual(schemaCheckFile(batched.file), batched);
        }
    });
});

describe("cloudInit: contents", () => {
    it("starts with #cloud-config and is YAML of exactly cloudInitConfig()", () => {
        const text = cloudInitUserData(baseHost, ALL_OPTIONS_ON);
        assert.ok(text.startsWith("#cloud-config\n"));
        assert.deepEqual(parse(text), cloudInitConfig(baseHost, ALL_OPTIONS_ON));
    });

    it("persists Big Bang's kernel settings and applies them", () => {
        const { doc } = renderDocument(baseHost);
        const sysctl = fileAt(doc, HOST_PATHS.sysctl);
        assert.match(HOST_PATHS.sysctl, /^\/etc\/sysctl\.d\/[\w.-]+\.conf$/);
        const settings = Object.fromEntries(
            sysctl.split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => l.split("=").map((p) => p.trim())),
        );
        assert.deepEqual(settings, {
            "vm.max_map_count": "524288",
            "fs.nr_open": "13181252",
            "fs.file-max": "13181250",
            "fs.inotify.max_user_instances": "1024",
            "fs.inotify.max_user_watches": "1048576",
        });
        const provision = fileAt(doc, HOST_PATHS.provision);
        assert.match(provision, /^sysctl --system/m);
        assert.ok(provision.includes(`done <${HOST_PATHS.sysctl}`), "the provisioning script reads back the persisted settings");
    });

    it("persists the Istio kernel modules and loads them", () => {
        const { doc } = renderDocument(baseHost);
        assert.match(HOST_PATHS.modules, /^\/etc\/modules-load\.d\/[\w.-]+\.conf$/);
        const modules = fileAt(doc, HOST_PATHS.modules).split("\n").filter((l) => l.trim() && !l.startsWith("#"));
        assert.deepEqual(modules, ["br_netfilter", "nf_nat_redirect", "xt_REDIRECT", "xt_owner", "xt_statistic"]);
        const provision = fileAt(doc, HOST_PATHS.provision);
        assert.match(provision, /modprobe "\$module"/);
        assert.ok(provision.includes(`done <${HOST_PATHS.modules}`));
    });

    it("installs Docker Engine from Docker's apt repository, signed by the embedded key", () => {
        for (const architecture of ["amd64", "arm64"] as const) {
            const { doc } = renderDocument(hostWith({ architecture }));
            const sources = Object.values(doc.apt.sources).map((s) => s.source);
            assert.deepEqual(sources, [
                `deb [arch=${architecture} signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $RELEASE stable`,
            ]);
            assert.equal(fileAt(doc, "/etc/apt/keyrings/docker.asc"), DOCKER_APT_KEY);
            for (const pkg of ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "curl", "ca-certificates"]) {
                assert.ok(doc.packages.includes(pkg), `packages lacks ${pkg}: ${doc.packages.join(", ")}`);
            }
            assert.equal(doc.package_update, true);
            assert.match(fileAt(doc, HOST_PATHS.provision), /^systemctl enable --now containerd\.service docker\.service$/m);
        }
    });

    it("embeds Docker's published key, fingerprint 9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88", () => {
        const { doc } = renderDocument(baseHost);
        const keyFile = path.join(tmp, "docker.asc");
        fs.writeFileSync(keyFile, fileAt(doc, HOST_PATHS.dockerKey));
        const gpg = spawnSync("gpg", ["--batch", "--with-colons", "--show-keys", keyFile], { encoding: "utf8" });
        if (gpg.error) assert.fail(`cannot run gpg (${gpg.error.message}); install the gpg package`);
        assert.equal(gpg.status, 0, gpg.stderr);
        const lines = gpg.stdout.split("\n");
        const primary = lines.findIndex((l) => l.startsWith("pub:"));
        assert.ok(primary >= 0, gpg.stdout);
        assert.equal(lines[primary + 1].split(":")[9], "9DC858229FC7DD38854AE2D88D81803C0EBFCD88");
        assert.match(gpg.stdout, /Docker Release \(CE deb\) <docker@docker\.com>/);
        // Byte for byte the file download.docker.com/linux/ubuntu/gpg serves.
        assert.equal(createHash("sha256").update(DOCKER_APT_KEY).digest("hex"), "1500c1f56fa9e26b9b8f42452a553675796ade0807cdce11975eb98170b3a570");
    });

    it("puts the login user in the docker group", () => {
        for (const sshUser of ["ubuntu", "dev-user"]) {
            const { doc } = renderDocument(hostWith({ sshUser }));
            const args = doc.runcmd[0];
            assert.equal(args[args.indexOf("--user") + 1], sshUser);
            assert.match(fileAt(doc, HOST_PATHS.provision), /^usermod -aG docker "\$user"$/m);
        }
    });

    it("runs exactly one command, so any failure fails cloud-init", () => {
        const { doc } = renderDocument(baseHost);
        assert.equal(doc.runcmd.length, 1);
        assert.equal(doc.runcmd[0][0], HOST_PATHS.provision);
        assert.match(fileAt(doc, HOST_PATHS.provision), /^set -euo pipefail$/m);
    });

    it("leaves the tools and the auto-shutdown timer out, so changing them does not replace the host", () => {
        const reference = cloudInitUserData(baseHost);
        assert.equal(cloudInitUserData(hostWith({ tools: { k3d: "v5.7.4", kubectl: "v1.31.2", helm: "v3.16.1" } })), reference);
        assert.equal(cloudInitUserData(hostWith({ autoShutdownHours: 0 })), reference);
        assert.equal(cloudInitUserData(hostWith({ autoShutdownHours: 720 })), reference);
        assert.doesNotMatch(reference, /install-tools|OnBootSec|auto-shutdown/);
        assert.deepEqual(renderDocument(baseHost).doc.runcmd, [[HOST_PATHS.provision, "--user", "ubuntu"]]);
    });

    it("the installer verifies each download against its pinned SHA-256 before installing", () => {
        const installer = fs.readFileSync(INSTALL_TOOLS_SCRIPT, "utf8");
        // Never a sum served beside the binary (issue 21): the pins come in as arguments.
        for (const published of ["checksums.txt", "kubectl.sha256", ".sha256sum"]) {
            assert.ok(!installer.includes(`${published}"`), `installer fetches ${published}`);
        }
        for (const pinned of ['"$k3d_sha256"', '"$kubectl_sha256"', '"$helm_sha256"']) assert.ok(installer.includes(pinned), pinned);
        assert.match(installer, /sha256sum "\$1"/);
        assert.match(installer, /SHA-256 mismatch/);
        assert.ok(installer.indexOf('verify "$work/kubectl"') < installer.indexOf('place "$work/kubectl" kubectl'));
    });

    it("autoShutdownUnits power off the given hours after each boot, with a warning", () => {
        const on = autoShutdownUnits(8);
        assert.match(on.timer, /^OnBootSec=475min$/m, "8 hours after boot, less the 5-minute warning");
        assert.match(on.timer, /^WantedBy=timers\.target$/m);
        assert.match(on.service, /^ExecStart=\/usr\/sbin\/shutdown --poweroff \+5 /m);
        assert.equal(`/etc/systemd/system/${AUTO_SHUTDOWN_TIMER}`, HOST_PATHS.shutdownTimer);
        assert.match(autoShutdownUnits(1).timer, /^OnBootSec=55min$/m);
    });

    it("applies the options", () => {
        const defaults = renderDocument(baseHost).doc;
        // Security updates at first boot: the pinned image is older than the day the host starts (issue 21).
        assert.equal(defaults.package_upgrade, true);
        assert.equal(renderDocument(baseHost, { packageUpgrade: false }).doc.package_upgrade, false);
        assert.deepEqual(JSON.parse(fileAt(defaults, HOST_PATHS.dockerDaemon)), {
            "log-driver": "json-file",
            "log-opts": { "max-size": "50m", "max-file": "3" },
        });

        const all = renderDocument(baseHost, ALL_OPTIONS_ON).doc;
        assert.equal(all.package_upgrade, true);
        for (const pkg of ["git", "make", "unzip", "docker-ce"]) assert.ok(all.packages.includes(pkg), pkg);
        assert.deepEqual(JSON.parse(fileAt(all, HOST_PATHS.dockerDaemon)), ALL_OPTIONS_ON.dockerDaemonConfig);
        assert.equal(new Set(renderDocument(baseHost, { extraPackages: ["curl", "jq"] }).doc.packages).size,
            renderDocument(baseHost, { extraPackages: ["curl", "jq"] }).doc.packages.length, "packages are listed once");
    });

    it("refuses values that would break the scripts", () => {
        assert.throws(() => cloudInitConfig(hostWith({ sshUser: "ubuntu; reboot" })), /sshUser/);
        assert.throws(() => cloudInitConfig(hostWith({ tools: { ...baseHost.tools, helm: "latest" } })), /helm version/);
        assert.throws(() => cloudInitConfig(hostWith({ autoShutdownHours: 1.5 })), /autoShutdownHours/);
        assert.throws(() => cloudInitConfig(baseHost, { extraPackages: ["git && reboot"] }), /extra package/);
    });

    it("lists every script it writes or runs", () => {
        const scripts = embeddedScripts(cloudInitConfig(baseHost));
        assert.deepEqual(scripts.map((s) => s.path), [HOST_PATHS.provision, "runcmd"]);
        for (const script of scripts) assert.match(script.content, /^#!/);
        const runcmd = scripts[1].content;
        assert.ok(runcmd.startsWith("#!/bin/sh\n"));
        assert.ok(runcmd.includes(`'${HOST_PATHS.provision}' '--user' 'ubuntu'`), runcmd);
    });

    it("quotes runcmd arguments the way cloud-init does", () => {
        const scripts = embeddedScripts({ runcmd: [["echo", "it's"], "ls -l"] });
        assert.deepEqual(scripts, [{ path: "runcmd", content: "#!/bin/sh\n'echo' 'it'\\''s'\nls -l\n" }]);
    });

    it("fits EC2's user-data limit with every option on", () => {
        const size = Buffer.byteLength(cloudInitUserData(hostWith({ autoShutdownHours: 720, architecture: "arm64" }), ALL_OPTIONS_ON));
        assert.ok(size < EC2_USER_DATA_LIMIT_BYTES, `${size} bytes`);
    });
});

describe("cloudInit: determinism", () => {
    const hostArb = fc.record({
        ubuntuRelease: fc.constantFrom("22.04" as const, "24.04" as const),
        architecture: fc.constantFrom("amd64" as const, "arm64" as const),
        sshUser: fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}$/),
        autoShutdownHours: fc.integer({ min: 0, max: 720 }),
        tools: fc.record({
            k3d: fc.tuple(fc.nat(9), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `v${a}.${b}.${c}`),
            kubectl: fc.tuple(fc.nat(9), fc.nat(40), fc.nat(20)).map(([a, b, c]) => `v${a}.${b}.${c}`),
            helm: fc.tuple(fc.nat(9), fc.nat(30), fc.nat(20)).map(([a, b, c]) => `v${a}.${b}.${c}-rc.1`),
        }),
    });
    const optsArb = fc.record({
        packageUpgrade: fc.boolean(),
        extraPackages: fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,12}$/), { maxLength: 4 }),
    }, { requiredKeys: [] });

    it("renders the same input to identical text, and the text parses back to the same document", () => {
        fc.assert(fc.property(hostArb, optsArb, (overrides, opts) => {
            const host = hostWith(overrides);
            const first = cloudInitUserData(host, opts);
            assert.equal(cloudInitUserData(hostWith(overrides), { ...opts }), first);
            assert.deepEqual(parse(first), cloudInitConfig(host, opts));
        }), { numRuns: 100 });
    });

    it("renders a different document when an input changes", () => {
        const reference = cloudInitUserData(baseHost);
        assert.notEqual(cloudInitUserData(hostWith({ sshUser: "dev" })), reference);
        assert.notEqual(cloudInitUserData(hostWith({ architecture: "arm64" })), reference);
        assert.notEqual(cloudInitUserData(hostWith({ ubuntuRelease: "22.04" })), reference);
    });
});
