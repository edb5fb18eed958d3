// The program under mocks with `bigbang.install: true`: Flux, MetalLB, the
// Big Bang release and its wait, the ingress DNS, the merged values, secrecy
// of the Registry1 and registry passwords, the inner loop, the new outputs,
// preview, and the config errors raised before any resource.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { createTestPki, ingressCertsYaml } from "./support/pki";
import { BASE_CONFIG, isConfigError, MOCK, ProgramRun, RecordedResource, resolve, runProgram, runProgramFailure, RunOptions } from "./support/program";

const P = "bigbang-oci-dev:";
/** The developer's Registry1 CLI token: a secret config value. */
const R1_PASSWORD = "r1-cli-token-Zq8vX2kP";
const R1_USER = "jane_doe";

const T = {
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    directory: "kubernetes:kustomize:Directory",
    deployment: "kubernetes:apps/v1:Deployment",
    pool: "kubernetes:metallb.io/v1beta1:IPAddressPool",
    l2: "kubernetes:metallb.io/v1beta1:L2Advertisement",
    release: "kubernetes:helm.sh/v3:Release",
    remote: "command:remote:Command",
    cmPatch: "kubernetes:core/v1:ConfigMapPatch",
    container: "docker:index/container:Container",
    k8sProvider: "pulumi:providers:kubernetes",
    flux: "bigbang-oci-dev:index:FluxInstall",
    metallb: "bigbang-oci-dev:index:MetalLbInstall",
    bigbang: "bigbang-oci-dev:index:BigBangRelease",
};

const NEW_OUTPUTS = ["bigbang", "bigbangHostsLines", "sshuttleCommand", "socksProxyCommand", "bigbangStatusCommand"];

/** A value at a path of nested maps and lists, or undefined. */
function at(value: unknown, ...keys: (string | number)[]): unknown {
    let cur = value;
    for (const key of keys) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string | number, unknown>)[key];
    }
    return cur;
}

function providerUrnOf(r: RecordedResource): string {
    return r.provider.split("::").slice(0, -1).join("::");
}

/** Every resource under `parent`, at any depth. */
function descendants(run: ProgramRun, parent: RecordedResource): RecordedResource[] {
    const out: RecordedResource[] = [];
    const queue = [parent.urn];
    while (queue.length > 0) {
        const urn = queue.shift() ?? "";
        for (const child of run.resources.filter((r) => r.parent === urn)) {
            out.push(child);
            queue.push(child.urn);
        }
    }
    return out;
}

/** Calls `visit` for every string in an output, with whether any Output on its way was secret. */
async function walkOutput(value: unknown, secret: boolean, where: string, visit: (text: string, secret: boolean, where: string) => void): Promise<void> {
    if (pulumi.Output.isInstance(value)) {
        const r = await resolve<unknown>(value);
        await walkOutput(r.value, secret || r.secret, where, visit);
    } else if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) await walkOutput(item, secret, `${where}[${i}]`, visit);
    } else if (value !== null && typeof value === "object") {
        for (const [k, item] of Object.entries(value)) await walkOutput(item, secret, `${where}.${k}`, visit);
    } else if (typeof value === "string") {
        visit(value, secret, where);
    }
}

/** An output's value with every nested Output resolved (the `bigbang` output is a map holding one). */
async function plainOutput(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) return plainOutput((await resolve<unknown>(value)).value);
    if (Array.isArray(value)) return Promise.all(value.map(plainOutput));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await plainOutput(v)] as const)));
    }
    return value;
}

