// k3d config inputs shared by the unit tests and the k3d schema conformance test.
import { strict as assert } from "assert";
import { parse } from "yaml";
import { parseStackConfig, StackConfig } from "../../components/config/config";
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
        apiAddress: cfg.host.usePrivateIp ? PRIVATE_IP : PUBLIC_IP,
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
    return defaultInput(cfg);
}

/** The document as k3d will read it: the YAML text, parsed. */
export function parsedYaml(input: K3dConfigInput): Record<string, unknown> {
    const doc: unknown = parse(k3dConfigYaml(input));
    assert.ok(doc !== null && typeof doc === "object" && !Array.isArray(doc), "k3d config YAML is not a mapping");
    return doc as Record<string, unknown>;
}
