import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import * as YAML from "yaml";
import { X509Certificate } from "crypto";
import {
    type CertificateErrorReason,
    checkCertificate,
    extractIngressCerts,
    fetchIngressCerts,
    hostnameMatches,
    loadRegistryCertificate,
    parseSubjectAltName,
    readCertificateFiles,
} from "../../components/registry/tlsCertificate";
import { createTestPki, ingressCertsYaml, type TestPki } from "../support/pki";
import { expectCertificateError, pemCount } from "../support/certAssertions";

// A stand-in for Big Bang's dev certificate: a wildcard for dev.bigbang.mil
// from a test CA, leaf then CA as upstream ships its chain. The upstream file
// itself is checked by test/conformance/tlsCertificate.test.ts.
let sharedPki: TestPki | undefined;
let sharedLeaf: { certPem: string; keyPem: string; expiresAt: string } | undefined;
function bigbangLike(): { certPem: string; keyPem: string; expiresAt: string } {
    if (!sharedLeaf) {
        sharedPki = createTestPki();
        const leaf = sharedPki.leaf({ dnsNames: ["*.dev.bigbang.mil", "dev.bigbang.mil"], days: 30 });
        sharedLeaf = {
            certPem: `${leaf.certPem.trim()}\n${sharedPki.ca.certPem.trim()}\n`,
            keyPem: leaf.keyPem,
            expiresAt: new Date(new X509Certificate(leaf.certPem).validTo).toISOString(),
        };
    }
    return sharedLeaf;
}
after(() => sharedPki?.cleanup());

async function rejectsWith(promise: Promise<unknown>, reason: CertificateErrorReason, ...patterns: RegExp[]): Promise<void> {
    await assert.rejects(promise, expectCertificateError(reason, ...patterns));
}

