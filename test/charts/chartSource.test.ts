import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { ConfigError } from "../../components/config/config";
import {
    ChartError,
    chartContentHash,
    contentVersion,
    helmIgnores,
    isValidSemVer,
    listChartFiles,
    ociReference,
    ociTagForVersion,
    parseHelmIgnore,
    readChart,
    resolvePackageKey,
    VersionSchemeError,
} from "../../components/charts/chartSource";

// Written independently of the module's regex, step by step from semver.org.
function semverOracle(s: string): boolean {
    const isIdentifierChar = (c: string) => (c >= "0" && c <= "9") || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "-";
    const isIdentifier = (id: string) => id.length > 0 && [...id].every(isIdentifierChar);
    const isNumeric = (id: string) => id.length > 0 && [...id].every((c) => c >= "0" && c <= "9");
    const noLeadingZero = (id: string) => id === "0" || !id.startsWith("0");

    const plus = s.indexOf("+");
    const main = plus < 0 ? s : s.slice(0, plus);
    const build = plus < 0 ? undefined : s.slice(plus + 1);
    const dash = main.indexOf("-");
    const core = dash < 0 ? main : main.slice(0, dash);
    const pre = dash < 0 ? undefined : main.slice(dash + 1);

    const numbers = core.split(".");
    if (numbers.length !== 3 || !numbers.every((n) => isNumeric(n) && noLeadingZero(n))) return false;
    if (pre !== undefined && !pre.split(".").every((id) => isIdentifier(id) && (!isNumeric(id) || noLeadingZero(id)))) return false;
    if (build !== undefined && !build.split(".").every(isIdentifier)) return false;
    return true;
}

const numericId = fc.oneof(fc.constant("0"), fc.integer({ min: 1, max: 2_000_000_000 }).map(String));
const preReleaseId = fc.oneof(numericId, fc.stringMatching(/^[0-9]*[A-Za-z-][0-9A-Za-z-]{0,6}$/));
const buildId = fc.stringMatching(/^[0-9A-Za-z-]{1,8}$/);
const validSemVer = fc
    .tuple(numericId, numericId, numericId, fc.option(fc.array(preReleaseId, { minLength: 1, maxLength: 4 })), fc.option(fc.array(buildId, { minLength: 1, maxLength: 4 })))
    .map(([major, minor, patch, pre, build]) =>
        `${major}.${minor}.${patch}${pre ? `-${pre.join(".")}` : ""}${build ? `+${build.join(".")}` : ""}`);

