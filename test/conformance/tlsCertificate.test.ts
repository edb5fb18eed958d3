// Big Bang's own dev certificate, in both layouts of chart/ingress-certs.yaml,
// read from the reference folder: proves the extraction and checks against
// the real upstream files that the unit tests imitate with a test PKI.
import { strict as assert } from "assert";
import * as fs from "fs";
import { checkCertificate, extractIngressCerts } from "../../components/registry/tlsCertificate";
import { referenceFile } from "./reference";
import { expectCertificateError, pemCount } from "../support/certAssertions";

const CURRENT_FILE = "bigbang-ingress-certs.yaml";
const LEGACY_FILE = "bigbang-ingress-certs-2024-legacy.yaml";
const REFERENCE_EXPIRY = "2027-01-29T23:59:59.000Z";

function readReference(name: string): string {
    return fs.readFileSync(referenceFile(name), "utf8");
}

describe("conformance: Big Bang's ingress-certs.yaml", () => {
    describe("extractIngressCerts", () => {
        it("reads the current layout from Big Bang's ingress-certs.yaml, resolving the publicTLS anchor", () => {
            const certs = extractIngressCerts(readReference(CURRENT_FILE), CURRENT_FILE);
            assert.equal(certs.layout, "current");
            assert.equal(pemCount(certs.certPem), 3);
            assert.match(certs.keyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
        });

        it("falls back to the legacy layout", () => {
            const certs = extractIngressCerts(readReference(LEGACY_FILE), LEGACY_FILE);
            assert.equal(certs.layout, "legacy");
            assert.ok(pemCount(certs.certPem) >= 1);
            assert.match(certs.keyPem, /PRIVATE KEY-----/);
        });
    });

    describe("checkCertificate with Big Bang's current dev certificate", () => {
        const certs = () => extractIngressCerts(readReference(CURRENT_FILE), CURRENT_FILE);

        it("accepts oci.dev.bigbang.mil and reports the expiry", () => {
            const result = checkCertificate({ ...certs(), hostname: "oci.dev.bigbang.mil", now: new Date("2026-12-01T00:00:00Z") });
            assert.equal(result.expiresAt, REFERENCE_EXPIRY);
            assert.deepEqual(result.warnings, []);
            assert.ok(result.dnsNames.includes("*.dev.bigbang.mil"), result.dnsNames.join(","));
            assert.equal(pemCount(result.leafPem), 1);
            assert.equal(pemCount(result.chainPem), 3);
            assert.ok(result.chainPem.startsWith(result.leafPem), "the leaf comes first in the chain");
        });

        it("matches the hostname case-insensitively", () => {
            checkCertificate({ ...certs(), hostname: "OCI.Dev.BigBang.mil", now: new Date("2026-12-01T00:00:00Z") });
        });

        it("warns when fewer than 14 days remain", () => {
            const result = checkCertificate({ ...certs(), hostname: "oci.dev.bigbang.mil", now: new Date("2027-01-20T00:00:00Z") });
            assert.equal(result.warnings.length, 1);
            assert.match(result.warnings[0] ?? "", /2027-01-29T23:59:59\.000Z/);
            assert.match(result.warnings[0] ?? "", /in 9 days/);
        });

        it("does not warn with 14 days left", () => {
            const result = checkCertificate({ ...certs(), hostname: "oci.dev.bigbang.mil", now: new Date("2027-01-15T23:59:59Z") });
            assert.deepEqual(result.warnings, []);
        });

        it("is still valid at its notAfter instant and expired one second later", () => {
            checkCertificate({ ...certs(), hostname: "oci.dev.bigbang.mil", now: new Date(REFERENCE_EXPIRY) });
            assert.throws(
                () => checkCertificate({ ...certs(), hostname: "oci.dev.bigbang.mil", now: new Date("2027-01-30T00:00:00Z") }),
                expectCertificateError("expired", /expired at 2027-01-29T23:59:59\.000Z/, /\*\.dev\.bigbang\.mil/),
            );
        });

        it("is not yet valid before its notBefore", () => {
            assert.throws(
                () => checkCertificate({ ...certs(), hostname: "oci.dev.bigbang.mil", now: new Date("2026-07-14T00:00:00Z") }),
                expectCertificateError("not-yet-valid", /not valid until 2026-07-15T00:00:00\.000Z/),
            );
        });

        it("rejects the old bigbang.dev domain, explaining the move", () => {
            assert.throws(
                () => checkCertificate({ ...certs(), hostname: "oci.bigbang.dev", now: new Date("2026-12-01T00:00:00Z") }),
                expectCertificateError("hostname", /moved from \*\.bigbang\.dev to \*\.dev\.bigbang\.mil/, /oci\.bigbang\.dev can no longer work/),
            );
        });

        it("rejects a name two labels below dev.bigbang.mil, suggesting a one-label name", () => {
            assert.throws(
                () => checkCertificate({ ...certs(), hostname: "a.b.dev.bigbang.mil", now: new Date("2026-12-01T00:00:00Z") }),
                expectCertificateError("hostname", /only covers <one label>\.dev\.bigbang\.mil/, /a-b\.dev\.bigbang\.mil/),
            );
        });

        it("rejects an unrelated hostname, listing the certificate's names", () => {
            assert.throws(
                () => checkCertificate({ ...certs(), hostname: "registry.example.com", now: new Date("2026-12-01T00:00:00Z") }),
                expectCertificateError("hostname", /\*\.dev\.bigbang\.mil, dev\.bigbang\.mil/, /registry\.example\.com/),
            );
        });
    });

    describe("checkCertificate with Big Bang's 2024 legacy certificate", () => {
        const certs = () => extractIngressCerts(readReference(LEGACY_FILE), LEGACY_FILE);

        it("is rejected as expired on 2024-05-08, pointing at the new domain", () => {
            assert.throws(
                () => checkCertificate({ ...certs(), hostname: "oci.bigbang.dev", now: new Date("2026-12-01T00:00:00Z") }),
                expectCertificateError("expired", /expired at 2024-05-08T/, /\*\.dev\.bigbang\.mil/),
            );
        });

        it("was acceptable for oci.bigbang.dev while it was valid", () => {
            const result = checkCertificate({ ...certs(), hostname: "oci.bigbang.dev", now: new Date("2024-03-01T00:00:00Z") });
            assert.match(result.expiresAt, /^2024-05-08T/);
            assert.deepEqual(result.dnsNames, ["*.bigbang.dev"]);
        });
    });
});
