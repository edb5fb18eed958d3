// The `cluster` section: the k3d cluster (nodes, k3s image and arguments, port mappings), its schema
// and its checks, with k3d's node filter grammar.
import { z } from "zod";
import { DEFAULT_K3S_IMAGE, K3S_IMAGE_TAG } from "./pins";
import { Report } from "./problems";
import { bool, dnsLabel, imageRef, integer } from "./scalars";

export interface K3sArg {
    arg: string;
    nodeFilters: string[];
}

export interface ClusterPort {
    port: number;
    containerPort: number;
    nodeFilters: string[];
    exposePublicly: boolean;
}

export interface ClusterConfig {
    name: string;
    servers: number;
    agents: number;
    k3sImage: string;
    k3sArgs: K3sArg[];
    disable: string[];
    ports: ClusterPort[];
    createTimeoutSeconds: number;
}


const nodeFilters = z.array(z.string({ error: "expected a k3d node filter such as server:*" }).min(1), {
    error: "expected a list of k3d node filters such as server:*",
}).min(1, {
    error: "expected at least one node filter such as server:*",
});

// k3d v5.8.3's node filter grammar, pkg/util/filter.go (NodeFilterRegexp):
//   ^(server|servers|agent|agents|loadbalancer|all)(:(\d+,?)+|:\d*-\d*|:\*)?(:[[:alpha:]]+)?$
// FilterNodes then refuses a suffix (k3s args, volumes), a server/agent group
// without a subset ("unknown subset"), and an index or range outside the
// group; port mappings (pkg/client/ports.go) allow only the suffixes proxy and
// direct. The same rules apply here, so a filter k3d would refuse at
// `k3d cluster create` on the host is refused before anything is created.
const K3D_NODE_FILTER = /^(server|servers|agent|agents|loadbalancer|all)(?::(?:((?:\d+,?)+)|(\d*-\d*)|(\*)))?(?::([A-Za-z]+))?$/;

/** Why k3d would refuse a node filter on a cluster of this size, or undefined. */
export function nodeFilterProblem(filter: string, nodes: { servers: number; agents: number }, allowedSuffixes: readonly string[] = []): string | undefined {
    const m = K3D_NODE_FILTER.exec(filter);
    const grammar = "expected a k3d node filter: server, agent, loadbalancer or all, then :<index list>, :<from>-<to> or :*, such as server:0 or agent:*";
    if (!m) return grammar;
    const [, group, list, range, wildcard, suffix] = m;
    if (suffix !== undefined && !allowedSuffixes.includes(suffix)) {
        return allowedSuffixes.length > 0
            ? `expected the suffix ${allowedSuffixes.join(" or ")}, not :${suffix}`
            : `a k3s argument's node filter takes no suffix such as :${suffix}`;
    }
    if (group === "all" || group === "loadbalancer") return undefined;
    const size = group.startsWith("server") ? nodes.servers : nodes.agents;
    const what = group.startsWith("server") ? `cluster.servers is ${nodes.servers}` : `cluster.agents is ${nodes.agents}`;
    if (list === undefined && range === undefined && wildcard === undefined) {
        return `k3d needs a subset after ${group}: ${group}:*, ${group}:0 or ${group}:0-1`;
    }
    if (list !== undefined) {
        const bad = list.split(",").filter((i) => i !== "" && Number(i) >= size);
        if (bad.length > 0) return `index ${bad.join(", ")} is out of range: ${what} (indexes start at 0)`;
    }
    if (range !== undefined) {
        const [from, to] = range.split("-");
        const start = from === "" ? 0 : Number(from);
        if (from !== "" && start >= size) return `range start ${from} is out of range: ${what}`;
        if (to !== "" && (Number(to) < start || Number(to) >= size)) return `range end ${to} is before the start or out of range: ${what}`;
    }
    return undefined;
}

/** k3s flags are long options; k3d expands `$` from its own environment when it reads the config file. */
export function k3sArgProblem(arg: string): string | undefined {
    if (arg.includes("$")) return "k3d expands environment variables in its config file, so '$' cannot be used";
    if (!/^--[a-z0-9][a-z0-9-]*(=[\s\S]*)?$/.test(arg)) return "expected a k3s flag starting with --, such as --kubelet-arg=max-pods=200";
    return undefined;
}

