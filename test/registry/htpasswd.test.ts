import { strict as assert } from "assert";
import * as bcrypt from "bcryptjs";
import fc from "fast-check";
import {
    BCRYPT_MAX_PASSWORD_BYTES,
    HTPASSWD_BCRYPT_COST,
    deterministicBcryptSalt,
    htpasswdLine,
    verifyHtpasswdLine,
} from "../../components/registry/htpasswd";

const BCRYPT_HASH = /^\$2b\$10\$[./A-Za-z0-9]{53}$/;

function hashOf(line: string): string {
    return line.slice(line.indexOf(":") + 1);
}

// Printable ASCII without ':' for users; passwords may use any printable ASCII.
const usernameArb = fc.stringMatching(/^[!-9;-~]{1,24}$/);
const passwordArb = fc.stringMatching(/^[ -~]{1,40}$/);

describe("htpasswd", () => {
    it("writes user:bcrypt-hash at cost 10", () => {
        const line = htpasswdLine("bigbang", "s3cret-pass");
        assert.ok(line.startsWith("bigbang:"), line);
        assert.match(hashOf(line), BCRYPT_HASH);
        assert.equal(bcrypt.getRounds(hashOf(line)), HTPASSWD_BCRYPT_COST);
        assert.ok(!line.includes("\n"));
    });

    it("is the same line on every call for the same credentials", () => {
        assert.equal(htpasswdLine("bigbang", "s3cret-pass"), htpasswdLine("bigbang", "s3cret-pass"));
    });

    it("changes when the password or the user changes", () => {
        const base = htpasswdLine("bigbang", "s3cret-pass");
        assert.notEqual(hashOf(htpasswdLine("bigbang", "s3cret-pasS")), hashOf(base));
        assert.notEqual(hashOf(htpasswdLine("bigbanG", "s3cret-pass")), hashOf(base));
    });

    it("keeps ('ab','c') and ('a','bc') apart in the salt", () => {
        assert.notEqual(deterministicBcryptSalt("ab", "c"), deterministicBcryptSalt("a", "bc"));
    });

    it("uses a canonical salt that bcrypt keeps unchanged in the hash", () => {
        const salt = deterministicBcryptSalt("bigbang", "s3cret-pass");
        assert.match(salt, /^\$2b\$10\$[./A-Za-z0-9]{22}$/);
        // bcrypt's last salt char carries only 2 bits; a non-canonical one would be rewritten.
        assert.match(salt.slice(-1), /^[.Oeu]$/);
        const hash = hashOf(htpasswdLine("bigbang", "s3cret-pass"));
        assert.equal(hash.slice(0, 29), salt);
    });

    it("produces a hash bcryptjs.compare accepts, and rejects others", async () => {
        const hash = hashOf(htpasswdLine("bigbang", "s3cret-pass"));
        assert.equal(await bcrypt.compare("s3cret-pass", hash), true);
        assert.equal(await bcrypt.compare("s3cret-pasz", hash), false);
    });

    it("verifyHtpasswdLine checks user and password", () => {
        const line = htpasswdLine("bigbang", "s3cret-pass");
        assert.equal(verifyHtpasswdLine(line, "bigbang", "s3cret-pass"), true);
        assert.equal(verifyHtpasswdLine(`${line}\n`, "bigbang", "s3cret-pass"), true);
        assert.equal(verifyHtpasswdLine(line, "bigbang", "wrong"), false);
        assert.equal(verifyHtpasswdLine(line, "other", "s3cret-pass"), false);
        assert.equal(verifyHtpasswdLine("bigbang", "bigbang", "s3cret-pass"), false);
        assert.equal(verifyHtpasswdLine("bigbang:{SHA}abc", "bigbang", "s3cret-pass"), false);
    });

    it("verifies $2y$ lines as written by Apache htpasswd", () => {
        const line = htpasswdLine("bigbang", "s3cret-pass").replace("$2b$", "$2y$");
        assert.equal(verifyHtpasswdLine(line, "bigbang", "s3cret-pass"), true);
    });

    it("rejects usernames that would break the file, and passwords bcrypt would truncate", () => {
        assert.throws(() => htpasswdLine("", "pw"), /empty/);
        assert.throws(() => htpasswdLine("a:b", "pw"), /':'/);
        assert.throws(() => htpasswdLine("a\nb", "pw"), /line breaks/);
        assert.throws(() => htpasswdLine("bigbang", ""), /empty/);
        assert.throws(() => htpasswdLine("bigbang", "x".repeat(BCRYPT_MAX_PASSWORD_BYTES + 1)), /73 bytes/);
        assert.doesNotThrow(() => htpasswdLine("bigbang", "x".repeat(BCRYPT_MAX_PASSWORD_BYTES)));
    });

    it("round-trips and is stable for any printable user and password", function () {
        // Each run computes four cost-10 hashes (~100 ms each on a CI runner).
        this.timeout(30_000);
        fc.assert(
            fc.property(usernameArb, passwordArb, (username, password) => {
                const line = htpasswdLine(username, password);
                assert.equal(htpasswdLine(username, password), line);
                assert.ok(line.startsWith(`${username}:`));
                assert.match(hashOf(line), BCRYPT_HASH);
                assert.equal(bcrypt.compareSync(password, hashOf(line)), true);
                assert.equal(verifyHtpasswdLine(line, username, `${password}x`), false);
            }),
            { numRuns: 12 },
        );
    });
});
