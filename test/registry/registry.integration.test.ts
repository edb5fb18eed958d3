// The real registry binary (distribution 2.8, what `registry:2` runs) with the
// settings the program deploys: TLS for the developer hostname, optional
// htpasswd auth, and Helm charts pushed and pulled as OCI artifacts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readChart } from "../../components/charts/chartSource";
import { htpasswdLine } from "../../components/registry/htpasswd";
import { registrySettings } from "../../components/registry/registrySettings";
import {
    HELM_CHART_CONTENT_MEDIA_TYPE,
    HELM_CONFIG_MEDIA_TYPE,
    helmConfigJson,
    ociTagForChartVersion,
    packageChart,
    readChartArchive,
    writeChartFixture,
} from "../support/helmChartArchive";
import { OCI_IMAGE_MANIFEST_MEDIA_TYPE, OciClient, OciCredentials, OciHttpError, createOciClient, sha256Digest } from "../support/ociClient";
import { createTestPki, TestCertificate, TestPki } from "../support/pki";
import { findOnPath, REGISTRY_TEST_HOSTNAME, RunningRegistry, startRegistry } from "../support/registryServer";

const CHART_NAME = "mychart";
const CHART_VERSION = "1.2.3-bb.4+build.5";
const USERNAME = "bigbang";
const PASSWORD = "correct-horse-battery-staple";

// Node's codes for a certificate that does not chain to a trusted CA.
const UNTRUSTED_CERT_CODES = ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"];

interface PackagedChart {
    archive: Buffer;
    chartYaml: string;
    config: Buffer;
}

function errorCode(err: unknown): string | undefined {
    if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
    return undefined;
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
        assert.ok(err instanceof OciHttpError, `expected an HTTP error, got ${String(err)}`);
        assert.equal(err.status, status, err.message);
        return true;
    });
}