describe("tlsCertificate", () => {
    describe("extractIngressCerts", () => {
        it("reads the current layout, resolving the publicTLS anchor", () => {
            const certs = extractIngressCerts(ingressCertsYaml("current", bigbangLike().certPem, bigbangLike().keyPem), "current.yaml");
            assert.equal(certs.layout, "current");
            assert.equal(certs.certPem, bigbangLike().certPem);
            assert.equal(pemCount(certs.certPem), 2);
            assert.match(certs.keyPem, /PRIVATE KEY-----/);
        });

        it("falls back to the legacy layout", () => {
            const certs = extractIngressCerts(ingressCertsYaml("legacy", bigbangLike().certPem, bigbangLike().keyPem), "legacy.yaml");
            assert.equal(certs.layout, "legacy");
            assert.equal(certs.certPem, bigbangLike().certPem);
            assert.match(certs.keyPem, /PRIVATE KEY-----/);
        });

        it("prefers the current layout when both are present", () => {
            const text = [
                "istio:", "  gateways:", "    public:", "      tls: {cert: old-cert, key: old-key}",
                "istioGateway:", "  values:", "    gateways:", "      public:", "        gatewayCerts:",
                "        - tls: {cert: new-cert, key: new-key}",
            ].join("\n");
            assert.deepEqual(extractIngressCerts(text, "both"), { certPem: "new-cert", keyPem: "new-key", layout: "current" });
        });

        it("resolves an alias used as the tls block", () => {
            const text = [
                "shared: &tls", "  cert: the-cert", "  key: the-key",
                "istioGateway:", "  values:", "    gateways:", "      public:", "        gatewayCerts:", "        - tls: *tls",
            ].join("\n");
            assert.deepEqual(extractIngressCerts(text, "alias"), { certPem: "the-cert", keyPem: "the-key", layout: "current" });
        });

        it("accepts more alias uses than yaml's default limit of 100", () => {
            const addons = Array.from({ length: 150 }, (_, index) => `  addon${index}:\n    ingress: *publicTLS`);
            const text = [
                "istioGateway:", "  values:", "    gateways:", "      public:", "        gatewayCerts:",
                "        - tls: &publicTLS", "            cert: c", "            key: k",
                "addons:", ...addons,
            ].join("\n");
            assert.throws(() => YAML.parse(text), /alias/i, "the default limit should reject this file, or this test proves nothing");
            assert.equal(extractIngressCerts(text, "many-aliases").layout, "current");
        });

        it("rejects text that is not YAML", () => {
            assert.throws(() => extractIngressCerts("key: [unclosed", "broken.yaml"), expectCertificateError("not-yaml", /broken\.yaml/, /not valid YAML/));
        });

        it("rejects YAML that is not a mapping", () => {
            for (const text of ["", "just a string", "- a\n- b", "<html><body>Sign in</body></html>"]) {
                assert.throws(() => extractIngressCerts(text, "page"), expectCertificateError("not-yaml", /page/, /expected a YAML mapping/), text);
            }
        });

        it("names both paths when neither layout is present", () => {
            const check = expectCertificateError("layout", /nothing\.yaml/,
                /\.istioGateway\.values\.gateways\.public\.gatewayCerts\[0\]\.tls\.\{cert,key\}/, /\.istio\.gateways\.public\.tls\.\{cert,key\}/);
            assert.throws(() => extractIngressCerts("foo: bar\n", "nothing.yaml"), check);
            assert.throws(() => extractIngressCerts("istioGateway:\n  values:\n    gateways:\n      public:\n        gatewayCerts: []\n", "nothing.yaml"), check);
            assert.throws(() => extractIngressCerts("istio:\n  gateways:\n    public:\n      tls: {cert: '', key: k}\n", "nothing.yaml"), check);
        });
    });

    describe("checkCertificate with a test PKI", () => {
        let pki: TestPki;
        let otherPki: TestPki;
        before(() => {
            pki = createTestPki();
            otherPki = createTestPki();
        });
        after(() => {
            pki.cleanup();
            otherPki.cleanup();
        });

        it("accepts a matching pair and warns about the short validity", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"], days: 10 });
            const result = checkCertificate({ certPem: leaf.certPem, keyPem: leaf.keyPem, hostname: "oci.test.example" });
            assert.deepEqual(result.dnsNames, ["oci.test.example"]);
            assert.equal(result.warnings.length, 1);
            assert.match(result.warnings[0] ?? "", /expires at .*, in (9|10) days/);
        });

        it("accepts a chain that also carries the CA", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"], days: 30 });
            const result = checkCertificate({ certPem: leaf.certPem + pki.ca.certPem, keyPem: leaf.keyPem, hostname: "oci.test.example" });
            assert.equal(pemCount(result.chainPem), 2);
            assert.deepEqual(result.warnings, []);
        });

        it("rejects a key that belongs to another certificate", () => {
            const one = pki.leaf({ dnsNames: ["one.test.example"] });
            const two = pki.leaf({ dnsNames: ["two.test.example"] });
            assert.throws(
                () => checkCertificate({ certPem: one.certPem, keyPem: two.keyPem, hostname: "one.test.example" }),
                expectCertificateError("key-mismatch", /does not match the certificate/, /one\.test\.example/),
            );
        });

        it("says so when the key matches a later certificate in the chain", () => {
            const one = pki.leaf({ dnsNames: ["one.test.example"] });
            const two = pki.leaf({ dnsNames: ["two.test.example"] });
            assert.throws(
                () => checkCertificate({ certPem: one.certPem + two.certPem, keyPem: two.keyPem, hostname: "two.test.example" }),
                expectCertificateError("key-mismatch", /certificate 2 in the chain/, /first/),
            );
        });

        it("rejects garbage in place of a certificate or key", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"] });
            assert.throws(() => checkCertificate({ certPem: "not a certificate", keyPem: leaf.keyPem, hostname: "oci.test.example" }),
                expectCertificateError("parse", /no PEM CERTIFICATE block/));
            assert.throws(() => checkCertificate({ certPem: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", keyPem: leaf.keyPem, hostname: "oci.test.example" }),
                expectCertificateError("parse", /certificate 1 of 1 does not parse/));
            assert.throws(() => checkCertificate({ certPem: leaf.certPem, keyPem: "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n", hostname: "oci.test.example" }),
                expectCertificateError("parse", /private key does not parse/));
        });

        it("rejects a certificate that is not valid yet", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"], notBefore: "20990101000000Z", notAfter: "20991231000000Z" });
            assert.throws(() => checkCertificate({ certPem: leaf.certPem, keyPem: leaf.keyPem, hostname: "oci.test.example" }),
                expectCertificateError("not-yet-valid", /not valid until 2099-01-01T00:00:00\.000Z/));
        });

        it("rejects an expired certificate", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"], notBefore: "20200101000000Z", notAfter: "20200201000000Z" });
            assert.throws(() => checkCertificate({ certPem: leaf.certPem, keyPem: leaf.keyPem, hostname: "oci.test.example" }),
                expectCertificateError("expired", /expired at 2020-02-01T00:00:00\.000Z/));
        });

        it("ignores the CN when there is no DNS subjectAltName", () => {
            const leaf = pki.leaf({ dnsNames: [], ipAddresses: ["10.0.0.1"] });
            assert.throws(() => checkCertificate({ certPem: leaf.certPem, keyPem: leaf.keyPem, hostname: "leaf.test.example" }),
                expectCertificateError("hostname", /no DNS subjectAltName/, /ignore the subject CN/));
        });
    });

    describe("hostnameMatches", () => {
        const cases: [string, string, boolean][] = [
            ["*.dev.bigbang.mil", "oci.dev.bigbang.mil", true],
            ["*.dev.bigbang.mil", "OCI.DEV.BIGBANG.MIL", true],
            ["*.DEV.bigbang.mil", "oci.dev.bigbang.mil", true],
            ["*.dev.bigbang.mil", "oci.dev.bigbang.mil.", true],
            ["*.dev.bigbang.mil", "a.b.dev.bigbang.mil", false],
            ["*.dev.bigbang.mil", "dev.bigbang.mil", false],
            ["*.dev.bigbang.mil", ".dev.bigbang.mil", false],
            ["*.dev.bigbang.mil", "oci.dev.bigbang.mil.evil.com", false],
            ["*.bigbang.dev", "oci.dev.bigbang.mil", false],
            ["oci.dev.bigbang.mil", "oci.dev.bigbang.mil", true],
            ["oci.dev.bigbang.mil", "ocx.dev.bigbang.mil", false],
            ["oci.*.bigbang.mil", "oci.dev.bigbang.mil", false],
            ["o*.dev.bigbang.mil", "oci.dev.bigbang.mil", false],
            ["*.*.bigbang.mil", "a.b.bigbang.mil", false],
            ["*.mil", "bigbang.mil", false],
            ["*", "localhost", false],
            ["", "", false],
        ];
        for (const [pattern, hostname, expected] of cases) {
            it(`${JSON.stringify(pattern)} ${expected ? "covers" : "does not cover"} ${JSON.stringify(hostname)}`, () => {
                assert.equal(hostnameMatches(pattern, hostname), expected);
            });
        }

        const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?$/);
        const domain = fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join("."));

        it("a wildcard covers every name exactly one label below its domain, in any case", () => {
            fc.assert(fc.property(label, domain, fc.boolean(), (first, base, upper) => {
                const hostname = `${first}.${base}`;
                return hostnameMatches(`*.${base}`, upper ? hostname.toUpperCase() : hostname);
            }));
        });

        it("a wildcard never covers its own domain or names two or more labels below it", () => {
            fc.assert(fc.property(fc.array(label, { minLength: 2, maxLength: 3 }), domain, (extra, base) => {
                return !hostnameMatches(`*.${base}`, base) && !hostnameMatches(`*.${base}`, `${extra.join(".")}.${base}`);
            }));
        });

        it("an exact name covers itself and nothing that differs in a label", () => {
            fc.assert(fc.property(label, label, domain, (first, other, base) => {
                fc.pre(first !== other);
                return hostnameMatches(`${first}.${base}`, `${first}.${base}`) && !hostnameMatches(`${first}.${base}`, `${other}.${base}`);
            }));
        });
    });

    describe("parseSubjectAltName", () => {
        it("splits plain entries", () => {
            assert.deepEqual(parseSubjectAltName("DNS:*.dev.bigbang.mil, DNS:dev.bigbang.mil, IP Address:10.0.0.1"), [
                { type: "DNS", value: "*.dev.bigbang.mil" },
                { type: "DNS", value: "dev.bigbang.mil" },
                { type: "IP Address", value: "10.0.0.1" },
            ]);
        });

        it("does not read names out of Node's quoted values", () => {
            const entries = parseSubjectAltName('DNS:a.example.com, URI:"x, DNS:evil.example.com", DNS:b.example.com');
            assert.deepEqual(entries.filter((entry) => entry.type === "DNS").map((entry) => entry.value), ["a.example.com", "b.example.com"]);
            assert.deepEqual(entries[1], { type: "URI", value: "x, DNS:evil.example.com" });
        });

        it("returns nothing for a certificate without the extension", () => {
            assert.deepEqual(parseSubjectAltName(undefined), []);
        });
    });

    describe("fetchIngressCerts", () => {
        // An HTTPS server on 127.0.0.1 with a test CA's certificate, which the fetches trust through `ca`.
        let server: https.Server;
        let plain: http.Server;
        let baseUrl: string;
        let plainUrl: string;
        let pki: TestPki;
        let ca: string;

        before(async () => {
            const reference = ingressCertsYaml("current", bigbangLike().certPem, bigbangLike().keyPem);
            pki = createTestPki();
            ca = pki.ca.certPem;
            const leaf = pki.leaf({ dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
            // Plain HTTP, serving the same file: reached only through a refused URL or redirect.
            plain = http.createServer((_request, response) => response.writeHead(200).end(reference));
            await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
            plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
            server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (request, response) => {
                switch (request.url) {
                    case "/chart/ingress-certs.yaml":
                        response.writeHead(200, { "content-type": "text/plain" }).end(reference);
                        return;
                    case "/moved":
                        response.writeHead(302, { location: "/chart/ingress-certs.yaml" }).end();
                        return;
                    case "/downgrade":
                        response.writeHead(302, { location: `${plainUrl}/chart/ingress-certs.yaml` }).end();
                        return;
                    case "/loop":
                        response.writeHead(301, { location: "/loop" }).end();
                        return;
                    case "/sign-in":
                        response.writeHead(200, { "content-type": "text/html" }).end("<html><body>Sign in</body></html>");
                        return;
                    case "/broken":
                        response.writeHead(200).end("key: [unclosed\n");
                        return;
                    case "/other.yaml":
                        response.writeHead(200).end("apiVersion: v1\nkind: ConfigMap\n");
                        return;
                    case "/hang":
                        return;
                    case "/stall":
                        response.writeHead(200);
                        response.write("istioGateway:\n");
                        return;
                    default:
                        response.writeHead(404, { "content-type": "text/plain" }).end("not found");
                }
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
        });

        after(async () => {
            // A failed `before` leaves no server to close.
            pki.cleanup();
            for (const s of [server, plain]) {
                s.closeAllConnections();
                await new Promise<void>((resolve) => s.close(() => resolve()));
            }
        });

        it("downloads and extracts the certificate", async () => {
            const certs = await fetchIngressCerts(`${baseUrl}/chart/ingress-certs.yaml`, { ca, timeoutMs: 5000 });
            assert.equal(certs.layout, "current");
            assert.equal(pemCount(certs.certPem), 2);
        });

        it("follows redirects", async () => {
            const certs = await fetchIngressCerts(`${baseUrl}/moved`, { ca, timeoutMs: 5000 });
            assert.equal(certs.layout, "current");
        });

        it("gives up after maxRedirects", async () => {
            await rejectsWith(fetchIngressCerts(`${baseUrl}/loop`, { ca, timeoutMs: 5000, maxRedirects: 3 }), "fetch", /more than 3 redirects/);
        });

        it("reports an HTTP 404 with the URL", async () => {
            const url = `${baseUrl}/missing/ingress-certs.yaml`;
            await rejectsWith(fetchIngressCerts(url, { ca, timeoutMs: 5000 }), "fetch", /HTTP 404/, new RegExp(url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
        });

        it("reports a body that is not a YAML mapping", async () => {
            await rejectsWith(fetchIngressCerts(`${baseUrl}/sign-in`, { ca, timeoutMs: 5000 }), "not-yaml", /\/sign-in/, /expected a YAML mapping/);
            await rejectsWith(fetchIngressCerts(`${baseUrl}/broken`, { ca, timeoutMs: 5000 }), "not-yaml", /\/broken/, /not valid YAML/);
        });

        it("reports YAML with neither layout", async () => {
            await rejectsWith(fetchIngressCerts(`${baseUrl}/other.yaml`, { ca, timeoutMs: 5000 }), "layout", /\.istioGateway\.values/, /\.istio\.gateways/);
        });

        it("times out on a server that never answers", async () => {
            const started = Date.now();
            await rejectsWith(fetchIngressCerts(`${baseUrl}/hang`, { ca, timeoutMs: 300 }), "fetch", /timed out after 300 ms/, /\/hang/);
            assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
        });

        it("times out on a server that stops sending the body", async () => {
            const started = Date.now();
            await rejectsWith(fetchIngressCerts(`${baseUrl}/stall`, { ca, timeoutMs: 300 }), "fetch", /timed out after 300 ms/);
            assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
        });

        it("reports a refused connection", async () => {
            const closed = http.createServer();
            await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
            const port = (closed.address() as AddressInfo).port;
            await new Promise<void>((resolve) => closed.close(() => resolve()));
            await rejectsWith(fetchIngressCerts(`https://127.0.0.1:${port}/x`, { ca, timeoutMs: 2000 }), "fetch", /ECONNREFUSED/);
        });

        it("rejects a non-https URL, http included (issue 21)", async () => {
            await rejectsWith(fetchIngressCerts("file:///etc/passwd", { ca, timeoutMs: 1000 }), "fetch", /not an https URL/);
            await rejectsWith(fetchIngressCerts(`${plainUrl}/chart/ingress-certs.yaml`, { ca, timeoutMs: 1000 }), "fetch",
                /is not an https URL; the certificate and its key are fetched over HTTPS only/);
        });

        it("refuses a redirect from https to http (issue 21)", async () => {
            await rejectsWith(fetchIngressCerts(`${baseUrl}/downgrade`, { ca, timeoutMs: 5000 }), "fetch",
                /it redirects from https:\/\/127\.0\.0\.1:\d+\/downgrade to http:\/\/127\.0\.0\.1:\d+\/chart\/ingress-certs\.yaml, which is not https/);
        });

        it("trusts no certificate outside its store: without the test CA the server is refused", async () => {
            await rejectsWith(fetchIngressCerts(`${baseUrl}/chart/ingress-certs.yaml`, { timeoutMs: 5000 }), "fetch", /certificate/);
        });

        it("loads and checks the certificate for tls.source bigbang", async () => {
            const url = `${baseUrl}/chart/ingress-certs.yaml`;
            const loaded = await loadRegistryCertificate({ source: "bigbang", url }, "oci.dev.bigbang.mil", { ca, timeoutMs: 5000 });
            assert.equal(loaded.expiresAt, bigbangLike().expiresAt);
            assert.equal(loaded.origin, url);
            assert.match(loaded.keyPem, /PRIVATE KEY/);
            await rejectsWith(
                loadRegistryCertificate({ source: "bigbang", url }, "oci.bigbang.dev", { ca, timeoutMs: 5000 }),
                "hostname", new RegExp(`^registry certificate from ${url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: `),
            );
        });
    });

    describe("readCertificateFiles", () => {
        let pki: TestPki;
        let scratch: string;
        before(() => {
            pki = createTestPki();
            scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-tls-files-"));
        });
        after(() => {
            pki.cleanup();
            fs.rmSync(scratch, { recursive: true, force: true });
        });

        it("reads the certificate and key", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"] });
            assert.deepEqual(readCertificateFiles({ certFile: leaf.certFile, keyFile: leaf.keyFile }), { certPem: leaf.certPem, keyPem: leaf.keyPem });
        });

        it("resolves relative paths against baseDir", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"] });
            const contents = readCertificateFiles({ certFile: path.basename(leaf.certFile), keyFile: path.basename(leaf.keyFile) }, pki.dir);
            assert.equal(contents.certPem, leaf.certPem);
        });

        it("names the field and path of a missing file", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"] });
            const missing = path.join(scratch, "nope.crt");
            assert.throws(() => readCertificateFiles({ certFile: missing, keyFile: leaf.keyFile }),
                expectCertificateError("file", /registry\.tls\.certFile/, new RegExp(missing.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")), /no such file/));
        });

        it("rejects a directory and a file without PEM", () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"] });
            assert.throws(() => readCertificateFiles({ certFile: leaf.certFile, keyFile: scratch }),
                expectCertificateError("file", /registry\.tls\.keyFile/, /directory/));
            const notPem = path.join(scratch, "key.txt");
            fs.writeFileSync(notPem, "hunter2\n");
            assert.throws(() => readCertificateFiles({ certFile: leaf.certFile, keyFile: notPem }),
                expectCertificateError("file", /key\.txt/, /no PEM "PRIVATE KEY" block/));
            assert.throws(() => readCertificateFiles({ certFile: leaf.keyFile, keyFile: leaf.keyFile }),
                expectCertificateError("file", /registry\.tls\.certFile/, /no PEM "CERTIFICATE" block/));
        });

        it("loads and checks the certificate for tls.source files", async () => {
            const leaf = pki.leaf({ dnsNames: ["oci.test.example"], days: 30 });
            const loaded = await loadRegistryCertificate(
                { source: "files", url: "http://unused.invalid", certFile: leaf.certFile, keyFile: leaf.keyFile },
                "oci.test.example");
            assert.equal(loaded.keyPem, leaf.keyPem);
            await rejectsWith(
                loadRegistryCertificate({ source: "files", url: "http://unused.invalid", certFile: leaf.certFile, keyFile: leaf.keyFile }, "other.test.example"),
                "hostname", /other\.test\.example/);
        });
    });
});
