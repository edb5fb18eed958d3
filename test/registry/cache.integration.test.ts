// The Registry1 pull-through cache (issue 19), live on 127.0.0.1 with the real
// distribution 2.8 binary (Debian's docker-registry, what `registry:2` runs).
//
// The stand-in for Registry1 is a docker-registry with TLS from a test CA and
// token auth, as Registry1 (Harbor) has: a small token server here checks the
// Registry1 login (HTTP basic) and signs tokens. Token auth is not a detail:
// distribution 2.8's proxy hands its credentials only to a `Bearer` challenge's
// realm (registry/proxy/proxyauth.go, getAuthURLs), so against an htpasswd
// upstream it would pull anonymously. The cache runs with the config file
// registry1CacheConfigYaml() gives the container, only its upstream URL, listen
// address and data folder moved onto 127.0.0.1.
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { z } from "zod";
import { registry1CacheConfigYaml } from "../../components/registry/cacheSettings";
import { htpasswdLine } from "../../components/registry/htpasswd";
import { registrySettings } from "../../components/registry/registrySettings";
import { createOciClient, OCI_IMAGE_MANIFEST_MEDIA_TYPE, sha256Digest } from "../support/ociClient";
import { createTestPki, TestCertificate, TestPki } from "../support/pki";
import { delay, DOCKER_REGISTRY_BINARY, findOnPath, freePort, startRegistry } from "../support/registryServer";
import { runScriptFile, ScriptRun, scriptNamed } from "../support/scripts";

const UPSTREAM_HOSTNAME = "registry1.test";
const SERVICE = "registry1.test";
const ISSUER = "bigbang-oci-dev test token issuer";
const USERNAME = "jdoe";
const PASSWORD = "registry1-cli-token";
const REPOSITORY = "ironbank/opensource/test/app";
const TAG = "1.0.0";
const MAX_LOG_CHARS = 256 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 15_000;
const LOGIN_CHECK = path.join(scriptNamed("registry1-login-check").dir, "registry1-login-check.sh");
/** The line a wrong login must give, naming both config keys. */
const REFUSED_LINE = /^bigbang-oci-dev:bigbang\.registry1\.username and bigbang-oci-dev:bigbang\.registry1\.password: \S+ refused the login of 'jdoe' \(HTTP 401 from its token service \S+\)\. Set the user name and a current CLI token/;

const proxyCounters = z.object({ Requests: z.number(), Hits: z.number(), Misses: z.number() });

interface HttpAnswer {
    status: number;
    body: Buffer;
}

/** One bounded plain-HTTP GET to the cache, as containerd sends it (no credentials). */
function get(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: "GET", headers, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("error", reject);
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        });
        req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`GET ${urlPath} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
        req.on("error", reject);
        req.end();
    });
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

/** A registry token as distribution 2.8 verifies it (registry/auth/token/token.go): ES256, the signer's certificate in x5c. */
function signToken(signer: TestCertificate, access: { type: string; name: string; actions: string[] }[]): string {
    const der = new crypto.X509Certificate(signer.certPem).raw;
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: "ES256", typ: "JWT", x5c: [der.toString("base64")] }));
    const claims = base64url(JSON.stringify({
        iss: ISSUER, sub: USERNAME, aud: SERVICE, iat: now, nbf: now - 10, exp: now + 300, jti: crypto.randomUUID(), access,
    }));
    const signature = crypto.sign("sha256", Buffer.from(`${header}.${claims}`), { key: signer.keyPem, dsaEncoding: "ieee-p1363" });
    return `${header}.${claims}.${base64url(signature)}`;
}

interface TokenServer {
    realm: string;
    /** Requests refused for a wrong login. */
    refused: number;
    close(): Promise<void>;
}

/** Registry1's token endpoint in miniature: HTTP basic with the right login gets a token for the scope asked. */
async function startTokenServer(cert: TestCertificate): Promise<TokenServer> {
    const state = { refused: 0 };
    const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
        const url = new URL(req.url ?? "/", "https://127.0.0.1");
        const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;
        if (url.pathname !== "/token" || req.headers.authorization !== expected) {
            state.refused += 1;
            res.writeHead(401, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "invalid username or password" }] }));
            return;
        }
        const access = url.searchParams.getAll("scope").map((scope) => {
            const [type, name, actions] = scope.split(":");
            return { type, name, actions: actions.split(",") };
        });
        const token = signToken(cert, access);
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("token server has no port");
    return {
        realm: `https://127.0.0.1:${address.port}/token`,
        get refused() {
            return state.refused;
        },
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

