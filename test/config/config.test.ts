import { strict as assert } from "assert";
import fc from "fast-check";
import {
    architectureOf,
    BIGBANG_INGRESS_CERTS_URL,
    cidrContains,
    ConfigError,
    DEFAULT_K3S_IMAGE,
    DEFAULT_TOOL_VERSIONS,
    intToIp,
    ipToInt,
    parseCidr,
    parseStackConfig,
    REGISTRY1_STAGING_URL,
    sanitizeOwner,
    StackConfig,
} from "../../components/config/config";
import { DEFAULT_REGISTRY_IMAGE, TOOL_SHA256 } from "../../components/config/pins";
import { registryAs } from "../support/fixtures";

const P = "bigbang-oci-dev:";
const EXTERNAL_CREDS = "registry.target external needs registry.username and registry.password, such as a robot account that can push and pull: Big Bang's values schema requires credentials on every helmRepositories entry";
const PRIVATE_CA = "Flux pulls charts with its own trust store and Big Bang's helmRepositories has no CA setting, so a private CA would fail with 'x509: certificate signed by unknown authority'; use tls.source bigbang (Big Bang's publicly trusted dev certificate, the default) or files with a publicly trusted certificate and no caFile";
const CIDR = "203.0.113.7/32";
const KNOWN_KEYS = "owner, allowedCidrs, allowAnywhere, acceptPublicKeyRisk, host, network, registry, cluster, charts, chartVersionScheme, bigbang";

/** Keys are given without the project prefix; values as Pulumi hands them over (JSON text for structured keys). */
function raw(keys: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(keys).map(([k, v]) => [`${P}${k}`, v]));
}

function parse(keys: Record<string, string>, userName = "tester"): StackConfig {
    return parseStackConfig(raw({ allowedCidrs: JSON.stringify([CIDR]), ...keys }), { userName });
}

function problemsOf(keys: Record<string, string>): string[] {
    try {
        parse(keys);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        // The message is what the developer sees, so every problem must be in it.
        for (const line of err.problems) assert.ok(err.message.includes(line), `message lacks ${line}`);
        return err.problems;
    }
    return assert.fail(`expected ${JSON.stringify(keys)} to be rejected`);
}

const json = (v: unknown) => JSON.stringify(v);