// "--flag" is short for { arg: "--flag", nodeFilters: [server:*] }; the object
// form is strict, so a misspelt key inside an item is named with its index.
const k3sArgSchema = z.preprocess(
    (v) => (typeof v === "string" ? { arg: v, nodeFilters: ["server:*"] } : v),
    z.strictObject({ arg: z.string({ error: "expected a k3s flag such as --kubelet-arg=max-pods=200" }).min(1), nodeFilters },
        { error: "expected \"--arg=value\" or { arg, nodeFilters }" }),
);

const clusterPortSchema = z.strictObject({
    port: integer(1, 65535),
    containerPort: integer(1, 65535).optional(),
    nodeFilters: nodeFilters.default(["loadbalancer"]),
    exposePublicly: bool.default(false),
}, { error: "expected { port, containerPort?, nodeFilters?, exposePublicly? }" });

export const clusterSchema = z.strictObject({
    name: dnsLabel("a cluster name").default("bigbang"),
    servers: integer(1, 7).default(1),
    agents: integer(0, 20).default(3),
    k3sImage: imageRef.refine((v) => v.startsWith("rancher/k3s:") || v.includes("/k3s:") || v.includes("@sha256:"), {
        error: `expected a pinned rancher/k3s image such as ${K3S_IMAGE_TAG}`,
    }).default(DEFAULT_K3S_IMAGE),
    k3sArgs: z.array(k3sArgSchema, { error: "expected a list" }).default([]),
    disable: z.array(z.string().regex(/^[a-z0-9-]+$/), { error: "expected a list of k3s components such as traefik" })
        .default(["traefik", "metrics-server"]),
    ports: z.array(clusterPortSchema, { error: "expected a list of { port, ... }" }).default([
        { port: 80, nodeFilters: ["loadbalancer"], exposePublicly: false },
        { port: 443, nodeFilters: ["loadbalancer"], exposePublicly: false },
    ]),
    createTimeoutSeconds: integer(60, 3600).default(600),
}, { error: "expected an object" });

// k3d v5.8.3 gives server nodes static IPs only when it manages the network's addresses: `subnet` sets
// IPAM.Managed (pkg/config/transform.go), but on an existing network ClusterPrepNetwork replaces the
// cluster's network with the runtime's view of it (pkg/client/cluster.go, `cluster.Network = *network`),
// and that view never has Managed set (pkg/runtimes/docker/network.go, GetNetwork / parseIPAM). This cluster
// joins the network it shares with the registry, so even `subnet: auto` leaves the servers on dynamic IPs,
// and a multi-server etcd breaks when they change after a stop and start (k3d-io/k3d#550).
const SEVERAL_SERVERS_REFUSED = "expected 1: several servers run etcd on the Docker network shared with the registry, where k3d cannot "
    + "give them static IPs, so etcd breaks when their addresses change after the host stops and starts (k3d-io/k3d#550); "
    + "add agents instead";

/** Node filters and k3s arguments checked against the cluster's size. */
export function clusterChecks(cluster: ClusterConfig, p: Report): void {
    const nodes = { servers: cluster.servers, agents: cluster.agents };
    for (const [i, { arg, nodeFilters }] of cluster.k3sArgs.entries()) {
        const argProblem = k3sArgProblem(arg);
        if (argProblem) p(`cluster.k3sArgs[${i}].arg`, argProblem, arg);
        for (const [j, filter] of nodeFilters.entries()) {
            const problem = nodeFilterProblem(filter, nodes);
            if (problem) p(`cluster.k3sArgs[${i}].nodeFilters[${j}]`, problem, filter);
        }
    }
    for (const [i, port] of cluster.ports.entries()) {
        for (const [j, filter] of port.nodeFilters.entries()) {
            const problem = nodeFilterProblem(filter, nodes, ["proxy", "direct"]);
            if (problem) p(`cluster.ports[${i}].nodeFilters[${j}]`, problem, filter);
        }
    }
    if (cluster.servers > 1) p("cluster.servers", SEVERAL_SERVERS_REFUSED, cluster.servers);
}
