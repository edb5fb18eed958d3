// Wrong stack configs that used to get past validation (accepted and then
// failing on AWS or the host, silently ignored, or caught only while resources
// were being declared). Each is refused by the parser with the key named.
import { strict as assert } from "assert";
import fc from "fast-check";
import { architectureOf, checkStackConfig, k3sArgProblem, nodeFilterProblem, parseStackConfig } from "../../components/config/config";
import { cloudInitConfig } from "../../components/host/aws/cloudInit";
import { awsHost, configProblemsOf } from "../support/fixtures";

const P = "bigbang-oci-dev:";
const json = (v: unknown) => JSON.stringify(v);

function raw(keys: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries({ allowedCidrs: json(["203.0.113.7/32"]), ...keys }).map(([k, v]) => [`${P}${k}`, v]));
}

function problemsOf(keys: Record<string, string>): string[] {
    return configProblemsOf(raw(keys));
}

describe("config: bad input that used to slip through", () => {
    const cases: { name: string; keys: Record<string, string>; problems: string[] }[] = [
        {
            name: "arm64 on an x86 instance type",
            keys: { host: json({ instanceType: "t3.large", architecture: "arm64" }) },
            problems: [`${P}host.architecture: contradicts host.instanceType t3.large, which is amd64; leave architecture unset to follow the instance type, got "arm64"`],
        },
        {
            name: "amd64 on a Graviton instance type",
            keys: { host: json({ instanceType: "m7g.2xlarge", architecture: "amd64" }) },
            problems: [`${P}host.architecture: contradicts host.instanceType m7g.2xlarge, which is arm64; leave architecture unset to follow the instance type, got "amd64"`],
        },
        {
            name: "a k3s arg without the leading --",
            keys: { cluster: json({ k3sArgs: ["kubelet-arg=max-pods=200", { arg: "-v=2", nodeFilters: ["server:*"] }] }) },
            problems: [
                `${P}cluster.k3sArgs[0].arg: expected a k3s flag starting with --, such as --kubelet-arg=max-pods=200, got "kubelet-arg=max-pods=200"`,
                `${P}cluster.k3sArgs[1].arg: expected a k3s flag starting with --, such as --kubelet-arg=max-pods=200, got "-v=2"`,
            ],
        },
        {
            name: "'$' in a k3s arg, which k3d would expand",
            keys: { cluster: json({ k3sArgs: ["--node-label=home=$HOME"] }) },
            problems: [`${P}cluster.k3sArgs[0].arg: k3d expands environment variables in its config file, so '$' cannot be used, got "--node-label=home=$HOME"`],
        },
        {
            name: "node filters outside k3d's grammar",
            keys: { cluster: json({ k3sArgs: [{ arg: "--a", nodeFilters: ["server[0]", "server", "agent:0:direct", "Server:0", "node:*"] }] }) },
            problems: [
                `${P}cluster.k3sArgs[0].nodeFilters[0]: expected a k3d node filter: server, agent, loadbalancer or all, then :<index list>, :<from>-<to> or :*, such as server:0 or agent:*, got "server[0]"`,
                `${P}cluster.k3sArgs[0].nodeFilters[1]: k3d needs a subset after server: server:*, server:0 or server:0-1, got "server"`,
                `${P}cluster.k3sArgs[0].nodeFilters[2]: a k3s argument's node filter takes no suffix such as :direct, got "agent:0:direct"`,
                `${P}cluster.k3sArgs[0].nodeFilters[3]: expected a k3d node filter: server, agent, loadbalancer or all, then :<index list>, :<from>-<to> or :*, such as server:0 or agent:*, got "Server:0"`,
                `${P}cluster.k3sArgs[0].nodeFilters[4]: expected a k3d node filter: server, agent, loadbalancer or all, then :<index list>, :<from>-<to> or :*, such as server:0 or agent:*, got "node:*"`,
            ],
        },
        {
            name: "node filters naming nodes the cluster does not have",
            keys: { cluster: json({ servers: 1, agents: 2, k3sArgs: [{ arg: "--a", nodeFilters: ["server:1", "agent:0,2", "agent:1-3"] }], ports: [{ port: 8080, nodeFilters: ["agent:2:direct"] }] }) },
            problems: [
                `${P}cluster.k3sArgs[0].nodeFilters[0]: index 1 is out of range: cluster.servers is 1 (indexes start at 0), got "server:1"`,
                `${P}cluster.k3sArgs[0].nodeFilters[1]: index 2 is out of range: cluster.agents is 2 (indexes start at 0), got "agent:0,2"`,
                `${P}cluster.k3sArgs[0].nodeFilters[2]: range end 3 is before the start or out of range: cluster.agents is 2, got "agent:1-3"`,
                `${P}cluster.ports[0].nodeFilters[0]: index 2 is out of range: cluster.agents is 2 (indexes start at 0), got "agent:2:direct"`,
            ],
        },
        {
            name: "a port node filter with a suffix k3d does not know",
            keys: { cluster: json({ ports: [{ port: 8080, nodeFilters: ["server:0:nodeport"] }] }) },
            problems: [`${P}cluster.ports[0].nodeFilters[0]: expected the suffix proxy or direct, not :nodeport, got "server:0:nodeport"`],
        },
        {
            name: "hostname and port with registry1-staging",
            keys: { registry: json({ target: "registry1-staging", username: "u", password: "p", hostname: "oci.dev.bigbang.mil", port: 5443 }) },
            problems: [
                `${P}registry.hostname: is not used with registry.target registry1-staging, got "oci.dev.bigbang.mil"`,
                `${P}registry.port: is not used with registry.target registry1-staging, got 5443`,
            ],
        },
        {
            name: "url, image, tls and exposePublicly with registry1-staging",
            keys: { registry: json({ target: "registry1-staging", username: "u", password: "p", url: "oci://x.example.com", image: "registry:2", exposePublicly: true, tls: { source: "files" } }) },
            problems: [
                `${P}registry.image: is not used with registry.target registry1-staging, got "registry:2"`,
                `${P}registry.exposePublicly: is not used with registry.target registry1-staging, got true`,
                `${P}registry.tls: is not used with registry.target registry1-staging, got {"source":"files"}`,
                `${P}registry.url: is not used with registry.target registry1-staging, got "oci://x.example.com"`,
            ],
        },
        {
            name: "port, tls and auth with external",
            keys: { registry: json({ target: "external", url: "oci://harbor.example.com/library", username: "u", password: "p", port: 8443, tls: { source: "bigbang" }, auth: { enabled: false } }) },
            problems: [
                `${P}registry.port: is not used with registry.target external; put the port in registry.url, got 8443`,
                `${P}registry.tls: is not used with registry.target external, got {"source":"bigbang"}`,
                `${P}registry.auth: is not used with registry.target external, got {"enabled":false}`,
            ],
        },
        {
            name: "network.registryAddress with external",
            keys: { registry: json({ target: "external", url: "oci://harbor.example.com", username: "u", password: "p" }), network: json({ registryAddress: "172.20.2.20" }) },
            problems: [`${P}network.registryAddress: is not used with registry.target external: there is no registry container; registry.dnsAlias is the address the cluster resolves the registry to, got "172.20.2.20"`],
        },
        {
            name: "tls.url with a source that does not download",
            keys: { registry: json({ tls: { source: "files", certFile: "c.crt", keyFile: "c.key", url: "https://example.com/certs.yaml" } }) },
            problems: [`${P}registry.tls.url: is only read with registry.tls.source bigbang, not files, got "https://example.com/certs.yaml"`],
        },
        {
            name: "an sshUser cloud-init's provisioning refuses",
            keys: { host: json({ sshUser: "1dev" }) },
            problems: [`${P}host.sshUser: expected a Linux user name: a lower-case letter or '_', then up to 31 lower-case letters, digits, '_' or '-', got "1dev"`],
        },
        {
            name: "root as sshUser",
            keys: { host: json({ sshUser: "root" }) },
            problems: [`${P}host.sshUser: expected a regular user: Ubuntu's system accounts cannot log in over SSH, got "root"`],
        },
        {
            name: "unknown keys inside list items, with their index",
            keys: { cluster: json({ k3sArgs: [{ arg: "--a", nodeFilters: ["server:*"], filters: ["server:0"] }], ports: [{ port: 8080, filters: ["server:0"] }] }) },
            problems: [`${P}cluster.k3sArgs[0].filters: unknown key`, `${P}cluster.ports[0].filters: unknown key`],
        },
        {
            name: "an object k3s arg without nodeFilters",
            keys: { cluster: json({ k3sArgs: [{ arg: "--a" }] }) },
            problems: [`${P}cluster.k3sArgs[0].nodeFilters: expected a list of k3d node filters such as server:*, got nothing`],
        },
        {
            name: "a ubuntuRelease that is no supported release",
            keys: { host: json({ ubuntuRelease: 24.1 }) },
            problems: [`${P}host.ubuntuRelease: expected "22.04" or "24.04", got 24.1`],
        },
    ];
    for (const c of cases) {
        it(`refuses ${c.name}`, () => {
            assert.deepEqual(problemsOf(c.keys), c.problems);
        });
    }

    it("accepts an unquoted ubuntuRelease, which YAML reads as a number", () => {
        for (const [value, release] of [[24.04, "24.04"], [22.04, "22.04"], ["22.04", "22.04"]] as const) {
            assert.equal(awsHost(parseStackConfig(raw({ host: json({ ubuntuRelease: value }) }))).ubuntuRelease, release);
        }
    });

    it("accepts an architecture that agrees with the instance type", () => {
        assert.equal(parseStackConfig(raw({ host: json({ instanceType: "c7gn.large", architecture: "arm64" }) })).host.architecture, "arm64");
        assert.equal(parseStackConfig(raw({ host: json({ instanceType: "t3.large", architecture: "amd64" }) })).host.architecture, "amd64");
        assert.equal(architectureOf("g4dn.xlarge"), "amd64");
        assert.equal(architectureOf("g5g.xlarge"), "arm64");
        assert.equal(architectureOf("mac2-m2.metal"), "arm64");
    });

    it("every sshUser the config accepts is one the cloud-init step accepts", () => {
        const base = parseStackConfig(raw({}));
        fc.assert(fc.property(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,31}$/), (user) => {
            let cfg;
            try {
                cfg = parseStackConfig(raw({ host: json({ sshUser: user }) }));
            } catch {
                return;
            }
            cloudInitConfig({ ...awsHost(base), sshUser: awsHost(cfg).sshUser });
        }));
    });

    it("reports a bad section and still checks the others, with defaults in its place", () => {
        const checked = checkStackConfig(raw({
            host: json({ volumeSizeGiB: 1 }),
            charts: json([{ path: "../kiali" }]),
            registry: json({ port: 6443 }),
        }), { userName: "tester" });
        assert.deepEqual(checked.problems, [
            `${P}host.volumeSizeGiB: expected 30-16384, got 1`,
            `${P}registry.port: 22 and 6443 are taken by SSH and the Kubernetes API, got 6443`,
        ]);
        assert.equal(checked.sectionOk("host"), false);
        assert.equal(checked.sectionOk("registry"), false);
        assert.equal(checked.sectionOk("charts"), true);
        assert.equal(checked.sectionOk("allowedCidrs"), true);
        assert.deepEqual(checked.config.charts, [{ path: "../kiali" }]);
        assert.equal(awsHost(checked.config).volumeSizeGiB, 120);
    });

    describe("nodeFilterProblem, following k3d v5.8.3 pkg/util/filter.go", () => {
        const nodes = { servers: 3, agents: 2 };
        it("accepts what k3d's grammar and FilterNodes accept", () => {
            for (const filter of ["server:0", "servers:0,2", "server:0,1,", "agent:*", "agents:1", "server:-", "server:1-", "server:-2", "server:0-2",
                "agent:0-1", "loadbalancer", "loadbalancer:0", "all", "all:*"]) {
                assert.equal(nodeFilterProblem(filter, nodes), undefined, filter);
            }
            for (const filter of ["server:0:direct", "loadbalancer:proxy", "all:*:proxy"]) {
                assert.equal(nodeFilterProblem(filter, nodes, ["proxy", "direct"]), undefined, filter);
            }
            assert.equal(nodeFilterProblem("agent:*", { servers: 1, agents: 0 }), undefined);
        });

        it("refuses what k3d refuses", () => {
            for (const filter of ["", "server", "agent", "server[0]", "server:", "server:a", "server:0:", "server:0:1", "SERVER:0", " server:0",
                "server:3", "agent:2", "server:3-", "server:2-1", "agent:0-2", "server:0:direct", "nodes:*", "agent:*:proxy"]) {
                assert.notEqual(nodeFilterProblem(filter, nodes), undefined, filter);
            }
            assert.notEqual(nodeFilterProblem("server:0:nodeport", nodes, ["proxy", "direct"]), undefined);
            assert.notEqual(nodeFilterProblem("agent:0", { servers: 1, agents: 0 }), undefined);
        });

        it("accepts every in-range index list and range, and refuses the index one past the end", () => {
            fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 20 }), (servers, agents) => {
                const n = { servers, agents };
                for (let i = 0; i < servers; i++) assert.equal(nodeFilterProblem(`server:${i}`, n), undefined);
                for (let i = 0; i < agents; i++) assert.equal(nodeFilterProblem(`agent:0-${i}`, n), undefined);
                assert.notEqual(nodeFilterProblem(`server:${servers}`, n), undefined);
                assert.notEqual(nodeFilterProblem(`agent:${agents}`, n), undefined);
            }));
        });
    });

    it("k3sArgProblem accepts long flags with any value and refuses the rest", () => {
        for (const arg of ["--disable-network-policy", "--kubelet-arg=max-pods=200", "--node-label=a=b c", "--tls-san=1.2.3.4"]) {
            assert.equal(k3sArgProblem(arg), undefined, arg);
        }
        for (const arg of ["disable", "-v=2", "--", "--=x", "--Flag", "--a=$x", "$HOME"]) {
            assert.notEqual(k3sArgProblem(arg), undefined, arg);
        }
    });
});
