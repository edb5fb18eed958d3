// Big Bang's own chart renders the release the program declares: `helm template`
// (the real helm 3.17 from bin/) of Big Bang 3.30.0's chart/ with exactly the
// values the program gives the `bigbang` Release under the mocks, and
// --kube-version from the k3s pin. Checked, for the hosted registry and for
// Registry1 staging:
//   - each developer chart becomes a HelmRelease of that chart, at the pushed
//     version, from the dev HelmRepository;
//   - that HelmRepository's Secret holds the registry login;
//   - no object the chart renders is also declared by the program: Helm
//     refuses to install over an object it does not own (helm v3
//     pkg/action/install.go, existingResourceConflict), and pulumi-kubernetes's
//     Release never sets TakeOwnership.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { BIGBANG_NAMESPACE, BIGBANG_RELEASE } from "../../components/bigbang/bigbang";
import { DEFAULT_K3S_IMAGE } from "../../components/config/pins";
import { kubeTool } from "../support/kubeTools";
import { BASE_CONFIG, MOCK, ProgramRun, resolve, runProgram } from "../support/program";
import { referenceFile } from "./reference";

const P = "bigbang-oci-dev:";
const R1_USER = "jane_doe";
const R1_PASSWORD = "r1-cli-token-Zq8vX2kP";
const STAGING_TOKEN = "r1-push-token-7Hq";

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown>; data?: Record<string, string>; stringData?: Record<string, string> };

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asK8sObject(v: unknown): K8sObject | undefined {
    if (!isObject(v) || typeof v.apiVersion !== "string" || typeof v.kind !== "string" || !isObject(v.metadata) || typeof v.metadata.name !== "string") return undefined;
    const namespace = typeof v.metadata.namespace === "string" ? v.metadata.namespace : undefined;
    return {
        apiVersion: v.apiVersion, kind: v.kind, metadata: { name: v.metadata.name, namespace },
        spec: isObject(v.spec) ? v.spec : undefined,
        data: isObject(v.data) ? Object.fromEntries(Object.entries(v.data).map(([k, x]) => [k, String(x)])) : undefined,
        stringData: isObject(v.stringData) ? Object.fromEntries(Object.entries(v.stringData).map(([k, x]) => [k, String(x)])) : undefined,
    };
}

/** group/Kind namespace/name, the identity Helm's conflict check compares (its namespace defaults to the release's). */
function identity(o: K8sObject, defaultNamespace: string | undefined): string {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    const clusterScoped = ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "PriorityClass", "StorageClass"];
    const namespace = clusterScoped.includes(o.kind) ? "" : (o.metadata.namespace ?? defaultNamespace ?? "default");
    return `${group}/${o.kind} ${namespace}/${o.metadata.name}`;
}

function at(value: unknown, ...keys: string[]): unknown {
    let cur = value;
    for (const key of keys) cur = isObject(cur) ? cur[key] : undefined;
    return cur;
}

/** The `.dockerconfigjson` of a Secret, decoded. */
function dockerConfig(secret: K8sObject): unknown {
    const raw = secret.stringData?.[".dockerconfigjson"] ?? Buffer.from(secret.data?.[".dockerconfigjson"] ?? "", "base64").toString("utf8");
    return JSON.parse(raw);
}

