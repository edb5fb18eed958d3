import { strict as assert } from "assert";
import { BIGBANG_RELEASE_COMMITS } from "../../components/config/pins";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    BigbangSourceError,
    INGRESS_CERTS_FILE,
    REQUIRED_FILES,
    readValuesFiles,
    resolveBigbangSource,
} from "../../components/bigbang/bigbangSource";

const TAG = "3.30.0";

// The smallest tree that looks like Big Bang to the program: the files it reads
// plus the two kustomization folders.
function fakeBigbangFiles(version: string): Record<string, string> {
    return {
        [REQUIRED_FILES.chartYaml]: `apiVersion: v2\nname: bigbang\nversion: ${version}\n`,
        [REQUIRED_FILES.values]: "domain: dev.bigbang.mil\nistiod:\n  enabled: true\naddons:\n  keycloak:\n    enabled: false\n",
        [REQUIRED_FILES.schema]: JSON.stringify({ type: "object", properties: { domain: { type: "string" } } }),
        [INGRESS_CERTS_FILE]: "istioGateway:\n  values: {}\n",
        [REQUIRED_FILES.fluxKustomization]: "resources:\n  - gotk-components.yaml\n",
        [REQUIRED_FILES.metallbKustomization]: "resources:\n  - metallb-native.yaml\n",
    };
}

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", args, {
        cwd,
        encoding: "utf8",
        timeout: 30_000,
        env: {
            ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C",
            // The fixtures' identity, without a `git config` process per repository.
            GIT_AUTHOR_NAME: "test", GIT_AUTHOR_EMAIL: "test@example.invalid",
            GIT_COMMITTER_NAME: "test", GIT_COMMITTER_EMAIL: "test@example.invalid",
            // No `git maintenance run --auto` process after every fixture commit.
            GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "maintenance.auto", GIT_CONFIG_VALUE_0: "false",
        },
    }).trim();
}

/** Builds a git repository holding `files`, committed and tagged `tag` (annotated, as Big Bang's are). */
function buildRepo(dir: string, files: Record<string, string>, tag?: string): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    }
    git(dir, "init", "-q", "-b", "master");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "fake Big Bang");
    if (tag) git(dir, "tag", "-a", tag, "-m", `release ${tag}`);
    return git(dir, "rev-parse", "HEAD");
}

// Each distinct repository is built with git once per file and copied for every test that asks
// for it (a copy is the same repository: same objects, refs and commit id), so a test still gets
// a repository of its own to change, without the ~6 git processes of building it again.
let templateRoot: string | undefined;
const repoTemplates = new Map<string, { dir: string; commit: string }>();

