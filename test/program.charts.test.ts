// The program under mocks: chart pushes, the values snippet, and the three
// registry targets.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { BASE_CONFIG, isConfigError, MOCK, ProgramRun, resolve, runProgram } from "./support/program";

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
        assert.match(String(kiali.inputs.create), /helm-push '?\/home\/ubuntu\/\.bigbang-oci-dev\/charts\/kiali-[0-9a-f]{12}'? oci:\/\/oci\.dev\.bigbang\.mil:5000 oci\.dev\.bigbang\.mil:5000 \/etc\/bigbang-oci-dev\/registry-ca\.crt ''$/);

        const { doc, secret } = await snippetOf(run);
        assert.equal(secret, false);
        assert.deepEqual(doc.helmRepositories, [{ name: "k3d", repository: "oci://oci.dev.bigbang.mil:5000", type: "oci" }]);
        assert.deepEqual(at(doc, "kiali"), { sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "kiali", tag: "1.2.3-bb.4+build.5" } });
        assert.deepEqual(at(doc, "addons.anchoreEnterprise"), { sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "anchore-enterprise", tag: "3.0.0-bb.1" } });
        assert.equal(at(doc, "packages.myapp").helmRepo.chartName, "myapp");

        const charts = (await resolve<{ name: string; version: string; ociReference: string; package: string }[]>(run.outputs.charts)).value ?? [];
        assert.deepEqual(charts.find((c) => c.name === "kiali"), {
            name: "kiali", version: "1.2.3-bb.4+build.5", ociReference: "oci://oci.dev.bigbang.mil:5000/kiali:1.2.3-bb.4_build.5", package: "kiali",
        });
    });

    it("re-pushes only when a chart's content changes, not for ignored files", async () => {
        const triggersOf = async () => (await runProgram(withCharts(), { cwd: root })).one(T.remote, "chart-kiali-push").inputs.triggers;
        const first = await triggersOf();
        fs.writeFileSync(path.join(root, "kiali", "notes.bak"), "ignored by .helmignore");
        assert.deepEqual(await triggersOf(), first);
        fs.writeFileSync(path.join(root, "kiali", "values.yaml"), "replicas: 2\n");
        assert.notDeepEqual(await triggersOf(), first);
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
        const run = await runProgram(withCharts({ "bigbang-oci-dev:registry": JSON.stringify({ tls: { source: "self-signed" }, auth: { enabled: true } }) }), { cwd: root });
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
        assert.match(String(push.inputs.create), /oci:\/\/registry1\.dso\.mil\/bigbang-staging registry1\.dso\.mil '' jane_doe$/);
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
        assert.match(String(run.one(T.remote, "chart-kiali-push").inputs.create), /oci:\/\/harbor\.dev\.bigbang\.mil\/library harbor\.dev\.bigbang\.mil '' robot$/);
        const { doc, secret } = await snippetOf(run);
        assert.ok(secret);
        assert.deepEqual(doc.helmRepositories, [{ name: "k3d", repository: "oci://harbor.dev.bigbang.mil/library", type: "oci", username: "robot", password: "harbor-secret" }]);
        assert.equal(at(doc, "addons.anchoreEnterprise").helmRepo.tag, "3.0.0-bb.1");
    });

    it("external without credentials or alias: a plain snippet and no DNS entry", async () => {
        const run = await runProgram(withCharts({
            "bigbang-oci-dev:registry": JSON.stringify({ target: "external", url: "oci://registry.gitlab.example.com:5050/group/charts" }),
        }), { cwd: root });
        assert.equal(run.find(T.cmPatch), undefined);
        const { doc, secret } = await snippetOf(run);
        assert.equal(secret, false);
        assert.deepEqual(doc.helmRepositories, [{ name: "k3d", repository: "oci://registry.gitlab.example.com:5050/group/charts", type: "oci" }]);
        assert.match(String(run.one(T.remote, "chart-myapp-push").inputs.create), / registry\.gitlab\.example\.com:5050 '' ''$/);
    });

    it("evaluates in preview with charts, with unknown host outputs", async () => {
        const run = await runProgram(withCharts(), { cwd: root, preview: true });
        assert.equal(run.all(T.remote).filter((r) => r.name.endsWith("-push")).length, 3);
        const { doc } = await snippetOf(run);
        assert.equal(at(doc, "kiali").helmRepo.tag, "1.2.3-bb.4+build.5");
        assert.equal((await resolve(run.outputs.etcHostsLine)).known, false);
    });
});
