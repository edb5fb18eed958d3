// The program under mocks: the hosted registry, the k3d cluster, and the
// CoreDNS entry.
import { strict as assert } from "assert";
import { parse } from "yaml";
import { checkStackConfig } from "../components/config/config";
import { corednsBlockHash, corednsServerBlock } from "../components/dns/corednsPlan";
import { BASE_CONFIG, BASE_TLS, isConfigError, MOCK, ProgramRun, RecordedResource, resolve, runProgram, sharedRun } from "./support/program";
import { createTestPki } from "./support/pki";

const T = {
    container: "docker:index/container:Container",
    volume: "docker:index/volume:Volume",
    network: "docker:index/network:Network",
    dockerProvider: "pulumi:providers:docker",
    k8sProvider: "pulumi:providers:kubernetes",
    remote: "command:remote:Command",
    cmPatch: "kubernetes:core/v1:ConfigMapPatch",
    deployPatch: "kubernetes:apps/v1:DeploymentPatch",
    configMap: "kubernetes:core/v1:ConfigMap",
};

const registry = (extra: Record<string, unknown>) => ({ ...BASE_CONFIG, "bigbang-oci-dev:registry": JSON.stringify({ tls: BASE_TLS, ...extra }) });

function envOf(container: RecordedResource): Record<string, string> {
    return Object.fromEntries((container.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

function providerUrnOf(r: RecordedResource): string {
    return r.provider.split("::").slice(0, -1).join("::");
}

describe("program: the hosted registry", function () {
    this.timeout(60_000);

    it("gets its TLS material only as secrets, and only through container uploads", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const container = run.one(T.container);
        assert.ok(container.secretInputs.has("uploads"), "uploads must be secret");
        const uploads = container.inputs.uploads as { file: string; content: string }[];
        assert.deepEqual(uploads.map((u) => u.file).sort(), ["/auth/htpasswd", "/certs/tls.crt", "/certs/tls.key"]);
        assert.ok(uploads.find((u) => u.file === "/certs/tls.key")?.content.includes("PRIVATE KEY"));
        for (const r of run.resources) {
            if (r === container || r.type.startsWith("tls:")) continue;
            for (const [key, value] of Object.entries(r.inputs)) {
                if (JSON.stringify(value).includes("PRIVATE KEY") && key !== "connection") {
                    assert.ok(r.secretInputs.has(key), `${r.type} ${r.name}.${key} carries key material in the clear`);
                }
            }
        }
        const env = envOf(container);
        assert.equal(env.REGISTRY_HTTP_TLS_CERTIFICATE, "/certs/tls.crt");
        assert.equal(env.REGISTRY_HTTP_TLS_KEY, "/certs/tls.key");
        assert.equal(env.REGISTRY_STORAGE_DELETE_ENABLED, "true");
        assert.equal(container.inputs.restart, "always");
    });

    it("serves a files-source certificate chain as given, after checking it", async () => {
        const pki = createTestPki();
        try {
            const leaf = pki.leaf({ dnsNames: ["oci.dev.bigbang.mil"], days: 60 });
            const run = await sharedRun(registry({ tls: { source: "files", certFile: leaf.certFile, keyFile: leaf.keyFile } }));
            const uploads = run.one(T.container).inputs.uploads as { file: string; content: string }[];
            assert.ok(uploads.find((u) => u.file === "/certs/tls.crt")?.content.includes(leaf.certPem.trim().split("\n")[1]));
            assert.equal(run.find(T.remote, "ca-file"), undefined, "no CA goes to the host: the certificate must be publicly trusted");
            const expiry = await resolve<string>(run.outputs.certificateExpiresAt);
            assert.match(String(expiry.value), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
            assert.equal(run.outputs.registryCaCert, undefined);

            // A private CA (registry.tls.caFile) is a removed option, refused by checkStackConfig (test/config/config.test.ts).

            const wrongName = pki.leaf({ dnsNames: ["oci.bigbang.dev"] });
            await assert.rejects(
                runProgram(registry({ tls: { source: "files", certFile: wrongName.certFile, keyFile: wrongName.keyFile } })),
                (err: unknown) => isConfigError(err) && /registry\.tls/.test(err.message) && /bigbang\.dev/.test(err.message),
            );
        } finally {
            pki.cleanup();
        }
    });

    it("keeps registry data in a named volume whose inputs do not depend on the certificate", async () => {
        const selfSigned = await sharedRun(BASE_CONFIG);
        const pki = createTestPki();
        try {
            const leaf = pki.leaf({ dnsNames: ["oci.dev.bigbang.mil"], days: 60 });
            const files = await sharedRun(registry({ tls: { source: "files", certFile: leaf.certFile, keyFile: leaf.keyFile } }));
            const a = selfSigned.one(T.volume);
            const b = files.one(T.volume);
            assert.deepEqual(a.inputs, b.inputs, "a certificate change must not touch the volume");
            assert.equal(a.dependencies.filter((d) => d.includes("tls:")).length, 0);
            assert.notDeepEqual(selfSigned.one(T.container).inputs.uploads, files.one(T.container).inputs.uploads);
            const volumes = selfSigned.one(T.container).inputs.volumes as { volumeName: string; containerPath: string }[];
            assert.deepEqual(volumes, [{ volumeName: a.inputs.name, containerPath: "/var/lib/registry" }]);
        } finally {
            pki.cleanup();
        }
    });

    it("joins the cluster network at its fixed address and publishes the registry port on loopback only", async () => {
        const run = await sharedRun(registry({ port: 5443 }));
        const network = run.one(T.network);
        assert.equal(network.inputs.name, "k3d-network");
        assert.deepEqual(network.inputs.ipamConfigs, [{ subnet: "172.20.0.0/16", gateway: "172.20.0.1", ipRange: "172.20.0.0/24" }]);
        const container = run.one(T.container);
        const nets = container.inputs.networksAdvanced as { name: string; ipv4Address: string; aliases: string[] }[];
        assert.deepEqual(nets, [{ name: "k3d-network", ipv4Address: "172.20.2.10", aliases: ["oci.dev.bigbang.mil"] }]);
        // Not exposed: the published port listens on the host's loopback, where /etc/hosts sends helm push
        // and an `ssh -L` tunnel arrives; the nodes use the container's own network address (issue 21).
        assert.deepEqual(container.inputs.ports, [{ internal: 5443, external: 5443, ip: "127.0.0.1", protocol: "tcp" }]);
        assert.equal(envOf(container).REGISTRY_HTTP_ADDR, "0.0.0.0:5443");
        assert.equal((await resolve(run.outputs.registryAddressInCluster)).value, "172.20.2.10");
        assert.equal((await resolve(run.outputs.registryEndpoint)).value, "oci://oci.dev.bigbang.mil:5443");
        assert.ok(container.deleteBeforeReplace, "a fixed name and address cannot exist twice");
    });

    it("talks to Docker on the host over SSH, after the host is ready", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const provider = run.one(T.dockerProvider);
        assert.equal(provider.inputs.host, `ssh://ubuntu@${MOCK.publicIp}`);
        assert.ok(run.dependsOn(provider, run.one(T.remote, "tools")));
        assert.match(JSON.stringify(provider.inputs.sshOpts), /StrictHostKeyChecking=yes/);
        for (const r of [run.one(T.container), run.one(T.volume), run.one(T.network)]) {
            assert.equal(providerUrnOf(r), provider.urn, `${r.name} must use the host's Docker`);
        }
    });

    it("checks readiness from the host over TLS under the registry's name, and gates dependants on it", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const ready = run.one(T.remote, "ready");
        const create = String(ready.inputs.create);
        assert.match(create, /--resolve "\$\{hostname\}:\$\{port\}:127\.0\.0\.1"/);
        assert.match(create, / oci\.dev\.bigbang\.mil 5000 401$/);
        assert.ok(run.dependsOn(ready, run.one(T.container)));
        assert.ok(run.dependsOn(ready, run.one(T.remote, "etc-hosts")));
        assert.ok(!run.dependsOnTransitively(run.one(T.remote, "k3d-cluster"), ready), "the cluster does not wait for the registry");
        const etcHosts = run.one(T.remote, "etc-hosts");
        assert.match(String(etcHosts.inputs.create), / add 127\.0\.0\.1 oci\.dev\.bigbang\.mil$/);
        assert.match(String(etcHosts.inputs.delete), / remove 127\.0\.0\.1 oci\.dev\.bigbang\.mil$/);
        // The push and the probe go to the address the port is published on.
        assert.equal((run.one(T.container).inputs.ports as { ip: string }[])[0].ip, "127.0.0.1");
    });

    it("publishes the registry port on every interface only when it is exposed (issue 21)", async () => {
        const run = await runProgram(registry({ exposePublicly: true }));
        assert.deepEqual(run.one(T.container).inputs.ports, [{ internal: 5000, external: 5000, ip: "0.0.0.0", protocol: "tcp" }]);
        const ingress = JSON.stringify(run.one("aws:ec2/securityGroup:SecurityGroup").inputs.ingress);
        assert.match(ingress, /"fromPort":5000/);
    });

    it("refuses auth disabled before any resource: Big Bang's values schema needs credentials", async () => {
        await assert.rejects(runProgram(registry({ auth: { enabled: false } })), (err: unknown) => {
            assert.ok(isConfigError(err));
            assert.match(err.message, /registry\.auth\.enabled: must stay true: Big Bang's values schema requires credentials/);
            return true;
        });
    });

    it("with auth (the default): htpasswd from a random password, readiness expects 401, and the password is a secret output", async () => {
        assert.ok((await sharedRun(BASE_CONFIG)).find("random:index/randomPassword:RandomPassword"), "auth is on by default");
        const run = await sharedRun(registry({ auth: { username: "dev" } }));
        const env = envOf(run.one(T.container));
        assert.equal(env.REGISTRY_AUTH, "htpasswd");
        assert.equal(env.REGISTRY_AUTH_HTPASSWD_PATH, "/auth/htpasswd");
        const uploads = run.one(T.container).inputs.uploads as { file: string; content: string }[];
        const htpasswd = uploads.find((u) => u.file === "/auth/htpasswd");
        assert.match(String(htpasswd?.content), /^dev:\$2[aby]\$10\$.{53}\n$/);
        assert.ok(!String(htpasswd?.content).includes(MOCK.password));
        assert.match(String(run.one(T.remote, "ready").inputs.create), / 5000 401$/);
        const password = await resolve<string>(run.outputs.registryPassword);
        assert.equal(password.value, MOCK.password);
        assert.ok(password.secret);
        const snippet = await resolve<string>(run.outputs.valuesSnippet);
        assert.ok(snippet.secret, "a snippet with credentials is a secret");
        assert.deepEqual(parse(String(snippet.value)).helmRepositories[0], {
            name: "k3d", repository: "oci://oci.dev.bigbang.mil:5000", type: "oci", username: "dev", password: MOCK.password,
        });
    });

    it("self-signed: refused by checkStackConfig, saying why Flux could not trust it and what to use", () => {
        const { problems } = checkStackConfig(registry({ tls: { source: "self-signed" } }), { userName: "jdoe" });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /registry\.tls\.source: self-signed: Flux pulls charts with its own trust store and Big Bang's helmRepositories has no CA setting/);
        assert.match(problems[0], /use tls\.source bigbang/);
    });
});

describe("program: the k3d cluster", function () {
    this.timeout(60_000);

    it("creates the cluster from a k3d config on stdin, after the host, the network and the CA file", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const cluster = run.one(T.remote, "k3d-cluster");
        const config = parse(String(cluster.inputs.stdin));
        assert.equal(config.kind, "Simple");
        assert.equal(config.network, "k3d-network");
        assert.ok(JSON.stringify(config.options.k3s.extraArgs).includes(`--tls-san=${MOCK.publicIp}`));
        assert.deepEqual(config.hostAliases, [{ ip: "172.20.2.10", hostnames: ["oci.dev.bigbang.mil"] }]);
        assert.equal(config.registries, undefined, "no private CA for the nodes to trust");
        assert.ok(run.dependsOn(cluster, run.one(T.remote, "tools")));
        assert.ok(run.dependsOn(cluster, run.one(T.network)));
        assert.ok(!run.dependsOnTransitively(cluster, run.one(T.remote, "ready")), "the cluster does not wait for the registry");
        assert.match(String(cluster.inputs.create), /k3d-cluster-create bigbang \d+$/);
        assert.match(String(cluster.inputs.delete), /k3d-cluster-delete bigbang$/);
        assert.deepEqual(cluster.inputs.triggers, [MOCK.instanceId, "cluster-network-id", cluster.inputs.stdin], "a new host, network or config replaces the cluster");
        assert.ok(cluster.deleteBeforeReplace);
    });

    it("reads the kubeconfig as a secret, never logs it, and points it at the host", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const kubeconfigCmd = run.one(T.remote, "kubeconfig");
        assert.equal(kubeconfigCmd.inputs.logging, "none");
        assert.ok(kubeconfigCmd.additionalSecretOutputs.includes("stdout"));
        const kubeconfig = await resolve<string>(run.outputs.kubeconfig);
        assert.ok(kubeconfig.secret);
        assert.equal(parse(String(kubeconfig.value)).clusters[0].cluster.server, `https://${MOCK.publicIp}:6443`);
        const provider = run.one(T.k8sProvider);
        assert.ok(provider.secretInputs.has("kubeconfig"));
        assert.equal(provider.inputs.clusterIdentifier, "bigbang-oci-dev-dev-bigbang-k3d-cluster-id", "the provider follows the cluster's identity");
        assert.match(String((await resolve(run.outputs.kubectlHint)).value), /pulumi stack output kubeconfig --show-secrets > .* && export KUBECONFIG=/);
    });

    it("marks every command that prints the kubeconfig or takes secrets on stdin as secret", async () => {
        const run = await sharedRun(registry({ auth: { enabled: true } }));
        for (const r of run.all(T.remote)) {
            if (r.secretInputs.has("stdin") || r.name === "kubeconfig") {
                assert.ok(r.additionalSecretOutputs.includes("stdout"), `${r.name} stdout must be secret`);
            }
        }
    });
});

