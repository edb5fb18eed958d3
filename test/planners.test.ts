import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ChartInfo } from "../components/charts/chartSource";
import { chartPushPlan, chartsOutput, etcHostsLine, helmPushCommand, ociReference, pushTarget, PushTarget } from "../components/charts/chartsPlan";
import { kubeApiEndpoint, kubeconfigForEndpoint, kubectlHint } from "../components/cluster/clusterPlan";
import { ClusterPort, firstSlash24, HostedRegistryConfig, parseStackConfig } from "../components/config/config";
import { corednsBlockHash, corednsCustomKey, corednsServerBlock, localRegistryHostingYaml } from "../components/dns/corednsPlan";
import {
    knownHostsAlias,
    knownHostsLine,
    shellQuote,
    sshClientOptions,
    sshCommand,
    workstationSshFiles,
} from "../components/host/hostPlan";
import { canonicalOwner, digitsAtMost, ec2Architecture, ingressRules, resourceTags, ubuntuAmiNameFilter, ubuntuAmiNameRegex } from "../components/host/aws/awsPlan";
import { readinessProbeArgs } from "../components/registry/registryPlan";
import { defaultStackConfig, registryAs } from "./support/fixtures";
import { allScripts, scriptNamed } from "./support/scripts";

/** Run `command` in bash with `fn` defined as a function that prints its arguments NUL-separated. */
function argvOf(fn: string, command: string): string[] {
    const out = execFileSync("bash", ["-c", `${fn}() { printf '%s\\0' "$@"; }\n${command}`], { encoding: "utf8", timeout: 10_000 });
    assert.ok(out.endsWith("\0"), `no output from ${command.slice(0, 80)}`);
    return out.slice(0, -1).split("\0");
}

/** The `<name>` / `[<name>]` words of the usage line a script documents in its header. */
function usageArgs(script: string): string[] {
    const line = scriptNamed(script).text(script).split("\n").find((l) => l.startsWith(`#   ${script}.sh `));
    assert.ok(line, `${script}.sh has no usage line`);
    return [...line.matchAll(/<([a-z-]+)>/g)].map((m) => m[1]);
}

function hostedRegistry(overrides: Partial<HostedRegistryConfig> = {}): HostedRegistryConfig {
    return { ...registryAs(defaultStackConfig(), "hosted"), ...overrides };
}