function writeChart(dir: string, chartYaml: string): void {
    fs.mkdirSync(path.join(dir, "templates"), { recursive: true });
    fs.writeFileSync(path.join(dir, "Chart.yaml"), chartYaml);
    fs.writeFileSync(path.join(dir, "values.yaml"), "replicas: 1\n");
    fs.writeFileSync(path.join(dir, ".helmignore"), "*.bak\n");
    fs.writeFileSync(path.join(dir, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
}

describe("program: Big Bang on the dev host (bigbang.install)", function () {
    this.timeout(120_000);
    let root: string;

    /** A project directory: a copy of the stand-in Big Bang checkout at ./bigbang and a kiali chart at ./kiali. */
    function makeProject(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-bigbang-"));
        fs.cpSync(path.join(__dirname, "fixtures", "bigbang-checkout"), path.join(dir, "bigbang"), { recursive: true });
        writeChart(path.join(dir, "kiali"), "apiVersion: v2\nname: kiali\nversion: 2.1.0-bb.3\n");
        return dir;
    }

    const bigbangJson = (extra: Record<string, unknown> = {}) => JSON.stringify({
        install: true, registry1: { username: R1_USER, password: R1_PASSWORD }, source: { path: "bigbang" }, ...extra,
    });
    const configWith = (extra: Record<string, unknown> = {}, more: Record<string, string> = {}): Record<string, string> => ({
        ...BASE_CONFIG,
        [`${P}charts`]: JSON.stringify([{ path: "kiali" }]),
        [`${P}bigbang`]: bigbangJson(extra),
        ...more,
    });
    const runIn = (dir: string, config: Record<string, string>, opts: RunOptions = {}) =>
        runProgram(config, { cwd: dir, secretKeys: [`${P}bigbang`], ...opts });

    let run: ProgramRun;
    let pushVersion: string;

    before(async () => {
        root = makeProject();
        run = await runIn(root, configWith());
        const charts = (await resolve<{ name: string; version: string }[]>(run.outputs.charts)).value ?? [];
        pushVersion = charts.find((c) => c.name === "kiali")?.version ?? "";
        assert.match(pushVersion, /^2\.1\.0-bb\.3\+content\.[0-9a-f]{12}$/);
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    const fluxDeployments = (r: ProgramRun) => r.all(T.deployment).filter((d) => d.name.startsWith("flux-system/"));

    describe("resources and their inputs", () => {
        it("creates flux-system and metallb-system with Registry1 pull Secrets", () => {
            assert.deepEqual(run.all(T.namespace).map((ns) => at(ns.inputs, "metadata", "name")).sort(), ["flux-system", "metallb-system"],
                "the kustomizations' own Namespaces are dropped: the program creates them");
            for (const [namespace, name] of [["flux-system", "private-registry"], ["metallb-system", "registry1"]]) {
                const secret = run.one(T.secret, `${namespace}-${name}`);
                assert.deepEqual(secret.inputs.metadata, { name, namespace });
                assert.equal(secret.inputs.type, "kubernetes.io/dockerconfigjson");
                assert.ok(secret.secretInputs.has("stringData"), `${secret.name}.stringData must be secret`);
                const doc: unknown = JSON.parse(String(at(secret.inputs, "stringData", ".dockerconfigjson")));
                assert.deepEqual(doc, {
                    auths: {
                        "registry1.dso.mil": {
                            username: R1_USER,
                            password: R1_PASSWORD,
                            auth: Buffer.from(`${R1_USER}:${R1_PASSWORD}`).toString("base64"),
                        },
                    },
                });
                // The kustomization's own Namespace (upstream labels kept), not a second declaration of it.
                assert.ok(run.dependsOn(secret, run.one(T.namespace, namespace)));
                assert.equal(run.all(T.namespace).filter((ns) => at(ns.inputs, "metadata", "name") === namespace).length, 1);
            }
        });

        it("applies Flux's and MetalLB's kustomizations from the checkout, their own Namespaces included", () => {
            const flux = run.one(T.directory, "flux");
            const metallb = run.one(T.directory, "metallb");
            const invoked = run.calls.filter((c) => c.token === "kubernetes:kustomize:directory").map((c) => String(c.inputs.directory)).sort();
            // MetalLB's is the checkout's folder with the vendored manifest in the URL's place (metallbVendor.ts).
            const vendored = path.join(root, ".bigbang-oci-dev", "metallb-kustomization");
            assert.deepEqual(invoked, [vendored, path.join(root, "bigbang", "base", "flux")]);
            const childNames = (d: RecordedResource) => run.resources.filter((r) => r.parent === d.urn).map((r) => `${r.type.split(":")[1]}:${r.name}`).sort();
            assert.deepEqual(childNames(flux), [
                "apiextensions.k8s.io/v1:helmreleases.helm.toolkit.fluxcd.io",
                "apps/v1:flux-system/helm-controller",
                "apps/v1:flux-system/source-controller",
                "core/v1:flux-system",
            ]);
            // kubectl kustomize of the vendored MetalLB v0.15.3 manifest: its objects, images and patches applied.
            const metallbChildren = childNames(metallb);
            for (const name of [
                "apiextensions.k8s.io/v1:ipaddresspools.metallb.io",
                "apiextensions.k8s.io/v1:l2advertisements.metallb.io",
                "apps/v1:metallb-system/controller",
                "apps/v1:metallb-system/speaker",
                "core/v1:metallb-system",
                "admissionregistration.k8s.io/v1:metallb-webhook-configuration",
            ]) assert.ok(metallbChildren.includes(name), `${name} is not among ${metallbChildren.join(", ")}`);
            assert.equal(metallbChildren.length, 26, metallbChildren.join(", "));
            for (const name of ["metallb-system/controller", "metallb-system/speaker"]) {
                const workload = run.resources.find((r) => r.parent === metallb.urn && r.name === name && r.type.startsWith("kubernetes:apps/v1:"));
                const pod = at(workload?.inputs, "spec", "template", "spec");
                assert.deepEqual(at(pod, "imagePullSecrets"), [{ name: "registry1" }], name);
                assert.match(String(at(pod, "containers", 0, "image")), /^registry1\.dso\.mil\/ironbank\/opensource\/metallb\/(controller|speaker):v0\.15\.3$/);
            }
            assert.deepEqual(fs.readdirSync(vendored).sort(), ["kustomization.yaml", "metallb-native-v0.15.3.yaml"]);
            assert.equal(flux.parent, run.one(T.flux).urn);
            assert.equal(metallb.parent, run.one(T.metallb).urn);
        });

        it("deletes every Kubernetes object with the k3d-cluster command and applies it with the k3d provider", () => {
            const cluster = run.one(T.remote, "k3d-cluster");
            const provider = run.one(T.k8sProvider);
            const objects = run.resources.filter((r) => r.custom && /^kubernetes:/.test(r.type));
            assert.ok(objects.length >= 20, `only ${objects.length} Kubernetes objects`);
            for (const r of objects) {
                assert.equal(r.deletedWith, cluster.urn, `${r.type} ${r.name} must be deletedWith k3d-cluster`);
                assert.equal(providerUrnOf(r), provider.urn, `${r.type} ${r.name} must use the k3d provider`);
            }
        });

        it("declares exactly the dev script's MetalLB pools and L2Advertisements", () => {
            const specs = (type: string) => Object.fromEntries(run.all(type).map((r) => {
                assert.equal(at(r.inputs, "metadata", "namespace"), "metallb-system");
                assert.equal(r.inputs.apiVersion, "metallb.io/v1beta1");
                return [String(at(r.inputs, "metadata", "name")), r.inputs.spec];
            }));
            const allocation = (app: string) => ({
                priority: 100,
                namespaces: ["istio-system", "istio-gateway"],
                serviceSelectors: [{ matchExpressions: [{ key: "app", operator: "In", values: [app] }] }],
            });
            // k3d-dev.sh at Big Bang 1699eff40, l.867-937, for the default 172.20.0.0/16.
            assert.deepEqual(specs(T.pool), {
                default: { addresses: ["172.20.1.242-172.20.1.249"] },
                primary: { addresses: ["172.20.1.241/32"], serviceAllocation: allocation("public-ingressgateway") },
                secondary: { addresses: ["172.20.1.240/32"], serviceAllocation: allocation("passthrough-ingressgateway") },
            });
            assert.deepEqual(specs(T.l2), {
                l2advertisement1: { ipAddressPools: ["default"] },
                primary: { ipAddressPools: ["primary"] },
                secondary: { ipAddressPools: ["secondary"] },
            });
        });

        it("installs the checkout's chart as the bigbang release, its revision in the description", async () => {
            const release = run.one(T.release, "bigbang");
            assert.equal(release.inputs.chart, path.join(root, "bigbang", "chart"));
            assert.equal(release.inputs.name, "bigbang");
            assert.equal(release.inputs.namespace, "bigbang");
            assert.equal(release.inputs.createNamespace, true);
            const revision = at(await plainOutput(run.outputs.bigbang), "revision");
            assert.match(String(revision), /^3\.30\.0 content\.[0-9a-f]{12}$/);
            assert.equal(release.inputs.description, `bigbang-oci-dev: ${String(revision)}`);
            assert.equal(release.parent, run.one(T.bigbang).urn);
        });

        it("waits on the host for the developer's HelmReleases, bounded by waitMinutes", async () => {
            const wait = run.one(T.remote, "helmreleases-ready");
            const create = String(wait.inputs.create);
            const token = / wait-helmreleases k3d-bigbang 1800 (\d+) k3d kiali (\S+)$/.exec(create);
            assert.ok(token, create.slice(-120));
            assert.equal(token[2], pushVersion);
            // The reconcile request token is the release's revision, the one that also triggers the wait.
            const triggers = wait.inputs.triggers as unknown[];
            assert.equal(token[1], String(triggers[triggers.length - 1]));
            const dir = makeProject();
            try {
                const five = await runIn(dir, configWith({ waitMinutes: 5 }));
                assert.match(String(five.one(T.remote, "helmreleases-ready").inputs.create), / wait-helmreleases k3d-bigbang 300 \d+ k3d kiali \S+$/);
                const none = await runIn(dir, configWith({ waitMinutes: 0 }));
                assert.equal(none.find(T.remote, "helmreleases-ready"), undefined, "waitMinutes 0: no wait");
                assert.ok(none.find(T.release, "bigbang"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("adds bigbang.server to coredns-custom beside the registry's own block", () => {
            const data = run.one(T.cmPatch, "coredns-custom-entry").inputs.data as Record<string, string>;
            assert.deepEqual(Object.keys(data).sort(), ["bigbang.server", "oci.server"]);
            assert.match(data["oci.server"], /^oci\.dev\.bigbang\.mil:53 \{/);
            assert.equal(data["bigbang.server"], [
                "dev.bigbang.mil {",
                "  template IN A keycloak.dev.bigbang.mil vault.dev.bigbang.mil {",
                "    answer \"{{ .Name }} 60 IN A 172.20.1.240\"",
                "  }",
                "",
                "  template IN A {",
                "    answer \"{{ .Name }} 60 IN A 172.20.1.241\"",
                "  }",
                "",
                "  errors",
                "  log",
                "}",
            ].join("\n"));
        });

        it("creates the cluster without k3s's servicelb, which would claim MetalLB's services", () => {
            const k3d: unknown = parse(String(run.one(T.remote, "k3d-cluster").inputs.stdin));
            const extraArgs = at(k3d, "options", "k3s", "extraArgs");
            assert.ok(Array.isArray(extraArgs));
            assert.deepEqual(extraArgs.filter((a: unknown) => at(a, "arg") === "--disable=servicelb"), [{ arg: "--disable=servicelb", nodeFilters: ["server:*"] }]);
        });
    });

    describe("ordering", () => {
        it("creates each pull Secret after its Namespace and before the workloads that pull with it", () => {
            for (const [directory, secret] of [["flux", "flux-system-private-registry"], ["metallb", "metallb-system-registry1"]]) {
                const children = run.resources.filter((r) => r.parent === run.one(T.directory, directory).urn);
                const workloads = children.filter((r) => /:(Deployment|DaemonSet)$/.test(r.type));
                assert.ok(workloads.length > 0);
                for (const child of workloads) assert.ok(run.dependsOn(child, run.one(T.secret, secret)), `${child.name} must wait for ${secret}`);
                // Objects that pull nothing need not wait (and the Namespace cannot: the Secret lives in it).
                for (const child of children.filter((r) => !workloads.includes(r))) assert.ok(!run.dependsOn(child, run.one(T.secret, secret)), child.name);
            }
        });

        it("creates the pools after MetalLB's controller Deployment and after its webhook answers (the webhook validates them)", () => {
            const controller = run.one(T.deployment, "metallb-system/controller");
            const webhook = run.one("command:remote:Command", "metallb-webhook-ready");
            assert.ok(run.dependsOn(webhook, controller), "the webhook wait starts once the controller is rolled out");
            for (const r of [...run.all(T.pool), ...run.all(T.l2)]) {
                assert.ok(run.dependsOn(r, webhook), `${r.name} must wait for the webhook`);
                assert.ok(run.dependsOnTransitively(r, controller), `${r.name} must wait for the controller`);
            }
            const create = String(webhook.inputs.create);
            assert.ok(create.startsWith("bash -c ") && create.endsWith("' wait-metallb-webhook k3d-bigbang 300"), create.slice(-80));
            const cluster = run.one("command:remote:Command", "k3d-cluster");
            assert.ok((webhook.inputs.triggers as unknown[]).includes(cluster.id), "a new cluster waits again");
        });

        it("installs the release after Flux and the chart pushes, in parallel with MetalLB", () => {
            const release = run.one(T.release, "bigbang");
            const deployments = fluxDeployments(run);
            assert.equal(deployments.length, 2);
            for (const d of deployments) assert.ok(run.dependsOn(release, d), `the release waits for ${d.name}`);
            assert.ok(run.dependsOn(release, run.one(T.remote, "chart-kiali-push")), "the release waits for the chart push");
            const metallb = [...descendants(run, run.one(T.metallb))].filter((r) => r.custom);
            assert.ok(metallb.length > 5);
            for (const r of metallb) assert.ok(!run.dependsOnTransitively(release, r), `the release must not wait for ${r.name}`);
        });

        it("waits for the HelmReleases after the release, the pools and the DNS entry", () => {
            const wait = run.one(T.remote, "helmreleases-ready");
            assert.ok(run.dependsOn(wait, run.one(T.release, "bigbang")));
            for (const pool of run.all(T.pool)) assert.ok(run.dependsOnTransitively(wait, pool), `the wait needs pool ${pool.name}`);
            assert.ok(run.dependsOnTransitively(wait, run.one(T.cmPatch, "coredns-custom-entry")), "the wait needs the ingress DNS");
        });

        it("does not make Flux or MetalLB wait for the chart pushes or the registry", () => {
            const slow = [run.one(T.remote, "chart-kiali-push"), run.one("command:remote:CopyToRemote", "chart-kiali-copy"), run.one(T.remote, "ready"), run.one(T.container, "registry")];
            const installs = [...descendants(run, run.one(T.flux)), ...descendants(run, run.one(T.metallb))].filter((r) => r.custom);
            for (const r of installs) {
                for (const s of slow) assert.ok(!run.dependsOnTransitively(r, s), `${r.name} must not wait for ${s.name}`);
            }
        });
    });

    describe("merged values", () => {
        const valuesOf = (r: ProgramRun): Record<string, unknown> => r.one(T.release, "bigbang").inputs.values as Record<string, unknown>;

        it("sets the domain, Registry1 credentials, the registry's certificate as the gateway's, and the dev registry", () => {
            const values = valuesOf(run);
            assert.equal(values.domain, "dev.bigbang.mil");
            assert.deepEqual(values.registryCredentials, { registry: "registry1.dso.mil", username: R1_USER, password: R1_PASSWORD });
            const uploads = run.one(T.container, "registry").inputs.uploads as { file: string; content: string }[];
            const served = (file: string) => uploads.find((u) => u.file === file)?.content;
            assert.ok(served("/certs/tls.crt")?.includes("BEGIN CERTIFICATE"));
            assert.deepEqual(at(values, "istioGateway", "values", "gateways", "public", "gatewayCerts"), [
                { name: "public-cert", tls: { cert: served("/certs/tls.crt"), key: served("/certs/tls.key") } },
            ], "the gateway serves the registry's chain and key");
            assert.deepEqual(values.helmRepositories, [{ name: "k3d", repository: "oci://oci.dev.bigbang.mil:5000", type: "oci", username: "bigbang", password: MOCK.password }]);
        });

        it("merges exactly the exported valuesSnippet (one builder for the output, the release and prepare's schema check)", async () => {
            const values = valuesOf(run);
            const exported = (await resolve<string>(run.outputs.valuesSnippet)).value;
            assert.ok(exported !== undefined, "valuesSnippet output");
            const snippet = parse(exported) as Record<string, unknown>;
            assert.deepEqual(values.helmRepositories, snippet.helmRepositories);
            for (const key of Object.keys(snippet).filter((k) => k !== "helmRepositories")) {
                const entry = snippet[key] as Record<string, unknown>;
                for (const [field, value] of Object.entries(entry)) assert.deepEqual(at(values, key, field), value, `${key}.${field}`);
            }
        });

        it("turns the developer's package on at its pushed version, and follows the default package plan", () => {
            const values = valuesOf(run);
            assert.deepEqual(values.kiali, { enabled: true, sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "kiali", tag: pushVersion } });
            const enabled = (key: string) => at(values, ...key.split("."), "enabled");
            for (const key of ["istioCRDs", "istiod", "istioGateway", "kyverno", "kyvernoPolicies", "prometheusOperatorCRDs"]) {
                assert.equal(enabled(key), true, `${key} stays on`);
            }
            // Big Bang's tests/disable-core-values.yaml, except kiali: the developer's chart.
            for (const key of ["bbctl", "monitoring", "grafana", "neuvector", "loki", "tempo", "kyvernoReporter", "alloy"]) {
                assert.equal(enabled(key), false, `${key} is off`);
            }
            assert.equal(at(values, "addons", "metricsServer"), undefined, "`enabled: auto` is left alone");
        });

        it("keeps only the listed packages, what they need and the developer's", async () => {
            const dir = makeProject();
            try {
                const r = await runIn(dir, configWith({ packages: ["istiod"] }));
                const values = valuesOf(r);
                const on = ["istiod", "istioCRDs", "kiali"];
                for (const key of on) assert.equal(at(values, key, "enabled"), true, key);
                for (const key of ["istioGateway", "kyverno", "kyvernoPolicies", "prometheusOperatorCRDs", "grafana"]) assert.equal(at(values, key, "enabled"), false, key);
                assert.deepEqual([...(at(await plainOutput(r.outputs.bigbang), "packages") as string[])].sort(), [...on].sort());
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("applies the developer's values files last, over the program's own values", async () => {
            const dir = makeProject();
            try {
                fs.writeFileSync(path.join(dir, "first.yaml"), "grafana:\n  enabled: true\nistiod:\n  values:\n    replicaCount: 2\n");
                fs.writeFileSync(path.join(dir, "second.yaml"), "istiod:\n  values:\n    replicaCount: 3\nkiali:\n  helmRepo:\n    tag: 9.9.9\n");
                const r = await runIn(dir, configWith({ valuesFiles: ["first.yaml", "second.yaml"] }));
                const values = valuesOf(r);
                assert.equal(at(values, "grafana", "enabled"), true, "the file turns on what the default plan turned off");
                assert.equal(at(values, "istiod", "enabled"), true);
                assert.equal(at(values, "istiod", "values", "replicaCount"), 3, "files apply in order");
                assert.equal(at(values, "kiali", "helmRepo", "tag"), "9.9.9", "even over the snippet's version");
                assert.equal(at(values, "kiali", "helmRepo", "chartName"), "kiali");
                assert.ok((at(await plainOutput(r.outputs.bigbang), "packages") as string[]).includes("grafana"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("secrecy", () => {
        const passwords = [R1_PASSWORD, MOCK.password];

        it("never puts the Registry1 or registry password in a non-secret input", () => {
            let seen = 0;
            for (const r of run.resources) {
                for (const [key, value] of Object.entries(r.inputs)) {
                    const text = JSON.stringify(value) ?? "";
                    for (const password of passwords) {
                        if (!text.includes(password)) continue;
                        seen++;
                        assert.ok(r.secretInputs.has(key), `${r.type} ${r.name}.${key} holds a password in the clear`);
                    }
                }
            }
            assert.ok(seen >= 4, "the scan found the passwords where they belong (values, pull Secrets)");
            assert.ok(run.one(T.release, "bigbang").secretInputs.has("values"));
            // Every Secret with content (MetalLB's manifest brings metallb-webhook-cert empty, for its controller to fill).
            for (const s of run.all(T.secret).filter((x) => x.inputs.stringData !== undefined || x.inputs.data !== undefined)) {
                assert.ok(s.secretInputs.has("stringData"), s.name);
            }
            assert.ok(run.all(T.secret).filter((x) => x.secretInputs.has("stringData")).length >= 2);
        });

        it("refuses a Registry1 password whose config value is not marked secret, before any resource (issue 21)", async () => {
            const dir = makeProject();
            try {
                const { error, resources } = await runProgramFailure(configWith(), { cwd: dir, secretKeys: [] });
                assert.ok(isConfigError(error), `expected a ConfigError, got ${String(error)}`);
                assert.match(error.message, /bigbang-oci-dev:bigbang\.registry1\.password: is stored in plain text in the stack file; set it again as a secret with 'pulumi config set --path --secret bigbang-oci-dev:bigbang\.registry1\.password'/);
                assert.ok(!error.message.includes(R1_PASSWORD), "the password is not in the message");
                assert.deepEqual(resources.filter((r) => !r.type.startsWith("pulumi:")), []);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("never puts either password in a non-secret output", async () => {
            let visited = 0;
            for (const [name, value] of Object.entries(run.outputs)) {
                await walkOutput(value, false, name, (text, secret, where) => {
                    visited++;
                    for (const password of passwords) assert.ok(secret || !text.includes(password), `output ${where} holds a password in the clear`);
                });
            }
            assert.ok(visited > 10);
        });
    });

    describe("the inner loop", () => {
        interface LoopState { values: string; description: unknown; wait: unknown; tag: unknown }
        const stateOf = async (dir: string): Promise<LoopState> => {
            const r = await runIn(dir, configWith());
            const release = r.one(T.release, "bigbang");
            return {
                values: JSON.stringify(release.inputs.values),
                description: release.inputs.description,
                wait: r.one(T.remote, "helmreleases-ready").inputs.create,
                tag: at(release.inputs.values, "kiali", "helmRepo", "tag"),
            };
        };

        it("points the release at a new version after a chart edit, and changes nothing for ignored files", async () => {
            const dir = makeProject();
            try {
                const first = await stateOf(dir);
                fs.writeFileSync(path.join(dir, "kiali", "notes.bak"), "ignored by .helmignore\n");
                fs.mkdirSync(path.join(dir, "kiali", ".git"));
                fs.writeFileSync(path.join(dir, "kiali", ".git", "HEAD"), "ref: refs/heads/feature\n");
                assert.deepEqual(await stateOf(dir), first, "an unchanged chart keeps the same release values");

                fs.writeFileSync(path.join(dir, "kiali", "values.yaml"), "replicas: 2\n");
                const edited = await stateOf(dir);
                assert.notEqual(edited.tag, first.tag, "a content edit is a new version");
                assert.match(String(edited.tag), /^2\.1\.0-bb\.3\+content\.[0-9a-f]{12}$/);
                assert.equal(edited.description, first.description, "the Big Bang chart did not change");
                assert.ok(String(edited.wait).endsWith(` kiali ${String(edited.tag)}`), "the wait looks for the new version");
                assert.equal(fs.readFileSync(path.join(dir, "kiali", "Chart.yaml"), "utf8"), "apiVersion: v2\nname: kiali\nversion: 2.1.0-bb.3\n");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("declares the same inputs for every resource on a second run with nothing changed", async () => {
            const dir = makeProject();
            try {
                const inputsOf = async () => Object.fromEntries((await runIn(dir, configWith())).resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
                assert.deepEqual(await inputsOf(), await inputsOf());
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("upgrades the release when the Big Bang chart's content changes, not for its VCS files", async () => {
            const dir = makeProject();
            try {
                const first = await stateOf(dir);
                fs.mkdirSync(path.join(dir, "bigbang", "chart", ".git"));
                fs.writeFileSync(path.join(dir, "bigbang", "chart", ".git", "HEAD"), "ref: refs/heads/main\n");
                assert.deepEqual(await stateOf(dir), first);
                fs.appendFileSync(path.join(dir, "bigbang", "chart", "templates", "NOTES.txt"), "edited\n");
                const edited = await stateOf(dir);
                assert.notEqual(edited.description, first.description);
                assert.equal(edited.values, first.values);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("outputs", () => {
        it("reports what was installed and how to reach it", async () => {
            const bigbang = await plainOutput(run.outputs.bigbang);
            assert.equal(at(bigbang, "chartVersion"), "3.30.0");
            assert.equal(at(bigbang, "source"), path.join(root, "bigbang"));
            assert.match(String(at(bigbang, "revision")), /^3\.30\.0 content\.[0-9a-f]{12}$/);
            assert.deepEqual(at(bigbang, "packages"), ["istioCRDs", "istiod", "istioGateway", "kiali", "kyverno", "kyvernoPolicies", "prometheusOperatorCRDs"]);

            assert.deepEqual((await resolve(run.outputs.bigbangHostsLines)).value, ["172.20.1.241 kiali.dev.bigbang.mil"]);
            const sshuttle = await resolve<string>(run.outputs.sshuttleCommand);
            assert.match(String(sshuttle.value), new RegExp(`^sshuttle --dns -vr ubuntu@${MOCK.publicIp.replace(/\./g, "\\.")} 172\\.20\\.1\\.0/24 --ssh-cmd 'ssh -i \\S+ .*-o HostKeyAlias=bigbang-oci-dev-dev .*'$`));
            const sshCommand = String((await resolve(run.outputs.sshCommand)).value);
            const socks = String((await resolve(run.outputs.socksProxyCommand)).value);
            assert.equal(socks, `${sshCommand} -D 127.0.0.1:12345`, "the host's own ssh command, as a SOCKS proxy");
            assert.equal(String(sshuttle.value), `sshuttle --dns -vr ubuntu@${MOCK.publicIp} 172.20.1.0/24 --ssh-cmd '${sshCommand.slice(0, -` ubuntu@${MOCK.publicIp}`.length)}'`);
            assert.deepEqual((await resolve(run.outputs.bigbangStatusCommand)).value, ["kubectl --context k3d-bigbang get hr -A", "flux --context k3d-bigbang get hr -A"]);
        });
    });

    describe("the dev host's /etc/hosts", () => {
        it("maps Big Bang's names to the gateways there, as fix_etc_hosts does, so the SOCKS proxy (which resolves on the host) reaches them", () => {
            const publicBlock = run.one(T.remote, "ingress-hosts-public");
            const passthroughBlock = run.one(T.remote, "ingress-hosts-passthrough");
            const create = String(publicBlock.inputs.create);
            assert.match(create, /^env ETC_HOSTS_BLOCK=ingress-public bash -c '/);
            assert.match(create, / etc-hosts-block add 172\.20\.1\.241 alertmanager\.dev\.bigbang\.mil .*grafana\.dev\.bigbang\.mil .*kiali\.dev\.bigbang\.mil/);
            assert.ok(!create.includes("oci.dev.bigbang.mil"), "the registry's name keeps its own block");
            assert.match(String(passthroughBlock.inputs.create), / etc-hosts-block add 172\.20\.1\.240 keycloak\.dev\.bigbang\.mil vault\.dev\.bigbang\.mil$/);
            for (const block of [publicBlock, passthroughBlock]) {
                assert.match(String(block.inputs.delete), /on-instance i-[0-9a-f]+ env ETC_HOSTS_BLOCK=ingress-(public|passthrough) bash -c '.*' etc-hosts-block remove$/s);
                assert.ok(run.dependsOn(block, run.one(T.remote, "ready")) || run.dependsOnTransitively(block, run.one(T.remote, "tools")));
            }
        });
    });

    describe("a git checkout", () => {
        it("records the commit and whether the work tree has uncommitted changes", async () => {
            const dir = makeProject();
            try {
                const checkout = path.join(dir, "bigbang");
                const git = (...args: string[]) => execFileSync("git", ["-C", checkout, "-c", "user.name=t", "-c", "user.email=t@example.test", ...args], { encoding: "utf8", timeout: 30_000 }).trim();
                git("init", "-q");
                git("add", "-A");
                git("commit", "-qm", "stand-in");
                const head = git("rev-parse", "HEAD");
                const clean = await plainOutput((await runIn(dir, configWith())).outputs.bigbang);
                assert.equal(at(clean, "commit"), head);
                assert.equal(at(clean, "uncommittedChanges"), false);
                fs.appendFileSync(path.join(checkout, "chart", "values.yaml"), "# edited\n");
                const dirty = await plainOutput((await runIn(dir, configWith())).outputs.bigbang);
                assert.equal(at(dirty, "commit"), head);
                assert.equal(at(dirty, "uncommittedChanges"), true);
                assert.notEqual(at(dirty, "revision"), at(clean, "revision"), "an uncommitted chart edit is a new revision");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("preview", () => {
        it("evaluates without throwing and registers the same resources", async () => {
            const dir = makeProject();
            try {
                const names = (r: ProgramRun) => r.resources.map((x) => `${x.type}::${x.name}`).sort();
                const up = await runIn(dir, configWith());
                const preview = await runIn(dir, configWith(), { preview: true });
                assert.deepEqual(names(preview), names(up));
                assert.ok(preview.find(T.release, "bigbang"));
                // The same edges for what Big Bang adds: preview shows the order `pulumi up` keeps.
                const edges = (r: ProgramRun) => [T.flux, T.metallb, T.bigbang].flatMap((type) => descendants(r, r.one(type)))
                    .map((x) => `${x.name} <- ${x.dependencies.map((d) => d.split("::").pop()).sort().join(",")}`).sort();
                assert.deepEqual(edges(preview), edges(up));
                assert.equal((await resolve(preview.outputs.bigbangHostsLines)).value?.toString(), "172.20.1.241 kiali.dev.bigbang.mil");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("first preview", () => {
        it("evaluates when the kustomize invoke returns nothing (the k3d provider is not configured yet)", async () => {
            const dir = makeProject();
            try {
                const r = await runIn(dir, configWith(), { preview: true, invokeOverrides: { "kubernetes:kustomize:directory": () => ({}) } });
                assert.ok(r.find(T.directory, "flux"));
                assert.ok(r.find(T.release, "bigbang"));
                assert.equal(r.all(T.pool).length, 3);
                assert.ok(r.find(T.remote, "helmreleases-ready"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("config errors, before any resource", () => {
        const expectRefused = async (dir: string, config: Record<string, string>, patterns: RegExp[]) => {
            for (const preview of [false, true]) {
                const { error, resources } = await runProgramFailure(config, { cwd: dir, secretKeys: [`${P}bigbang`], preview });
                assert.ok(isConfigError(error), `expected a ConfigError, got ${String(error)}`);
                for (const pattern of patterns) assert.match(error.message, pattern);
                assert.ok(!error.message.includes(R1_PASSWORD), "the Registry1 password is not in the message");
                assert.deepEqual(resources.map((r) => `${r.type}::${r.name}`), []);
            }
        };

        it("refuses a missing source path, reported with the other problems", async () => {
            const dir = makeProject();
            try {
                await expectRefused(dir, configWith({ source: { path: "no-such-checkout" }, valuesFiles: ["missing.yaml"] }, { [`${P}host`]: JSON.stringify({ market: "reserved" }) }), [
                    /host\.market: expected spot or on-demand/,
                    /bigbang\.valuesFiles\[0\]: .*missing\.yaml/,
                    /bigbang\.source: .*no-such-checkout/,
                ]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("refuses an unknown bigbang.packages key", async () => {
            const dir = makeProject();
            try {
                await expectRefused(dir, configWith({ packages: ["istiod", "notAPackage"] }), [/bigbang\.packages: "notAPackage" is not a package/]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("refuses values that break the chart's values.schema.json, without printing them", async () => {
            const dir = makeProject();
            try {
                fs.writeFileSync(path.join(dir, "bad.yaml"), "kiali:\n  enabled: \"yes\"\n");
                await expectRefused(dir, configWith({ valuesFiles: ["bad.yaml"] }), [/bigbang\.valuesFiles: .*values\.schema\.json: \/kiali\/enabled must be boolean/]);
                const { error } = await runProgramFailure(configWith({ valuesFiles: ["bad.yaml"] }), { cwd: dir, secretKeys: [`${P}bigbang`] });
                assert.ok(error instanceof Error && !error.message.includes("\"yes\""), "the offending value is not echoed");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("refuses a values file whose helmRepositories list would drop the dev registry", async () => {
            const dir = makeProject();
            try {
                fs.writeFileSync(path.join(dir, "repos.yaml"), "helmRepositories:\n  - name: registry1\n    repository: oci://registry1.dso.mil/bigbang\n    type: oci\n    existingSecret: private-registry\n");
                await expectRefused(dir, configWith({ valuesFiles: ["repos.yaml"] }), [/bigbang\.valuesFiles: a values file replaces helmRepositories without the entry k3d/]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("never echoes a Registry1 token that Pulumi stored as a number", async () => {
            // `pulumi config set --path --secret bigbang.registry1.password 20250101123456` stores an integer.
            const dir = makeProject();
            try {
                const config = configWith({ registry1: { username: R1_USER, password: 20250101123456 } });
                await expectRefused(dir, config, [/bigbang\.registry1\.password: expected your Registry1 CLI token .*, got "\[secret\]"/]);
                const { error } = await runProgramFailure(config, { cwd: dir, secretKeys: [`${P}bigbang`] });
                assert.ok(error instanceof Error && !error.message.includes("20250101123456"), "the token is not in the message");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("reports a values file that is not YAML without quoting it", async () => {
            const dir = makeProject();
            try {
                fs.writeFileSync(path.join(dir, "broken.yaml"), "sso:\n  client_secret: s3cr3t-value-Xy\n  bad: [unclosed\n");
                await expectRefused(dir, configWith({ valuesFiles: ["broken.yaml"] }), [/bigbang\.valuesFiles\[0\]: .*broken\.yaml is not valid YAML/]);
                const { error } = await runProgramFailure(configWith({ valuesFiles: ["broken.yaml"] }), { cwd: dir, secretKeys: [`${P}bigbang`] });
                assert.ok(error instanceof Error && !error.message.includes("s3cr3t-value-Xy"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("refuses install without the Registry1 password", async () => {
            const dir = makeProject();
            try {
                await expectRefused(dir, configWith({ registry1: { username: R1_USER } }), [/bigbang\.registry1\.password: /]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("other setups", () => {
        it("with no developer chart: installs after Flux alone and does not wait (nothing to wait for)", async () => {
            const dir = makeProject();
            try {
                const r = await runIn(dir, configWith({}, { [`${P}charts`]: "[]" }));
                const release = r.one(T.release, "bigbang");
                for (const d of fluxDeployments(r)) assert.ok(r.dependsOn(release, d));
                assert.equal(r.find(T.remote, "helmreleases-ready"), undefined, "no developer chart: no wait command");
                assert.deepEqual((await resolve(r.outputs.bigbangHostsLines)).value, []);
                assert.deepEqual(at(await plainOutput(r.outputs.bigbang), "packages"), ["istioCRDs", "istiod", "istioGateway", "kyverno", "kyvernoPolicies", "prometheusOperatorCRDs"]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("with a custom packages.<name> chart: installs it from the registry, waits for it, and maps its host name", async () => {
            const dir = makeProject();
            try {
                writeChart(path.join(dir, "myapp"), "apiVersion: v2\nname: myapp\nversion: 0.1.0\n");
                const r = await runIn(dir, configWith({}, { [`${P}charts`]: JSON.stringify([{ path: "kiali" }, { path: "myapp", package: "packages.myapp" }]) }));
                const charts = (await resolve<{ name: string; version: string }[]>(r.outputs.charts)).value ?? [];
                const version = (name: string) => charts.find((c) => c.name === name)?.version ?? "";
                const values = r.one(T.release, "bigbang").inputs.values;
                assert.deepEqual(at(values, "packages", "myapp"), { sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "myapp", tag: version("myapp") } });
                assert.ok(String(r.one(T.remote, "helmreleases-ready").inputs.create).endsWith(` k3d kiali ${version("kiali")} k3d myapp ${version("myapp")}`));
                assert.ok(r.dependsOn(r.one(T.release, "bigbang"), r.one(T.remote, "chart-myapp-push")));
                assert.deepEqual((await resolve(r.outputs.bigbangHostsLines)).value, ["172.20.1.241 kiali.dev.bigbang.mil myapp.dev.bigbang.mil"]);
                assert.ok((at(await plainOutput(r.outputs.bigbang), "packages") as string[]).includes("packages.myapp"));
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("with a chart at a default-off add-on (keycloak): turns it on beside its ingress certificate, and maps it to the passthrough address", async () => {
            const dir = makeProject();
            try {
                writeChart(path.join(dir, "keycloak"), "apiVersion: v2\nname: keycloak\nversion: 26.0.0-bb.1\n");
                const r = await runIn(dir, configWith({}, { [`${P}charts`]: JSON.stringify([{ path: "kiali" }, { path: "keycloak" }]) }));
                const charts = (await resolve<{ name: string; version: string; package: string }[]>(r.outputs.charts)).value ?? [];
                const keycloak = charts.find((c) => c.name === "keycloak");
                assert.equal(keycloak?.package, "addons.keycloak");
                const values = r.one(T.release, "bigbang").inputs.values;
                const gateway = at(values, "istioGateway", "values", "gateways", "public", "gatewayCerts", 0, "tls");
                assert.deepEqual(at(values, "addons", "keycloak"), {
                    enabled: true, ingress: gateway, sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "keycloak", tag: keycloak?.version },
                });
                assert.deepEqual((await resolve(r.outputs.bigbangHostsLines)).value, ["172.20.1.240 keycloak.dev.bigbang.mil", "172.20.1.241 kiali.dev.bigbang.mil"]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("follows bigbang.domain and network.subnet in the values, DNS, pools and access outputs", async () => {
            const dir = makeProject();
            try {
                const r = await runIn(dir, configWith({ domain: "bb.example.test" }, { [`${P}network`]: JSON.stringify({ subnet: "10.42.0.0/16" }) }));
                assert.equal(at(r.one(T.release, "bigbang").inputs.values, "domain"), "bb.example.test");
                const block = (r.one(T.cmPatch, "coredns-custom-entry").inputs.data as Record<string, string>)["bigbang.server"];
                assert.ok(block.startsWith([
                    "bb.example.test {",
                    "  template IN A keycloak.bb.example.test vault.bb.example.test {",
                    "    answer \"{{ .Name }} 60 IN A 10.42.1.240\"",
                ].join("\n")), block);
                assert.ok(block.includes("60 IN A 10.42.1.241"));
                assert.deepEqual(r.all(T.pool).map((p) => at(p.inputs, "spec", "addresses")).sort(), [["10.42.1.240/32"], ["10.42.1.241/32"], ["10.42.1.242-10.42.1.249"]]);
                assert.deepEqual((await resolve(r.outputs.bigbangHostsLines)).value, ["10.42.1.241 kiali.bb.example.test"]);
                assert.match(String((await resolve(r.outputs.sshuttleCommand)).value), / 10\.42\.1\.0\/24 --ssh-cmd /);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("registry1-staging: the gateway certificate comes from the checkout's chart/ingress-certs.yaml, and only bigbang.server is in CoreDNS", async () => {
            const dir = makeProject();
            const pki = createTestPki();
            try {
                const leaf = pki.leaf({ dnsNames: ["*.dev.bigbang.mil"], days: 60 });
                const staging = { [`${P}registry`]: JSON.stringify({ target: "registry1-staging", username: "jane_doe", password: "r1-push-token-7Hq" }) };
                const opts = { cwd: dir, secretKeys: [`${P}bigbang`, `${P}registry`] };
                const missing = await runProgramFailure(configWith({}, staging), opts);
                assert.ok(isConfigError(missing.error));
                assert.match(missing.error.message, /bigbang\.source: .*chart\/ingress-certs\.yaml is missing: the gateway needs a certificate/);
                assert.deepEqual(missing.resources, []);

                fs.writeFileSync(path.join(dir, "bigbang", "chart", "ingress-certs.yaml"), ingressCertsYaml("current", leaf.certPem, leaf.keyPem));
                const r = await runProgram(configWith({}, staging), opts);
                const values = r.one(T.release, "bigbang").inputs.values;
                assert.deepEqual(at(values, "istioGateway", "values", "gateways", "public", "gatewayCerts", 0, "tls"), { cert: leaf.certPem, key: leaf.keyPem });
                assert.deepEqual(at(values, "helmRepositories"), [{ name: "k3d", repository: "oci://registry1.dso.mil/bigbang-staging", type: "oci", existingSecret: "private-registry" }]);
                assert.deepEqual(Object.keys(r.one(T.cmPatch, "coredns-custom-entry").inputs.data as object), ["bigbang.server"]);
                // No hosted registry; the one container is the Registry1 cache (issue 19), on with the login.
                assert.deepEqual(r.all(T.container).map((c) => c.name), ["registry1-cache"]);
                // The existingSecret the snippet names is rendered by Big Bang's chart from registryCredentials
                // (imagepullsecret.yaml): the program declares no second one, which Helm would refuse to install over
                // (test/conformance/bigbangRender.test.ts renders the chart).
                assert.deepEqual(at(values, "registryCredentials"), { registry: "registry1.dso.mil", username: R1_USER, password: R1_PASSWORD });
                assert.deepEqual(r.all(T.secret).filter((x) => at(x.inputs, "metadata", "namespace") === "bigbang"), []);
                assert.equal(r.find(T.namespace, "bigbang-namespace"), undefined);
                for (const x of r.resources) {
                    for (const [key, value] of Object.entries(x.inputs)) {
                        const text = JSON.stringify(value) ?? "";
                        if (text.includes(R1_PASSWORD) || text.includes("r1-push-token-7Hq")) assert.ok(x.secretInputs.has(key), `${x.type} ${x.name}.${key} holds a token in the clear`);
                    }
                }
            } finally {
                pki.cleanup();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("bigbang.metallb false", () => {
        it("installs Flux and Big Bang without MetalLB, its DNS or the sshuttle route", async () => {
            const dir = makeProject();
            try {
                const r = await runIn(dir, configWith({ metallb: false }));
                assert.equal(r.find(T.metallb), undefined);
                assert.equal(r.find(T.pool), undefined);
                assert.deepEqual(r.all(T.namespace).map((ns) => at(ns.inputs, "metadata", "name")), ["flux-system"]);
                assert.deepEqual(Object.keys(r.one(T.cmPatch).inputs.data as object), ["oci.server"]);
                assert.ok(r.find(T.release, "bigbang"));
                assert.ok(r.find(T.remote, "helmreleases-ready"));
                assert.equal(r.outputs.sshuttleCommand, undefined);
                assert.equal(r.outputs.bigbangHostsLines, undefined);
                // Without MetalLB there are no gateway addresses for the proxy to reach.
                assert.equal(r.outputs.socksProxyCommand, undefined);
                assert.equal(r.find(T.remote, "ingress-hosts-public"), undefined);
                const k3d: unknown = parse(String(r.one(T.remote, "k3d-cluster").inputs.stdin));
                assert.ok(!JSON.stringify(at(k3d, "options", "k3s", "extraArgs")).includes("servicelb"), "without MetalLB, k3s keeps its servicelb");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("install false (the default)", () => {
        it("declares no Big Bang resource and none of its outputs", async () => {
            const dir = makeProject();
            try {
                for (const config of [
                    { ...BASE_CONFIG, [`${P}charts`]: JSON.stringify([{ path: "kiali" }]) },
                    { ...BASE_CONFIG, [`${P}charts`]: JSON.stringify([{ path: "kiali" }]), [`${P}bigbang`]: JSON.stringify({ install: false }) },
                ]) {
                    const r = await runIn(dir, config);
                    const bigbangTypes = [T.namespace, T.secret, T.directory, T.deployment, T.pool, T.l2, T.release, T.flux, T.metallb, T.bigbang];
                    assert.deepEqual(r.resources.filter((x) => bigbangTypes.includes(x.type)).map((x) => x.name), []);
                    assert.equal(r.find(T.remote, "helmreleases-ready"), undefined);
                    assert.deepEqual(Object.keys(r.one(T.cmPatch).inputs.data as object), ["oci.server"]);
                    for (const name of NEW_OUTPUTS) assert.ok(!(name in r.outputs), `no ${name} output`);
                    const k3d: unknown = parse(String(r.one(T.remote, "k3d-cluster").inputs.stdin));
                    assert.ok(!JSON.stringify(at(k3d, "options", "k3s", "extraArgs")).includes("servicelb"), "k3s keeps its servicelb");
                }
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