describe("conformance: Big Bang 3.30.0's chart renders the release the program declares (helm template)", function () {
    this.timeout(180_000);
    let helm: string;
    let root: string;
    let chartDir: string;
    let bigbangDir: string;
    const kubeVersion = /:v?(\d+\.\d+\.\d+)/.exec(DEFAULT_K3S_IMAGE)?.[1] ?? "";

    before(function () {
        helm = kubeTool("helm");
        chartDir = referenceFile("bigbang-3.30.0/chart");
        bigbangDir = path.dirname(chartDir);
        assert.match(kubeVersion, /^\d+\.\d+\.\d+$/, DEFAULT_K3S_IMAGE);
        root = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-render-"));
        for (const [dir, chartYaml] of [["kiali", "apiVersion: v2\nname: kiali\nversion: 2.1.0-bb.3\n"], ["myapp", "apiVersion: v2\nname: myapp\nversion: 0.1.0\n"]]) {
            fs.mkdirSync(path.join(root, dir, "templates"), { recursive: true });
            fs.writeFileSync(path.join(root, dir, "Chart.yaml"), chartYaml);
            fs.writeFileSync(path.join(root, dir, "values.yaml"), "replicas: 1\n");
            fs.writeFileSync(path.join(root, dir, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        }
    });
    after(() => { if (root) fs.rmSync(root, { recursive: true, force: true }); });

    function config(registry: Record<string, unknown>): Record<string, string> {
        return {
            ...BASE_CONFIG,
            // The hosted registry's test certificate (BASE_CONFIG); another target has none (the gateway then
            // serves the checkout's chart/ingress-certs.yaml).
            ...(Object.keys(registry).length > 0 ? { [`${P}registry`]: JSON.stringify(registry) } : {}),
            [`${P}charts`]: JSON.stringify([{ path: "kiali" }, { path: "myapp", package: "packages.myapp" }]),
            [`${P}bigbang`]: JSON.stringify({ install: true, registry1: { username: R1_USER, password: R1_PASSWORD }, source: { path: bigbangDir } }),
        };
    }

    /** `helm template` of the chart with the Release's values, as parsed objects. */
    function render(run: ProgramRun): K8sObject[] {
        const release = run.one("kubernetes:helm.sh/v3:Release", "bigbang");
        assert.equal(release.inputs.namespace, BIGBANG_NAMESPACE);
        const work = fs.mkdtempSync(path.join(root, "values-"));
        try {
            const valuesFile = path.join(work, "values.json");
            fs.writeFileSync(valuesFile, JSON.stringify(release.inputs.values), { mode: 0o600 });
            const r = spawnSync(helm, ["template", BIGBANG_RELEASE, chartDir, "--namespace", BIGBANG_NAMESPACE, "--kube-version", kubeVersion, "--values", valuesFile], {
                encoding: "utf8", timeout: 120_000, maxBuffer: 256 * 1024 * 1024, env: { PATH: "/usr/bin:/bin", HOME: work },
            });
            assert.equal(r.status, 0, `helm template failed: ${r.stderr}`);
            return parseAllDocuments(r.stdout).map((d) => asK8sObject(d.toJS())).filter((o): o is K8sObject => o !== undefined);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    }

    /** The Kubernetes objects the program declares itself (not through the Helm release). */
    function declared(run: ProgramRun): K8sObject[] {
        return run.resources
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release" && !r.type.endsWith("Patch"))
            .map((r) => asK8sObject(r.inputs))
            .filter((o): o is K8sObject => o !== undefined);
    }

    async function check(registry: Record<string, unknown>, login: { host: string; username: string; password: string }): Promise<void> {
        const run = await runProgram(config(registry), { cwd: root, secretKeys: [`${P}bigbang`, `${P}registry`] });
        const rendered = render(run);
        assert.ok(rendered.length > 20, `only ${rendered.length} objects rendered`);

        // Nothing twice: Helm would refuse the install (and every rerun).
        const renderedIds = new Set(rendered.map((o) => identity(o, BIGBANG_NAMESPACE)));
        const twice = declared(run).map((o) => identity(o, undefined)).filter((id) => renderedIds.has(id));
        assert.deepEqual(twice, [], "objects both rendered by Big Bang's chart and declared by the program");

        const repoName = "k3d";
        const repositories = rendered.filter((o) => o.kind === "HelmRepository" && o.metadata.name === repoName);
        assert.equal(repositories.length, 1, "one dev HelmRepository");
        const [repository] = repositories;
        assert.equal(at(repository.spec, "type"), "oci");

        const charts = (await resolve<{ name: string; version: string }[]>(run.outputs.charts)).value ?? [];
        assert.equal(charts.length, 2);
        for (const chart of charts) {
            const releases = rendered.filter((o) => o.kind === "HelmRelease" && at(o.spec, "chart", "spec", "chart") === chart.name);
            assert.equal(releases.length, 1, `one HelmRelease of ${chart.name}`);
            const spec = at(releases[0].spec, "chart", "spec");
            assert.equal(at(spec, "version"), chart.version, `${chart.name} at the pushed version`);
            assert.deepEqual(at(spec, "sourceRef"), { kind: "HelmRepository", name: repoName, namespace: BIGBANG_NAMESPACE });
        }

        // The repository's Secret, rendered by the chart or declared by the program, holds the login.
        const secretName = at(repository.spec, "secretRef", "name");
        assert.equal(typeof secretName, "string", "the dev HelmRepository has a secretRef");
        const secrets = [...rendered, ...declared(run)].filter((o) => o.kind === "Secret" && o.metadata.name === secretName
            && (o.metadata.namespace ?? BIGBANG_NAMESPACE) === BIGBANG_NAMESPACE);
        assert.equal(secrets.length, 1, `exactly one Secret ${BIGBANG_NAMESPACE}/${String(secretName)}, found ${secrets.length}`);
        const auth = at(dockerConfig(secrets[0]), "auths", login.host);
        assert.equal(at(auth, "username"), login.username);
        assert.equal(at(auth, "password"), login.password);
    }

    it("hosted registry", async () => {
        await check({}, { host: "oci.dev.bigbang.mil:5000", username: "bigbang", password: MOCK.password });
    });

    it("registry1-staging", async () => {
        // Flux pulls with the Registry1 login Big Bang already has (registryCredentials), not the push token.
        await check({ target: "registry1-staging", username: R1_USER, password: STAGING_TOKEN }, { host: "registry1.dso.mil", username: R1_USER, password: R1_PASSWORD });
    });
});