describe("hostPlan", () => {
    it("canonicalOwner: GovCloud has its own Canonical account", () => {
        assert.equal(canonicalOwner("aws-us-gov"), "513442679011");
        assert.equal(canonicalOwner("aws"), "099720109477");
    });

    it("ubuntuAmiNameFilter matches Canonical's server images for the release and architecture only", () => {
        const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
        const cases: { release: "22.04" | "24.04"; arch: "amd64" | "arm64"; filter: string; matches: string[] }[] = [
            {
                release: "22.04",
                arch: "amd64",
                filter: "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*",
                matches: ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240411", "ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20250305"],
            },
            {
                release: "22.04",
                arch: "arm64",
                filter: "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-arm64-server-*",
                matches: ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20240411"],
            },
            {
                release: "24.04",
                arch: "amd64",
                filter: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*",
                matches: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305"],
            },
            {
                release: "24.04",
                arch: "arm64",
                filter: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-arm64-server-*",
                matches: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250305"],
            },
        ];
        const others = [
            "ubuntu-minimal/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-minimal-20250305",
            "ubuntu-pro-server/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-pro-server-20250305",
        ];
        for (const c of cases) {
            const filter = ubuntuAmiNameFilter(c.release, c.arch);
            assert.equal(filter, c.filter);
            const re = globToRegExp(filter);
            for (const name of c.matches) assert.match(name, re);
            for (const other of [...others, ...cases.filter((o) => o !== c).flatMap((o) => o.matches)]) assert.doesNotMatch(other, re);
        }
    });

    it("digitsAtMost matches exactly the same-length digit strings at most the cut-off", () => {
        fc.assert(fc.property(fc.stringMatching(/^\d{8}$/), fc.stringMatching(/^\d{8}$/), (cutoff, serial) => {
            const re = new RegExp(`^${digitsAtMost(cutoff)}$`);
            assert.equal(re.test(serial), serial <= cutoff, `${serial} vs cut-off ${cutoff}: ${re.source}`);
            assert.ok(re.test(cutoff));
        }), { numRuns: 500 });
        for (const [cutoff, serial, expected] of [["20261101", "20261031", true], ["20261101", "20261102", false], ["20261101", "20270101", false], ["10000000", "09999999", true]] as const) {
            assert.equal(new RegExp(`^${digitsAtMost(cutoff)}$`).test(serial), expected, `${serial} <= ${cutoff}`);
        }
        assert.throws(() => digitsAtMost("2026-11"), /expected digits/);
    });

    it("ubuntuAmiNameRegex takes the release's server images up to the pinned serial, and respins of them", () => {
        const re = new RegExp(ubuntuAmiNameRegex("24.04", "amd64", "20261101"));
        for (const name of [
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101",
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305.1",
            "ubuntu/images/hvm-ssd/ubuntu-noble-24.04-amd64-server-20240423",
        ]) assert.match(name, re);
        for (const name of [
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261102",
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250305",
            "ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20250305",
            "ubuntu-pro-server/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-pro-server-20250305",
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305-beta",
        ]) assert.doesNotMatch(name, re);
    });

    it("ec2Architecture", () => {
        assert.equal(ec2Architecture("amd64"), "x86_64");
        assert.equal(ec2Architecture("arm64"), "arm64");
    });

    it("resourceTags", () => {
        assert.deepStrictEqual(resourceTags("jane-doe", "dev"), {
            Name: "bigbang-oci-dev-jane-doe-dev",
            Owner: "jane-doe",
            Project: "bigbang-oci-dev",
            Stack: "dev",
        });
    });

    describe("ingressRules", () => {
        const port = (p: number, exposePublicly: boolean): ClusterPort => ({ port: p, containerPort: p, nodeFilters: ["loadbalancer"], exposePublicly });
        const ports = (rules: { port: number }[]) => rules.map((r) => r.port);

        it("opens only SSH and the Kubernetes API by default", () => {
            assert.deepStrictEqual(ports(ingressRules({ clusterPorts: [port(80, false), port(443, false)] })), [22, 6443]);
        });
        it("adds the registry port only when given", () => {
            assert.deepStrictEqual(ports(ingressRules({ registryPort: 5000, clusterPorts: [port(443, false)] })), [22, 6443, 5000]);
        });
        it("adds cluster ports only with exposePublicly", () => {
            assert.deepStrictEqual(ports(ingressRules({ clusterPorts: [port(80, false), port(443, true), port(8443, true)] })), [22, 6443, 443, 8443]);
        });
        it("describes every rule", () => {
            for (const r of ingressRules({ registryPort: 5000, clusterPorts: [port(443, true)] })) assert.ok(r.description.length > 0);
        });
    });

    it("workstationSshFiles are per stack under ~/.ssh", () => {
        assert.deepStrictEqual(workstationSshFiles("/home/jane", "dev"), {
            privateKey: "/home/jane/.ssh/bigbang-oci-dev-dev.pem",
            knownHosts: "/home/jane/.ssh/bigbang-oci-dev-dev.known_hosts",
        });
    });

    it("sshClientOptions use the key only when given, never prompt, and check the pinned host key strictly", () => {
        assert.deepStrictEqual(sshClientOptions({ knownHostsFile: "/k", hostKeyAlias: "i-0abc" }), [
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/k",
            "-o", "HostKeyAlias=i-0abc", "-o", "ConnectTimeout=15",
        ]);
        assert.deepStrictEqual(sshClientOptions({ privateKeyFile: "/p", knownHostsFile: "/k", hostKeyAlias: "i-0abc" }).slice(0, 4),
            ["-i", "/p", "-o", "IdentitiesOnly=yes"]);
    });

    it("real OpenSSH reads the options as meant: the entry under the stack's alias, strict checking, batch mode", () => {
        // With HostKeyAlias, the entry is looked up by alias, not by the (Elastic) IP.
        const probe = spawnSync("ssh", ["-G", ...sshClientOptions({ knownHostsFile: "/k", hostKeyAlias: knownHostsAlias("dev") }), "ubuntu@198.51.100.10"], { encoding: "utf8" });
        if (probe.error) assert.fail(`cannot run ssh (${probe.error.message}); install openssh-client (scripts/test.sh does)`);
        assert.match(probe.stdout, /^hostkeyalias bigbang-oci-dev-dev$/m);
        assert.match(probe.stdout, /^stricthostkeychecking true$/m);
        assert.match(probe.stdout, /^batchmode yes$/m);
    });

    it("knownHostsLine pins exactly the key type and key under the alias, and refuses what is not a public key", () => {
        assert.equal(knownHostsLine("bigbang-oci-dev-dev", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMock comment\n"), "bigbang-oci-dev-dev ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMock\n");
        assert.throws(() => knownHostsLine("a", "-----BEGIN OPENSSH PRIVATE KEY-----"), /not an OpenSSH public key/);
    });

    it("real OpenSSH finds the host's key under the alias in the known_hosts file the program writes", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-knownhosts-"));
        try {
            const key = path.join(dir, "host_key");
            execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", key]);
            const knownHosts = path.join(dir, "known_hosts");
            fs.writeFileSync(knownHosts, knownHostsLine(knownHostsAlias("dev"), fs.readFileSync(`${key}.pub`, "utf8")));
            const found = spawnSync("ssh-keygen", ["-F", "bigbang-oci-dev-dev", "-f", knownHosts], { encoding: "utf8" });
            assert.equal(found.status, 0, found.stderr);
            const fingerprint = (file: string) => execFileSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" }).split(" ")[1];
            assert.equal(fingerprint(knownHosts), fingerprint(`${key}.pub`), "the pinned key is the host's");
            assert.notEqual(spawnSync("ssh-keygen", ["-F", "198.51.100.10", "-f", knownHosts]).status, 0, "only under the alias, not the address");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("sshCommand quotes paths so a shell gives ssh the intended words", () => {
        const opts = { user: "ubuntu", address: "198.51.100.20", privateKeyFile: "/home/Jane Doe/.ssh/it's.pem", knownHostsFile: "/home/Jane Doe/.ssh/kh $HOME", hostKeyAlias: "i-0abc" };
        const cmd = sshCommand(opts);
        assert.ok(cmd.startsWith("ssh "));
        assert.deepStrictEqual(argvOf("ssh", cmd), [...sshClientOptions(opts), "ubuntu@198.51.100.20"]);
        assert.equal(sshCommand({ user: "ubuntu", address: "10.0.0.5", knownHostsFile: "/k", hostKeyAlias: "i-0abc" }),
            "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/k -o HostKeyAlias=i-0abc -o ConnectTimeout=15 ubuntu@10.0.0.5");
    });

    it("shellQuote: bash reads back the original string", function () {
        this.timeout(120_000);
        const words = fc.oneof(
            fc.string(),
            fc.string({ unit: "grapheme", maxLength: 30 }),
            fc.string({ unit: fc.constantFrom("'", '"', "\\", "$", "`", " ", "\n", "\t", "*", "?", "~", "!", "#", "{", "}", ";", "&", "|", "-", "=", "a"), maxLength: 30 }),
        ).filter((s) => !s.includes("\0"));
        // 200 strings, read back by one bash rather than one bash each (a spawn is most of the cost): each
        // quoted string must come back as exactly one word, itself. fast-check still shrinks a failing array.
        fc.assert(
            fc.property(fc.array(words, { minLength: 200, maxLength: 200 }), (all) => {
                const out = execFileSync("bash", ["-c", `printf '%s\\0' ${all.map(shellQuote).join(" ")}`], { encoding: "utf8", timeout: 10_000 });
                assert.deepEqual(out.split("\0").slice(0, -1), all);
            }),
            { numRuns: 1 },
        );
    });

    it("shellQuote leaves plain words alone and quotes the empty string", () => {
        assert.equal(shellQuote("oci://oci.dev.bigbang.mil:5000"), "oci://oci.dev.bigbang.mil:5000");
        assert.equal(shellQuote(""), "''");
        assert.equal(shellQuote("it's"), `'it'\\''s'`);
    });
});

describe("corednsPlan", () => {
    /** The parts of a CoreDNS server block the registry entry depends on. */
    function parseBlock(block: string) {
        const zones: string[] = [];
        const plugins: string[] = [];
        const allWords: string[] = [];
        const hostsEntries: string[][] = [];
        let depth = 0;
        let inHosts = false;
        for (const rawLine of block.split("\n")) {
            const line = rawLine.replace(/#.*/, "").trim();
            if (!line) continue;
            const words = line.split(/\s+/);
            allWords.push(...words);
            if (words[0] === "}") {
                depth--;
                if (depth === 1) inHosts = false;
                continue;
            }
            if (depth === 0) {
                assert.equal(words[words.length - 1], "{", `unexpected top-level line ${line}`);
                zones.push(...words.slice(0, -1));
            } else if (depth === 1) {
                plugins.push(words[0]);
                if (words[0] === "hosts") inHosts = true;
            } else if (depth === 2 && inHosts && /^\d/.test(words[0])) {
                hostsEntries.push(words);
            }
            if (words[words.length - 1] === "{") depth++;
        }
        assert.equal(depth, 0, "unbalanced braces");
        return { zones, plugins, allWords, hostsEntries };
    }

    const hostnames = ["oci.dev.bigbang.mil", "charts.dev.bigbang.mil", "registry.example.com", "a.b.c.example.org"];
    for (const hostname of hostnames) {
        it(`serves exactly ${hostname}`, () => {
            const address = "172.20.2.10";
            assert.equal(corednsCustomKey(hostname), `${hostname.split(".")[0]}.server`);
            const block = parseBlock(corednsServerBlock(hostname, address));
            assert.deepStrictEqual(block.zones, [`${hostname}:53`]);
            assert.deepStrictEqual(block.hostsEntries, [[address, hostname]]);
            assert.ok(block.plugins.includes("errors"));
            assert.equal(block.plugins.filter((p) => p === "hosts").length, 1);
            // Without fallthrough/forward, a miss cannot leak the name to the upstream resolver.
            assert.ok(!block.allWords.includes("fallthrough"));
            assert.ok(!block.plugins.includes("forward"));
        });
    }

    it("the key is the first label", () => {
        assert.equal(corednsCustomKey("oci.dev.bigbang.mil"), "oci.server");
        assert.equal(corednsCustomKey("a.b.c.example.org"), "a.server");
    });

    it("rejects invalid hostnames and addresses", () => {
        for (const bad of ["", "registry", "OCI.dev.bigbang.mil", "oci..mil", "-oci.dev.mil", "oci.dev.mil.", "oci dev.mil", "oci.dev.mil { }"]) {
            assert.throws(() => corednsServerBlock(bad, "10.0.0.1"), /not a DNS name/, bad);
        }
        for (const bad of ["", "10.0.0", "10.0.0.256", "010.0.0.1", "::1", "10.0.0.1 evil.com"]) {
            assert.throws(() => corednsServerBlock("oci.dev.bigbang.mil", bad), /not an IPv4 address/, bad);
        }
    });

    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const hostnameArb = fc.array(label, { minLength: 2, maxLength: 4 }).map((ls) => ls.join("."));

    it("corednsBlockHash is stable and changes with the block", () => {
        fc.assert(
            fc.property(hostnameArb, fc.ipV4(), hostnameArb, fc.ipV4(), (h1, a1, h2, a2) => {
                const b1 = corednsServerBlock(h1, a1);
                assert.equal(corednsBlockHash(b1), corednsBlockHash(corednsServerBlock(h1, a1)));
                assert.match(corednsBlockHash(b1), /^[0-9a-f]{16}$/);
                const b2 = corednsServerBlock(h2, a2);
                assert.equal(b1 === b2, h1 === h2 && a1 === a2);
                assert.equal(corednsBlockHash(b1) === corednsBlockHash(b2), b1 === b2);
            }),
        );
    });

    it("localRegistryHostingYaml is KEP-1755 YAML", () => {
        const doc: unknown = parseYaml(localRegistryHostingYaml({ hostname: "oci.dev.bigbang.mil", port: 5000, help: "https://example.invalid/help: see #1" }));
        assert.deepStrictEqual(doc, {
            host: "oci.dev.bigbang.mil:5000",
            hostFromContainerRuntime: "oci.dev.bigbang.mil:5000",
            hostFromClusterNetwork: "oci.dev.bigbang.mil:5000",
            help: "https://example.invalid/help: see #1",
        });
    });
});

describe("clusterPlan", () => {
    const KUBECONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EtMQ==
    server: https://0.0.0.0:6443
  name: k3d-bigbang
- cluster:
    certificate-authority-data: Q0EtMg==
    server: https://host.k3d.internal:6443
  name: k3d-other
contexts:
- context:
    cluster: k3d-bigbang
    user: admin@k3d-bigbang
  name: k3d-bigbang
current-context: k3d-bigbang
kind: Config
preferences: {}
users:
- name: admin@k3d-bigbang
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
`;

    it("kubeconfigForEndpoint rewrites every server and keeps the rest", () => {
        const server = "https://198.51.100.20:6443";
        const before = parseYaml(KUBECONFIG) as { clusters: { cluster: { server: string } }[] };
        const after = parseYaml(kubeconfigForEndpoint(KUBECONFIG, server)) as typeof before;
        assert.deepStrictEqual(after.clusters.map((c) => c.cluster.server), [server, server]);
        for (const c of before.clusters) c.cluster.server = server;
        assert.deepStrictEqual(after, before);
    });

    it("kubeconfigForEndpoint refuses what is not a kubeconfig with clusters", () => {
        assert.throws(() => kubeconfigForEndpoint("clusters: [unclosed", "https://x:6443"), /not a YAML mapping/);
        assert.throws(() => kubeconfigForEndpoint("just text", "https://x:6443"), /not a YAML mapping/);
        assert.throws(() => kubeconfigForEndpoint("", "https://x:6443"), /not a YAML mapping/);
        assert.throws(() => kubeconfigForEndpoint("apiVersion: v1\nclusters: []\n", "https://x:6443"), /no clusters/);
        assert.throws(() => kubeconfigForEndpoint("apiVersion: v1\nkind: Config\n", "https://x:6443"), /no clusters/);
    });

    it("kubeApiEndpoint", () => {
        assert.equal(kubeApiEndpoint("198.51.100.20"), "https://198.51.100.20:6443");
    });

    it("kubectlHint saves the secret kubeconfig and points KUBECONFIG at it", () => {
        const hint = kubectlHint("dev", "bigbang");
        assert.ok(hint.includes("pulumi stack output kubeconfig --show-secrets"));
        assert.ok(hint.includes("export KUBECONFIG=~/.kube/bigbang-oci-dev-dev-bigbang.yaml"));
        assert.ok(hint.includes("chmod 600"));
        execFileSync("bash", ["-n", "-c", hint]);
    });

    it("kubectlHint writes the kubeconfig under umask 077 and creates a missing ~/.kube (issue 21)", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-hint-"));
        try {
            const bin = path.join(home, "bin");
            fs.mkdirSync(bin);
            // A stub pulumi that prints a kubeconfig.
            fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho 'apiVersion: v1'\n", { mode: 0o755 });
            execFileSync("bash", ["-c", `umask 022; ${kubectlHint("dev", "bigbang")}`], { env: { HOME: home, PATH: `${bin}:/usr/bin:/bin` } });
            const file = path.join(home, ".kube", "bigbang-oci-dev-dev-bigbang.yaml");
            assert.equal(fs.readFileSync(file, "utf8"), "apiVersion: v1\n");
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            assert.equal(fs.statSync(path.join(home, ".kube")).mode & 0o077, 0, "a ~/.kube it creates is private");
            // The write itself happens under umask 077, not only a chmod afterwards.
            assert.match(kubectlHint("dev", "bigbang"), /^\(umask 077 && mkdir -p ~\/\.kube && pulumi stack output kubeconfig --show-secrets > /);
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });
});

describe("chartsPlan", () => {
    const chart: ChartInfo = {
        dir: "/work/charts/podinfo",
        name: "podinfo",
        version: "6.5.0+bb.1",
        ociTag: "6.5.0_bb.1",
        contentHash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        pushVersion: "6.5.0+bb.1.content.0123456789ab",
        pushOciTag: "6.5.0_bb.1.content.0123456789ab",
    };

    describe("pushTarget", () => {
        it("hosted, by default with auth", () => {
            assert.deepStrictEqual(pushTarget(hostedRegistry()), {
                ociUrl: "oci://oci.dev.bigbang.mil:5000",
                registryHost: "oci.dev.bigbang.mil:5000",
                username: "bigbang",
            });
        });
        it("registry1-staging from a parsed config", () => {
            const cfg = parseStackConfig({ "bigbang-oci-dev:registry": JSON.stringify({ target: "registry1-staging", username: "jdoe", password: "tok" }) }, { userName: "t" });
            assert.deepStrictEqual(pushTarget(cfg.registry), {
                ociUrl: "oci://registry1.dso.mil/bigbang-staging",
                registryHost: "registry1.dso.mil",
                username: "jdoe",
            });
        });
        it("external with credentials", () => {
            const cfg = parseStackConfig(
                { "bigbang-oci-dev:registry": JSON.stringify({ target: "external", url: "oci://harbor.example.com:8443/library/dev", username: "robot$ci", password: "p" }) },
                { userName: "t" },
            );
            assert.deepStrictEqual(pushTarget(cfg.registry), {
                ociUrl: "oci://harbor.example.com:8443/library/dev",
                registryHost: "harbor.example.com:8443",
                username: "robot$ci",
            });
        });
    });

    it("ociReference uses the OCI tag, with _ for +", () => {
        const ref = ociReference(pushTarget(hostedRegistry()), chart);
        assert.equal(ref, "oci://oci.dev.bigbang.mil:5000/podinfo:6.5.0_bb.1");
        assert.ok(!ref.includes("+"));
    });

    it("chartPushPlan stages under a digest of the pushed reference and names the resource after the chart", () => {
        const target = pushTarget(hostedRegistry({ auth: { enabled: true, username: "bigbang" } }));
        const plan = chartPushPlan(chart, target, "/home/ubuntu/charts");
        assert.equal(plan.resourceName, "chart-podinfo");
        assert.match(plan.remoteArchive, /^\/home\/ubuntu\/charts\/podinfo-[0-9a-f]{12}\.tar$/);
        assert.equal(plan.ociReference, "oci://oci.dev.bigbang.mil:5000/podinfo:6.5.0_bb.1.content.0123456789ab", "the pushed version's tag");
        // A changed chart, or the same chart pushed elsewhere, lands at a new path: a replaced push's delete
        // then removes only its own file, never the one the new push reads.
        const changed = { ...chart, contentHash: "f".repeat(64), pushOciTag: "6.5.0_bb.1.content.ffffffffffff" };
        assert.notEqual(chartPushPlan(changed, target, "/home/ubuntu/charts").remoteArchive, plan.remoteArchive);
        const elsewhere = pushTarget(hostedRegistry({ port: 5443, auth: { enabled: true, username: "bigbang" } }));
        assert.notEqual(chartPushPlan(chart, elsewhere, "/home/ubuntu/charts").remoteArchive, plan.remoteArchive);
        assert.equal(chartPushPlan(chart, target, "/home/ubuntu/charts").remoteArchive, plan.remoteArchive, "and the same push, the same path");
    });

    it("chartPushPlan's scriptArgs follow helm-push.sh's usage line", () => {
        const byName = (t: PushTarget, remoteArchive: string): Record<string, string> => ({
            "chart-tar": remoteArchive,
            version: chart.pushVersion,
            "oci-url": t.ociUrl,
            "registry-host": t.registryHost,
            username: t.username ?? "",
        });
        const names = usageArgs("helm-push");
        assert.deepStrictEqual(names, ["chart-tar", "version", "oci-url", "registry-host", "username"]);
        for (const target of [
            pushTarget(hostedRegistry({ auth: { enabled: true, username: "bigbang" } })),
            pushTarget(hostedRegistry()),
        ]) {
            const plan = chartPushPlan(chart, target, "/stage");
            const expected = byName(target, plan.remoteArchive);
            assert.deepStrictEqual(plan.scriptArgs, names.map((n) => expected[n]));
        }
    });

    describe("helmPushCommand", () => {
        // An anonymous target: helmPushCommand takes any PushTarget, though config no longer produces one.
        const hosted = { ...pushTarget(hostedRegistry()), username: undefined };
        const withUser = pushTarget(hostedRegistry({ auth: { enabled: true, username: "bigbang" } }));

        it("without a username, only packages and pushes", () => {
            assert.equal(helmPushCommand(hosted), "helm package <chart-dir> && helm push <name>-<version>.tgz oci://oci.dev.bigbang.mil:5000");
        });
        it("logs in first when there is a username", () => {
            const cmd = helmPushCommand(withUser);
            assert.ok(cmd.startsWith("helm registry login oci.dev.bigbang.mil:5000 --username bigbang && "), cmd);
            assert.ok(!cmd.includes("--ca-file"), "the registry is publicly trusted");
        });
        it("quotes odd user names", () => {
            const cmd = helmPushCommand(pushTarget({ target: "external", hostname: "h.example.com", port: 443, repoName: "k3d", image: "registry:2", url: "oci://h.example.com/x", username: "robot$ci" }));
            assert.ok(cmd.includes("--username 'robot$ci'"), cmd);
            execFileSync("bash", ["-n", "-c", cmd.replace(/<[^>]+>/g, "X")]);
        });
    });

    it("chartsOutput", () => {
        const target = pushTarget(hostedRegistry());
        const kiali = { name: "kiali", version: "2.1.0", pushVersion: "2.1.0+content.aaaaaaaaaaaa", pushOciTag: "2.1.0_content.aaaaaaaaaaaa", packageKey: "kiali" };
        assert.deepStrictEqual(chartsOutput([{ ...chart, packageKey: "addons.podinfo" }, kiali], target), [
            {
                name: "podinfo", version: "6.5.0+bb.1.content.0123456789ab", chartVersion: "6.5.0+bb.1",
                ociReference: "oci://oci.dev.bigbang.mil:5000/podinfo:6.5.0_bb.1.content.0123456789ab", package: "addons.podinfo",
            },
            {
                name: "kiali", version: "2.1.0+content.aaaaaaaaaaaa", chartVersion: "2.1.0",
                ociReference: "oci://oci.dev.bigbang.mil:5000/kiali:2.1.0_content.aaaaaaaaaaaa", package: "kiali",
            },
        ]);
        assert.deepStrictEqual(chartsOutput([], target), []);
    });

    it("etcHostsLine", () => {
        assert.equal(etcHostsLine("198.51.100.20", "oci.dev.bigbang.mil"), "198.51.100.20 oci.dev.bigbang.mil");
    });
});

describe("registryPlan", () => {
    it("readinessProbeArgs follow registry-ready.sh's usage line", () => {
        assert.deepStrictEqual(usageArgs("registry-ready"), ["hostname", "port", "expected-status"]);
        assert.deepStrictEqual(readinessProbeArgs({ hostname: "oci.dev.bigbang.mil", port: 5000, expectStatus: 401 }), ["oci.dev.bigbang.mil", "5000", "401"]);
    });

    it("firstSlash24", () => {
        assert.equal(firstSlash24("172.20.0.0/16"), "172.20.0.0/24");
        assert.equal(firstSlash24("10.50.4.0/22"), "10.50.4.0/24");
    });
});

describe("remoteScript", () => {
    const scripts = allScripts();

    it("finds the scripts", () => {
        const names = scripts.map((s) => s.name);
        assert.ok(names.includes("helm-push") && names.includes("registry-ready"), names.join(", "));
        assert.equal(new Set(names).size, names.length, `script names must be unique: ${names.join(", ")}`);
    });

    for (const { name, folder } of scripts) {
        it(`${name}: the command hands bash the script text and arguments unchanged`, () => {
            const args = ["a b", "x'y", "$HOME", "", 42];
            const cmd = folder.command(name, args);
            assert.ok(cmd.startsWith("bash -c '"), cmd.slice(0, 40));
            execFileSync("bash", ["-n", "-c", cmd]);
            execFileSync("bash", ["-n", "-c", folder.text(name)]);
            assert.deepStrictEqual(argvOf("bash", cmd), ["-c", folder.text(name), name, "a b", "x'y", "$HOME", "", "42"]);
        });
    }

    it("throws for an unknown script", () => {
        assert.throws(() => scripts[0].folder.command("no-such-script"), /ENOENT/);
    });
});