describe("config: parseStackConfig", () => {
    it("fills every documented default from a minimal config", () => {
        const cfg = parseStackConfig(raw({ allowedCidrs: json([CIDR]) }), { userName: "Jane.Doe" });
        const expected: StackConfig = {
            owner: "jane-doe",
            allowedCidrs: [CIDR],
            allowAnywhere: false,
            acceptPublicKeyRisk: false,
            host: {
                backend: "aws",
                instanceType: "t3.2xlarge",
                architecture: "amd64",
                market: "spot",
                spotMaxPrice: undefined,
                volumeSizeGiB: 120,
                ubuntuRelease: "24.04",
                amiId: undefined,
                vpcId: undefined,
                subnetId: undefined,
                sshPublicKey: undefined,
                sshPrivateKeyFile: undefined,
                sshUser: "ubuntu",
                autoShutdownHours: 8,
                usePrivateIp: false,
                running: true,
                cacheVolumeGiB: undefined,
                keepCacheVolume: false,
                tools: { k3d: "v5.8.3", kubectl: "v1.36.2", helm: "v3.18.6" },
                toolSha256: {
                    k3d: TOOL_SHA256.k3d["v5.8.3"].amd64,
                    kubectl: TOOL_SHA256.kubectl["v1.36.2"].amd64,
                    helm: TOOL_SHA256.helm["v3.18.6"].amd64,
                },
            },
            network: { name: "k3d-network", subnet: "172.20.0.0/16", gateway: "172.20.0.1", registryAddress: "172.20.2.10", cacheAddress: "172.20.2.11" },
            registry: {
                target: "hosted",
                hostname: "oci.dev.bigbang.mil",
                port: 5000,
                image: DEFAULT_REGISTRY_IMAGE,
                repoName: "k3d",
                exposePublicly: false,
                tls: { source: "bigbang", url: "https://repo1.dso.mil/big-bang/bigbang/-/raw/master/chart/ingress-certs.yaml" },
                auth: { enabled: true, username: "bigbang" },
            },
            cluster: {
                name: "bigbang",
                servers: 1,
                agents: 3,
                k3sImage: DEFAULT_K3S_IMAGE,
                k3sArgs: [],
                disable: ["traefik", "metrics-server"],
                ports: [
                    { port: 80, containerPort: 80, nodeFilters: ["loadbalancer"], exposePublicly: false },
                    { port: 443, containerPort: 443, nodeFilters: ["loadbalancer"], exposePublicly: false },
                ],
                createTimeoutSeconds: 600,
            },
            charts: [],
            chartVersionScheme: "build",
            bigbang: {
                install: false,
                registry1: {},
                registry1Cache: false,
                source: {},
                valuesFiles: [],
                packages: undefined,
                metallb: true,
                domain: "dev.bigbang.mil",
                waitMinutes: 30,
            },
        };
        assert.deepStrictEqual(cfg, expected);
        // The exported constants are what the defaults are documented as.
        assert.deepStrictEqual(cfg.host.tools, { ...DEFAULT_TOOL_VERSIONS });
        assert.equal(cfg.cluster.k3sImage, DEFAULT_K3S_IMAGE);
        assert.equal(registryAs(cfg, "hosted").tls.url, BIGBANG_INGRESS_CERTS_URL);
    });

    it("parses with no keys at all (allowedCidrs is detected later)", () => {
        const cfg = parseStackConfig({}, { userName: "dev" });
        assert.deepStrictEqual(cfg.allowedCidrs, []);
        assert.equal(cfg.owner, "dev");
    });

    it("takes owner from config over the user name", () => {
        assert.equal(parse({ owner: "team-a" }, "Jane.Doe").owner, "team-a");
    });

    it("accepts scalars both as strings and as JSON values", () => {
        const a = parse({ allowAnywhere: "true", acceptPublicKeyRisk: "true", allowedCidrs: json(["0.0.0.0/0"]), registry: json({ port: "5001", exposePublicly: "true" }) });
        const b = parse({ allowAnywhere: "true", acceptPublicKeyRisk: "true", allowedCidrs: json(["0.0.0.0/0"]), registry: json({ port: 5001, exposePublicly: true }) });
        assert.deepStrictEqual(a, b);
        assert.equal(a.allowAnywhere, true);
        assert.equal(a.registry.port, 5001);
        assert.equal(registryAs(a, "hosted").exposePublicly, true);
    });

    it("de-duplicates allowedCidrs", () => {
        assert.deepStrictEqual(parse({ allowedCidrs: json([CIDR, "10.0.0.0/8", CIDR]) }).allowedCidrs, [CIDR, "10.0.0.0/8"]);
    });

    it("ignores other namespaces, including ones that share the project name as a prefix", () => {
        const base = parse({});
        const withOthers = parseStackConfig(
            {
                ...raw({ allowedCidrs: json([CIDR]) }),
                "aws:region": "us-gov-west-1",
                "pulumi:tags": "{not json",
                "bigbang-oci-dev-other:registry": "{not json",
            },
            { userName: "tester" },
        );
        assert.deepStrictEqual(withOthers, base);
    });

    it("accepts k3sArgs as plain strings (server:* by default) and as objects", () => {
        const cfg = parse({
            cluster: json({
                k3sArgs: ["--disable-network-policy", { arg: "--kubelet-arg=max-pods=200", nodeFilters: ["agent:*", "server:0"] }],
            }),
        });
        assert.deepStrictEqual(cfg.cluster.k3sArgs, [
            { arg: "--disable-network-policy", nodeFilters: ["server:*"] },
            { arg: "--kubelet-arg=max-pods=200", nodeFilters: ["agent:*", "server:0"] },
        ]);
    });

    it("defaults a cluster port's containerPort to its port", () => {
        const cfg = parse({ acceptPublicKeyRisk: "true", cluster: json({ ports: [{ port: 8443, containerPort: 443 }, { port: 8080, exposePublicly: true }] }) });
        assert.deepStrictEqual(cfg.cluster.ports, [
            { port: 8443, containerPort: 443, nodeFilters: ["loadbalancer"], exposePublicly: false },
            { port: 8080, containerPort: 8080, nodeFilters: ["loadbalancer"], exposePublicly: true },
        ]);
    });

    it("accepts charts as paths or { path, package }", () => {
        assert.deepStrictEqual(parse({ charts: json(["./kiali", { path: "../anchore", package: "addons.anchoreEnterprise" }]) }).charts, [
            { path: "./kiali" },
            { path: "../anchore", package: "addons.anchoreEnterprise" },
        ]);
    });

    it("derives the architecture from the instance type unless given", () => {
        assert.equal(parse({ host: json({ instanceType: "m7g.xlarge" }) }).host.architecture, "arm64");
        assert.equal(parse({ host: json({ instanceType: "m7g.xlarge", architecture: "arm64" }) }).host.architecture, "arm64");
        assert.equal(parse({ host: json({ instanceType: "a1.large" }) }).host.architecture, "arm64");
    });

    it("derives gateway and registry address from a custom subnet", () => {
        const cfg = parse({ network: json({ subnet: "10.50.4.0/22" }) });
        assert.equal(cfg.network.gateway, "10.50.4.1");
        assert.equal(cfg.network.registryAddress, "10.50.6.10");
    });

    describe("registry targets", () => {
        it("registry1-staging fixes url, hostname and port", () => {
            const cfg = parse({ registry: json({ target: "registry1-staging", username: "jdoe", password: "tok" }) });
            const reg = registryAs(cfg, "registry1-staging");
            assert.equal(reg.url, REGISTRY1_STAGING_URL);
            assert.equal(reg.url, "oci://registry1.dso.mil/bigbang-staging");
            assert.equal(cfg.registry.hostname, "registry1.dso.mil");
            assert.equal(cfg.registry.port, 443);
            assert.equal(reg.username, "jdoe");
            assert.equal(reg.password, "tok");
        });

        it("external takes hostname and port from the url, 443 by default", () => {
            const a = parse({ registry: json({ target: "external", url: "oci://harbor.example.com/library", username: "u", password: "p" }) });
            assert.equal(a.registry.hostname, "harbor.example.com");
            assert.equal(a.registry.port, 443);
            assert.equal(registryAs(a, "external").username, "u");

            const b = parse({
                registry: json({ target: "external", url: "oci://harbor.example.com:8443/charts/dev", username: "u", password: "p", dnsAlias: "10.0.0.9" }),
            });
            assert.equal(b.registry.hostname, "harbor.example.com");
            assert.equal(b.registry.port, 8443);
            assert.equal(registryAs(b, "external").url, "oci://harbor.example.com:8443/charts/dev");
            assert.equal(registryAs(b, "external").dnsAlias, "10.0.0.9");
        });

        it("external takes the hostname from the url", () => {
            assert.equal(parse({ registry: json({ target: "external", url: "oci://h.example.com", username: "u", password: "p" }) }).registry.hostname, "h.example.com");
        });
    });

    describe("rejects bad values with one exact line each", () => {
        const cases: { name: string; keys: Record<string, string>; problems: string[] }[] = [
            { name: "registry.port not a number", keys: { registry: json({ port: "abc" }) }, problems: [`${P}registry.port: expected 1-65535, got "abc"`] },
            { name: "registry.port 0", keys: { registry: json({ port: 0 }) }, problems: [`${P}registry.port: expected 1-65535, got 0`] },
            { name: "registry.port 70000", keys: { registry: json({ port: 70000 }) }, problems: [`${P}registry.port: expected 1-65535, got 70000`] },
            { name: "registry.port fractional", keys: { registry: json({ port: 5000.5 }) }, problems: [`${P}registry.port: expected 1-65535, got 5000.5`] },
            { name: "host.market reserved", keys: { host: json({ market: "reserved" }) }, problems: [`${P}host.market: expected spot or on-demand, got "reserved"`] },
            { name: "host.volumeSizeGiB 5", keys: { host: json({ volumeSizeGiB: 5 }) }, problems: [`${P}host.volumeSizeGiB: expected 30-16384, got 5`] },
            {
                name: "host.instanceType upper-case",
                keys: { host: json({ instanceType: "T3.large" }) },
                problems: [`${P}host.instanceType: expected an EC2 instance type such as t3.2xlarge, got "T3.large"`],
            },
            {
                name: "allowedCidrs with host bits",
                keys: { allowedCidrs: json(["1.2.3.4/8"]) },
                problems: [`${P}allowedCidrs[0]: host bits set: 1.2.3.4/8 is not a network address; use 1.0.0.0/8 for the whole network, or 1.2.3.4/32 for the one address, got "1.2.3.4/8"`],
            },
            {
                name: "allowedCidrs not a list",
                keys: { allowedCidrs: json(CIDR) },
                problems: [`${P}allowedCidrs: expected a list, not a single value; in Pulumi.<stack>.yaml write it as
      config:
        ${P}allowedCidrs:
          - 203.0.113.7/32
    or run: pulumi config set --path '${P}allowedCidrs[0]' '203.0.113.7/32', got "203.0.113.7/32"`],
            },
            {
                name: "0.0.0.0/0 without allowAnywhere",
                keys: { allowedCidrs: json(["0.0.0.0/0"]) },
                problems: [`${P}allowedCidrs: 0.0.0.0/0 opens the host to the whole internet; set allowAnywhere to true to allow it, got ["0.0.0.0/0"]`],
            },
            { name: "allowAnywhere maybe", keys: { allowAnywhere: "maybe" }, problems: [`${P}allowAnywhere: expected true or false, got "maybe"`] },
            { name: "unknown top-level key", keys: { foo: "bar" }, problems: [`${P}foo: unknown key; expected one of ${KNOWN_KEYS}`] },
            { name: "unknown nested key", keys: { registry: json({ foo: 1 }) }, problems: [`${P}registry.foo: unknown key`] },
            { name: "unknown deeply nested key", keys: { registry: json({ tls: { sorce: "files" } }) }, problems: [`${P}registry.tls.sorce: unknown key; did you mean source?`] },
            {
                name: "invalid JSON for a structured key",
                keys: { registry: "{port: 5000" },
                problems: [`${P}registry: expected JSON (set it with 'pulumi config set --path registry...'), got "{port: 5000"`],
            },
            {
                name: "invalid JSON that mentions a password (the text is not echoed)",
                keys: { registry: '{target: external, password: "hunter2"}' },
                problems: [`${P}registry: expected JSON (set it with 'pulumi config set --path registry...'), got "[secret]"`],
            },
            {
                // `pulumi config set --path --secret` stores an all-digit token as a number.
                name: "a number as registry.password (the secret is not echoed)",
                keys: { registry: json({ target: "external", url: "oci://harbor.dev.bigbang.mil/library", username: "robot", password: 987654321 }) },
                problems: [`${P}registry.password: expected a password or token (set it with --secret), got "[secret]"`],
            },
            {
                name: "a number as bigbang.registry1.password (the secret is not echoed)",
                keys: { bigbang: json({ registry1: { username: "jdoe", password: 20250101123456 } }) },
                problems: [`${P}bigbang.registry1.password: expected your Registry1 CLI token (set it with --secret), got "[secret]"`],
            },
            { name: "structured key not an object", keys: { host: json([1]) }, problems: [`${P}host: expected an object, got [1]`] },
            {
                name: "registry.tls.source x",
                keys: { registry: json({ tls: { source: "x" } }) },
                problems: [`${P}registry.tls.source: expected bigbang or files, got "x"`],
            },
            {
                name: "tls source files without certFile",
                keys: { registry: json({ tls: { source: "files", keyFile: "k.pem" } }) },
                problems: [`${P}registry.tls: source files needs certFile and keyFile, got {"keyFile":"k.pem"}`],
            },
            {
                name: "tls certFile without source files",
                keys: { registry: json({ tls: { source: "bigbang", certFile: "c.pem" } }) },
                problems: [`${P}registry.tls.source: certFile and keyFile need source files, got "bigbang"`],
            },
            {
                name: "tls caFile (removed: Flux could not trust that CA), whatever the source",
                keys: { registry: json({ tls: { source: "bigbang", caFile: "ca.pem" } }) },
                problems: [`${P}registry.tls.caFile: a certificate that needs caFile: ${PRIVATE_CA}, got "ca.pem"`],
            },
            {
                name: "tls self-signed (Flux could not trust its CA)",
                keys: { registry: json({ tls: { source: "self-signed" } }) },
                problems: [`${P}registry.tls.source: self-signed: ${PRIVATE_CA}, got "self-signed"`],
            },
            {
                name: "tls files with a caFile (Flux could not trust that CA)",
                keys: { registry: json({ tls: { source: "files", certFile: "c.pem", keyFile: "k.pem", caFile: "ca.pem" } }) },
                problems: [`${P}registry.tls.caFile: a certificate that needs caFile: ${PRIVATE_CA}, got "ca.pem"`],
            },
            {
                name: "tls url ftp",
                keys: { registry: json({ tls: { url: "ftp://x/y" } }) },
                problems: [`${P}registry.tls.url: expected an https:// URL, or file://<path> to a local Big Bang checkout's chart/ingress-certs.yaml, got "ftp://x/y"`],
            },
            {
                name: "registry.image upper-case",
                keys: { registry: json({ image: "Registry:2" }) },
                problems: [`${P}registry.image: expected an image reference such as registry:2 or registry@sha256:<64 hex>, got "Registry:2"`],
            },
            {
                name: "registry.hostname single label",
                keys: { registry: json({ hostname: "registry" }) },
                problems: [`${P}registry.hostname: expected a lower-case DNS name with at least two labels, got "registry"`],
            },
            {
                name: "cluster.name with underscore",
                keys: { cluster: json({ name: "big_bang" }) },
                problems: [`${P}cluster.name: expected a cluster name: lower-case letters, digits and '-', at most 32 characters, got "big_bang"`],
            },
            { name: "cluster.servers 0", keys: { cluster: json({ servers: 0 }) }, problems: [`${P}cluster.servers: expected 1-7, got 0`] },
            {
                name: "cluster.servers 3 (k3d cannot give servers static IPs on the shared network)",
                keys: { cluster: json({ servers: 3 }) },
                problems: [`${P}cluster.servers: expected 1: several servers run etcd on the Docker network shared with the registry, where k3d cannot give them static IPs, so etcd breaks when their addresses change after the host stops and starts (k3d-io/k3d#550); add agents instead, got 3`],
            },
            {
                name: "cluster.k3sImage not k3s",
                keys: { cluster: json({ k3sImage: "nginx:1.27" }) },
                problems: [`${P}cluster.k3sImage: expected a pinned rancher/k3s image such as rancher/k3s:v1.36.2-k3s1, got "nginx:1.27"`],
            },
            {
                name: "charts entry without path",
                keys: { charts: json([{ package: "kiali" }]) },
                problems: [`${P}charts[0]: expected { path, package?, versionScheme? }, got {"package":"kiali"}`],
            },
            {
                name: "charts listed twice",
                keys: { charts: json(["./kiali", { path: "./kiali" }]) },
                problems: [`${P}charts[1].path: is listed twice, got "./kiali"`],
            },
            {
                name: "registry1-staging without username/password",
                keys: { registry: json({ target: "registry1-staging" }) },
                problems: [
                    `${P}registry.username: registry1-staging needs your Registry1 user name, got nothing`,
                    `${P}registry.password: registry1-staging needs your Registry1 CLI token (pulumi config set --path --secret registry.password), got nothing`,
                ],
            },
            {
                name: "registry1-staging with auth.enabled",
                keys: { registry: json({ target: "registry1-staging", username: "u", password: "p", auth: { enabled: true } }) },
                problems: [`${P}registry.auth: is not used with registry.target registry1-staging, got {"enabled":true}`],
            },
            {
                name: "external without url",
                keys: { registry: json({ target: "external" }) },
                problems: [`${P}registry.url: registry.target external needs an OCI URL such as oci://harbor.dev.bigbang.mil/library, got nothing`],
            },
            {
                name: "external with only username",
                keys: { registry: json({ target: "external", url: "oci://harbor.example.com/lib", username: "me" }) },
                problems: [`${P}registry.password: ${EXTERNAL_CREDS} (set it with --secret), got nothing`],
            },
            {
                name: "external with only password (the secret is not echoed)",
                keys: { registry: json({ target: "external", url: "oci://harbor.example.com/lib", password: "s3cret" }) },
                problems: [`${P}registry.username: ${EXTERNAL_CREDS}, got nothing`],
            },
            {
                name: "external without credentials (Big Bang's schema refuses an entry without them)",
                keys: { registry: json({ target: "external", url: "oci://harbor.example.com/lib" }) },
                problems: [`${P}registry.username: ${EXTERNAL_CREDS}, got nothing`, `${P}registry.password: ${EXTERNAL_CREDS} (set it with --secret), got nothing`],
            },
            {
                name: "hosted with auth disabled (Big Bang's schema refuses an entry without credentials)",
                keys: { registry: json({ auth: { enabled: false } }) },
                problems: [`${P}registry.auth.enabled: must stay true: Big Bang's values schema requires credentials on every helmRepositories entry, so Big Bang cannot install from an anonymous registry, got false`],
            },
            {
                name: "external with port 0 in url",
                keys: { registry: json({ target: "external", url: "oci://harbor.example.com:0/lib", username: "u", password: "p" }) },
                problems: [`${P}registry.url: expected a port of 1-65535, got "oci://harbor.example.com:0/lib"`],
            },
            {
                name: "external hostname differs from url",
                keys: { registry: json({ target: "external", url: "oci://a.example.com", hostname: "b.example.com", username: "u", password: "p" }) },
                problems: [`${P}registry.hostname: is not used with registry.target external: the host comes from registry.url (a.example.com), got "b.example.com"`],
            },
            {
                name: "hosted with a password (the secret is not echoed)",
                keys: { registry: json({ password: "s3cret" }) },
                problems: [`${P}registry.password: is not used with registry.target hosted, got "[secret]"`],
            },
            {
                name: "hosted with an external registry's keys",
                keys: { registry: json({ url: "oci://harbor.example.com", username: "u", dnsAlias: "10.0.0.9" }) },
                problems: [
                    `${P}registry.url: is not used with registry.target hosted, got "oci://harbor.example.com"`,
                    `${P}registry.username: is not used with registry.target hosted, got "u"`,
                    `${P}registry.dnsAlias: is not used with registry.target hosted, got "10.0.0.9"`,
                ],
            },
            {
                name: "registry1-staging with dnsAlias",
                keys: { registry: json({ target: "registry1-staging", username: "u", password: "p", dnsAlias: "10.0.0.9" }) },
                problems: [`${P}registry.dnsAlias: is not used with registry.target registry1-staging, got "10.0.0.9"`],
            },
            {
                name: "network.registryAddress outside the subnet",
                // One line for the key: an address outside the subnet is not "in the first /24" of it.
                keys: { network: json({ registryAddress: "10.0.0.5" }) },
                problems: [`${P}network.registryAddress: expected a host address inside network.subnet 172.20.0.0/16, got "10.0.0.5"`],
            },
            {
                name: "network.registryAddress above the subnet",
                keys: { network: json({ registryAddress: "172.21.0.10" }) },
                problems: [`${P}network.registryAddress: expected a host address inside network.subnet 172.20.0.0/16, got "172.21.0.10"`],
            },
            {
                name: "network.registryAddress in the first /24",
                keys: { network: json({ registryAddress: "172.20.0.50" }) },
                problems: [`${P}network.registryAddress: must be outside the first /24 of network.subnet, where k3d places its nodes, got "172.20.0.50"`],
            },
            ...["172.20.1.240", "172.20.1.245", "172.20.1.249"].map((ip) => ({
                name: `network.registryAddress ${ip} in the MetalLB range`,
                keys: { network: json({ registryAddress: ip }) },
                problems: [`${P}network.registryAddress: must be outside the MetalLB range x.x.1.240-249 that Big Bang uses, got "${ip}"`],
            })),
            {
                name: "network.registryAddress equal to the gateway",
                keys: { network: json({ gateway: "172.20.3.1", registryAddress: "172.20.3.1" }) },
                problems: [`${P}network.registryAddress: must differ from the network gateway, got "172.20.3.1"`],
            },
            {
                name: "network.registryAddress is the broadcast address",
                keys: { network: json({ registryAddress: "172.20.255.255" }) },
                problems: [`${P}network.registryAddress: expected a host address inside network.subnet 172.20.0.0/16, got "172.20.255.255"`],
            },
            {
                name: "network.subnet too small",
                keys: { network: json({ subnet: "172.20.0.0/24" }) },
                problems: [`${P}network.subnet: expected a prefix of /22 or larger, so the cluster, MetalLB and the registry fit, got "172.20.0.0/24"`],
            },
            {
                name: "duplicate cluster port",
                keys: { cluster: json({ ports: [{ port: 8080 }, { port: 8080 }] }) },
                problems: [`${P}cluster.ports[1].port: is already used by cluster.ports[0], got 8080`],
            },
            {
                name: "cluster port 22",
                keys: { cluster: json({ ports: [{ port: 22 }] }) },
                problems: [`${P}cluster.ports[0].port: 22 and 6443 are taken by SSH and the Kubernetes API, got 22`],
            },
            {
                name: "registry.port 6443",
                keys: { registry: json({ port: 6443 }) },
                problems: [`${P}registry.port: 22 and 6443 are taken by SSH and the Kubernetes API, got 6443`],
            },
            {
                name: "registry.port clashes with a cluster port",
                keys: { registry: json({ port: 443 }) },
                problems: [`${P}registry.port: is already used by cluster.ports[1], got 443`],
            },
            {
                name: "host.spotMaxPrice with on-demand",
                keys: { host: json({ market: "on-demand", spotMaxPrice: "0.25" }) },
                problems: [`${P}host.spotMaxPrice: only applies when host.market is spot, got "0.25"`],
            },
            {
                name: "host.spotMaxPrice not a price",
                keys: { host: json({ spotMaxPrice: "cheap" }) },
                problems: [`${P}host.spotMaxPrice: expected a price in USD per hour such as 0.25, got "cheap"`],
            },
            {
                name: "sshPrivateKeyFile without sshPublicKey",
                keys: { host: json({ sshPrivateKeyFile: "~/.ssh/id_ed25519" }) },
                problems: [`${P}host.sshPrivateKeyFile: is only used with host.sshPublicKey, got "~/.ssh/id_ed25519"`],
            },
            {
                name: "owner with upper-case",
                keys: { owner: "Jane" },
                problems: [`${P}owner: expected lower-case letters, digits and '-', at most 32 characters, got "Jane"`],
            },
        ];
        for (const c of cases) {
            it(c.name, () => assert.deepStrictEqual(problemsOf(c.keys), c.problems));
        }

        it("truncates long values in the message", () => {
            const long = "X".repeat(200);
            const [line] = problemsOf({ owner: long });
            assert.equal(line, `${P}owner: expected lower-case letters, digits and '-', at most 32 characters, got "${"X".repeat(76)}...`);
        });
    });

    describe("several bad keys", () => {
        it("are reported together in one ConfigError", () => {
            const problems = problemsOf({
                owner: "Jane",
                bogus: "1",
                host: json({ market: "x" }),
                registry: json({ port: "abc" }),
                cluster: "{not json",
            });
            assert.deepStrictEqual([...problems].sort(), [
                `${P}bogus: unknown key; expected one of ${KNOWN_KEYS}`,
                `${P}cluster: expected JSON (set it with 'pulumi config set --path cluster...'), got "{not json"`,
                `${P}host.market: expected spot or on-demand, got "x"`,
                `${P}owner: expected lower-case letters, digits and '-', at most 32 characters, got "Jane"`,
                `${P}registry.port: expected 1-65535, got "abc"`,
            ].sort());
        });

        it("across cross-key rules are reported together", () => {
            const problems = problemsOf({
                allowedCidrs: json(["0.0.0.0/0"]),
                host: json({ market: "on-demand", spotMaxPrice: 1, sshPrivateKeyFile: "k" }),
                cluster: json({ ports: [{ port: 80 }, { port: 80 }] }),
            });
            assert.deepStrictEqual([...problems].sort(), [
                `${P}allowedCidrs: 0.0.0.0/0 opens the host to the whole internet; set allowAnywhere to true to allow it, got ["0.0.0.0/0"]`,
                `${P}cluster.ports[1].port: is already used by cluster.ports[0], got 80`,
                `${P}host.spotMaxPrice: only applies when host.market is spot, got "1"`,
                `${P}host.sshPrivateKeyFile: is only used with host.sshPublicKey, got "k"`,
            ].sort());
        });
    });
});