describe("chartSource", () => {
    let tmp: string;

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-chart-"));
    });
    afterEach(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Writes `files` (relative path -> contents) under tmp/<dir>; returns the chart directory. */
    function makeChart(dir: string, files: Record<string, string>): string {
        const chartDir = path.join(tmp, dir);
        fs.mkdirSync(chartDir, { recursive: true });
        for (const [rel, contents] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(chartDir, rel)), { recursive: true });
            fs.writeFileSync(path.join(chartDir, rel), contents);
        }
        return chartDir;
    }

    const chartYaml = (name: string, version: string, extra = "") => `apiVersion: v2\nname: ${name}\nversion: ${version}\n${extra}`;

    function basicChart(dir = "mychart", extraFiles: Record<string, string> = {}): string {
        return makeChart(dir, {
            "Chart.yaml": chartYaml("mychart", "0.1.0"),
            "values.yaml": "replicas: 1\n",
            "templates/deployment.yaml": "kind: Deployment\n",
            ...extraFiles,
        });
    }

    function assertChartError(fn: () => unknown, file: string, message: RegExp): void {
        assert.throws(fn, (err: unknown) => {
            assert.ok(err instanceof ChartError, `expected a ChartError, got ${String(err)}`);
            assert.equal(err.file, file);
            assert.ok(err.message.startsWith(file), `message does not name ${file}: ${err.message}`);
            assert.match(err.message, message);
            return true;
        });
    }

    describe("readChart", () => {
        it("pushes as the chart's version scheme says", () => {
            const dir = path.join(tmp, "scheme");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "Chart.yaml"), "apiVersion: v2\nname: podinfo\nversion: 6.5.0-bb.1\n");
            const build = readChart(dir);
            const pre = readChart(dir, { versionScheme: "prerelease" });
            assert.equal(build.contentHash, pre.contentHash);
            assert.equal(build.pushVersion, `6.5.0-bb.1+content.${build.contentHash.slice(0, 12)}`);
            assert.equal(pre.pushVersion, `6.5.0-bb.1.content-${build.contentHash.slice(0, 12)}`);
            assert.equal(pre.pushOciTag, pre.pushVersion);
        });
        it("the prerelease scheme refuses a Chart.yaml version with build metadata, as a VersionSchemeError", () => {
            const dir = path.join(tmp, "scheme-build");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "Chart.yaml"), "apiVersion: v2\nname: podinfo\nversion: 6.5.0+build.7\n");
            assert.throws(() => readChart(dir, { versionScheme: "prerelease" }), (err: unknown) =>
                err instanceof VersionSchemeError && /drop the \+build\.7 part from Chart\.yaml, or use the build scheme/.test(err.message));
            assert.equal(readChart(dir).pushVersion.split("+")[0], "6.5.0");
        });
        it("reads name, version and appVersion, and writes build metadata as '_' in the OCI tag", () => {
            makeChart("charts/anchore", { "Chart.yaml": chartYaml("anchore-enterprise", "1.2.3-bb.4+build.5", "appVersion: \"5.9.0\"\n") });
            const info = readChart("charts/anchore", { baseDir: tmp });
            assert.equal(info.dir, path.join(tmp, "charts/anchore"));
            assert.ok(path.isAbsolute(info.dir));
            assert.equal(info.name, "anchore-enterprise");
            assert.equal(info.version, "1.2.3-bb.4+build.5");
            assert.equal(info.ociTag, "1.2.3-bb.4_build.5");
            assert.equal(info.appVersion, "5.9.0");
            assert.match(info.contentHash, /^[0-9a-f]{64}$/);
            assert.equal(info.contentHash, chartContentHash(info.dir));
        });

        it("takes an absolute path as it is and leaves appVersion out when Chart.yaml has none", () => {
            const dir = makeChart("kiali", { "Chart.yaml": chartYaml("kiali", "2.0.0") });
            const info = readChart(dir, { baseDir: "/nonexistent" });
            assert.equal(info.dir, dir);
            assert.equal(info.ociTag, "2.0.0");
            assert.equal(Object.hasOwn(info, "appVersion"), false);
        });

        it("keeps a numeric appVersion as written", () => {
            makeChart("c", { "Chart.yaml": chartYaml("c", "1.0.0", "appVersion: 1.10\n") });
            assert.equal(readChart("c", { baseDir: tmp }).appVersion, "1.10");
        });

        it("accepts apiVersion v1 and a UTF-8 byte order mark", () => {
            makeChart("c", { "Chart.yaml": "\uFEFFapiVersion: v1\nname: old-chart\nversion: 0.0.1\n" });
            assert.equal(readChart("c", { baseDir: tmp }).name, "old-chart");
        });

        it("refuses a chart directory that does not exist", () => {
            assertChartError(() => readChart("nope", { baseDir: tmp }), path.join(tmp, "nope"), /chart directory does not exist/);
        });

        it("refuses a directory without Chart.yaml, naming the file", () => {
            makeChart("empty", { "values.yaml": "a: 1\n" });
            assertChartError(() => readChart("empty", { baseDir: tmp }), path.join(tmp, "empty", "Chart.yaml"), /does not exist/);
        });

        it("refuses a Chart.yaml that is not YAML, not a mapping, or has a key twice", () => {
            const cases: [string, RegExp][] = [
                ["name: [unclosed\nversion: 1.0.0\n", /is not valid YAML/],
                ["- apiVersion: v2\n- name: x\n", /expected a YAML mapping/],
                ["just a string\n", /expected a YAML mapping/],
                ["", /expected a YAML mapping/],
                ["apiVersion: v2\nname: a\nname: b\nversion: 1.0.0\n", /is not valid YAML/],
            ];
            for (const [i, [text, message]] of cases.entries()) {
                const dir = makeChart(`bad${i}`, { "Chart.yaml": text });
                assertChartError(() => readChart(dir), path.join(dir, "Chart.yaml"), message);
            }
        });

        it("refuses a missing or unsupported apiVersion", () => {
            for (const [i, [text, message]] of ([
                ["name: a\nversion: 1.0.0\n", /apiVersion is missing; expected v1 or v2/],
                ["apiVersion: v3\nname: a\nversion: 1.0.0\n", /apiVersion "v3" is not supported/],
            ] as const).entries()) {
                const dir = makeChart(`api${i}`, { "Chart.yaml": text });
                assertChartError(() => readChart(dir), path.join(dir, "Chart.yaml"), message);
            }
        });

        it("refuses versions that are not strict SemVer 2", () => {
            for (const [i, version] of ["1.2", "\"1.2\"", "v1.2.3", "01.2.3", "1.02.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3.4", "latest"].entries()) {
                const dir = makeChart(`v${i}`, { "Chart.yaml": chartYaml("c", version) });
                assertChartError(() => readChart(dir), path.join(dir, "Chart.yaml"), /is not a SemVer 2 version: expected MAJOR\.MINOR\.PATCH/);
            }
        });

        it("refuses names Helm's conventions reject", () => {
            for (const [i, name] of ["My_Chart", "mychart-", "-mychart", "my.chart", "MyChart", "a".repeat(64)].entries()) {
                const dir = makeChart(`n${i}`, { "Chart.yaml": chartYaml(name, "1.0.0") });
                assertChartError(() => readChart(dir), path.join(dir, "Chart.yaml"), /is not a valid chart name: expected lower-case letters, digits and '-'/);
            }
            const longest = makeChart("long", { "Chart.yaml": chartYaml("a".repeat(63), "1.0.0") });
            assert.equal(readChart(longest).name, "a".repeat(63));
        });

        it("refuses a missing name or version, and a name that is not a scalar", () => {
            const cases: [string, RegExp][] = [
                ["apiVersion: v2\nversion: 1.0.0\n", /name is missing/],
                ["apiVersion: v2\nname:\nversion: 1.0.0\n", /name is missing/],
                ["apiVersion: v2\nname: a\n", /version is missing/],
                ["apiVersion: v2\nname: [a]\nversion: 1.0.0\n", /name must be a string/],
            ];
            for (const [i, [text, message]] of cases.entries()) {
                const dir = makeChart(`m${i}`, { "Chart.yaml": text });
                assertChartError(() => readChart(dir), path.join(dir, "Chart.yaml"), message);
            }
        });

        it("accepts any generated SemVer 2 version, with no '+' left in its tag", () => {
            let run = 0;
            fc.assert(
                fc.property(validSemVer, (version) => {
                    const dir = makeChart(`gen${run++}`, { "Chart.yaml": `apiVersion: v2\nname: gen\nversion: ${JSON.stringify(version)}\n` });
                    const info = readChart(dir);
                    assert.equal(info.version, version);
                    assert.ok(!info.ociTag.includes("+"));
                    assert.equal(info.ociTag.replaceAll("_", "+"), version);
                }),
                { numRuns: 60 },
            );
        });
    });

    describe("SemVer", () => {
        it("accepts every generated valid version", () => {
            fc.assert(fc.property(validSemVer, (version) => isValidSemVer(version) && semverOracle(version)), { numRuns: 500 });
        });

        it("agrees with an independent parser on random strings, so non-SemVer is rejected", () => {
            const chars = fc.constantFrom("0", "1", "2", "9", ".", ".", "-", "+", "a", "Z", "v", " ", "_", "x");
            const nearSemVer = fc.oneof(
                fc.array(chars, { maxLength: 16 }).map((cs) => cs.join("")),
                fc.tuple(validSemVer, fc.array(chars, { minLength: 1, maxLength: 3 }), fc.nat()).map(([v, extra, at]) => {
                    const i = at % (v.length + 1);
                    return v.slice(0, i) + extra.join("") + v.slice(i);
                }),
                fc.string(),
            );
            let rejected = 0;
            fc.assert(
                fc.property(nearSemVer, (s) => {
                    assert.equal(isValidSemVer(s), semverOracle(s), JSON.stringify(s));
                    if (!semverOracle(s)) rejected++;
                }),
                { numRuns: 2000 },
            );
            assert.ok(rejected > 500, `only ${rejected} invalid strings generated`);
        });

        it("rejects a sample of the invalid strings when they are in Chart.yaml", () => {
            let run = 0;
            const invalid = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !semverOracle(s) && !s.includes("\n") && !s.includes("\r"));
            fc.assert(
                fc.property(invalid, (version) => {
                    const dir = makeChart(`bad${run++}`, { "Chart.yaml": `apiVersion: v2\nname: gen\nversion: ${JSON.stringify(version)}\n` });
                    assert.throws(() => readChart(dir), ChartError);
                }),
                { numRuns: 40 },
            );
        });

        it("writes '+' as '_' in OCI tags", () => {
            assert.equal(ociTagForVersion("1.0.0+a.b"), "1.0.0_a.b");
            assert.equal(ociTagForVersion("1.0.0-rc.1"), "1.0.0-rc.1");
        });
    });

    describe("contentVersion", () => {
        const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
        it("is valid SemVer with the same precedence, one version per content, and deterministic", () => {
            fc.assert(fc.property(validSemVer, hex64, hex64, (version, a, b) => {
                const pushed = contentVersion(version, a);
                assert.ok(isValidSemVer(pushed), pushed);
                // Build metadata is ignored for precedence: everything before '+' is unchanged.
                assert.equal(pushed.split("+")[0], version.split("+")[0]);
                assert.ok(pushed.startsWith(version));
                assert.equal(contentVersion(version, a), pushed);
                assert.equal(contentVersion(version, b) === pushed, a.slice(0, 12) === b.slice(0, 12));
                assert.ok(!ociTagForVersion(pushed).includes("+"));
            }));
        });
        it("appends to existing build metadata", () => {
            assert.equal(contentVersion("1.2.3-bb.4+build.5", "ab".repeat(32)), "1.2.3-bb.4+build.5.content.abababababab");
            assert.equal(contentVersion("1.2.3", "0".repeat(64)), "1.2.3+content.000000000000");
        });
        // apimachinery pkg/util/validation IsValidLabelValue, written out here: at most 63 characters of
        // [-A-Za-z0-9_.], starting and ending with a letter or digit.
        const labelSafe = (v: string) => v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v);
        const noBuild = validSemVer.map((v) => v.split("+")[0]);
        it("prerelease: valid SemVer, label-safe, its own OCI tag, one version per content, deterministic", () => {
            fc.assert(fc.property(noBuild, hex64, hex64, (version, a, b) => {
                const pushed = contentVersion(version, a, "prerelease");
                assert.ok(isValidSemVer(pushed), pushed);
                assert.ok(semverOracle(pushed), pushed);
                assert.ok(!pushed.includes("+"), pushed);
                // Every character fits a label, and so does the version whenever it is short enough.
                assert.ok(/^[-A-Za-z0-9_.]+$/.test(pushed) && /^[A-Za-z0-9]/.test(pushed) && /[A-Za-z0-9]$/.test(pushed), pushed);
                if (pushed.length <= 63) assert.ok(labelSafe(pushed), pushed);
                assert.equal(ociTagForVersion(pushed), pushed);
                assert.ok(pushed.startsWith(version));
                assert.equal(contentVersion(version, a, "prerelease"), pushed);
                assert.equal(contentVersion(version, b, "prerelease") === pushed, a.slice(0, 12) === b.slice(0, 12));
            }));
        });
        it("prerelease: an all-digit hash with a leading zero still makes valid SemVer (never a numeric identifier)", () => {
            assert.equal(contentVersion("1.2.3", "0123456789ab".replace(/[ab]/g, "0").padEnd(64, "0"), "prerelease"), "1.2.3-content-012345678900");
            assert.ok(isValidSemVer("1.2.3-content-012345678900"));
            assert.ok(!isValidSemVer("1.2.3-content.012345678900"), "the dotted form would be refused");
            assert.equal(contentVersion("1.2.3-bb.4", "ab".repeat(32), "prerelease"), "1.2.3-bb.4.content-abababababab");
        });
        it("prerelease: refuses build metadata of the chart's own", () => {
            assert.throws(() => contentVersion("1.2.3+build.5", "ab".repeat(32), "prerelease"), /build metadata/);
        });
        it("the build scheme is what a label cannot hold; the prerelease scheme is", () => {
            const hash = "ab".repeat(32);
            assert.ok(!labelSafe(contentVersion("1.2.3-bb.4", hash, "build")));
            assert.ok(labelSafe(contentVersion("1.2.3-bb.4", hash, "prerelease")));
        });
    });

    describe("chartContentHash", () => {
        it("is the same on every call and ignores modification times", () => {
            const dir = basicChart();
            const first = chartContentHash(dir);
            assert.equal(chartContentHash(dir), first);
            const past = new Date("2001-02-03T04:05:06Z");
            for (const rel of ["Chart.yaml", "values.yaml", "templates/deployment.yaml", "templates", "."]) {
                fs.utimesSync(path.join(dir, rel), past, past);
            }
            assert.equal(chartContentHash(dir), first);
        });

        it("changes with a file's contents, name, executable bit, or a new file", () => {
            const dir = basicChart();
            const base = chartContentHash(dir);
            const seen = new Set([base]);
            const expectNew = (what: string) => {
                const hash = chartContentHash(dir);
                assert.ok(!seen.has(hash), `hash did not change after ${what}`);
                seen.add(hash);
            };
            fs.writeFileSync(path.join(dir, "values.yaml"), "replicas: 2\n");
            expectNew("editing values.yaml");
            fs.renameSync(path.join(dir, "templates/deployment.yaml"), path.join(dir, "templates/deploy.yaml"));
            expectNew("renaming a template");
            fs.chmodSync(path.join(dir, "values.yaml"), 0o755);
            expectNew("making values.yaml executable");
            fs.writeFileSync(path.join(dir, "templates/empty.yaml"), "");
            expectNew("adding an empty file");
        });

        it("frames paths and contents so that moving bytes between them changes the hash", () => {
            const a = makeChart("a", { "Chart.yaml": chartYaml("a", "1.0.0"), ab: "c" });
            const b = makeChart("b", { "Chart.yaml": chartYaml("a", "1.0.0"), a: "bc" });
            assert.notEqual(chartContentHash(a), chartContentHash(b));
        });

        it("does not depend on where the chart directory is", () => {
            const a = basicChart("one");
            const b = basicChart("two/deeper");
            assert.equal(chartContentHash(a), chartContentHash(b));
        });

        it("leaves out what .helmignore lists, but not what it doesn't", () => {
            const dir = basicChart("mychart", {
                ".helmignore": "# build output\n*.tgz\nci/\n/docs/*.md\n\n",
                "mychart-0.1.0.tgz": "archive",
                "ci/test-values.yaml": "a: 1\n",
                "docs/guide.md": "guide",
                "templates/notes/README.md": "kept",
            });
            const before = chartContentHash(dir);
            const files = listChartFiles(dir).map((f) => f.relPath);
            assert.deepEqual(files, [".helmignore", "Chart.yaml", "templates/deployment.yaml", "templates/notes/README.md", "values.yaml"]);

            fs.writeFileSync(path.join(dir, "mychart-0.1.0.tgz"), "another archive");
            fs.writeFileSync(path.join(dir, "sub.tgz"), "new");
            fs.writeFileSync(path.join(dir, "ci/test-values.yaml"), "a: 2\n");
            fs.writeFileSync(path.join(dir, "docs/guide.md"), "new guide");
            fs.writeFileSync(path.join(dir, "templates/.scratch.yaml"), "Helm ignores dotfiles in templates/");
            assert.equal(chartContentHash(dir), before);

            fs.writeFileSync(path.join(dir, "templates/notes/README.md"), "changed");
            assert.notEqual(chartContentHash(dir), before);
        });

        it("matches a directory-only rule against directories and not files of that name", () => {
            const dir = basicChart("mychart", { ".helmignore": "ci/\n", ci: "a file called ci" });
            assert.ok(listChartFiles(dir).some((f) => f.relPath === "ci"));
        });

        it("always leaves out VCS metadata", () => {
            const dir = basicChart("mychart", { ".git/HEAD": "ref: refs/heads/main\n", "sub/.svn/entries": "x", ".hg/store": "y" });
            const before = chartContentHash(dir);
            fs.writeFileSync(path.join(dir, ".git/HEAD"), "ref: refs/heads/other\n");
            fs.writeFileSync(path.join(dir, ".git/index"), "new");
            fs.writeFileSync(path.join(dir, "sub/.svn/entries"), "z");
            assert.equal(chartContentHash(dir), before);
            assert.ok(listChartFiles(dir).every((f) => !/(^|\/)\.(git|svn|hg)(\/|$)/.test(f.relPath)));
        });

        it("refuses the double-star syntax Helm refuses, naming .helmignore", () => {
            const dir = basicChart("mychart", { ".helmignore": "ok\ndocs/**\n" });
            assertChartError(() => chartContentHash(dir), path.join(dir, ".helmignore"), /line 2: "docs\/\*\*": Helm does not support the double-star/);
        });

        it("follows symbolic links, hashing the target under the link's path", () => {
            const outside = path.join(tmp, "shared-values.yaml");
            fs.writeFileSync(outside, "a: 1\n");
            const dir = basicChart();
            fs.symlinkSync(outside, path.join(dir, "linked.yaml"));
            const before = chartContentHash(dir);
            assert.ok(listChartFiles(dir).some((f) => f.relPath === "linked.yaml"));
            fs.writeFileSync(outside, "a: 2\n");
            assert.notEqual(chartContentHash(dir), before);
        });

        it("refuses a dangling symbolic link and a link cycle", () => {
            const dangling = basicChart("dangling");
            fs.symlinkSync(path.join(tmp, "missing"), path.join(dangling, "gone.yaml"));
            assertChartError(() => chartContentHash(dangling), path.join(dangling, "gone.yaml"), /symbolic link cannot be followed/);

            const looping = basicChart("looping");
            fs.symlinkSync("..", path.join(looping, "templates", "up"));
            assertChartError(() => chartContentHash(looping), path.join(looping, "templates", "up"), /loops back/);
        });

        it("refuses a chart over the size bound", () => {
            const dir = basicChart("mychart", { "big.bin": "x".repeat(4096) });
            assertChartError(() => chartContentHash(dir, { maxBytes: 1024 }), dir, /add up to more than 1024 bytes/);
            assertChartError(() => readChart(dir, { maxBytes: 1024 }), dir, /add up to more than/);
            assert.match(chartContentHash(dir, { maxBytes: 1024 * 1024 }), /^[0-9a-f]{64}$/);
        });

        it("refuses a directory that does not exist", () => {
            assertChartError(() => chartContentHash(path.join(tmp, "nope")), path.join(tmp, "nope"), /does not exist/);
        });
    });

    describe(".helmignore rules (as Helm's pkg/ignore evaluates them)", () => {
        it("matches patterns without '/' against the base name at any depth", () => {
            const rules = parseHelmIgnore("*.swp\n");
            assert.equal(helmIgnores(rules, "a.swp", false), true);
            assert.equal(helmIgnores(rules, "templates/x/a.swp", false), true);
            assert.equal(helmIgnores(rules, "a.swpx", false), false);
        });

        it("anchors patterns with a '/' to the chart root, one segment per '*'", () => {
            const rules = parseHelmIgnore("/docs/*.md\nci/*.yaml\n");
            assert.equal(helmIgnores(rules, "docs/a.md", false), true);
            assert.equal(helmIgnores(rules, "docs/sub/a.md", false), false);
            assert.equal(helmIgnores(rules, "x/docs/a.md", false), false);
            assert.equal(helmIgnores(rules, "ci/a.yaml", false), true);
            assert.equal(helmIgnores(rules, "other/ci/a.yaml", false), false);
        });

        it("is case-sensitive", () => {
            assert.equal(helmIgnores(parseHelmIgnore("*.MD\n"), "a.md", false), false);
            assert.equal(helmIgnores(parseHelmIgnore("*.MD\n"), "a.MD", false), true);
        });

        it("reads '#' at the start of a line as a comment, and after '!' as text", () => {
            assert.equal(helmIgnores(parseHelmIgnore("#notes\n"), "#notes", false), false);
            const negated = parseHelmIgnore("!#notes\n");
            assert.equal(helmIgnores(negated, "#notes", false), false);
            assert.equal(helmIgnores(negated, "other", false), true);
        });

        it("does not let a path rule match below the directory it names, as gitignore would", () => {
            const rules = parseHelmIgnore("/docs/*\n");
            assert.equal(helmIgnores(rules, "docs/sub", true), true);
            assert.equal(helmIgnores(rules, "docs/sub/a.md", false), false);
        });

        it("ignores everything a negated rule does not match, as Helm does", () => {
            // Helm's Rules.Ignore returns "ignored" for a path that misses a `!` rule
            // and moves on to the next rule for a path that matches it.
            const rules = parseHelmIgnore("!*.yaml\n");
            assert.equal(helmIgnores(rules, "values.yaml", false), false);
            assert.equal(helmIgnores(rules, "README.md", false), true);
        });

        it("adds Helm's default rule for dotfiles in templates/", () => {
            const rules = parseHelmIgnore("");
            assert.equal(helmIgnores(rules, "templates/.keep", false), true);
            assert.equal(helmIgnores(rules, ".helmignore", false), false);
            assert.equal(helmIgnores(rules, "templates/a/.keep", false), false);
        });
    });

    describe("ociReference", () => {
        it("joins the registry URL, chart name and tag without the oci:// scheme", () => {
            assert.equal(ociReference("oci://oci.dev.bigbang.mil:5000/charts", { name: "kiali", ociTag: "1.2.3-bb.4_build.5" }),
                "oci.dev.bigbang.mil:5000/charts/kiali:1.2.3-bb.4_build.5");
            assert.equal(ociReference("oci://registry1.dso.mil/bigbang-staging/", { name: "gateway", ociTag: "1.0.0" }),
                "registry1.dso.mil/bigbang-staging/gateway:1.0.0");
            assert.equal(ociReference("oci://localhost:5000", { name: "a", ociTag: "0.0.1" }), "localhost:5000/a:0.0.1");
        });

        it("refuses a tag with '+', a bad name and an empty URL", () => {
            assert.throws(() => ociReference("oci://r:5000", { name: "a", ociTag: "1.0.0+b" }), /invalid OCI tag/);
            assert.throws(() => ociReference("oci://r:5000", { name: "A", ociTag: "1.0.0" }), /invalid chart name/);
            assert.throws(() => ociReference("oci://", { name: "a", ociTag: "1.0.0" }), /expected an OCI registry URL/);
        });
    });

    describe("resolvePackageKey", () => {
        it("finds core packages and add-ons by chart name", () => {
            assert.equal(resolvePackageKey({ path: "./kiali" }, "kiali"), "kiali");
            assert.equal(resolvePackageKey({ path: "./gateway" }, "gateway"), "istioGateway");
            assert.equal(resolvePackageKey({ path: "./anchore" }, "anchore-enterprise"), "addons.anchoreEnterprise");
        });

        it("prefers charts[i].package", () => {
            assert.equal(resolvePackageKey({ path: "./kiali", package: "packages.mykiali" }, "kiali"), "packages.mykiali");
            assert.equal(resolvePackageKey({ path: "./podinfo", package: "packages.podinfo" }, "podinfo"), "packages.podinfo");
        });

        it("asks for charts[i].package for a chart Big Bang does not ship", () => {
            assert.throws(() => resolvePackageKey({ path: "./podinfo" }, "podinfo", 2), (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.match(err.message, /bigbang-oci-dev:charts\[2\]\.package: chart "podinfo" at \.\/podinfo is not a Big Bang package; set bigbang-oci-dev:charts\[2\]\.package .* packages\.podinfo/);
                return true;
            });
        });

        it("refuses a package key Big Bang would not read", () => {
            assert.throws(() => resolvePackageKey({ path: "./x", package: "helmRepositories" }, "x", 0), /charts\[0\]\.package: helmRepositories is a Big Bang setting/);
            assert.throws(() => resolvePackageKey({ path: "./x", package: "packages.a.b" }, "x", 1), /charts\[1\]\.package: expected/);
        });
    });
});
