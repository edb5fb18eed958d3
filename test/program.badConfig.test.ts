// Bad input: every case is refused by prepare() with the key named, and a config error in the whole
// program registers not a single resource (component or custom).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { prepare } from "../components/prepare";
import { ConfigError } from "../components/config/config";
import { BASE_CONFIG, isConfigError, runProgramFailure } from "./support/program";

const P = "bigbang-oci-dev:";
const BIGBANG_CHECKOUT = path.resolve(__dirname, "fixtures", "bigbang-checkout");
const json = (v: unknown) => JSON.stringify(v);

async function closedPort(): Promise<number> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

// Each refusal at prepare() level (what index.ts calls before any resource), and one whole-program run per
// mode that proves a config error registers nothing (issue 18: refusals need no whole-program evaluation).
describe("prepare: bad config is refused before any resource exists", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-badcfg-"));
        fs.writeFileSync(path.join(dir, "not-a-key"), "hello\n");
        fs.mkdirSync(path.join(dir, "nochart"));
        fs.mkdirSync(path.join(dir, "buildmeta"));
        fs.writeFileSync(path.join(dir, "buildmeta", "Chart.yaml"), "apiVersion: v2\nname: kiali\nversion: 2.1.0+build.7\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const cases: { name: string; config: Record<string, string>; expect: RegExp[] }[] = [
        {
            name: "arm64 on t3",
            config: { [`${P}host`]: json({ instanceType: "t3.large", architecture: "arm64" }) },
            expect: [/host\.architecture: contradicts host\.instanceType t3\.large/],
        },
        { name: "a k3s arg without --", config: { [`${P}cluster`]: json({ k3sArgs: ["disable=traefik"] }) }, expect: [/cluster\.k3sArgs\[0\]\.arg: expected a k3s flag/] },
        { name: "'$' in a k3s arg", config: { [`${P}cluster`]: json({ k3sArgs: ["--node-label=a=$B"] }) }, expect: [/cluster\.k3sArgs\[0\]\.arg: k3d expands/] },
        {
            name: "a node filter k3d refuses",
            config: { [`${P}cluster`]: json({ ports: [{ port: 8080, nodeFilters: ["server"] }] }) },
            expect: [/cluster\.ports\[0\]\.nodeFilters\[0\]: k3d needs a subset/],
        },
        {
            name: "a port with registry1-staging",
            config: { [`${P}registry`]: json({ target: "registry1-staging", username: "u", password: "p", port: 5000 }) },
            expect: [/registry\.port: is not used with registry\.target registry1-staging/],
        },
        {
            name: "an unreadable sshPrivateKeyFile",
            config: { [`${P}host`]: json({ sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB me@laptop", sshPrivateKeyFile: "/nonexistent/id_ed25519" }) },
            expect: [/host\.sshPrivateKeyFile: cannot read \/nonexistent\/id_ed25519: no such file/],
        },
        {
            name: "an sshPrivateKeyFile that holds no private key",
            config: { [`${P}host`]: json({ sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB me@laptop", sshPrivateKeyFile: "not-a-key" }) },
            expect: [/host\.sshPrivateKeyFile: not-a-key is not an OpenSSH or PEM private key/],
        },
        { name: "an sshUser cloud-init refuses", config: { [`${P}host`]: json({ sshUser: "9lives" }) }, expect: [/host\.sshUser: expected a Linux user name/] },
        {
            name: "an unknown key inside a k3sArgs item",
            config: { [`${P}cluster`]: json({ k3sArgs: [{ arg: "--a", nodeFilters: ["server:*"], filters: [] }] }) },
            expect: [/cluster\.k3sArgs\[0\]\.filters: unknown key/],
        },
        {
            name: "a bad config key and a bad chart, both reported",
            config: { [`${P}registry`]: json({ tls: { source: "self-signed" }, port: "abc" }), [`${P}charts`]: json(["nochart"]) },
            expect: [/registry\.port: expected 1-65535, got "abc"/, /charts\[0\]\.path: .*nochart/],
        },
        {
            name: "a chart version with build metadata under the prerelease scheme, per chart",
            config: { [`${P}charts`]: json([{ path: "buildmeta", versionScheme: "prerelease" }]) },
            expect: [/charts\[0\]\.versionScheme: .*Chart\.yaml: version "2\.1\.0\+build\.7" has build metadata.*drop the \+build\.7 part/],
        },
        {
            name: "a chart version with build metadata under the prerelease scheme, as the default",
            config: { [`${P}charts`]: json(["buildmeta"]), [`${P}chartVersionScheme`]: "prerelease" },
            expect: [/bigbang-oci-dev:chartVersionScheme: .*has build metadata/],
        },
        {
            name: "a k3s version below the Big Bang chart's kubeVersion",
            config: {
                [`${P}cluster`]: json({ k3sImage: "rancher/k3s:v1.33.4-k3s1" }),
                [`${P}bigbang`]: json({ install: true, registry1: { username: "jdoe", password: "token" }, source: { path: BIGBANG_CHECKOUT } }),
            },
            expect: [/cluster\.k3sImage: rancher\/k3s:v1\.33\.4-k3s1 runs Kubernetes 1\.33\.4, and Big Bang 3\.30\.0 needs kubeVersion ">=1\.34\.0-0" \(.*chart\/Chart\.yaml\): Helm would refuse/],
        },
        {
            name: "external registry credentials and a Registry1 login that Big Bang cannot put into JSON",
            config: {
                [`${P}registry`]: json({ target: "external", url: "oci://harbor.dev.bigbang.mil/library", username: "robot\"x", password: "to\\k\u0001en" }),
                [`${P}bigbang`]: json({ install: true, registry1: { username: "jdoe", password: "tab\there" }, source: { path: BIGBANG_CHECKOUT } }),
            },
            expect: [
                /registry\.username: contains a double quote \("\), which Big Bang's chart writes into its registry Secret's JSON without escaping/,
                /registry\.password: contains a backslash \(\\\) and a control character/,
                /bigbang\.registry1\.password: contains a control character/,
            ],
        },
        {
            name: "a bad host key and a certificate download failure, both reported",
            config: { [`${P}host`]: json({ market: "reserved" }), [`${P}registry`]: json({ tls: { url: "https://127.0.0.1:9/ingress-certs.yaml" } }) },
            expect: [/host\.market: expected spot or on-demand/, /registry\.tls: .*127\.0\.0\.1:9/],
        },
    ];
    // Not reached: every case has a problem, and AWS is asked only when there is none.
    const lookupPlacement = () => Promise.reject(new Error("AWS was asked"));
    for (const c of cases) {
        it(c.name, async () => {
            await assert.rejects(prepare({ ...BASE_CONFIG, ...c.config }, { projectDir: dir, env: {}, lookupPlacement }), (error: unknown) => {
                assert.ok(isConfigError(error), `expected a ConfigError, got ${String(error)}`);
                for (const pattern of c.expect) assert.match(error.message, pattern);
                for (const secret of ["to\\k\u0001en", "tab\there"]) assert.ok(!error.message.includes(secret), "a password is never printed");
                return true;
            });
        });
    }

    for (const preview of [false, true]) {
        it(`whole program, ${preview ? "preview" : "update"}: a config error registers nothing`, async () => {
            const config = { [`${P}registry`]: json({ tls: { source: "self-signed" }, port: "abc" }), [`${P}charts`]: json(["nochart"]) };
            const { error, resources } = await runProgramFailure({ ...BASE_CONFIG, ...config }, { preview, cwd: dir });
            assert.ok(isConfigError(error), `expected a ConfigError, got ${String(error)}`);
            for (const pattern of [/registry\.port: expected 1-65535, got "abc"/, /registry\.tls\.source: self-signed/, /charts\[0\]\.path: .*nochart/]) {
                assert.match(error.message, pattern);
            }
            assert.deepEqual(resources.map((r) => `${r.type}::${r.name}`), []);
        });
    }
});

describe("prepare: every check that can run, reported once", () => {
    it("reports a failed certificate download and a failed IP detection together", async () => {
        const port = await closedPort();
        const config = {
            [`${P}registry`]: json({ tls: { url: `https://127.0.0.1:${port}/chart/ingress-certs.yaml` } }),
            [`${P}charts`]: json(["nochart-here"]),
        };
        await assert.rejects(prepare(config, { projectDir: os.tmpdir(), userName: "tester", ipCheckUrl: `http://127.0.0.1:${port}/` }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.equal(err.problems.length, 3, err.message);
            assert.match(err.problems[0], /^bigbang-oci-dev:charts\[0\]\.path: /);
            assert.match(err.problems[1], /^bigbang-oci-dev:registry\.tls: .*ECONNREFUSED/);
            assert.match(err.problems[2], /^bigbang-oci-dev:allowedCidrs: is empty and the workstation's public IP could not be detected/);
            return true;
        });
    });

    it("still detects the IP when another key is bad", async () => {
        const port = await closedPort();
        // tls.url at a missing file: the certificate check fails too, without a download.
        const config = { [`${P}host`]: json({ volumeSizeGiB: 1 }), [`${P}registry`]: json({ tls: { url: "file:///nonexistent/ingress-certs.yaml" } }) };
        await assert.rejects(prepare(config, { projectDir: os.tmpdir(), userName: "tester", ipCheckUrl: `http://127.0.0.1:${port}/` }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.deepEqual(err.problems.map((p) => p.split(":")[1]), ["host.volumeSizeGiB", "registry.tls", "allowedCidrs"]);
            return true;
        });
    });

    it("does not check a section whose own values are bad", async () => {
        // A bad registry port must not also produce a certificate download error from the default URL.
        const config = { [`${P}allowedCidrs`]: json(["203.0.113.7/32"]), [`${P}registry`]: json({ port: 0 }) };
        await assert.rejects(prepare(config, { projectDir: os.tmpdir(), userName: "tester" }), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.deepEqual(err.problems, [`${P}registry.port: expected 1-65535, got 0`]);
            return true;
        });
    });
});