describe("config: architectureOf", () => {
    const table: [string, "amd64" | "arm64"][] = [
        ["t3.2xlarge", "amd64"],
        ["m7g.xlarge", "arm64"],
        ["t4g.large", "arm64"],
        ["c7gn.large", "arm64"],
        ["r8g.medium", "arm64"],
        ["x2gd.xlarge", "arm64"],
        ["im4gn.large", "arm64"],
        ["hpc7g.4xlarge", "arm64"],
        // G5g is Graviton2 with NVIDIA T4G GPUs: arm64 despite the g prefix.
        ["g5g.xlarge", "arm64"],
        ["g5.xlarge", "amd64"],
        ["g4dn.xlarge", "amd64"],
        ["p5.48xlarge", "amd64"],
        ["inf2.xlarge", "amd64"],
        ["trn1.2xlarge", "amd64"],
        ["m7i-flex.large", "amd64"],
        ["c7i.large", "amd64"],
    ];
    for (const [type, arch] of table) {
        it(`${type} → ${arch}`, () => assert.equal(architectureOf(type), arch));
    }
});

describe("config: sanitizeOwner", () => {
    const OWNER = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

    it("examples", () => {
        assert.equal(sanitizeOwner("Jane.Doe"), "jane-doe");
        assert.equal(sanitizeOwner("DOMAIN\\j.doe"), "domain-j-doe");
        assert.equal(sanitizeOwner("--__--"), "developer");
        assert.equal(sanitizeOwner(""), "developer");
        assert.equal(sanitizeOwner("a".repeat(31) + "-b"), "a".repeat(31));
    });

    it("always yields an owner the schema accepts", () => {
        const userNames = fc.oneof(
            fc.string({ maxLength: 80 }),
            fc.string({ unit: "grapheme", maxLength: 80 }),
            fc.string({ unit: fc.constantFrom("a", "Z", "9", "-", ".", "_", " ", "é", "İ"), maxLength: 80 }),
        );
        fc.assert(
            fc.property(userNames, (name) => {
                const owner = sanitizeOwner(name);
                assert.ok(OWNER.test(owner) || owner === "developer", `sanitizeOwner(${JSON.stringify(name)}) = ${JSON.stringify(owner)}`);
                // The parser's own schema is the authority on what an owner may be.
                assert.equal(parseStackConfig({ [`${P}owner`]: owner }).owner, owner);
                assert.equal(parseStackConfig({}, { userName: name }).owner, owner);
            }),
            { numRuns: 300 },
        );
    });

    it("leaves a valid owner unchanged", () => {
        fc.assert(fc.property(fc.stringMatching(OWNER), (owner) => sanitizeOwner(owner) === owner));
    });
});

