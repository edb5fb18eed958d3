// k3d config inputs shared by the unit tests and the k3d schema conformance test.
import { strict as assert } from "assert";
import fc from "fast-check";
import { parse } from "yaml";
import { parseStackConfig, StackConfig } from "../../components/config/config";
import { DEFAULT_K3S_IMAGE } from "../../components/config/pins";
import { K3dConfigInput, k3dConfigYaml } from "../../components/cluster/k3dConfig";

export const PUBLIC_IP = "198.51.100.20";
export const PRIVATE_IP = "10.0.1.15";

export function stackConfig(extra: Record<string, string> = {}): StackConfig {
    return parseStackConfig({ "bigbang-oci-dev:allowedCidrs": '["203.0.113.7/32"]', ...extra }, { userName: "tester" });
}

export function defaultInput(cfg: StackConfig = stackConfig()): K3dConfigInput {
    return {
        cluster: cfg.cluster,
        networkName: cfg.network.name,
        // What DevHost.address is: the private IP with usePrivateIp, else the (Elastic) public IP.
        apiAddress: cfg.host.backend === "aws" && cfg.host.usePrivateIp ? PRIVATE_IP : PUBLIC_IP,
        privateIp: PRIVATE_IP,
        registry: { hostname: cfg.registry.hostname, port: cfg.registry.port, address: cfg.network.registryAddress },
    };
}

export function everyOptionInput(): K3dConfigInput {
    const cfg = stackConfig({
        "bigbang-oci-dev:host": JSON.stringify({ usePrivateIp: true }),
        "bigbang-oci-dev:cluster": JSON.stringify({
            name: "dev-1",
            servers: 1,
            agents: 0,
            k3sArgs: [
                "--kubelet-arg=max-pods=200",
                { arg: "--kube-apiserver-arg=audit-log-maxage=7", nodeFilters: ["server:0"] },
                { arg: "--node-label=pool=edge", nodeFilters: ["server:0"] },
            ],
            disable: ["traefik"],
            ports: [
                { port: 80 },
                { port: 443 },
                { port: 8080, containerPort: 30080, nodeFilters: ["server:0"] },
            ],
            createTimeoutSeconds: 900,
        }),
    });
    // The Registry1 cache's mirror (issue 19), so the conformance test checks registries against k3d's schema.
    return { ...defaultInput(cfg), registry1Mirror: `http://${cfg.network.cacheAddress}:5000` };
}

/** The document as k3d will read it: the YAML text, parsed. */
export function parsedYaml(input: K3dConfigInput): Record<string, unknown> {
    const doc: unknown = parse(k3dConfigYaml(input));
    assert.ok(doc !== null && typeof doc === "object" && !Array.isArray(doc), "k3d config YAML is not a mapping");
    return doc as Record<string, unknown>;
}

// Any cluster the stack config accepts, on any addresses: the unit property test checks the
// document's shape, the conformance one validates it against k3d's schema.
// Filters k3d accepts on every cluster size the config allows (servers = 1, agents >= 0).
const nodeFilter = fc.constantFrom("server:*", "agent:*", "server:0", "servers:0-", "agents:-", "loadbalancer", "all");
const k3sArg = fc.oneof(
    fc.stringMatching(/^--[a-z][a-z-]{0,20}=[a-z0-9.,:=/-]{1,30}$/),
    fc.record({
        arg: fc.stringMatching(/^--[a-z][a-z-]{0,20}(=[a-z0-9.,:=/-]{1,30})?$/),
        nodeFilters: fc.uniqueArray(nodeFilter, { minLength: 1, maxLength: 3 }),
    }),
);
const clusterPort = fc.record(
    {
        port: fc.integer({ min: 1, max: 65535 }).filter((p) => ![22, 5000, 6443].includes(p)),
        containerPort: fc.integer({ min: 1, max: 65535 }),
        nodeFilters: fc.uniqueArray(nodeFilter, { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ["port"] },
);
const rawCluster = fc.record(
    {
        name: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/),
        // More are refused by config (k3d cannot give servers static IPs on a shared network).
        servers: fc.constant(1),
        agents: fc.integer({ min: 0, max: 20 }),
        k3sImage: fc.constantFrom(DEFAULT_K3S_IMAGE, "rancher/k3s:v1.31.13-k3s1", "registry1.dso.mil/ironbank/k3s:v1.32.9"),
        k3sArgs: fc.array(k3sArg, { maxLength: 5 }),
        disable: fc.uniqueArray(fc.constantFrom("traefik", "metrics-server", "servicelb", "local-storage")),
        ports: fc.uniqueArray(clusterPort, { maxLength: 5, selector: (p) => p.port }),
        createTimeoutSeconds: fc.integer({ min: 60, max: 3600 }),
    },
    { requiredKeys: [] },
);
export const k3dScenario = fc.record({
    cluster: rawCluster,
    usePrivateIp: fc.boolean(),
    publicIp: fc.oneof(fc.ipV4(), fc.constant("")),
    privateIp: fc.ipV4(),
    networkName: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}$/),
    registry: fc.option(fc.record({ address: fc.ipV4() }), { nil: undefined }),
});

/** The k3d config input for a scenario, its cluster parsed by the real stack config parser. */
export function k3dScenarioInput(s: typeof k3dScenario extends fc.Arbitrary<infer T> ? T : never): K3dConfigInput {
    return {
        cluster: stackConfig({ "bigbang-oci-dev:cluster": JSON.stringify(s.cluster) }).cluster,
        networkName: s.networkName,
        apiAddress: s.usePrivateIp ? s.privateIp : s.publicIp,
        privateIp: s.privateIp,
        registry: s.registry && { hostname: "oci.dev.bigbang.mil", port: 5000, ...s.registry },
    };
}
