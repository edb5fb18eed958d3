// The k3d cluster, as a k3d SimpleConfig document (apiVersion k3d.io/v1alpha5).
// Pure: the same input always gives the same bytes, which the create script
// relies on to decide whether an existing cluster can be reused.
import * as path from "path";
import { stringify } from "yaml";
import { ClusterConfig } from "../config/config";

export interface K3dRegistryInput {
    /** Registry DNS name, e.g. oci.dev.bigbang.mil. */
    hostname: string;
    port: number;
    /** The registry container's fixed IP on the cluster's Docker network. */
    address: string;
}

export interface K3dConfigInput {
    cluster: ClusterConfig;
    /** An existing Docker network the cluster joins. */
    networkName: string;
    /**
     * The address the workstation reaches the API at (DevHost.address: the Elastic IP, or the
     * private IP with usePrivateIp). It is the only extra TLS SAN: the config is the cluster's
     * identity (the create command's trigger), so an address the cluster is not reached by, such
     * as an ephemeral public IP, would recreate the cluster whenever it changes.
     */
    apiAddress: string;
    /** The host's private IP, which the load balancer ports bind (stable across stop and start). */
    privateIp: string;
    /** Present when the registry runs on this host. */
    registry?: K3dRegistryInput;
    /** The Registry1 pull-through cache's mirror URL (http://<address>:5000), when the cache is on (issue 19). */
    registry1Mirror?: string;
}

export interface K3dFilteredValue {
    nodeFilters: string[];
}

export interface K3dSimpleConfig {
    apiVersion: "k3d.io/v1alpha5";
    kind: "Simple";
    metadata: { name: string };
    servers: number;
    agents: number;
    kubeAPI: { hostIP: string; hostPort: string };
    image: string;
    network: string;
    volumes: (K3dFilteredValue & { volume: string })[];
    ports: (K3dFilteredValue & { port: string })[];
    hostAliases?: { ip: string; hostnames: string[] }[];
    registries?: { config: string };
    options: {
        k3d: { wait: boolean; timeout: string; disableLoadbalancer: boolean; disableRollback: boolean };
        k3s: { extraArgs: (K3dFilteredValue & { arg: string })[] };
        kubeconfig: { updateDefaultKubeconfig: boolean; switchCurrentContext: boolean };
    };
}

export const K3D_API_VERSION = "k3d.io/v1alpha5";
export const KUBE_API_PORT = 6443;
/** Big Bang's dev script mounts it for its logging stack (PLG), which reads the machine ID that node containers otherwise lack. */
export const MACHINE_ID_VOLUME = "/etc/machine-id:/etc/machine-id:ro";

/** Scripts run on the host as `bash -c "<text>" <name> <args>`; see their headers for arguments. */
export const K3D_SCRIPT_FILES = {
    create: path.join(__dirname, "scripts", "k3d-cluster-create.sh"),
    delete: path.join(__dirname, "scripts", "k3d-cluster-delete.sh"),
} as const;

/**
 * The bound for the create script's `timeout`. It exceeds k3d's own timeout so
 * that a slow start fails inside k3d (which rolls back and says why), and the
 * script's timeout only catches a k3d that hangs after the cluster is up.
 */
export function k3dCreateCommandTimeoutSeconds(cluster: ClusterConfig): number {
    return cluster.createTimeoutSeconds + 120;
}

