// Issue 21: what git carries. The stack files (salt, secrets' ciphertexts, the workstation's
// addresses) and every file the README has the user write in the project are git-ignored; the
// example stays tracked. Checked with git itself, in a scratch repository holding only .gitignore.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** Files the README's commands write in the project folder: `> file` redirections and `-f file` values files. */
export function readmeWrittenFiles(readme: string): string[] {
    const files = new Set<string>();
    for (const m of readme.matchAll(/(?:>|-f)\s*([A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:yaml|yml|json|txt|pem|key))\b/g)) files.add(m[1]);
    return [...files].sort();
}

function ignored(dir: string, file: string): boolean {
    const r = spawnSync("git", ["-c", "core.excludesFile=/dev/null", "check-ignore", "--no-index", "-q", file], { cwd: dir, encoding: "utf8", timeout: 10_000 });
    if (r.status !== 0 && r.status !== 1) throw new Error(`git check-ignore failed: ${r.stderr}`);
    return r.status === 0;
}

describe(".gitignore (issue 21)", function () {
    this.timeout(20_000);
    let dir = "";
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-gitignore-"));
        const init = spawnSync("git", ["init", "-q", dir], { encoding: "utf8", timeout: 10_000 });
        assert.equal(init.status, 0, init.stderr);
        fs.copyFileSync(path.join(ROOT, ".gitignore"), path.join(dir, ".gitignore"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("ignores every stack file, and keeps Pulumi.yaml and the example", () => {
        for (const file of ["Pulumi.dev.yaml", "Pulumi.jdoe-test.yaml"]) assert.ok(ignored(dir, file), file);
        for (const file of ["Pulumi.yaml", "stack-config.example.yaml"]) assert.ok(!ignored(dir, file), file);
        assert.ok(fs.existsSync(path.join(ROOT, "stack-config.example.yaml")));
        assert.ok(!fs.existsSync(path.join(ROOT, "Pulumi.dev.yaml")) || ignored(dir, "Pulumi.dev.yaml"));
    });

    it("ignores every file the README tells the user to write in the project", () => {
        const files = readmeWrittenFiles(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
        assert.ok(files.includes("oci-values.yaml"), files.join(", "));
        for (const file of files) assert.ok(ignored(dir, file), `${file} is written by a README command but not git-ignored`);
    });
});
