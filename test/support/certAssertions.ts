// Assertions shared by the unit and the conformance certificate tests.
import { strict as assert } from "assert";
import { CertificateError, type CertificateErrorReason } from "../../components/registry/tlsCertificate";

export function pemCount(pem: string): number {
    return (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
}

/** Asserts a CertificateError with the given reason whose message matches every pattern. */
export function expectCertificateError(reason: CertificateErrorReason, ...patterns: RegExp[]): (err: unknown) => true {
    return (err: unknown) => {
        assert.ok(err instanceof CertificateError, `expected a CertificateError, got ${String(err)}`);
        assert.equal(err.reason, reason, `reason of: ${err.message}`);
        for (const pattern of patterns) {
            assert.match(err.message, pattern);
        }
        return true;
    };
}
