// Issue 21's config guardrails: wide CIDRs, ports opened with Big Bang's published dev key, and
// credentials stored without --secret.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkStackConfig, configWarnings, PROJECT } from "../../components/config/config";
import { registryBindAddress } from "../../components/registry/registryPlan";
import { TOOL_SHA256 } from "../../components/config/pins";

const P = `${PROJECT}:`;
const CIDR = "203.0.113.7/32";

function check(keys: Record<string, unknown>, secretKeys?: string[]) {
    const raw = Object.fromEntries(Object.entries({ allowedCidrs: [CIDR], ...keys })
        .map(([k, v]) => [`${P}${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
    return checkStackConfig(raw, { userName: "tester", isSecret: secretKeys ? (k) => secretKeys.includes(k) : undefined });
}

describe("config: security guardrails (issue 21)", () => {
    describe("allowedCidrs", () => {
        it("needs allowAnywhere for 0.0.0.0/1 plus 128.0.0.0/1, the whole internet in two halves", () => {
            const { problems } = check({ allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] });
            assert.deepEqual(problems, [
                `${P}allowedCidrs: 0.0.0.0/1, 128.0.0.0/1 are wider than a /8 and open the host to a large part of the internet; set allowAnywhere to true to allow it, got ["0.0.0.0/1","128.0.0.0/1"]`,
            ]);
            assert.deepEqual(check({ allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"], allowAnywhere: "true" }).problems, []);
        });

        it("needs allowAnywhere for every prefix shorter than /8, not for /8", () => {
            for (let prefix = 1; prefix < 8; prefix++) {
                assert.equal(check({ allowedCidrs: [`0.0.0.0/${prefix}`] }).problems.length, 1, `/${prefix}`);
            }
            assert.deepEqual(check({ allowedCidrs: ["10.0.0.0/8"] }).problems, []);
        });

        it("warns for anything wider than a /24, and not for a /24", () => {
            const wide = check({ allowedCidrs: ["10.0.0.0/8", "192.168.0.0/23", CIDR] });
            assert.deepEqual(configWarnings(wide.config), [
                `${P}allowedCidrs: 10.0.0.0/8, 192.168.0.0/23 are wider than a /24: SSH, the Kubernetes API and every exposed port answer that whole range; list your own addresses instead if you can`,
            ]);
            assert.deepEqual(configWarnings(check({ allowedCidrs: ["192.168.7.0/24"] }).config), []);
        });
    });

    describe("a port opened with Big Bang's published dev key", () => {
        const risk = /its TLS key is Big Bang's dev key, whose private half is published in Big Bang's repository, so anyone between allowedCidrs and the host can impersonate it, read the registry password and swap the charts Flux installs with cluster-admin; push through an SSH tunnel instead .*set acceptPublicKeyRisk to true/;

        it("refuses registry.exposePublicly with tls.source bigbang (the default)", () => {
            const { problems } = check({ registry: { exposePublicly: true } });
            assert.equal(problems.length, 1);
            assert.ok(problems[0].startsWith(`${P}registry.exposePublicly: `), problems[0]);
            assert.match(problems[0], risk);
        });

        it("refuses cluster.ports[].exposePublicly while the gateways serve the dev key", () => {
            for (const registry of [{}, { target: "registry1-staging", username: "u", password: "p" }]) {
                const { problems } = check({ registry, cluster: { ports: [{ port: 443, exposePublicly: true }] } });
                assert.equal(problems.length, 1, JSON.stringify(problems));
                assert.ok(problems[0].startsWith(`${P}cluster.ports[0].exposePublicly: `), problems[0]);
                assert.match(problems[0], risk);
            }
        });

        it("opens them with acceptPublicKeyRisk, or with a certificate of your own", () => {
            const ports = { ports: [{ port: 443, exposePublicly: true }] };
            assert.deepEqual(check({ acceptPublicKeyRisk: "true", registry: { exposePublicly: true }, cluster: ports }).problems, []);
            const own = { exposePublicly: true, tls: { source: "files", certFile: "c.pem", keyFile: "k.pem" } };
            assert.deepEqual(check({ registry: own, cluster: ports }).problems, []);
        });
    });

    describe("credentials set without --secret", () => {
        it("refuses registry.password in plain text, naming the key and the command", () => {
            const registry = { target: "external", url: "oci://harbor.example.com/dev", username: "robot", password: "plain-token" };
            const { problems } = check({ registry }, []);
            assert.deepEqual(problems, [
                `${P}registry.password: is stored in plain text in the stack file; set it again as a secret with 'pulumi config set --path --secret ${P}registry.password' (it prompts for the value, so it stays out of your shell history)`,
            ]);
            assert.ok(!problems.join("\n").includes("plain-token"));
            assert.deepEqual(check({ registry }, [`${P}registry`]).problems, []);
        });

        it("refuses bigbang.registry1.password in plain text", () => {
            const bigbang = { registry1: { username: "jane", password: "plain-token" } };
            assert.deepEqual(check({ bigbang }, []).problems, [
                `${P}bigbang.registry1.password: is stored in plain text in the stack file; set it again as a secret with 'pulumi config set --path --secret ${P}bigbang.registry1.password' (it prompts for the value, so it stays out of your shell history)`,
            ]);
            assert.deepEqual(check({ bigbang }, [`${P}bigbang`]).problems, []);
        });

        it("says nothing when no credential is set", () => {
            assert.deepEqual(check({ bigbang: { registry1: { username: "jane" } } }, []).problems, []);
        });
    });

    describe("the README and the example never put a token on the command line", () => {
        const root = path.resolve(__dirname, "../..");
        for (const file of ["README.md", "stack-config.example.yaml"]) {
            it(`${file}: every 'pulumi config set --secret' leaves the value to the prompt or stdin`, () => {
                const text = fs.readFileSync(path.join(root, file), "utf8");
                // The command up to the end of its line, inline code span or comment.
                const commands = [...text.matchAll(/pulumi config set((?:\s+--[\w-]+)*)\s+([^\s`)]+)([^\n`)#]*)/g)]
                    .filter((m) => m[1].includes("--secret"));
                assert.ok(commands.length > 0);
                for (const m of commands) assert.equal(m[3].trim(), "", `a value on the command line: ${m[0]}`);
            });
            it(`${file}: no token goes to a script as an argument`, () => {
                assert.doesNotMatch(fs.readFileSync(path.join(root, file), "utf8"), /-p <[^>]*token>/i);
            });
        }
    });

    it("README 'Pushing by hand' tunnels over SSH to where the unexposed registry listens", () => {
        const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
        const start = readme.indexOf("### Pushing by hand");
        assert.ok(start >= 0);
        const section = readme.slice(start, readme.indexOf("\n## ", start));
        assert.ok(section.includes(`eval "$(pulumi stack output sshCommand) -N -L 5000:${registryBindAddress(false)}:5000"`), section);
        assert.match(section, /--password-stdin/);
        assert.match(section, /is refused/);
        assert.equal(registryBindAddress(true), "0.0.0.0");
    });

    describe("tool downloads are checked against pinned SHA-256s", () => {
        it("fills the pinned sums of the pinned versions for the host's architecture", () => {
            const amd = check({}).config.host.toolSha256;
            assert.deepEqual(amd, { k3d: TOOL_SHA256.k3d["v5.8.3"].amd64, kubectl: TOOL_SHA256.kubectl["v1.36.2"].amd64, helm: TOOL_SHA256.helm["v3.18.6"].amd64 });
            const arm = check({ host: { instanceType: "m7g.2xlarge" } }).config.host.toolSha256;
            assert.equal(arm.helm, TOOL_SHA256.helm["v3.18.6"].arm64);
            for (const sum of [...Object.values(amd), ...Object.values(arm)]) assert.match(sum, /^[0-9a-f]{64}$/);
        });

        it("refuses an overridden version without its sum, naming the key and the download", () => {
            assert.deepEqual(check({ host: { helmVersion: "v3.19.0" } }).problems, [
                `${P}host.helmSha256: host.helmVersion v3.19.0 is not pinned by this program, so its download needs a SHA-256 to be checked against: set the amd64 sum its project publishes for https://get.helm.sh/helm-v3.19.0-linux-amd64.tar.gz (the release notes and .sha256sum list it), got nothing`,
            ]);
            const sum = "AB".repeat(32);
            const ok = check({ host: { helmVersion: "v3.19.0", helmSha256: sum } });
            assert.deepEqual(ok.problems, []);
            assert.equal(ok.config.host.toolSha256.helm, sum.toLowerCase());
        });

        it("refuses a sum that contradicts a pin, and one that is not a SHA-256", () => {
            const [problem] = check({ host: { k3dSha256: "0".repeat(64) } }).problems;
            assert.match(problem, /^bigbang-oci-dev:host\.k3dSha256: differs from the SHA-256 pinned for k3d v5\.8\.3 amd64/);
            assert.deepEqual(check({ host: { kubectlSha256: "abc" } }).problems, [`${P}host.kubectlSha256: expected a SHA-256: 64 hex digits, got "abc"`]);
        });
    });

    it("bigbang.source.commit: a full commit, only with a release version", () => {
        const bigbang = (source: Record<string, string>) => ({ install: true, registry1: { username: "u", password: "p" }, source });
        assert.deepEqual(check({ bigbang: bigbang({ version: "3.31.0", commit: "A".repeat(40) }) }, [`${P}bigbang`]).problems, []);
        assert.deepEqual(check({ bigbang: bigbang({ path: "../bigbang", commit: "a".repeat(40) }) }, [`${P}bigbang`]).problems, [
            `${P}bigbang.source.commit: only applies with bigbang.source.version: it is the commit that release tag must point at, got "${"a".repeat(40)}"`,
        ]);
        assert.deepEqual(check({ bigbang: bigbang({ version: "3.31.0", commit: "1d5a436" }) }, [`${P}bigbang`]).problems, [
            `${P}bigbang.source.commit: expected a full git commit: 40 hex digits, got "1d5a436"`,
        ]);
    });

    it("registry.tls.url: https or file:// only (issue 21)", () => {
        assert.deepEqual(check({ registry: { tls: { url: "http://repo1.dso.mil/big-bang/bigbang/-/raw/master/chart/ingress-certs.yaml" } } }).problems, [
            `${P}registry.tls.url: expected an https:// URL, or file://<path> to a local Big Bang checkout's chart/ingress-certs.yaml, got "http://repo1.dso.mil/big-bang/bigbang/-/raw/master/chart/ingress-certs.yaml"`,
        ]);
        assert.deepEqual(check({ registry: { tls: { url: "https://example.com/ingress-certs.yaml" } } }).problems, []);
    });

    describe("README (issue 21)", () => {
        const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");

        it("every command that filters AWS resources by tag also filters on Owner and Project", () => {
            const commands = readme.split("\n").flatMap((line) => line.match(/`aws [^`]*`/g) ?? []).filter((c) => c.includes("Name=tag:"));
            assert.ok(commands.length > 0);
            for (const command of commands) {
                assert.ok(command.includes("Name=tag:Owner,") && command.includes("Name=tag:Project,Values=bigbang-oci-dev"), command);
            }
        });

        it("says that sshuttle --dns sends every DNS lookup of the workstation through the host", () => {
            assert.match(readme, /`sshuttle --dns` sends \*\*every DNS lookup of your workstation\*\* through the host/);
        });

        it("has a Security model: trust, exposure, where secrets live, rotation, updates, and the pinned SSH host key", () => {
            const start = readme.indexOf("## Security model");
            assert.ok(start >= 0);
            const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
            for (const part of ["**What is trusted.**", "**What is exposed.**", "**Where secrets live.**", "**Updates.**", "**Rotating credentials.**",
                "*The registry password*", "*The Registry1 token*", "apt-daily-upgrade.timer", "The host's SSH key, pinned for every client"]) {
                assert.ok(section.includes(part), part);
            }
            for (const where of ["Pulumi state", "stack file", "passphrase", "workstation", "host"]) assert.match(section, new RegExp(`^\\| ${where}`, "m"), where);
        });
    });
});
