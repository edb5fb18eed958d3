// `npm run fetch-reference` against a server on 127.0.0.1 (the real one is
// GitHub, unreachable from tests), and the conformance folder lookup.
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import {
    checkoutUrl, DEFAULT_BASE_URL, DEFAULT_GIT_BASE_URL, DEFAULT_OUT_DIR, fetchReference, REFERENCE_CHECKOUTS, REFERENCE_SOURCES, ReferenceSource, sourceUrl,
} from "../../scripts/fetch-reference";
import { REFERENCE_CANDIDATES, referenceDir } from "../conformance/reference";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("fetch-reference", () => {
    const files: Record<string, string> = {
        "/k3d-io/k3d/v5.8.3/schema.json": "{\"type\":\"object\"}\n",
        "/bb/bigbang/0123456789abcdef0123456789abcdef01234567/chart/values.yaml": "kiali: {}\n",
    };
    const good: ReferenceSource[] = [
        { name: "schema.json", repo: "k3d-io/k3d", ref: "v5.8.3", path: "schema.json", sha256: sha(files["/k3d-io/k3d/v5.8.3/schema.json"]) },
        { name: "values.yaml", repo: "bb/bigbang", ref: "0123456789abcdef0123456789abcdef01234567", path: "chart/values.yaml", sha256: sha("kiali: {}\n") },
    ];
    let server: http.Server | undefined;
    let baseUrl = "";
    let outDir = "";
    const requested: string[] = [];

    before(async () => {
        server = http.createServer((request, response) => {
            requested.push(request.url ?? "");
            const body = files[request.url ?? ""];
            if (body === undefined) response.writeHead(404).end("not found");
            else response.writeHead(200).end(body);
        });
        const listening = server;
        await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
        baseUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    });
    after(async () => {
        const listening = server;
        if (!listening) return;
        listening.closeAllConnections();
        await new Promise<void>((resolve) => listening.close(() => resolve()));
    });
    beforeEach(() => {
        outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bbod-ref-")), ".reference");
        requested.length = 0;
    });
    afterEach(() => {
        // The folder mkdtemp made, around .reference.
        fs.rmSync(path.dirname(outDir), { recursive: true, force: true });
    });

    it("pins every upstream file by tag or full commit, with a SHA-256", () => {
        for (const source of REFERENCE_SOURCES) {
            assert.match(source.ref, /^(v\d+\.\d+\.\d+|[0-9a-f]{40})$/, source.name);
            assert.match(source.sha256, /^[0-9a-f]{64}$/, source.name);
        }
        assert.deepEqual(REFERENCE_SOURCES.map((s) => s.name).sort(), [
            "bigbang-chart-values.schema.json", "bigbang-chart-values.yaml", "bigbang-ingress-certs-2024-legacy.yaml",
            "bigbang-ingress-certs.yaml", "k3d-config-v1alpha5.schema.json", "metallb-native-v0.15.3.yaml",
        ]);
        assert.equal(sourceUrl(REFERENCE_SOURCES[0]), `${DEFAULT_BASE_URL}/k3d-io/k3d/v5.8.3/pkg/config/v1alpha5/schema.json`);
    });

    it("writes into the git-ignored .reference/ at the project root by default", () => {
        assert.equal(DEFAULT_OUT_DIR, path.resolve(__dirname, "../../.reference"));
        assert.ok(REFERENCE_CANDIDATES.includes(DEFAULT_OUT_DIR), "the conformance tests look where fetch-reference writes");
        assert.match(fs.readFileSync(path.resolve(__dirname, "../../.gitignore"), "utf8"), /^\.reference\/$/m);
    });

    it("downloads each file from its pinned URL and writes it once checked", async () => {
        const result = await fetchReference({ baseUrl, outDir, sources: good, checkouts: [], timeoutMs: 5000 });
        assert.deepEqual(result.written, ["schema.json", "values.yaml"]);
        assert.equal(fs.readFileSync(path.join(outDir, "values.yaml"), "utf8"), "kiali: {}\n");
        assert.deepEqual(requested, Object.keys(files));
        assert.deepEqual(fs.readdirSync(outDir).sort(), ["schema.json", "values.yaml"]);
    });

    it("refuses a file whose SHA-256 differs, and writes nothing at all", async () => {
        const tampered = [good[0], { ...good[1], sha256: sha("something else") }];
        await assert.rejects(fetchReference({ baseUrl, outDir, sources: tampered, checkouts: [], timeoutMs: 5000 }), (err: unknown) => {
            assert.ok(err instanceof Error);
            assert.match(err.message, /wrote nothing to .*\.reference/);
            assert.match(err.message, new RegExp(`values\\.yaml: .* has SHA-256 ${sha("kiali: {}\n")}, expected ${sha("something else")}; refusing it`));
            assert.doesNotMatch(err.message, /schema\.json/);
            return true;
        });
        assert.equal(fs.existsSync(outDir), false);
    });

    it("names every file it could not download", async () => {
        const missing = [{ ...good[0], path: "gone.json" }, { ...good[1], ref: "v0.0.0" }];
        await assert.rejects(fetchReference({ baseUrl, outDir, sources: missing, checkouts: [], timeoutMs: 5000 }),
            /schema\.json: .*\/gone\.json answered HTTP 404\n {2}values\.yaml: .*\/v0\.0\.0\/chart\/values\.yaml answered HTTP 404/);
        assert.equal(fs.existsSync(outDir), false);
    });

    it("reports a refused connection with the URL", async () => {
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        await assert.rejects(fetchReference({ baseUrl: `http://127.0.0.1:${port}`, outDir, sources: good.slice(0, 1), checkouts: [], timeoutMs: 2000 }),
            /schema\.json: cannot download http:\/\/127\.0\.0\.1:\d+\/k3d-io\/k3d\/v5\.8\.3\/schema\.json: .*ECONNREFUSED/);
    });

    it("pins Big Bang's chart checkout by full commit (tag 3.30.0), with the folders the render test reads", () => {
        assert.deepEqual(REFERENCE_CHECKOUTS.map((c) => [c.name, c.tag, c.commit]), [["bigbang-3.30.0", "3.30.0", "1d5a436945aa24316b21b88f74d555e9d3559655"]]);
        assert.ok(REFERENCE_CHECKOUTS[0].paths.includes("chart"));
        assert.equal(checkoutUrl(REFERENCE_CHECKOUTS[0]), `${DEFAULT_GIT_BASE_URL}/DoD-Platform-One/bigbang.git`);
    });

    describe("a checkout from a local repository", () => {
        let gitRoot: string;
        let commit: string;
        const git = (cwd: string, ...args: string[]): string => {
            const r = spawnSync("git", ["-C", cwd, "-c", "user.name=t", "-c", "user.email=t@example.test", ...args], { encoding: "utf8", timeout: 20_000 });
            assert.equal(r.status, 0, r.stderr);
            return r.stdout.trim();
        };
        before(() => {
            gitRoot = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-ref-repo-"));
            const work = path.join(gitRoot, "work");
            fs.mkdirSync(path.join(work, "chart", "templates"), { recursive: true });
            fs.writeFileSync(path.join(work, "chart", "Chart.yaml"), "name: bigbang\n");
            fs.writeFileSync(path.join(work, "chart", "templates", "a.yaml"), "a: 1\n");
            fs.writeFileSync(path.join(work, "other.txt"), "not copied\n");
            git(gitRoot, "init", "-q", work);
            git(work, "add", "-A");
            git(work, "commit", "-qm", "one");
            commit = git(work, "rev-parse", "HEAD");
            fs.writeFileSync(path.join(work, "chart", "Chart.yaml"), "name: moved-on\n");
            git(work, "commit", "-qam", "two");
            git(gitRoot, "clone", "-q", "--bare", work, path.join(gitRoot, "bb", "bigbang.git"));
        });
        after(() => fs.rmSync(gitRoot, { recursive: true, force: true }));

        it("fetches the pinned commit, not the branch tip, and copies only the listed paths", async () => {
            const result = await fetchReference({
                outDir, sources: [], gitBaseUrl: `file://${gitRoot}`, timeoutMs: 5000,
                checkouts: [{ name: "bigbang-1.0.0", repo: "bb/bigbang", tag: "1.0.0", commit, paths: ["chart"] }],
            });
            assert.deepEqual(result.written, ["bigbang-1.0.0/"]);
            assert.equal(fs.readFileSync(path.join(outDir, "bigbang-1.0.0", "chart", "Chart.yaml"), "utf8"), "name: bigbang\n");
            assert.ok(fs.existsSync(path.join(outDir, "bigbang-1.0.0", "chart", "templates", "a.yaml")));
            assert.deepEqual(fs.readdirSync(path.join(outDir, "bigbang-1.0.0")), ["chart"]);
        });

        it("refuses a commit the repository does not have, and writes nothing", async () => {
            await assert.rejects(fetchReference({
                outDir, sources: [], gitBaseUrl: `file://${gitRoot}`, timeoutMs: 5000,
                checkouts: [{ name: "bigbang-1.0.0", repo: "bb/bigbang", tag: "1.0.0", commit: "0".repeat(40), paths: ["chart"] }],
            }), /bigbang-1\.0\.0: git fetch file:\/\/.*\/bb\/bigbang\.git 0{40} failed/);
            assert.equal(fs.existsSync(outDir), false);
        });
    });

    it("is the only way unit tests could see upstream files: none outside test/conformance/ reads them", () => {
        const root = path.resolve(__dirname, "../..");
        const offenders: string[] = [];
        const walk = (dir: string): void => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) {
                    if (full !== path.join(root, "test", "conformance")) walk(full);
                } else if (entry.name.endsWith(".ts") && full !== __filename) {
                    const text = fs.readFileSync(full, "utf8");
                    if (/shared[/\\]reference|\.\.\/\.\.\/\.\.\/shared|\.reference\b|conformance\/reference/.test(text)) offenders.push(path.relative(root, full));
                }
            }
        };
        walk(path.join(root, "test"));
        walk(path.join(root, "components"));
        assert.deepEqual(offenders, []);
    });

    describe("the conformance tests' reference folder", () => {
        it("is the first candidate that exists", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-refdir-"));
            try {
                assert.equal(referenceDir([path.join(dir, "shared", "reference"), dir]), dir);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("fails naming where it looked and how to fetch one", () => {
            const none = ["/nonexistent/shared/reference", "/nonexistent/.reference"];
            assert.throws(() => referenceDir(none),
                /no reference folder: looked in \/nonexistent\/shared\/reference and \/nonexistent\/\.reference; run 'npm run fetch-reference'/);
        });
    });
});
