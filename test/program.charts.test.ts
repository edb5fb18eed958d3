// The program under mocks: chart pushes, the values snippet, and the three
// registry targets.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { contentVersion, readChart } from "../components/charts/chartSource";
import { BASE_CONFIG, BASE_TLS, isConfigError, MOCK, ProgramRun, resolve, runProgram } from "./support/program";

const T = { remote: "command:remote:Command", copy: "command:remote:CopyToRemote", container: "docker:index/container:Container", cmPatch: "kubernetes:core/v1:ConfigMapPatch" };

function writeChart(root: string, dir: string, chartYaml: string, extra: Record<string, string> = {}): string {
    const full = path.join(root, dir);
    fs.mkdirSync(path.join(full, "templates"), { recursive: true });
    fs.writeFileSync(path.join(full, "Chart.yaml"), chartYaml);
    fs.writeFileSync(path.join(full, "values.yaml"), "replicas: 1\n");
    fs.writeFileSync(path.join(full, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    for (const [file, text] of Object.entries(extra)) fs.writeFileSync(path.join(full, file), text);
    return full;
}

interface SnippetRepo {
    name: string;
    repository: string;
    type: string;
    username?: string;
    password?: string;
    existingSecret?: string;
}

interface PackageValues {
    sourceType: string;
    helmRepo: { repoName: string; chartName: string; tag: string };
}

async function snippetOf(run: ProgramRun): Promise<{ doc: Record<string, unknown>; secret: boolean }> {
    const out = await resolve<string>(run.outputs.valuesSnippet);
    assert.ok(out.known);
    return { doc: parse(String(out.value)) as Record<string, unknown>, secret: out.secret };
}

function at(doc: Record<string, unknown>, key: string): PackageValues {
    let cur: unknown = doc;
    for (const part of key.split(".")) cur = (cur as Record<string, unknown>)[part];
    return cur as PackageValues;
}

describe("program: charts, values snippet and registry targets", function () {
    this.timeout(60_000);
    let root: string;
    let chartsConfig: string;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-charts-"));
        writeChart(root, "kiali", "apiVersion: v2\nname: kiali\nversion: 1.2.3-bb.4+build.5\n", { ".helmignore": "*.bak\n" });
        writeChart(root, "anchore", "apiVersion: v2\nname: anchore-enterprise\nversion: 3.0.0-bb.1\n");
        writeChart(root, "myapp", "apiVersion: v2\nname: myapp\nversion: 0.1.0\n");
        chartsConfig = JSON.stringify([{ path: "kiali" }, { path: path.join(root, "anchore") }, { path: "myapp", package: "packages.myapp" }]);
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    const withCharts = (extra: Record<string, string> = {}) => ({ ...BASE_CONFIG, "bigbang-oci-dev:charts": chartsConfig, ...extra });

    it("hosted: pushes each chart from the host after the registry is ready, and the snippet installs them from it", async () => {
        const run = await runProgram(withCharts(), { cwd: root });
        const pushes = run.all(T.remote).filter((r) => r.name.endsWith("-push")).map((r) => r.name).sort();
        assert.deepEqual(pushes, ["chart-anchore-enterprise-push", "chart-kiali-push", "chart-myapp-push"]);
        const kiali = run.one(T.remote, "chart-kiali-push");
        assert.ok(run.dependsOn(kiali, run.one(T.remote, "ready")), "pushes wait for the registry");
        assert.ok(run.dependsOn(kiali, run.one(T.copy, "chart-kiali-copy")));
        assert.match(String(kiali.inputs.create), /helm-push '?\/home\/ubuntu\/\.bigbang-oci-dev\/charts\/kiali-[0-9a-f]{12}\.tar'? '?1\.2\.3-bb\.4\+build\.5\.content\.[0-9a-f]{12}'? oci:\/\/oci\.dev\.bigbang\.mil:5000 oci\.dev\.bigbang\.mil:5000 bigbang$/);

        const { doc, secret } = await snippetOf(run);
        assert.equal(secret, true, "it carries the registry password");
        assert.deepEqual(doc.helmRepositories, [{ name: "k3d", repository: "oci://oci.dev.bigbang.mil:5000", type: "oci", username: "bigbang", password: MOCK.password }]);
        const kialiVersion = contentVersion("1.2.3-bb.4+build.5", readChart(path.join(root, "kiali")).contentHash);
        assert.match(kialiVersion, /^1\.2\.3-bb\.4\+build\.5\.content\.[0-9a-f]{12}$/);
        const anchoreVersion = contentVersion("3.0.0-bb.1", readChart(path.join(root, "anchore")).contentHash);
        assert.deepEqual(at(doc, "kiali"), { sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "kiali", tag: kialiVersion } });
        assert.deepEqual(at(doc, "addons.anchoreEnterprise"), { sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "anchore-enterprise", tag: anchoreVersion } });
        assert.equal(at(doc, "packages.myapp").helmRepo.chartName, "myapp");

        const charts = (await resolve<{ name: string; version: string; chartVersion: string; ociReference: string; package: string }[]>(run.outputs.charts)).value ?? [];
        assert.deepEqual(charts.find((c) => c.name === "kiali"), {
            name: "kiali", version: kialiVersion, chartVersion: "1.2.3-bb.4+build.5",
            ociReference: `oci://oci.dev.bigbang.mil:5000/kiali:${kialiVersion.replace("+", "_")}`, package: "kiali",
        });
    });

    it("the prerelease scheme, as the default or for one chart: a version without '+' everywhere the pushed version goes", async () => {
        const config = withCharts({
            "bigbang-oci-dev:chartVersionScheme": "prerelease",
            // kiali's Chart.yaml version has build metadata of its own, so it keeps the build scheme.
            "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali", versionScheme: "build" }, { path: path.join(root, "anchore") }, { path: "myapp", package: "packages.myapp" }]),
        });
        const run = await runProgram(config, { cwd: root });
        const hash = readChart(path.join(root, "anchore")).contentHash.slice(0, 12);
        const anchoreVersion = `3.0.0-bb.1.content-${hash}`;
        assert.equal(contentVersion("3.0.0-bb.1", readChart(path.join(root, "anchore")).contentHash, "prerelease"), anchoreVersion);
        assert.ok(String(run.one(T.remote, "chart-anchore-enterprise-push").inputs.create).includes(` ${anchoreVersion} oci://`));
        const { doc } = await snippetOf(run);
        assert.equal(at(doc, "addons.anchoreEnterprise").helmRepo.tag, anchoreVersion);
        assert.match(String(at(doc, "packages.myapp").helmRepo.tag), /^0\.1\.0-content-[0-9a-f]{12}$/);
        assert.match(String(at(doc, "kiali").helmRepo.tag), /^1\.2\.3-bb\.4\+build\.5\.content\.[0-9a-f]{12}$/);
        const charts = (await resolve<{ name: string; version: string; ociReference: string }[]>(run.outputs.charts)).value ?? [];
        assert.deepEqual(charts.find((c) => c.name === "anchore-enterprise")?.ociReference, `oci://oci.dev.bigbang.mil:5000/anchore-enterprise:${anchoreVersion}`);
    });

    it("re-pushes only when a chart's content changes, as a new version the snippet points at; Chart.yaml is never written", async () => {
        const chartYaml = path.join(root, "kiali", "Chart.yaml");
        const chartYamlBefore = fs.readFileSync(chartYaml);
        const stateOf = async () => {
            const run = await runProgram(withCharts(), { cwd: root });
            const charts = (await resolve<{ name: string; version: string }[]>(run.outputs.charts)).value ?? [];
            return {
                triggers: run.one(T.remote, "chart-kiali-push").inputs.triggers,
                tag: at((await snippetOf(run)).doc, "kiali").helmRepo.tag,
                version: charts.find((c) => c.name === "kiali")?.version,
            };
        };
        const first = await stateOf();
        assert.equal(first.tag, first.version);
        fs.writeFileSync(path.join(root, "kiali", "notes.bak"), "ignored by .helmignore");
        assert.deepEqual(await stateOf(), first, "an unchanged chart keeps its version");
        fs.writeFileSync(path.join(root, "kiali", "values.yaml"), "replicas: 2\n");
        const changed = await stateOf();
        assert.notDeepEqual(changed.triggers, first.triggers);
        assert.notEqual(changed.tag, first.tag, "a changed chart is a new version, which Flux fetches");
        assert.equal(changed.tag, changed.version);
        assert.match(String(changed.tag), /^1\.2\.3-bb\.4\+build\.5\.content\.[0-9a-f]{12}$/);
        assert.ok(fs.readFileSync(chartYaml).equals(chartYamlBefore), "the developer's Chart.yaml is untouched");
    });

    it("copies one archive of the chart's kept files to the push's path, unchanged by .git activity", async () => {
        const copyOf = async () => {
            const run = await runProgram(withCharts(), { cwd: root });
            return { copy: run.one(T.copy, "chart-kiali-copy"), push: run.one(T.remote, "chart-kiali-push") };
        };
        const { copy, push } = await copyOf();
        const source = copy.inputs.source as { path?: string };
        assert.ok(source.path, "a path-based FileAsset: the only kind of file source CopyToRemote accepts");
        assert.equal(path.dirname(source.path), path.join(root, ".bigbang-oci-dev", "dev", "charts"));
        assert.match(path.basename(source.path), /^kiali-[0-9a-f]{12}\.tar$/);
        assert.ok(fs.statSync(source.path).isFile());
        assert.match(String(copy.inputs.remotePath), /^\/home\/ubuntu\/\.bigbang-oci-dev\/charts\/kiali-[0-9a-f]{12}\.tar$/);
        assert.ok(String(push.inputs.create).includes(` '${String(copy.inputs.remotePath)}' `) || String(push.inputs.create).includes(` ${String(copy.inputs.remotePath)} `));
        assert.ok(String(push.inputs.delete).endsWith(` rm -f -- ${String(copy.inputs.remotePath)}`), String(push.inputs.delete).slice(-120));
        assert.match(String(push.inputs.delete), / on-instance i-[0-9a-f]+ rm -f -- /, "and only on the instance it was pushed on");

        fs.mkdirSync(path.join(root, "kiali", ".git"), { recursive: true });
        fs.writeFileSync(path.join(root, "kiali", ".git", "HEAD"), "ref: refs/heads/feature\n");
        const again = await copyOf();
        assert.deepEqual(again.copy.inputs, copy.inputs);
    });

    it("fails before any resource for a bad Chart.yaml, naming the entry and the file", async () => {
        const bad = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-bad-"));
        try {
            writeChart(bad, "badver", "apiVersion: v2\nname: badver\nversion: 1.2\n");
            fs.mkdirSync(path.join(bad, "nochart"));
            writeChart(bad, "unknown", "apiVersion: v2\nname: not-a-bigbang-chart\nversion: 1.0.0\n");
            await assert.rejects(
                runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:charts": JSON.stringify(["badver", "nochart", "unknown"]) }, { cwd: bad }),
                (err: unknown) => {
                    assert.ok(isConfigError(err));
                    assert.match(err.message, /charts\[0\]\.path: .*badver.*Chart\.yaml/);
                    assert.match(err.message, /charts\[1\]\.path: .*nochart/);
                    assert.match(err.message, /charts\[2\]\.package/);
                    return true;
                },
            );
        } finally {
            fs.rmSync(bad, { recursive: true, force: true });
        }
    });

    it("hosted with auth: logs in on the host with the password on stdin, and the snippet is a secret", async () => {
        const run = await runProgram(withCharts({ "bigbang-oci-dev:registry": JSON.stringify({ tls: BASE_TLS, auth: { enabled: true } }) }), { cwd: root });
        const push = run.one(T.remote, "chart-kiali-push");
        assert.ok(push.secretInputs.has("stdin"));
        assert.equal(push.inputs.stdin, MOCK.password);
        assert.ok(!String(push.inputs.create).includes(MOCK.password));
        assert.match(String(push.inputs.create), / bigbang$/);
        assert.ok(push.additionalSecretOutputs.includes("stdout"));
        const { doc, secret } = await snippetOf(run);
        assert.ok(secret);
        const repo = (doc.helmRepositories as SnippetRepo[])[0];
        assert.equal(repo.username, "bigbang");
        assert.equal(repo.password, MOCK.password);
    });

    it("registry1-staging: no registry container or DNS entry, pushes with the developer's token, values use private-registry", async () => {
        const run = await runProgram(withCharts({
            "bigbang-oci-dev:registry": JSON.stringify({ target: "registry1-staging", username: "jane_doe", password: "r1-cli-token" }),
        }), { cwd: root, secretKeys: ["bigbang-oci-dev:registry"] });
        assert.equal(run.find(T.container), undefined);
        assert.equal(run.find(T.cmPatch), undefined);
        const push = run.one(T.remote, "chart-kiali-push");
        assert.match(String(push.inputs.create), /oci:\/\/registry1\.dso\.mil\/bigbang-staging registry1\.dso\.mil jane_doe$/);
        assert.equal(push.inputs.stdin, "r1-cli-token");
        assert.ok(push.secretInputs.has("stdin"));
        assert.ok(run.dependsOn(push, run.one(T.remote, "tools")));
        const { doc, secret } = await snippetOf(run);
        assert.equal(secret, false, "the token is not in the snippet");
        assert.deepEqual(doc.helmRepositories, [{ name: "k3d", repository: "oci://registry1.dso.mil/bigbang-staging", type: "oci", existingSecret: "private-registry" }]);
        assert.equal(at(doc, "kiali").sourceType, "helmRepo");
        assert.ok(!JSON.stringify(run.outputs).includes("r1-cli-token"));
        assert.equal((await resolve(run.outputs.registryEndpoint)).value, "oci://registry1.dso.mil/bigbang-staging");
    });

    it("external: pushes to the given URL, answers its name in CoreDNS with dnsAlias, credentials make the snippet secret", async () => {
        const run = await runProgram(withCharts({
            "bigbang-oci-dev:registry": JSON.stringify({
                target: "external", url: "oci://harbor.dev.bigbang.mil/library", dnsAlias: "172.20.1.240", username: "robot", password: "harbor-secret",
            }),
        }), { cwd: root, secretKeys: ["bigbang-oci-dev:registry"] });
        assert.equal(run.find(T.container), undefined);
        const patch = run.one(T.cmPatch);
        assert.deepEqual(patch.inputs.data, { "harbor.server": "harbor.dev.bigbang.mil:53 {\n    errors\n    hosts {\n        172.20.1.240 harbor.dev.bigbang.mil\n        ttl 60\n    }\n}\n" });
        assert.match(String(run.one(T.remote, "chart-kiali-push").inputs.create), /oci:\/\/harbor\.dev\.bigbang\.mil\/library harbor\.dev\.bigbang\.mil robot$/);
        const { doc, secret } = await snippetOf(run);
        assert.ok(secret);
        assert.deepEqual(doc.helmRepositories, [{ name: "k3d", repository: "oci://harbor.dev.bigbang.mil/library", type: "oci", username: "robot", password: "harbor-secret" }]);
        assert.match(at(doc, "addons.anchoreEnterprise").helmRepo.tag, /^3\.0\.0-bb\.1\+content\.[0-9a-f]{12}$/);
    });

    it("external without credentials: refused before any resource, since Big Bang's schema needs them", async () => {
        await assert.rejects(runProgram(withCharts({
            "bigbang-oci-dev:registry": JSON.stringify({ target: "external", url: "oci://registry.gitlab.example.com:5050/group/charts" }),
        }), { cwd: root }), (err: unknown) => {
            assert.ok(isConfigError(err));
            assert.match(err.message, /registry\.username: registry\.target external needs registry\.username and registry\.password/);
            return true;
        });
    });

    it("evaluates in preview with charts, with unknown host outputs", async () => {
        const run = await runProgram(withCharts(), { cwd: root, preview: true });
        assert.equal(run.all(T.remote).filter((r) => r.name.endsWith("-push")).length, 3);
        // The snippet waits for the registry password, which a first preview does not know yet.
        assert.equal((await resolve(run.outputs.valuesSnippet)).known, false);
        const charts = (await resolve<{ name: string; version: string }[]>(run.outputs.charts)).value ?? [];
        assert.match(String(charts.find((c) => c.name === "kiali")?.version), /^1\.2\.3-bb\.4\+build\.5\.content\.[0-9a-f]{12}$/);
        assert.equal((await resolve(run.outputs.etcHostsLine)).known, false);
    });
});