describe("config: parseCidr / cidrContains", () => {
    const prefixes = fc.integer({ min: 0, max: 32 });
    const addresses = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    const maskOf = (prefix: number) => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);

    it("ipToInt and intToIp are inverses", () => {
        fc.assert(fc.property(addresses, (n) => ipToInt(intToIp(n)) === n));
        fc.assert(fc.property(fc.ipV4(), (ip) => intToIp(ipToInt(ip)) === ip));
    });

    it("an address built inside a CIDR is contained in it", () => {
        fc.assert(
            fc.property(addresses, prefixes, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, prefix, frac) => {
                const base = (n & maskOf(prefix)) >>> 0;
                const cidr = `${intToIp(base)}/${prefix}`;
                assert.deepStrictEqual(parseCidr(cidr), { base, prefix });
                const offset = Math.floor(frac * 2 ** (32 - prefix));
                const ip = intToIp(base + offset);
                assert.ok(cidrContains(cidr, ip), `${cidr} should contain ${ip}`);
            }),
        );
    });

    it("addresses just outside a CIDR are not contained", () => {
        fc.assert(
            fc.property(addresses, fc.integer({ min: 1, max: 32 }), (n, prefix) => {
                const base = (n & maskOf(prefix)) >>> 0;
                const cidr = `${intToIp(base)}/${prefix}`;
                const end = base + 2 ** (32 - prefix);
                if (base > 0) assert.ok(!cidrContains(cidr, intToIp(base - 1)));
                if (end <= 2 ** 32 - 1) assert.ok(!cidrContains(cidr, intToIp(end)));
            }),
        );
    });

    it("rejects CIDRs with host bits set", () => {
        fc.assert(
            fc.property(addresses, fc.integer({ min: 0, max: 31 }), (n, prefix) => {
                fc.pre((n & ~maskOf(prefix)) !== 0);
                const cidr = `${intToIp(n)}/${prefix}`;
                assert.equal(parseCidr(cidr), undefined, cidr);
                assert.equal(cidrContains(cidr, intToIp(n)), false);
            }),
        );
    });

    it("rejects malformed CIDRs", () => {
        for (const bad of ["10.0.0.0", "10.0.0.0/33", "10.0.0/8", "256.0.0.0/8", "010.0.0.0/8", "10.0.0.0/-1", " 10.0.0.0/8", "10.0.0.0/8 "]) {
            assert.equal(parseCidr(bad), undefined, bad);
        }
        assert.equal(cidrContains("10.0.0.0/8", "10.0.0.256"), false);
    });
});