describe("program: the registry's CoreDNS entry", function () {
    this.timeout(60_000);

    it("patches only its own key into coredns-custom, through the cluster's provider", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const patch = run.one(T.cmPatch);
        const metadata = patch.inputs.metadata as Record<string, unknown>;
        assert.equal(metadata.name, "coredns-custom");
        assert.equal(metadata.namespace, "kube-system");
        assert.deepEqual(Object.keys(patch.inputs.data as object), ["oci.server"]);
        assert.equal((patch.inputs.data as Record<string, string>)["oci.server"], corednsServerBlock("oci.dev.bigbang.mil", "172.20.2.10"));
        const provider = run.one(T.k8sProvider);
        for (const r of [patch, run.one(T.deployPatch), run.one(T.configMap)]) {
            assert.equal(providerUrnOf(r), provider.urn, `${r.name} must use the k3d provider`);
        }
        assert.equal(run.find(T.configMap, "coredns"), undefined, "k3s owns the coredns ConfigMap");
    });

    it("restarts CoreDNS through a pod-template annotation that changes only with the block", async () => {
        const hashOf = (run: ProgramRun) => JSON.stringify(run.one(T.deployPatch).inputs.spec);
        const a = await sharedRun(BASE_CONFIG);
        const b = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:cluster": JSON.stringify({ agents: 1 }) });
        const c = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:network": JSON.stringify({ registryAddress: "172.20.3.3" }) });
        assert.equal(hashOf(a), hashOf(b));
        assert.notEqual(hashOf(a), hashOf(c));
        assert.ok(hashOf(a).includes(corednsBlockHash(corednsServerBlock("oci.dev.bigbang.mil", "172.20.2.10"))));
        assert.ok(a.dependsOn(a.one(T.deployPatch), a.one(T.cmPatch)));
    });

    it("publishes KEP-1755 local-registry-hosting in kube-public", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const cm = run.one(T.configMap, "local-registry-hosting");
        assert.equal((cm.inputs.metadata as Record<string, unknown>).namespace, "kube-public");
        const hosting = parse((cm.inputs.data as Record<string, string>)["localRegistryHosting.v1"]);
        assert.equal(hosting.host, "oci.dev.bigbang.mil:5000");
        assert.ok(hosting.hostFromContainerRuntime);
        assert.ok(hosting.hostFromClusterNetwork);
        assert.match(hosting.help, /^https:\/\//);
    });

    it("uses the first label as the key, for another hostname too", async () => {
        const run = await sharedRun(registry({ hostname: "charts.dev.bigbang.mil" }));
        assert.deepEqual(Object.keys(run.one(T.cmPatch).inputs.data as object), ["charts.server"]);
    });
});