describe("registry integration (docker-registry + TLS + Helm OCI charts)", function () {
    this.timeout(30_000);

    let pki: TestPki;
    let serverCert: TestCertificate;
    let workDir: string;
    let chart: PackagedChart;
    const registries: RunningRegistry[] = [];

    async function start(authEnabled: boolean): Promise<RunningRegistry> {
        const registry = await startRegistry({
            authEnabled,
            htpasswd: authEnabled ? `${htpasswdLine(USERNAME, PASSWORD)}\n` : undefined,
            tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile, caPem: pki.ca.certPem },
        });
        registries.push(registry);
        return registry;
    }

    function clientFor(registry: RunningRegistry, credentials?: OciCredentials): OciClient {
        return createOciClient({ hostname: registry.hostname, port: registry.port, caPem: pki.ca.certPem, credentials });
    }

    async function pushChart(client: OciClient): Promise<string> {
        const { digest } = await client.pushArtifact(CHART_NAME, ociTagForChartVersion(CHART_VERSION), {
            config: { mediaType: HELM_CONFIG_MEDIA_TYPE, bytes: chart.config },
            layers: [{ mediaType: HELM_CHART_CONTENT_MEDIA_TYPE, bytes: chart.archive }],
        });
        return digest;
    }

    /** Pulls the chart by tag the way Flux does and checks every byte against the digests. */
    async function pullAndCheckChart(client: OciClient, pushedDigest: string): Promise<void> {
        const tag = ociTagForChartVersion(CHART_VERSION);
        assert.ok((await client.listTags(CHART_NAME)).includes(tag), "pushed tag is listed");
        const pulled = await client.getManifest(CHART_NAME, tag);
        assert.equal(pulled.digest, pushedDigest);
        assert.equal(pulled.mediaType, OCI_IMAGE_MANIFEST_MEDIA_TYPE);
        assert.equal(pulled.manifest.config.mediaType, HELM_CONFIG_MEDIA_TYPE);
        assert.equal(pulled.manifest.layers.length, 1);
        const [layer] = pulled.manifest.layers;
        assert.equal(layer.mediaType, HELM_CHART_CONTENT_MEDIA_TYPE);

        const config = await client.getBlob(CHART_NAME, pulled.manifest.config.digest);
        assert.equal(sha256Digest(config), pulled.manifest.config.digest);
        assert.equal(config.length, pulled.manifest.config.size);
        assert.deepEqual(JSON.parse(config.toString("utf8")), JSON.parse(chart.config.toString("utf8")));

        const content = await client.getBlob(CHART_NAME, layer.digest);
        assert.equal(sha256Digest(content), layer.digest);
        assert.equal(content.length, layer.size);
        const unpacked = readChartArchive(content);
        assert.equal(unpacked.rootDirectory, CHART_NAME);
        assert.equal(unpacked.chartYaml, chart.chartYaml);
        assert.ok(unpacked.files.has(`${CHART_NAME}/values.yaml`));
        assert.ok(unpacked.files.has(`${CHART_NAME}/templates/configmap.yaml`));
    }

    before(function () {
        assert.ok(findOnPath("docker-registry"),
            "docker-registry is not on PATH: install Debian's docker-registry package (distribution 2.8), e.g. with scripts/test.sh");
        pki = createTestPki();
        // Only the DNS name, no IP SAN: connecting to 127.0.0.1 must still verify against the hostname.
        serverCert = pki.leaf({ dnsNames: [REGISTRY_TEST_HOSTNAME] });
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-registry-it-"));
        const fixture = writeChartFixture(path.join(workDir, "src"), { name: CHART_NAME, version: CHART_VERSION });
        const archive = fs.readFileSync(packageChart(fixture.chartDir, path.join(workDir, "dist")));
        chart = { archive, chartYaml: fixture.chartYaml, config: helmConfigJson(fixture.chartYaml) };
    });

    after(async function () {
        await Promise.all(registries.map((registry) => registry.stop()));
        pki?.cleanup();
        if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    describe("the packaged chart fixture", () => {
        it("is laid out as helm package does, and its Helm config comes from Chart.yaml", () => {
            const unpacked = readChartArchive(chart.archive);
            assert.equal(unpacked.rootDirectory, CHART_NAME);
            assert.ok(unpacked.entries.every((entry) => entry.startsWith(`${CHART_NAME}/`)), unpacked.entries.join(", "));
            const config: unknown = JSON.parse(chart.config.toString("utf8"));
            assert.deepEqual(
                config,
                { name: CHART_NAME, version: CHART_VERSION, description: `Test chart ${CHART_NAME} for bigbang-oci-dev`, apiVersion: "v2",
                    appVersion: "1.0.0", annotations: { "bigbang.dev/test-fixture": "true" }, type: "application" },
            );
            assert.equal(ociTagForChartVersion(CHART_VERSION), "1.2.3-bb.4_build.5");
        });
    });

    describe("without auth", () => {
        let registry: RunningRegistry;
        before(async () => {
            registry = await start(false);
        });
        after(async () => {
            await registry?.stop();
        });

        it("answers /v2/ with 200, the readiness status registrySettings gives", async () => {
            const expected = registrySettings({ hostname: REGISTRY_TEST_HOSTNAME, port: registry.port, authEnabled: false }).readyStatus;
            assert.equal(expected, 200);
            assert.equal(await clientFor(registry).ping(), expected, registry.logs());
        });

        it("keeps one tag per chart content: a changed chart is a new pushed version, and the old one stays as it was", async () => {
            const client = clientFor(registry);
            const fixture = writeChartFixture(path.join(workDir, "inner-loop"), { name: "innerloop", version: CHART_VERSION });
            const push = async () => {
                const info = readChart(fixture.chartDir);
                const archive = fs.readFileSync(packageChart(fixture.chartDir, fs.mkdtempSync(path.join(workDir, "dist-"))));
                const { digest } = await client.pushArtifact("innerloop", info.pushOciTag, {
                    config: { mediaType: HELM_CONFIG_MEDIA_TYPE, bytes: helmConfigJson(fixture.chartYaml) },
                    layers: [{ mediaType: HELM_CHART_CONTENT_MEDIA_TYPE, bytes: archive }],
                });
                return { tag: info.pushOciTag, version: info.pushVersion, digest };
            };
            const first = await push();
            assert.equal(first.tag, first.version.replace("+", "_"));
            const again = await push();
            assert.equal(again.tag, first.tag, "the same content is the same tag");
            fs.writeFileSync(path.join(fixture.chartDir, "values.yaml"), "changed: true\n");
            const second = await push();
            assert.notEqual(second.tag, first.tag);
            assert.deepEqual((await client.listTags("innerloop")).sort(), [first.tag, second.tag].sort());
            assert.equal((await client.getManifest("innerloop", first.tag)).digest, again.digest, "the earlier version is untouched");
            assert.equal((await client.getManifest("innerloop", second.tag)).digest, second.digest);
        });

        it("takes a Helm chart push and serves it back byte for byte", async () => {
            const client = clientFor(registry);
            const digest = await pushChart(client);
            await pullAndCheckChart(client, digest);
            assert.equal(await client.blobExists(CHART_NAME, sha256Digest(chart.archive)), true);
            assert.equal(await client.blobExists(CHART_NAME, sha256Digest(Buffer.from("never pushed"))), false);
            const head = await client.headManifest(CHART_NAME, ociTagForChartVersion(CHART_VERSION));
            assert.equal(head.status, 200);
            assert.equal(head.headers["docker-content-digest"], digest);
        });

        it("refuses a client that expects another hostname", async () => {
            const client = createOciClient({ hostname: "oci.bigbang.dev", port: registry.port, caPem: pki.ca.certPem });
            await assert.rejects(client.ping(), (err: unknown) => {
                assert.equal(errorCode(err), "ERR_TLS_CERT_ALTNAME_INVALID", String(err));
                return true;
            });
        });

        it("refuses a client that does not trust the CA", async () => {
            const withoutCa = createOciClient({ hostname: registry.hostname, port: registry.port });
            await assert.rejects(withoutCa.ping(), (err: unknown) => {
                assert.ok(UNTRUSTED_CERT_CODES.includes(errorCode(err) ?? ""), String(err));
                return true;
            });
            const otherPki = createTestPki();
            try {
                const withOtherCa = createOciClient({ hostname: registry.hostname, port: registry.port, caPem: otherPki.ca.certPem });
                await assert.rejects(withOtherCa.ping(), (err: unknown) => {
                    assert.ok(UNTRUSTED_CERT_CODES.includes(errorCode(err) ?? ""), String(err));
                    return true;
                });
            } finally {
                otherPki.cleanup();
            }
        });
    });

    describe("with htpasswd auth", () => {
        let registry: RunningRegistry;
        before(async () => {
            registry = await start(true);
        });
        after(async () => {
            await registry?.stop();
        });

        it("answers anonymous /v2/ with 401, the readiness status registrySettings gives", async () => {
            const expected = registrySettings({ hostname: REGISTRY_TEST_HOSTNAME, port: registry.port, authEnabled: true }).readyStatus;
            assert.equal(expected, 401);
            const response = await clientFor(registry).request("GET", "/v2/");
            assert.equal(response.status, expected, registry.logs());
            assert.match(String(response.headers["www-authenticate"]), /^Basic realm=/);
        });

        it("refuses an anonymous push", async () => {
            await rejectsWithStatus(pushChart(clientFor(registry)), 401);
        });

        it("refuses a wrong password and an unknown user", async () => {
            await rejectsWithStatus(pushChart(clientFor(registry, { username: USERNAME, password: `${PASSWORD}x` })), 401);
            await rejectsWithStatus(pushChart(clientFor(registry, { username: "someone", password: PASSWORD })), 401);
            assert.equal(await clientFor(registry, { username: USERNAME, password: "wrong" }).ping(), 401);
        });

        it("lets the htpasswd user push and pull", async () => {
            const client = clientFor(registry, { username: USERNAME, password: PASSWORD });
            assert.equal(await client.ping(), 200);
            const digest = await pushChart(client);
            await pullAndCheckChart(client, digest);
            await rejectsWithStatus(clientFor(registry).getManifest(CHART_NAME, ociTagForChartVersion(CHART_VERSION)), 401);
        });
    });

    describe("startup failures", () => {
        it("names the missing binary", async () => {
            const missing = path.join(workDir, "no-such-docker-registry");
            await assert.rejects(
                startRegistry({ authEnabled: false, binary: missing, readyTimeoutMs: 5_000,
                    tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile, caPem: pki.ca.certPem } }),
                (err: unknown) => {
                    assert.ok(err instanceof Error);
                    assert.match(err.message, /not found/);
                    assert.ok(err.message.includes(missing), err.message);
                    return true;
                },
            );
        });

        it("reports the registry's own log when it exits early", async () => {
            await assert.rejects(
                startRegistry({ authEnabled: false, readyTimeoutMs: 10_000,
                    tls: { certFile: path.join(workDir, "missing.crt"), keyFile: serverCert.keyFile, caPem: pki.ca.certPem } }),
                (err: unknown) => {
                    assert.ok(err instanceof Error);
                    assert.match(err.message, /exited/);
                    assert.match(err.message, /missing\.crt/);
                    return true;
                },
            );
        });
    });
});

describe("findOnPath", () => {
    it("finds an executable in any PATH folder, not at a fixed path", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-path-"));
        try {
            const bin = path.join(dir, "elsewhere");
            fs.mkdirSync(bin);
            fs.writeFileSync(path.join(bin, "docker-registry"), "#!/bin/sh\n", { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "docker-registry"), "not executable\n", { mode: 0o644 });
            assert.equal(findOnPath("docker-registry", [dir, bin].join(path.delimiter)), path.join(bin, "docker-registry"));
            assert.equal(findOnPath("docker-registry", dir), undefined);
            assert.equal(findOnPath("docker-registry", ""), undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