describe("config: bigbang", () => {
    const install = (extra: Record<string, unknown> = {}) => json({
        install: true, registry1: { username: "jane_doe", password: "token" }, source: { path: "../bigbang" }, ...extra,
    });

    it("is off by default and reads nothing else then", () => {
        const cfg = parse({ bigbang: json({ registry1: { username: "jane_doe" } }) });
        assert.equal(cfg.bigbang.install, false);
        assert.deepEqual(cfg.cluster.disable, ["traefik", "metrics-server"]);
    });

    it("with install, disables k3s's servicelb for MetalLB, as the dev script's -m does", () => {
        assert.deepEqual(parse({ bigbang: install() }).cluster.disable, ["traefik", "metrics-server", "servicelb"]);
        assert.deepEqual(parse({ bigbang: install({ metallb: false }) }).cluster.disable, ["traefik", "metrics-server"]);
        assert.deepEqual(parse({ bigbang: install(), cluster: json({ disable: ["servicelb"] }) }).cluster.disable, ["servicelb"]);
    });

    it("with install, needs the Registry1 login and exactly one source, all reported together", () => {
        assert.deepEqual(problemsOf({ bigbang: json({ install: true }) }), [
            `${P}bigbang.registry1.username: bigbang.install needs your Registry1 user name: Flux, MetalLB and every package pull Iron Bank images, got nothing`,
            `${P}bigbang.registry1.password: bigbang.install needs your Registry1 CLI token (pulumi config set --path --secret bigbang.registry1.password, which prompts for it), got nothing`,
            `${P}bigbang.source: bigbang.install needs a Big Bang checkout ({ path: ../bigbang }) or a release ({ version: 3.30.0 }), got {}`,
        ]);
        assert.deepEqual(problemsOf({ bigbang: install({ source: { path: "../bigbang", version: "3.30.0" } }) }), [
            `${P}bigbang.source: expected path or version, not both, got {"path":"../bigbang","version":"3.30.0"}`,
        ]);
    });

    it("never prints the Registry1 password", () => {
        const problems = problemsOf({ bigbang: json({ install: true, registry1: { password: "s3cr3t-token" }, domain: "NOT A NAME" }) });
        assert.ok(problems.length > 0);
        assert.ok(problems.every((line) => !line.includes("s3cr3t-token")), problems.join("\n"));
    });

    it("checks each key's form", () => {
        assert.deepEqual(problemsOf({ bigbang: install({ source: { version: "latest" }, packages: ["addons..x"], waitMinutes: 999, domain: "Dev" }) }).sort(), [
            `${P}bigbang.source.version: expected a Big Bang release such as 3.30.0, got "latest"`,
            `${P}bigbang.packages[0]: expected a Big Bang values key such as istiod or addons.keycloak, got "addons..x"`,
            `${P}bigbang.domain: expected a lower-case DNS name with at least two labels, got "Dev"`,
            `${P}bigbang.waitMinutes: expected 0-240, got 999`,
        ].sort());
    });

    it("refuses a registry name whose coredns-custom key is Big Bang's bigbang.server", () => {
        assert.deepEqual(problemsOf({ bigbang: install(), registry: json({ hostname: "bigbang.dev.bigbang.mil", tls: { source: "bigbang" } }) }), [
            `${P}registry.hostname: its first label gives the coredns-custom key bigbang.server, which Big Bang's ingress DNS uses; pick another name, got "bigbang.dev.bigbang.mil"`,
        ]);
        assert.doesNotThrow(() => parse({ bigbang: install({ metallb: false }), registry: json({ hostname: "bigbang.dev.bigbang.mil" }) }));
    });
});