/** A git repository of its own at `dir` holding the fake layout, committed and tagged `tag`. */
function makeRepo(dir: string, files: Record<string, string>, tag?: string): string {
    const key = JSON.stringify([files, tag ?? null]);
    let template = repoTemplates.get(key);
    if (template === undefined) {
        templateRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), "bbod-bbsource-templates-"));
        const templateDir = path.join(templateRoot, String(repoTemplates.size));
        template = { dir: templateDir, commit: buildRepo(templateDir, files, tag) };
        repoTemplates.set(key, template);
    }
    fs.cpSync(template.dir, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    return template.commit;
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<BigbangSourceError> {
    try {
        await promise;
    } catch (err) {
        assert.ok(err instanceof BigbangSourceError, `expected a BigbangSourceError, got ${String(err)}`);
        assert.match(err.message, pattern);
        return err;
    }
    assert.fail(`expected a BigbangSourceError matching ${pattern}`);
}

describe("bigbangSource", function () {
    this.timeout(60_000);

    let tmp: string;
    let projectDir: string;
    let cacheDir: string;

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-bbsource-"));
        projectDir = path.join(tmp, "project");
        cacheDir = path.join(tmp, "cache");
        fs.mkdirSync(projectDir);
    });

    afterEach(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    after(() => {
        if (templateRoot !== undefined) fs.rmSync(templateRoot, { recursive: true, force: true });
    });

    describe("resolveBigbangSource with a path", () => {
        it("reads a clean checkout, resolved against the project directory", async () => {
            const commit = makeRepo(path.join(tmp, "bigbang"), fakeBigbangFiles(TAG));
            const src = await resolveBigbangSource({ path: "../bigbang" }, { projectDir, cacheDir });
            const root = path.join(tmp, "bigbang");
            assert.equal(src.kind, "path");
            assert.equal(src.root, root);
            assert.equal(src.chartDir, path.join(root, "chart"));
            assert.equal(src.fluxDir, path.join(root, "base", "flux"));
            assert.equal(src.metallbDir, path.join(root, "docs", "reference", "scripts", "developer", "metallb"));
            assert.equal(src.chartVersion, TAG);
            assert.equal(src.commit, commit);
            assert.equal(src.dirty, false);
            assert.deepEqual(src.values, { domain: "dev.bigbang.mil", istiod: { enabled: true }, addons: { keycloak: { enabled: false } } });
            assert.deepEqual(src.schema, { type: "object", properties: { domain: { type: "string" } } });
            assert.equal(src.ingressCerts, "istioGateway:\n  values: {}\n");
            assert.equal(fs.existsSync(cacheDir), false, "a path source must not touch the cache");
        });

        it("says dirty when the checkout has an uncommitted change", async () => {
            const root = path.join(tmp, "bigbang");
            makeRepo(root, fakeBigbangFiles(TAG));
            fs.appendFileSync(path.join(root, REQUIRED_FILES.values), "extra: true\n");
            const src = await resolveBigbangSource({ path: root }, { projectDir, cacheDir });
            assert.equal(src.dirty, true);
            assert.equal(src.values.extra, true, "the working copy is what gets installed");
        });

        it("has no commit for a folder that is not a git repository", async () => {
            const root = path.join(tmp, "plain");
            for (const [rel, text] of Object.entries(fakeBigbangFiles(TAG))) {
                fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
                fs.writeFileSync(path.join(root, rel), text);
            }
            const src = await resolveBigbangSource({ path: root }, { projectDir, cacheDir });
            assert.equal(src.commit, undefined);
            assert.equal(src.dirty, undefined);
            assert.equal(src.chartVersion, TAG);
        });

        it("has no commit for a folder inside another repository", async () => {
            const outer = path.join(tmp, "outer");
            makeRepo(outer, Object.fromEntries(Object.entries(fakeBigbangFiles(TAG)).map(([rel, text]) => [`vendor/bigbang/${rel}`, text])));
            const src = await resolveBigbangSource({ path: path.join(outer, "vendor", "bigbang") }, { projectDir, cacheDir });
            assert.equal(src.commit, undefined);
        });

        it("leaves ingressCerts unset when the checkout has none", async () => {
            const files = fakeBigbangFiles(TAG);
            delete files[INGRESS_CERTS_FILE];
            makeRepo(path.join(tmp, "bigbang"), files);
            const src = await resolveBigbangSource({ path: path.join(tmp, "bigbang") }, { projectDir, cacheDir });
            assert.equal(src.ingressCerts, undefined);
        });

        for (const rel of Object.values(REQUIRED_FILES)) {
            it(`names ${rel} when it is missing`, async () => {
                const files = fakeBigbangFiles(TAG);
                delete files[rel];
                makeRepo(path.join(tmp, "bigbang"), files);
                const err = await rejects(
                    resolveBigbangSource({ path: path.join(tmp, "bigbang") }, { projectDir, cacheDir }),
                    new RegExp(`is not a Big Bang checkout: missing ${rel.replace(/\./g, "\\.")}\\.`),
                );
                assert.match(err.message, /^bigbang\.source\.path /);
            });
        }

        it("refuses a path that does not exist", async () => {
            await rejects(resolveBigbangSource({ path: "nowhere" }, { projectDir, cacheDir }), /nowhere is not a directory/);
        });

        it("refuses a chart that is not bigbang", async () => {
            const files = fakeBigbangFiles(TAG);
            files[REQUIRED_FILES.chartYaml] = "apiVersion: v2\nname: podinfo\nversion: 6.5.0\n";
            makeRepo(path.join(tmp, "bigbang"), files);
            await rejects(
                resolveBigbangSource({ path: path.join(tmp, "bigbang") }, { projectDir, cacheDir }),
                /is the chart "podinfo", not Big Bang's umbrella chart "bigbang"/,
            );
        });

        it("refuses values.yaml that is not a mapping and a schema that is not JSON", async () => {
            const files = fakeBigbangFiles(TAG);
            files[REQUIRED_FILES.values] = "- a\n- b\n";
            makeRepo(path.join(tmp, "a"), files);
            await rejects(resolveBigbangSource({ path: path.join(tmp, "a") }, { projectDir, cacheDir }), /values\.yaml is not a YAML mapping/);
            const files2 = fakeBigbangFiles(TAG);
            files2[REQUIRED_FILES.schema] = "{ not json";
            makeRepo(path.join(tmp, "b"), files2);
            await rejects(resolveBigbangSource({ path: path.join(tmp, "b") }, { projectDir, cacheDir }), /values\.schema\.json is not valid JSON/);
        });

        it("expands ~ to the home directory", async () => {
            const home = path.join(tmp, "home");
            makeRepo(path.join(home, "src", "bigbang"), fakeBigbangFiles(TAG));
            const saved = process.env.HOME;
            process.env.HOME = home;
            try {
                const src = await resolveBigbangSource({ path: "~/src/bigbang" }, { projectDir, cacheDir });
                assert.equal(src.root, path.join(home, "src", "bigbang"));
            } finally {
                process.env.HOME = saved;
            }
        });
    });

    describe("resolveBigbangSource with a version", () => {
        let upstream: string;
        let upstreamUrl: string;
        let tagCommit: string;

        beforeEach(() => {
            upstream = path.join(tmp, "upstream");
            tagCommit = makeRepo(upstream, fakeBigbangFiles(TAG), TAG);
            // file:// so that git really makes a shallow clone, as over https.
            upstreamUrl = `file://${upstream}`;
        });

        it("refuses a release whose tag points at another commit than the one pinned for it (issue 21)", async () => {
            const err = await rejects(
                resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: "f".repeat(40) } }),
                new RegExp(`the clone's HEAD is ${tagCommit}, not the commit ${"f".repeat(40)} pinned for this release; the tag may have been moved upstream`),
            );
            assert.ok(err.message.includes("Nothing was installed from it"));
        });

        it("refuses a tag moved upstream, and accepts its new commit only when bigbang.source.commit names it (issue 21)", async () => {
            await resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            // Upstream moves the tag; the cache entry is a clean clone of the old commit, so it is reused, and still checked.
            fs.appendFileSync(path.join(upstream, REQUIRED_FILES.values), "moved: true\n");
            git(upstream, "commit", "-q", "-am", "moved");
            git(upstream, "tag", "-f", "-a", TAG, "-m", "moved");
            const moved = git(upstream, "rev-parse", "HEAD");
            fs.rmSync(path.join(cacheDir, `bigbang-${TAG}`), { recursive: true, force: true });
            await rejects(
                resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } }),
                new RegExp(`the clone's HEAD is ${moved}, not the commit ${tagCommit}`),
            );
            const src = await resolveBigbangSource({ version: TAG, commit: moved }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            assert.equal(src.commit, moved, "bigbang.source.commit names the commit to accept");
        });

        it("refuses a release with no pinned commit unless bigbang.source.commit names it, and says where the tag points", async () => {
            await rejects(
                resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: {} }),
                new RegExp(`this program pins no commit for release ${TAG.replace(/\./g, "\\.")}, and a tag alone can be moved; the tag points at ${tagCommit} in the clone: .*set bigbang\\.source\\.commit to it`),
            );
            const src = await resolveBigbangSource({ version: TAG, commit: tagCommit }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: {} });
            assert.equal(src.commit, tagCommit);
        });

        it("pins 3.30.0 at the commit its tag points at", () => {
            assert.equal(BIGBANG_RELEASE_COMMITS["3.30.0"], "1d5a436945aa24316b21b88f74d555e9d3559655");
        });

        it("clones the tag into the cache, shallow, and reads it", async () => {
            const src = await resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            const entry = path.join(cacheDir, `bigbang-${TAG}`);
            assert.equal(src.kind, "version");
            assert.equal(src.root, entry);
            assert.equal(src.chartVersion, TAG);
            assert.equal(src.commit, tagCommit);
            assert.equal(src.dirty, false);
            assert.equal(git(entry, "rev-parse", "--is-shallow-repository"), "true");
            assert.deepEqual(fs.readdirSync(cacheDir), [`bigbang-${TAG}`], "a temporary clone was left behind");
        });

        it("removes a temporary clone left by a killed run, but not a live run's", async () => {
            const dead = spawnSync("true").pid;
            assert.ok(dead !== undefined && dead > 0);
            fs.mkdirSync(path.join(cacheDir, `.bigbang-${TAG}.tmp-${dead}-0badc0de`, "chart"), { recursive: true });
            fs.mkdirSync(path.join(cacheDir, `.bigbang-${TAG}.tmp-${process.pid}-00c0ffee`));
            await resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            assert.deepEqual(fs.readdirSync(cacheDir).sort(), [`.bigbang-${TAG}.tmp-${process.pid}-00c0ffee`, `bigbang-${TAG}`]);
        });

        it("reuses the cache entry without the network on the next run", async () => {
            await resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            // Gone upstream: a second clone would fail.
            fs.rmSync(upstream, { recursive: true, force: true });
            const src = await resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            assert.equal(src.commit, tagCommit);
        });

        it("fetches again when the cache entry was changed", async () => {
            await resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            const entry = path.join(cacheDir, `bigbang-${TAG}`);
            fs.appendFileSync(path.join(entry, REQUIRED_FILES.values), "tampered: true\n");
            const src = await resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            assert.equal(src.dirty, false);
            assert.equal(src.values.tampered, undefined);
        });

        it("says which tag is missing upstream and where tags are listed", async () => {
            const err = await rejects(
                resolveBigbangSource({ version: "3.99.0" }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } }),
                /bigbang\.source\.version 3\.99\.0: cannot fetch tag 3\.99\.0 from file:\/\/.*\(git: .*3\.99\.0.*not found/,
            );
            assert.match(err.message, /listed at https:\/\/repo1\.dso\.mil\/big-bang\/bigbang\/-\/tags/);
            assert.deepEqual(fs.readdirSync(cacheDir), [], "a failed clone left files in the cache");
        });

        it("refuses a version that is not a release tag before running git", async () => {
            for (const version of ["latest", "--upload-pack=touch x", "3.30", "master"]) {
                await rejects(
                    resolveBigbangSource({ version }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } }),
                    /not a Big Bang release tag; tags look like 3\.30\.0/,
                );
            }
            assert.equal(fs.existsSync(cacheDir), false);
        });

        it("refuses a branch that has the name of a version", async () => {
            git(upstream, "branch", "3.31.0");
            await rejects(
                resolveBigbangSource({ version: "3.31.0" }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } }),
                /has a branch named 3\.31\.0 but no tag/,
            );
        });

        it("refuses a tag whose chart version differs, with or without a leading v", async () => {
            git(upstream, "tag", "-a", "3.29.0", "-m", "mislabelled");
            await rejects(
                resolveBigbangSource({ version: "3.29.0" }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } }),
                /the tag holds chart\/Chart\.yaml version 3\.30\.0, not 3\.29\.0/,
            );
            git(upstream, "tag", "-a", `v${TAG}`, "-m", "old-style name");
            const src = await resolveBigbangSource({ version: `v${TAG}` }, { projectDir, cacheDir, gitUrl: upstreamUrl, releaseCommits: { [TAG]: tagCommit } });
            assert.equal(src.chartVersion, TAG);
        });

        it("refuses a tagged chart that is not bigbang", async () => {
            const other = path.join(tmp, "other");
            const files = fakeBigbangFiles(TAG);
            files[REQUIRED_FILES.chartYaml] = `apiVersion: v2\nname: notbigbang\nversion: ${TAG}\n`;
            makeRepo(other, files, TAG);
            await rejects(
                resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: `file://${other}` }),
                /is the chart "notbigbang", not Big Bang's umbrella chart/,
            );
        });

        it("names the files an old release lacks and the first release that has them", async () => {
            const old = path.join(tmp, "old");
            const files = fakeBigbangFiles("3.11.0");
            delete files[REQUIRED_FILES.metallbKustomization];
            makeRepo(old, files, "3.11.0");
            await rejects(
                resolveBigbangSource({ version: "3.11.0" }, { projectDir, cacheDir, gitUrl: `file://${old}` }),
                /^bigbang\.source\.version 3\.11\.0: this release lacks docs\/reference\/scripts\/developer\/metallb\/kustomization\.yaml, .*use release 3\.12\.0 or newer$/,
            );
        });

        it("bounds the clone with a timeout", async () => {
            // A git that never answers stands in for an unreachable server.
            const fakeGit = path.join(tmp, "slow-git");
            fs.writeFileSync(fakeGit, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
            const started = Date.now();
            await rejects(
                resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, git: fakeGit, cloneTimeoutMs: 500 }),
                /did not finish within 1 s; check network access/,
            );
            assert.ok(Date.now() - started < 10_000, "the clone was not cut off");
        });

        it("says so when git is not installed", async () => {
            await rejects(
                resolveBigbangSource({ version: TAG }, { projectDir, cacheDir, gitUrl: upstreamUrl, git: path.join(tmp, "no-such-git") }),
                /git is not installed/,
            );
        });
    });

    it("refuses both or neither of path and version", async () => {
        await rejects(resolveBigbangSource({}, { projectDir, cacheDir }), /set exactly one of path .* or version/);
        await rejects(resolveBigbangSource({ path: "x", version: TAG }, { projectDir, cacheDir }), /set exactly one/);
    });

    describe("readValuesFiles", () => {
        it("reads mappings in order, relative to the project and with ~ expanded", () => {
            fs.writeFileSync(path.join(projectDir, "a.yaml"), "istiod:\n  enabled: true\n");
            const home = path.join(tmp, "home");
            fs.mkdirSync(home);
            fs.writeFileSync(path.join(home, "b.yaml"), "domain: example.test\n");
            fs.writeFileSync(path.join(projectDir, "empty.yaml"), "");
            const saved = process.env.HOME;
            process.env.HOME = home;
            try {
                assert.deepEqual(readValuesFiles(["a.yaml", "~/b.yaml", "empty.yaml"], projectDir), {
                    values: [{ istiod: { enabled: true } }, { domain: "example.test" }, {}],
                    problems: [],
                });
            } finally {
                process.env.HOME = saved;
            }
        });

        it("expands merge keys as Helm does and stops an alias bomb", () => {
            fs.writeFileSync(path.join(projectDir, "merge.yaml"), "base: &b\n  enabled: true\naddons:\n  vault:\n    <<: *b\n    ingress: {}\n");
            const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
            for (let i = 1; i < 8; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
            fs.writeFileSync(path.join(projectDir, "bomb.yaml"), `${bomb.join("\n")}\n`);
            const { values, problems } = readValuesFiles(["merge.yaml", "bomb.yaml"], projectDir);
            assert.deepEqual(values, [{ base: { enabled: true }, addons: { vault: { enabled: true, ingress: {} } } }]);
            assert.equal(problems.length, 1);
            assert.match(problems[0], /^bigbang-oci-dev:bigbang\.valuesFiles\[1\]: .*bomb\.yaml is not usable YAML \(.*resource exhaustion/);
        });

        it("reports every bad file under its config key, without quoting its content", () => {
            fs.writeFileSync(path.join(projectDir, "ok.yaml"), "a: 1\n");
            fs.writeFileSync(path.join(projectDir, "broken.yaml"), "registryCredentials:\n  password: hunter2\n   bad: [\n");
            fs.writeFileSync(path.join(projectDir, "list.yaml"), "- hunter2\n");
            fs.writeFileSync(path.join(projectDir, "scalar.yaml"), "hunter2\n");
            fs.mkdirSync(path.join(projectDir, "dir.yaml"));
            const { values, problems } = readValuesFiles(["missing.yaml", "broken.yaml", "ok.yaml", "list.yaml", "scalar.yaml", "dir.yaml"], projectDir);
            assert.deepEqual(values, [{ a: 1 }]);
            assert.equal(problems.length, 5, problems.join("\n"));
            assert.match(problems[0], /^bigbang-oci-dev:bigbang\.valuesFiles\[0\]: .*missing\.yaml does not exist$/);
            assert.match(problems[1], /^bigbang-oci-dev:bigbang\.valuesFiles\[1\]: .*broken\.yaml is not valid YAML \([A-Z_]+ at line \d+, column \d+\)$/);
            assert.match(problems[2], /^bigbang-oci-dev:bigbang\.valuesFiles\[3\]: .*list\.yaml is a list, not a YAML mapping/);
            assert.match(problems[3], /^bigbang-oci-dev:bigbang\.valuesFiles\[4\]: .*scalar\.yaml is a string, not a YAML mapping/);
            assert.match(problems[4], /^bigbang-oci-dev:bigbang\.valuesFiles\[5\]: .*dir\.yaml is a directory/);
            assert.ok(problems.every((p) => !p.includes("hunter2")), "a problem quotes the file's content");
        });
    });
});
