// scripts/pulumi-local.sh's host parts against a stub `pulumi` (and `ssh-add`):
// stop/start set host.running and run up (host.backend aws only: refused on ssh
// and local before anything is written), up first refreshes only the host's
// instance-state resource, and a dead SSH_AUTH_SOCK is dropped.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BASE_CONFIG, sharedRun } from "../support/program";

const WRAPPER = path.resolve(__dirname, "..", "..", "scripts", "pulumi-local.sh");
const STATE_TYPE = "aws:ec2transitgateway/instanceState:InstanceState";

/** bash from PATH, for the stubs' first line: no `env` process in front of every stub call. */
const BASH = (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter).map((dir) => path.join(dir, "bash"))
    .find((file) => { try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; } }) ?? "/bin/bash";

let tmp = "";
before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-local-test-"));
});
after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface WrapperRun {
    status: number | null;
    stderr: string;
    /** One line per pulumi call: its arguments, and SSH_AUTH_SOCK as the stub saw it. */
    calls: string[];
}

/** The export file for a stack whose instance-state resource is `urn`, written once per urn (the stubs only read it). */
const exportFiles = new Map<string, string>();
function exportFile(urn: string): string {
    let file = exportFiles.get(urn);
    if (file === undefined) {
        file = path.join(tmp, `export-${exportFiles.size}.json`);
        // A real export is far larger than a pipe's buffer (inline scripts, user-data, state for
        // every resource, pretty-printed over many lines), with the instance-state resource early in it.
        // 4,000 resources are ~300 KB, over four times Linux's 64 KiB pipe buffer (pipe(7)): a `grep -q`
        // reading the export from a pipe fails the first case below (tried), at a fifth of the
        // bash and grep time per run of the former 20,000.
        const others = Array.from({ length: 4_000 }, (_, i) => ({ urn: `urn:pulumi:dev::bigbang-oci-dev::other::r${i}` }));
        fs.writeFileSync(file, `${JSON.stringify({ resources: [{ urn }, ...others] }, null, 2)}\n`);
        exportFiles.set(urn, file);
    }
    return file;
}

function runWrapper(args: string[], opts: { exportedUrn?: string; agentStatus?: number; sshAuthSock?: string; backend?: string } = {}): WrapperRun {
    const bin = fs.mkdtempSync(path.join(tmp, "bin-"));
    const log = path.join(bin, "calls.log");
    const exported = exportFile(opts.exportedUrn ?? "");
    fs.writeFileSync(path.join(bin, "pulumi"), [
        `#!${BASH}`,
        `[ "$1" = version ] && { echo v3.276.0; exit 0; }`,
        `echo "$* | sock=\${SSH_AUTH_SOCK:-}" >>${JSON.stringify(log)}`,
        // exec: like the real CLI, the export dies of SIGPIPE when its reader stops early.
        `if [ "$1 $2" = "stack export" ]; then exec cat ${JSON.stringify(exported)}; fi`,
        // `pulumi config get` of a key the stack does not set fails (as for a stack without host.backend).
        ...(opts.backend === undefined ? [] : [`if [ "$*" = "config get --path host.backend" ]; then echo ${opts.backend}; exit 0; fi`]),
        `if [ "$1 $2" = "config get" ]; then echo "error: configuration key not found" >&2; exit 255; fi`,
        "exit 0",
    ].join("\n"), { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "ssh-add"), `#!/bin/sh\nexit ${opts.agentStatus ?? 0}\n`, { mode: 0o755 });
    const env: NodeJS.ProcessEnv = {
        PATH: `${bin}:/usr/bin:/bin`,
        HOME: tmp,
        PULUMI_CONFIG_PASSPHRASE: "test",
        ...(opts.sshAuthSock ? { SSH_AUTH_SOCK: opts.sshAuthSock } : {}),
    };
    // A copy of the project's script, example and node_modules folder: `up` seeds the stack file
    // Pulumi.<stack>.yaml beside them, which must not land in the repository.
    const project = fs.mkdtempSync(path.join(tmp, "project-"));
    fs.mkdirSync(path.join(project, "scripts"));
    fs.mkdirSync(path.join(project, "node_modules"));
    fs.copyFileSync(WRAPPER, path.join(project, "scripts", "pulumi-local.sh"));
    fs.copyFileSync(path.resolve(WRAPPER, "..", "..", "stack-config.example.yaml"), path.join(project, "stack-config.example.yaml"));
    const result = spawnSync("bash", [path.join(project, "scripts", "pulumi-local.sh"), ...args], { encoding: "utf8", env, timeout: 30_000 });
    if (result.error) throw result.error;
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    return { status: result.status, stderr: result.stderr, calls };
}

