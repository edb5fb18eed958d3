import { strict as assert } from "assert";
import fc from "fast-check";
import { parse, parseDocument, visit } from "yaml";
import { DEFAULT_K3S_IMAGE } from "../../components/config/config";
import {
    K3dConfigInput,
    k3dConfig,
    k3dConfigYaml,
    k3dCreateCommandTimeoutSeconds,
    k3sRegistries,
    MACHINE_ID_VOLUME,
} from "../../components/cluster/k3dConfig";
import { defaultInput, everyOptionInput, k3dScenario, k3dScenarioInput, parsedYaml, PRIVATE_IP, PUBLIC_IP, stackConfig } from "../support/k3dInputs";

function extraArgs(input: K3dConfigInput): { arg: string; nodeFilters: string[] }[] {
    return k3dConfig(input).options.k3s.extraArgs;
}

describe("k3dConfig", () => {
    describe("default stack config", () => {
        it("describes the cluster, image and network", () => {
            const doc = parsedYaml(defaultInput());
            assert.equal(doc.apiVersion, "k3d.io/v1alpha5");
            assert.equal(doc.kind, "Simple");
            assert.deepEqual(doc.metadata, { name: "bigbang" });
            assert.equal(doc.servers, 1);
            assert.equal(doc.agents, 3);
            assert.equal(doc.image, DEFAULT_K3S_IMAGE);
            assert.equal(doc.network, "k3d-network");
            assert.deepEqual(doc.kubeAPI, { hostIP: "0.0.0.0", hostPort: "6443" });
        });

        it("binds 80 and 443 to the private IP on the load balancer", () => {
            assert.deepEqual(k3dConfig(defaultInput()).ports, [
                { port: `${PRIVATE_IP}:80:80`, nodeFilters: ["loadbalancer"] },
                { port: `${PRIVATE_IP}:443:443`, nodeFilters: ["loadbalancer"] },
            ]);
        });

        it("mounts /etc/machine-id read-only into every server and agent, and no CA", () => {
            assert.deepEqual(k3dConfig(defaultInput()).volumes, [{ volume: MACHINE_ID_VOLUME, nodeFilters: ["server:*", "agent:*"] }]);
            assert.equal(MACHINE_ID_VOLUME, "/etc/machine-id:/etc/machine-id:ro");
        });

        it("disables the configured k3s components and adds only the public IP as a TLS SAN", () => {
            assert.deepEqual(extraArgs(defaultInput()), [
                { arg: "--disable=traefik", nodeFilters: ["server:*"] },
                { arg: "--disable=metrics-server", nodeFilters: ["server:*"] },
                { arg: `--tls-san=${PUBLIC_IP}`, nodeFilters: ["server:*"] },
            ]);
        });

        it("maps the registry hostname to the registry address and adds no registries config (no private CA to trust)", () => {
            const cfg = k3dConfig(defaultInput());
            assert.deepEqual(cfg.hostAliases, [{ ip: "172.20.2.10", hostnames: ["oci.dev.bigbang.mil"] }]);
            assert.ok(!("registries" in cfg));
        });

        it("waits with k3d's timeout and updates the host's kubeconfig", () => {
            const options = k3dConfig(defaultInput()).options;
            assert.equal(options.k3d.wait, true);
            assert.equal(options.k3d.timeout, "600s");
            assert.deepEqual(options.kubeconfig, { updateDefaultKubeconfig: true, switchCurrentContext: true });
        });

        it("gives the create script a longer timeout than k3d's own", () => {
            const cluster = stackConfig().cluster;
            assert.ok(k3dCreateCommandTimeoutSeconds(cluster) > cluster.createTimeoutSeconds);
        });
    });

    describe("every option on", () => {
        it("with usePrivateIp, the private IP is the only TLS SAN: the ephemeral public IP is no part of the cluster's identity", () => {
            const sans = extraArgs(everyOptionInput()).filter((a) => a.arg.startsWith("--tls-san="));
            assert.deepEqual(sans, [{ arg: `--tls-san=${PRIVATE_IP}`, nodeFilters: ["server:*"] }]);
            assert.ok(!k3dConfigYaml(everyOptionInput()).includes(PUBLIC_IP));
        });

        it("never writes an empty --tls-san=", () => {
            const args = extraArgs({ ...everyOptionInput(), apiAddress: "" }).map((a) => a.arg);
            assert.ok(!args.some((a) => a.startsWith("--tls-san")), args.join(" "));
        });

        it("passes k3s args through with their node filters", () => {
            const args = extraArgs(everyOptionInput());
            assert.deepEqual(args.slice(-3), [
                { arg: "--kubelet-arg=max-pods=200", nodeFilters: ["server:*"] },
                { arg: "--kube-apiserver-arg=audit-log-maxage=7", nodeFilters: ["server:0"] },
                { arg: "--node-label=pool=edge", nodeFilters: ["server:0"] },
            ]);
            assert.deepEqual(args[0], { arg: "--disable=traefik", nodeFilters: ["server:*"] });
            assert.equal(args.filter((a) => a.arg.startsWith("--disable=")).length, 1);
        });

        it("binds extra ports to the private IP with their node filters", () => {
            assert.deepEqual(k3dConfig(everyOptionInput()).ports, [
                { port: `${PRIVATE_IP}:80:80`, nodeFilters: ["loadbalancer"] },
                { port: `${PRIVATE_IP}:443:443`, nodeFilters: ["loadbalancer"] },
                { port: `${PRIVATE_IP}:8080:30080`, nodeFilters: ["server:0"] },
            ]);
        });

        it("sizes the cluster and mounts volumes only on the servers when there are no agents", () => {
            const cfg = k3dConfig(everyOptionInput());
            assert.equal(cfg.servers, 1);
            assert.equal(cfg.agents, 0);
            assert.deepEqual(cfg.metadata, { name: "dev-1" });
            assert.equal(cfg.options.k3d.timeout, "900s");
            assert.deepEqual(cfg.volumes, [
                { volume: MACHINE_ID_VOLUME, nodeFilters: ["server:*"] },
            ]);
        });
    });

    describe("serialisation", () => {
        it("parses back to exactly the typed document", () => {
            for (const input of [defaultInput(), everyOptionInput()]) {
                assert.deepEqual(parse(k3dConfigYaml(input)), k3dConfig(input));
            }
        });

        it("is byte-for-byte stable, so the host can compare configs", () => {
            assert.equal(k3dConfigYaml(everyOptionInput()), k3dConfigYaml(everyOptionInput()));
            assert.notEqual(k3dConfigYaml(defaultInput()), k3dConfigYaml({ ...defaultInput(), apiAddress: "198.51.100.21" }));
        });

        it("writes no YAML anchors or aliases, even for node filter lists used twice", () => {
            for (const input of [defaultInput(), everyOptionInput()]) {
                let anchorsAndAliases = 0;
                visit(parseDocument(k3dConfigYaml(input)), {
                    Alias: () => { anchorsAndAliases++; },
                    Node: (_key, node) => { if (node.anchor) anchorsAndAliases++; },
                });
                assert.equal(anchorsAndAliases, 0);
            }
        });

        it("never folds a long k3s argument over several lines", () => {
            const long = `--kube-apiserver-arg=oidc-issuer-url=https://${"a".repeat(100)}.example.com`;
            const base = defaultInput();
            const input = { ...base, cluster: { ...base.cluster, k3sArgs: [{ arg: long, nodeFilters: ["server:*"] }] } };
            assert.ok(k3dConfigYaml(input).split("\n").some((line) => line.includes(long)));
        });

        it("omits hostAliases and registries when the registry is not on this host", () => {
            const doc = parsedYaml({ ...defaultInput(), registry: undefined });
            assert.equal("hostAliases" in doc, false);
            assert.equal("registries" in doc, false);
        });

        it("refuses '$', which k3d would expand from its environment", () => {
            const base = defaultInput();
            const input = { ...base, cluster: { ...base.cluster, k3sArgs: [{ arg: "--node-label=home=$HOME", nodeFilters: ["server:*"] }] } };
            assert.throws(() => k3dConfigYaml(input), /expands environment variables.*\$HOME/);
        });
    });

    describe("property: every valid cluster config", () => {
        it("yields a document that parses back and keeps the cluster's shape", () => {
            fc.assert(
                fc.property(k3dScenario, (s) => {
                    const input = k3dScenarioInput(s);
                    const { cluster } = input;
                    const doc = parsedYaml(input);
                    assert.deepEqual(doc, k3dConfig(input));

                    const cfg = k3dConfig(input);
                    assert.equal(cfg.servers, cluster.servers);
                    assert.equal(cfg.agents, cluster.agents);
                    assert.equal(cfg.network, s.networkName);
                    assert.deepEqual(cfg.ports.map((p) => p.port), cluster.ports.map((p) => `${s.privateIp}:${p.port}:${p.containerPort}`));
                    const args = cfg.options.k3s.extraArgs.map((a) => a.arg);
                    // Exactly the address the cluster is reached by, and never an empty SAN.
                    const reachedAt = s.usePrivateIp ? s.privateIp : s.publicIp;
                    assert.deepEqual(args.filter((a) => a.startsWith("--tls-san")), reachedAt === "" ? [] : [`--tls-san=${reachedAt}`]);
                    if (s.usePrivateIp && s.publicIp !== "" && s.publicIp !== s.privateIp) {
                        assert.ok(!JSON.stringify(cfg).includes(`"${s.publicIp}`) && !JSON.stringify(cfg).includes(`=${s.publicIp}"`));
                    }
                    for (const component of cluster.disable) assert.ok(args.includes(`--disable=${component}`));
                    assert.equal(cfg.hostAliases?.[0]?.ip, s.registry?.address);
                }),
                { numRuns: 200 },
            );
        });
    });
});

describe("k3dConfig: the Registry1 cache's mirror (issue 19)", () => {
    it("embeds a registries.yaml that sends registry1.dso.mil to the cache, and nothing else", () => {
        const doc = parsedYaml({ ...defaultInput(), registry1Mirror: "http://172.20.2.11:5000" });
        const registries = doc.registries as { config: string };
        // k3d writes registries.config to every node (no node filters); k3s keeps Registry1 as the fallback server.
        assert.deepEqual(Object.keys(registries), ["config"]);
        // Multi-line: k3d takes a one-line registries.config as a path to a file.
        assert.ok(registries.config.trim().includes("\n"));
        assert.deepEqual(parse(registries.config), { mirrors: { "registry1.dso.mil": { endpoint: ["http://172.20.2.11:5000"] } } });
        assert.deepEqual(k3sRegistries("http://172.20.2.11:5000"), parse(registries.config));
    });

    it("leaves registries out without the cache", () => {
        assert.equal("registries" in parsedYaml(defaultInput()), false);
    });
});
