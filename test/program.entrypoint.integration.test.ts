// A user's mistake under the real Pulumi entry point: the language host runs
// @pulumi/pulumi/cmd/run, whose uncaught-error handler (cmd/run/run.js) prints
// a RunError as its message and anything else as "failed with an unhandled
// exception" plus the stack. These tests run that entry point on this project
// with a mocked engine and monitor, and read what the engine was told to print.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stripVTControlCharacters } from "util";
import { runThroughLanguageHost } from "./support/languageHost";

const ROOT = path.resolve(__dirname, "..");
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
/** The text without the colours Pulumi's handler adds to stack frames (util.inspect with colors: true). */
const plain = (text: string) => stripVTControlCharacters(text);

describe("program: user errors through Pulumi's real entry point", function () {
    this.timeout(120_000);

    it("prints a config error as its message alone: no stack, no 'unhandled exception', no resource but the stack", async () => {
        const run = await runThroughLanguageHost({
            programDir: ROOT,
            project: "bigbang-oci-dev",
            stack: "dev",
            config: {
                "aws:region": "us-east-1",
                "bigbang-oci-dev:allowedCidrs": JSON.stringify(["203.0.113.7/32"]),
                "bigbang-oci-dev:registry": JSON.stringify({ tls: { source: "self-signed" }, port: "abc" }),
                "bigbang-oci-dev:cluster": JSON.stringify({ k3sArgs: ["--node-label=a=$B"] }),
            },
            dryRun: true,
            typescript: true,
        });
        const errors = run.logs.filter((l) => l.severity === "error");
        assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(run.logs)}\nstderr: ${run.stderr}`);
        const [error] = errors;
        assert.equal(error.message, [
            "invalid stack configuration:",
            "  bigbang-oci-dev:registry.port: expected 1-65535, got \"abc\"",
            // The bad port no longer hides the refused source in the same section (issue 18).
            "  bigbang-oci-dev:registry.tls.source: self-signed: Flux pulls charts with its own trust store and Big Bang's helmRepositories "
            + "has no CA setting, so a private CA would fail with 'x509: certificate signed by unknown authority'; use tls.source bigbang "
            + "(Big Bang's publicly trusted dev certificate, the default) or files with a publicly trusted certificate and no caFile, got \"self-signed\"",
            "  bigbang-oci-dev:cluster.k3sArgs[0].arg: k3d expands environment variables in its config file, so '$' cannot be used, got \"--node-label=a=$B\"",
        ].join("\n"));
        for (const text of [error.message, run.stdout, run.stderr]) {
            assert.doesNotMatch(plain(text), STACK_FRAME);
            assert.doesNotMatch(text, /unhandled exception/);
        }
        // 32: the language host's code for "the error was already shown to the user".
        assert.equal(run.exitCode, 32);
        assert.deepEqual(run.registered, ["pulumi:pulumi:Stack::bigbang-oci-dev-dev"]);
    });

    it("would show a stack trace for an error that is not a RunError (the check above can fail)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-crash-"));
        try {
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "crash", main: "index.js" }));
            // Made in a timer callback, so its frames are this file and Node's timers only: a frame under
            // node_modules/@pulumi (source-mapped to ".../node_modules/@pulumi/resource.ts") would make
            // Node 20.20's util.inspect loop (nodejs/node#64011; see ConfigError in components/config/config.ts).
            fs.writeFileSync(path.join(dir, "index.js"),
                "module.exports = () => new Promise((_, reject) => setTimeout(() => reject(new Error('plain failure')), 0));\n");
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
            const run = await runThroughLanguageHost({ programDir: dir, project: "crash", stack: "dev", config: {}, dryRun: true });
            const error = run.logs.find((l) => l.severity === "error");
            assert.ok(error, JSON.stringify(run.logs));
            assert.match(error.message, /unhandled exception/);
            assert.match(plain(error.message), STACK_FRAME);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