describe("pulumi-local.sh: the host's running state", function () {
    this.timeout(60_000);
    let stateUrn = "";
    before(async () => {
        const run = await sharedRun(BASE_CONFIG, { stack: "dev" });
        stateUrn = run.one(STATE_TYPE).urn;
    });

    it("refreshes only the instance-state resource before up, so a host the timer stopped is started", () => {
        const result = runWrapper(["up", "--yes"], { exportedUrn: stateUrn });
        assert.equal(result.status, 0, result.stderr);
        const commands = result.calls.map((c) => c.split(" | ")[0]);
        assert.deepEqual(commands.slice(-2), [`refresh --yes --skip-preview --target ${stateUrn}`, "up --yes"]);
    });

    it("refreshes nothing on a stack that has no host yet, nor for other commands", () => {
        const first = runWrapper(["up"], { exportedUrn: "" });
        assert.ok(!first.calls.some((c) => c.startsWith("refresh")));
        const destroy = runWrapper(["destroy", "--yes"], { exportedUrn: stateUrn });
        assert.ok(!destroy.calls.some((c) => c.startsWith("refresh")));
        assert.equal(destroy.calls.at(-1)?.split(" | ")[0], "destroy --yes");
    });

    it("stop sets host.running false and runs up; start sets it true", () => {
        const stop = runWrapper(["stop", "--yes"], { exportedUrn: stateUrn }).calls.map((c) => c.split(" | ")[0]);
        assert.ok(stop.includes("config set --path host.running false"));
        assert.equal(stop.at(-1), "up --yes");
        assert.ok(stop.indexOf("config set --path host.running false") < stop.indexOf("up --yes"));
        const start = runWrapper(["start"], { exportedUrn: stateUrn }).calls.map((c) => c.split(" | ")[0]);
        assert.ok(start.includes("config set --path host.running true"));
        assert.equal(start.at(-1), "up");
        // host.backend aws, set or left to its default, is the same.
        const aws = runWrapper(["stop"], { exportedUrn: stateUrn, backend: "aws" }).calls.map((c) => c.split(" | ")[0]);
        assert.ok(aws.includes("config set --path host.running false"));
        assert.equal(aws.at(-1), "up");
    });

    it("stop and start on host.backend ssh or local are refused before anything is set or run, saying why", () => {
        const expected: Record<string, RegExp> = {
            ssh: /^npm run (stop|start): host\.backend ssh: the machine is yours, and the program never powers it off or on \(host\.running is aws only\)\./,
            local: /^npm run (stop|start): host\.backend local: there is no host to stop or start; the containers run on this workstation's Docker/,
        };
        for (const backend of ["ssh", "local"]) {
            for (const command of ["stop", "start"]) {
                const r = runWrapper([command, "--yes"], { backend });
                assert.equal(r.status, 1, `${command} on ${backend}`);
                assert.match(r.stderr, expected[backend]);
                assert.ok(r.stderr.startsWith(`npm run ${command}:`), r.stderr);
                const commands = r.calls.map((c) => c.split(" | ")[0]);
                assert.deepEqual(commands, ["stack select dev", "config get --path host.backend"], `only reads: ${commands.join(", ")}`);
            }
        }
    });

    it("drops an SSH_AUTH_SOCK no agent answers on, and keeps a live one", () => {
        const dead = runWrapper(["up"], { sshAuthSock: "/tmp/gone.sock", agentStatus: 2 });
        assert.match(dead.stderr, /Ignoring SSH_AUTH_SOCK=\/tmp\/gone\.sock/);
        assert.equal(dead.calls.at(-1), "up | sock=");
        const live = runWrapper(["up"], { sshAuthSock: "/tmp/agent.sock", agentStatus: 1 });
        assert.equal(live.calls.at(-1), "up | sock=/tmp/agent.sock", "exit 1 is a live agent with no keys");
    });
});