export function k3dConfig(input: K3dConfigInput): K3dSimpleConfig {
    const { cluster, registry } = input;
    // "agent:*" on a cluster without agents selects nothing; leave it out rather than rely on that.
    const everyNode = cluster.agents > 0 ? ["server:*", "agent:*"] : ["server:*"];

    const volumes: K3dSimpleConfig["volumes"] = [{ volume: MACHINE_ID_VOLUME, nodeFilters: [...everyNode] }];

    // As in Big Bang's dev script: on EC2, traffic to the public IP arrives NATed
    // to the private one, so binding the private IP serves outside clients too.
    const ports = cluster.ports.map((p) => ({
        port: `${input.privateIp}:${p.port}:${p.containerPort}`,
        nodeFilters: [...p.nodeFilters],
    }));

    // An empty address would be an empty `--tls-san=`, which k3s takes as a SAN of "".
    const tlsSans = input.apiAddress === "" ? [] : [input.apiAddress];
    const extraArgs: K3dSimpleConfig["options"]["k3s"]["extraArgs"] = [
        ...cluster.disable.map((component) => ({ arg: `--disable=${component}`, nodeFilters: ["server:*"] })),
        ...tlsSans.map((ip) => ({ arg: `--tls-san=${ip}`, nodeFilters: ["server:*"] })),
        ...cluster.k3sArgs.map((a) => ({ arg: a.arg, nodeFilters: [...a.nodeFilters] })),
    ];

    const config: K3dSimpleConfig = {
        apiVersion: K3D_API_VERSION,
        kind: "Simple",
        metadata: { name: cluster.name },
        servers: cluster.servers,
        agents: cluster.agents,
        // No kubeAPI.host: the kubeconfig k3d writes on the host must reach the API
        // locally; a public-IP server URL would hairpin through the internet gateway.
        kubeAPI: { hostIP: "0.0.0.0", hostPort: String(KUBE_API_PORT) },
        image: cluster.k3sImage,
        network: input.networkName,
        volumes,
        ports,
        options: {
            k3d: {
                wait: true,
                timeout: `${cluster.createTimeoutSeconds}s`,
                disableLoadbalancer: false,
                disableRollback: false,
            },
            k3s: { extraArgs },
            kubeconfig: { updateDefaultKubeconfig: true, switchCurrentContext: true },
        },
    };
    if (registry) {
        // Node container runtimes resolve through /etc/hosts, which k3d fills from hostAliases.
        config.hostAliases = [{ ip: registry.address, hostnames: [registry.hostname] }];
    }
    if (input.registry1Mirror !== undefined) {
        config.registries = { config: registriesYaml(input.registry1Mirror) };
    }
    assertNoEnvReferences(config);
    return config;
}

/** Where Registry1 images come from: the image references Big Bang uses name this host. */
export const REGISTRY1_MIRRORED_HOST = "registry1.dso.mil";

/** k3s's registries.yaml (rancher/wharfie pkg/registries, `Registry`): the part this program writes. */
export interface K3sRegistries {
    mirrors: Record<string, { endpoint: string[] }>;
}

/**
 * Every node pulls `registry1.dso.mil/...` through the cache first, and from Registry1 itself when
 * the cache fails. k3d reads a multi-line `registries.config` as the registries.yaml itself (a single
 * line would be a file path: k3d-io/k3d pkg/config/transform.go, TransformSimpleToClusterConfig, at
 * 01e7d3b), and a pre-start hook writes it to /etc/rancher/k3s/registries.yaml in every node
 * (pkg/client/cluster.go, ClusterPrep, "Write Registry Configuration"). k3s
 * turns each mirror into containerd's certs.d/<host>/hosts.toml (k3s-io/k3s
 * pkg/agent/containerd/config.go, getHostConfigs, at 06ea261ce3f1): the endpoints become `[host]`
 * entries, tried in order, and the registry itself stays the `server` (the default endpoint) unless
 * `--disable-default-registry-endpoint` is set, which this program never sets. containerd tries the
 * hosts in order and the server last, going on to the next after a connection error or a 404
 * (containerd core/remotes/docker/resolver.go, Resolve: "trying next host"). So a stopped cache, or one whose Registry1 login is wrong (it answers 404, see
 * test/registry/cache.integration.test.ts), costs time, never a failed pull; the pod's pull secret
 * reaches Registry1 as before. No `configs` entry: the cache needs no TLS settings (plain HTTP, see
 * components/registry/cacheSettings.ts, registry1MirrorEndpoint) and no login (it holds Registry1's),
 * and the Registry1 token never enters the cluster's config, whose text is the cluster's identity.
 */
export function k3sRegistries(mirror: string): K3sRegistries {
    return { mirrors: { [REGISTRY1_MIRRORED_HOST]: { endpoint: [mirror] } } };
}

function registriesYaml(mirror: string): string {
    return stringify(k3sRegistries(mirror), { lineWidth: 0 });
}

// lineWidth 0: never fold long k3s arguments over several lines. No anchors:
// node filter lists shared in memory are written out in full, as people write them.
const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

export function k3dConfigYaml(input: K3dConfigInput): string {
    return stringify(k3dConfig(input), YAML_OPTIONS);
}

// k3d runs os.ExpandEnv over the whole config file before parsing it and has
// no escape for `$`, so a value with `$` would silently change on the host.
function assertNoEnvReferences(config: K3dSimpleConfig): void {
    const offending: string[] = [];
    const visit = (value: unknown): void => {
        if (typeof value === "string") {
            if (value.includes("$")) offending.push(value);
        } else if (Array.isArray(value)) {
            value.forEach(visit);
        } else if (value !== null && typeof value === "object") {
            Object.values(value).forEach(visit);
        }
    };
    visit(config);
    if (offending.length > 0) {
        throw new Error(`k3d expands environment variables in its config file, so '$' cannot be used: ${offending.map((v) => JSON.stringify(v)).join(", ")}`);
    }
}
