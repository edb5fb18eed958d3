// scripts/on-instance.sh against a stub instance-ID file: a delete recorded on
// one instance runs there, and is skipped (successfully) on any other host.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_SCRIPTS } from "../../components/host/remoteScript";
import { bashEnv } from "../support/scripts";

describe("host script: on-instance", () => {
    let dir: string;
    let idFile: string;
    let marker: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-on-instance-"));
        idFile = path.join(dir, "instance-id");
        marker = path.join(dir, "ran");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => fs.rmSync(marker, { force: true }));

    function run(expected: string, env: Record<string, string>, command = `touch ${marker}`) {
        const full = `${HOST_SCRIPTS.command("on-instance", [expected])} bash -c '${command}'`;
        return spawnSync("bash", ["-c", full], { encoding: "utf8", env: bashEnv({ PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }), timeout: 10_000 });
    }

    it("runs the command on the instance it names, with its exit status", () => {
        fs.writeFileSync(idFile, "i-0aaaaaaaaaaaaaaaa\n");
        const ok = run("i-0aaaaaaaaaaaaaaaa", { INSTANCE_ID_FILE: idFile });
        assert.equal(ok.status, 0, ok.stderr);
        assert.ok(fs.existsSync(marker));
        const failing = run("i-0aaaaaaaaaaaaaaaa", { INSTANCE_ID_FILE: idFile }, "exit 3");
        assert.equal(failing.status, 3, "a failing delete on its own instance still fails");
    });

    it("skips the command, successfully, on another instance", () => {
        fs.writeFileSync(idFile, "i-0bbbbbbbbbbbbbbbb\n");
        const other = run("i-0aaaaaaaaaaaaaaaa", { INSTANCE_ID_FILE: idFile });
        assert.equal(other.status, 0, other.stderr);
        assert.ok(!fs.existsSync(marker));
        assert.match(other.stdout, /instance i-0bbbbbbbbbbbbbbbb, not i-0aaaaaaaaaaaaaaaa/);
    });

    it("skips the command where the instance ID cannot be read", () => {
        const missing = run("i-0aaaaaaaaaaaaaaaa", { INSTANCE_ID_FILE: path.join(dir, "absent") });
        assert.equal(missing.status, 0, missing.stderr);
        assert.ok(!fs.existsSync(marker));
    });

    it("refuses to run without an instance ID and a command", () => {
        const bare = spawnSync("bash", ["-c", HOST_SCRIPTS.command("on-instance", ["i-1"])], { encoding: "utf8", timeout: 10_000 });
        assert.equal(bare.status, 2);
    });
});