interface Running {
    port: number;
    logs(): string;
    stop(): Promise<void>;
}

/** docker-registry with a config file and environment; waits (bounded) until `probe` gets any HTTP answer. */
async function runRegistry(opts: { configFile: string; env: Record<string, string>; port: number; probe: () => Promise<unknown>; home: string }): Promise<Running> {
    let output = "";
    const append = (chunk: Buffer): void => {
        output = (output + chunk.toString("utf8")).slice(-MAX_LOG_CHARS);
    };
    // Only PATH and HOME from outside: a stray REGISTRY_* variable must not change what is tested.
    const child: ChildProcess = spawn(DOCKER_REGISTRY_BINARY, ["serve", opts.configFile], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: opts.home, ...opts.env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    // Drained as it comes, so a chatty registry never blocks on a full pipe.
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    const killOnExit = (): void => {
        child.kill("SIGKILL");
    };
    process.once("exit", killOnExit);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
        stopped ??= (async () => {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill("SIGTERM");
                const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
                await exited;
                clearTimeout(timer);
            }
            process.off("exit", killOnExit);
        })();
        return stopped;
    };
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`docker-registry exited before answering:\n${output}`);
        }
        try {
            await opts.probe();
            return { port: opts.port, logs: () => output, stop };
        } catch {
            // not listening yet
        }
        if (Date.now() >= deadline) {
            await stop();
            throw new Error(`docker-registry did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
        }
        await delay(100);
    }
}

describe("Registry1 pull-through cache (docker-registry proxy, live on 127.0.0.1)", function () {
    this.timeout(60_000);

    let pki: TestPki;
    let workDir: string;
    let cert: TestCertificate;
    let tokens: TokenServer;
    let upstream: Running | undefined;
    const caches: Running[] = [];
    let pushed: { digest: string; config: Buffer; layer: Buffer; layerDigest: string; configDigest: string };

    before(async function () {
        assert.ok(findOnPath("docker-registry"), "docker-registry is not on PATH: install Debian's docker-registry package (distribution 2.8)");
        pki = createTestPki();
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-cache-it-"));
        // The cache dials the upstream and the token realm by IP; the test client by name. All verify against the test CA.
        cert = pki.leaf({ dnsNames: [UPSTREAM_HOSTNAME], ipAddresses: ["127.0.0.1"] });
        tokens = await startTokenServer(cert);

        const port = await freePort();
        const settings = registrySettings({
            hostname: UPSTREAM_HOSTNAME, port, authEnabled: false, listenHost: "127.0.0.1",
            paths: { certificate: cert.certFile, key: cert.keyFile, data: path.join(workDir, "upstream-data") },
        });
        const configFile = path.join(workDir, "upstream.yml");
        fs.writeFileSync(configFile, stringify(settings.baseConfig));
        const probe = createOciClient({ hostname: UPSTREAM_HOSTNAME, port, caPem: pki.ca.certPem, timeoutMs: 2_000 });
        upstream = await runRegistry({
            configFile, port, home: workDir, probe: () => probe.ping(),
            env: {
                ...settings.env,
                REGISTRY_AUTH: "token",
                REGISTRY_AUTH_TOKEN_REALM: tokens.realm,
                REGISTRY_AUTH_TOKEN_SERVICE: SERVICE,
                REGISTRY_AUTH_TOKEN_ISSUER: ISSUER,
                REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: pki.ca.certFile,
            },
        });

        const pusher = createOciClient({
            hostname: UPSTREAM_HOSTNAME, port, caPem: pki.ca.certPem,
            bearerToken: signToken(cert, [{ type: "repository", name: REPOSITORY, actions: ["pull", "push"] }]),
        });
        const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }), "utf8");
        const layer = Buffer.from("an Iron Bank layer, or something like it\n".repeat(64), "utf8");
        const { digest, manifest } = await pusher.pushArtifact(REPOSITORY, TAG, {
            config: { mediaType: "application/vnd.oci.image.config.v1+json", bytes: config },
            layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", bytes: layer }],
        });
        pushed = { digest, config, layer, layerDigest: manifest.layers[0].digest, configDigest: manifest.config.digest };
        // Registry1 refuses an anonymous pull: so does the stand-in.
        const anonymous = createOciClient({ hostname: UPSTREAM_HOSTNAME, port, caPem: pki.ca.certPem });
        assert.equal((await anonymous.headManifest(REPOSITORY, TAG)).status, 401);
    });

    after(async function () {
        await Promise.all(caches.map((c) => c.stop()));
        await upstream?.stop();
        await tokens?.close();
        pki?.cleanup();
        if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    async function startCache(name: string, password: string): Promise<Running & { dataDir: string; debugPort: number }> {
        if (!upstream) throw new Error("the upstream is stopped");
        const port = await freePort();
        const debugPort = await freePort();
        const dataDir = path.join(workDir, `${name}-data`);
        const configFile = path.join(workDir, `${name}.yml`);
        fs.writeFileSync(configFile, registry1CacheConfigYaml({
            username: USERNAME, password, remoteUrl: `https://127.0.0.1:${upstream.port}`, listenHost: "127.0.0.1", port, dataDir, debugPort,
        }), { mode: 0o600 });
        // Go's crypto/x509 takes its roots from SSL_CERT_FILE (crypto/x509/root_unix.go): the test CA
        // stands in for the public roots registry:2 trusts Registry1 with.
        const running = await runRegistry({ configFile, port, home: workDir, env: { SSL_CERT_FILE: pki.ca.certFile }, probe: () => get(port, "/v2/") });
        caches.push(running);
        return { ...running, dataDir, debugPort };
    }

    async function pullThrough(c: Running): Promise<void> {
        const manifest = await get(c.port, `/v2/${REPOSITORY}/manifests/${TAG}`, { Accept: OCI_IMAGE_MANIFEST_MEDIA_TYPE });
        assert.equal(manifest.status, 200, `manifest: ${manifest.body.toString("utf8")}\n--- cache log ---\n${c.logs().slice(-4000)}`);
        assert.equal(sha256Digest(manifest.body), pushed.digest);
        const layer = await get(c.port, `/v2/${REPOSITORY}/blobs/${pushed.layerDigest}`);
        assert.equal(layer.status, 200, layer.body.toString("utf8"));
        assert.ok(layer.body.equals(pushed.layer), "the layer's bytes");
        const config = await get(c.port, `/v2/${REPOSITORY}/blobs/${pushed.configDigest}`);
        assert.equal(config.status, 200, config.body.toString("utf8"));
        assert.ok(config.body.equals(pushed.config), "the config's bytes");
    }

    // distribution 2.8 swallows the upstream's refusal: the proxy's tag lookup falls back to its
    // (empty) storage (registry/proxy/proxytagservice.go, Get), so the client sees "manifest unknown"
    // and the log has no word of the login. containerd then goes on to its next host, Registry1
    // itself, with the pod's pull secret: a wrong cache login costs speed, not a failed pull.
    // The developer learns of it from the login check below, which `pulumi up` runs on the host.
    it("with a wrong Registry1 login, answers a pull with 404 (the token server refused the login)", async function () {
        const refusedBefore = tokens.refused;
        const c = await startCache("wrong-login", "not-the-token");
        const manifest = await get(c.port, `/v2/${REPOSITORY}/manifests/${TAG}`, { Accept: OCI_IMAGE_MANIFEST_MEDIA_TYPE });
        assert.equal(manifest.status, 404, manifest.body.toString("utf8"));
        assert.match(manifest.body.toString("utf8"), /MANIFEST_UNKNOWN/);
        assert.ok(tokens.refused > refusedBefore, "the token server refused the login");
    });

    /**
     * The login check the program runs on the host once the cache is up (RegistryCache,
     * `registry1-login-check`), against the same upstream URL and login as the cache's config:
     * the password on stdin, the test CA as the host's roots (curl's CURL_CA_BUNDLE).
     */
    function loginCheck(remoteUrl: string, password: string): Promise<ScriptRun> {
        return runScriptFile(LOGIN_CHECK, [remoteUrl, USERNAME], {
            PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: workDir, CURL_CA_BUNDLE: pki.ca.certFile,
            REGISTRY1_CHECK_ATTEMPTS: "2", REGISTRY1_CHECK_DELAY: "0",
        }, { stdin: password, timeoutMs: 45_000 });
    }

    function assertNoSecret(run: ScriptRun, password: string): void {
        assert.ok(!run.stdout.includes(password) && !run.stderr.includes(password), "the password is never printed");
    }

    it("login check: passes with the right login: the token service grants a pull token, as it does the cache", async () => {
        if (!upstream) throw new Error("the upstream is stopped");
        const run = await loginCheck(`https://127.0.0.1:${upstream.port}`, PASSWORD);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^Registry1 login of 'jdoe' checked: its token service https:\/\/127\.0\.0\.1:\d+\/token accepted the login\n$/);
        assert.equal(run.stderr, "");
        assertNoSecret(run, PASSWORD);
    });

    it("login check: fails with one line naming bigbang.registry1.username and password when the token service refuses the login", async function () {
        if (!upstream) throw new Error("the upstream is stopped");
        const refusedBefore = tokens.refused;
        const run = await loginCheck(`https://127.0.0.1:${upstream.port}`, "not-the-token");
        assert.equal(run.code, 1, run.stdout + run.stderr);
        assert.match(run.stderr, REFUSED_LINE);
        assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
        assert.ok(tokens.refused > refusedBefore, "the token server refused the login");
        assertNoSecret(run, "not-the-token");
    });

    it("login check: with Registry1 unreachable, warns that the login was not checked and does not fail", async function () {
        const closed = await freePort();
        const run = await loginCheck(`https://127.0.0.1:${closed}`, PASSWORD);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, /^warning: could not check the Registry1 login \(bigbang-oci-dev:bigbang\.registry1\.username and bigbang-oci-dev:bigbang\.registry1\.password\): https:\/\/127\.0\.0\.1:\d+ did not answer \(curl: .*\) \(2 attempts\)\. This is not a wrong login; /);
        assert.doesNotMatch(run.stderr, /refused the login/);
        assert.equal(run.stdout, "");
    });

    it("login check: an htpasswd (Basic) registry: the right login passes, even with quotes, backslashes and spaces in it; a wrong one gets the same line", async function () {
        // curl's config-file quoting must carry every character through stdin unchanged.
        const odd = 'a "b" \\c d\\';
        const basic = await startRegistry({
            authEnabled: true, htpasswd: `${htpasswdLine(USERNAME, odd)}\n`, hostname: UPSTREAM_HOSTNAME,
            tls: { certFile: cert.certFile, keyFile: cert.keyFile, caPem: pki.ca.certPem },
        });
        try {
            const url = `https://127.0.0.1:${basic.port}`;
            const good = await loginCheck(url, odd);
            assert.equal(good.code, 0, good.stderr);
            assertNoSecret(good, odd);
            assert.match(good.stdout, /accepted the login \(HTTP basic\)/);
            const bad = await loginCheck(url, "not-the-token");
            assert.equal(bad.code, 1, bad.stdout + bad.stderr);
            assert.match(bad.stderr, /^bigbang-oci-dev:bigbang\.registry1\.username and bigbang-oci-dev:bigbang\.registry1\.password: \S+ refused the login of 'jdoe' \(HTTP 401 to HTTP basic auth on \S+\)/);
            assertNoSecret(bad, "not-the-token");
        } finally {
            await basic.stop();
        }
    });

    it("fills on the first pull, then serves the same image with Registry1 stopped", async () => {
        const c = await startCache("cache", PASSWORD);
        // Anonymous on the cache, as the nodes' containerd asks: the cache holds the login.
        assert.equal((await get(c.port, "/v2/")).status, 200);
        await pullThrough(c);
        // The proxy writes a blob to storage while it streams it to the client, and finishes after
        // the response (registry/proxy/proxyblobstore.go, ServeBlob): wait, bounded, for both to land.
        for (const digest of [pushed.layerDigest, pushed.configDigest]) {
            const data = path.join(c.dataDir, "docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data");
            for (let i = 0; i < 100 && !fs.existsSync(data); i++) await delay(50);
            assert.ok(fs.existsSync(data), `${digest} is in the cache's storage`);
        }
        const catalog = await get(c.port, "/v2/_catalog");
        assert.deepEqual(JSON.parse(catalog.body.toString("utf8")), { repositories: [REPOSITORY] });

        const stoppedUrl = `https://127.0.0.1:${upstream?.port ?? 0}`;
        await upstream?.stop();
        upstream = undefined;
        await pullThrough(c);

        // The login check against the stopped upstream: the other message, and no failure.
        const offline = await loginCheck(stoppedUrl, PASSWORD);
        assert.equal(offline.code, 0, offline.stderr);
        assert.match(offline.stderr, /^warning: could not check the Registry1 login .* did not answer .*This is not a wrong login/);

        // The counters the README tells how to read. Rough in 2.8.2: every blob request here counts
        // as a hit, the misses of the first pull included, so the test holds them to "present and counting".
        const vars = await get(c.debugPort, "/debug/vars");
        assert.equal(vars.status, 200);
        const proxy = z.object({ registry: z.object({ proxy: z.object({ blobs: proxyCounters, manifests: proxyCounters }) }) })
            .parse(JSON.parse(vars.body.toString("utf8"))).registry.proxy;
        assert.ok(proxy.blobs.Requests >= 4 && proxy.blobs.Hits >= 2, JSON.stringify(proxy));
        assert.ok(proxy.manifests.Requests >= 2, JSON.stringify(proxy));
    });
});