describe("config: chartVersionScheme and charts[].versionScheme", () => {
    const base = { "bigbang-oci-dev:owner": "jdoe" };
    it("defaults to build, takes prerelease, and keeps a chart's own scheme", () => {
        assert.equal(parseStackConfig(base).chartVersionScheme, "build");
        const cfg = parseStackConfig({ ...base, "bigbang-oci-dev:chartVersionScheme": "prerelease", "bigbang-oci-dev:charts": JSON.stringify([{ path: "a", versionScheme: "build" }, "b"]) });
        assert.equal(cfg.chartVersionScheme, "prerelease");
        assert.deepEqual(cfg.charts, [{ path: "a", versionScheme: "build" }, { path: "b" }]);
    });
    it("refuses another scheme, naming the key", () => {
        assert.throws(() => parseStackConfig({ ...base, "bigbang-oci-dev:chartVersionScheme": "semver" }), /bigbang-oci-dev:chartVersionScheme: expected build or prerelease, got "semver"/);
        assert.throws(() => parseStackConfig({ ...base, "bigbang-oci-dev:charts": JSON.stringify([{ path: "a", versionScheme: "pre" }]) }), /bigbang-oci-dev:charts\[0\]/);
    });
});

describe("config: the Registry1 cache (issue 19)", () => {
    const login = { registry1: { username: "jdoe", password: "token" } };
    const parseWith = (bigbang: Record<string, unknown>, network?: Record<string, unknown>) => parseStackConfig({
        [`${P}allowedCidrs`]: JSON.stringify([CIDR]),
        [`${P}bigbang`]: JSON.stringify(bigbang),
        ...(network ? { [`${P}network`]: JSON.stringify(network) } : {}),
    });

    it("is on by default with a Registry1 login, off without one, and registry1Cache false turns it off", () => {
        assert.equal(parseWith(login).bigbang.registry1Cache, true);
        assert.equal(parseWith({}).bigbang.registry1Cache, false);
        assert.equal(parseWith({ ...login, registry1Cache: false }).bigbang.registry1Cache, false);
        assert.equal(parseWith({ ...login, registry1Cache: "false" }).bigbang.registry1Cache, false);
    });

    it("refuses registry1Cache true without a login, naming the key", () => {
        assert.throws(() => parseWith({ registry1Cache: true }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.match(err.message, /bigbang-oci-dev:bigbang\.registry1Cache: the cache pulls from Registry1 with bigbang\.registry1\.username and bigbang\.registry1\.password/);
            return true;
        });
    });

    it("puts the cache at .11 of the third /24, next to the registry, and checks an address it is given", () => {
        assert.equal(parseWith(login).network.cacheAddress, "172.20.2.11");
        assert.equal(parseWith(login, { subnet: "10.9.0.0/16" }).network.cacheAddress, "10.9.2.11");
        assert.equal(parseWith(login, { cacheAddress: "172.20.3.11" }).network.cacheAddress, "172.20.3.11");
        for (const [cacheAddress, message] of [
            ["172.20.2.10", /must differ from the network gateway and network.registryAddress/],
            ["172.20.0.50", /must be outside the first \/24/],
            ["172.20.1.245", /must be outside the MetalLB range/],
            ["10.0.0.5", /expected a host address inside network.subnet/],
        ] as const) {
            assert.throws(() => parseWith(login, { cacheAddress }), (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.match(err.message, new RegExp(`bigbang-oci-dev:network\\.cacheAddress: ${message.source}`));
                return true;
            }, cacheAddress);
        }
    });
});
