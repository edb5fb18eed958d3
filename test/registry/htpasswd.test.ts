import { strict as assert } from "assert";
import * as bcrypt from "bcryptjs";
import fc from "fast-check";
import {
    BCRYPT_MAX_PASSWORD_BYTES,
    BCRYPT_MIN_COST,
    HTPASSWD_BCRYPT_COST,
    deterministicBcryptSalt,
    htpasswdLine,
    verifyHtpasswdLine,
} from "../../components/registry/htpasswd";

const BCRYPT_HASH = /^\$2b\$10\$[./A-Za-z0-9]{53}$/;
const BCRYPT_MIN_COST_HASH = /^\$2b\$04\$[./A-Za-z0-9]{53}$/;

// The program's line for the credentials most cases read, hashed once per file at the real
// cost (each cost-10 hash takes ~100 ms); the determinism case below still hashes twice afresh.
let baseLineMemo: string | undefined;
function baseLine(): string {
    baseLineMemo ??= htpasswdLine("bigbang", "s3cret-pass");
    return baseLineMemo;
}

function hashOf(line: string): string {
    return line.slice(line.indexOf(":") + 1);
}

// Printable ASCII without ':' for users; passwords may use any printable ASCII.
const usernameArb = fc.stringMatching(/^[!-9;-~]{1,24}$/);
const passwordArb = fc.stringMatching(/^[ -~]{1,40}$/);

describe("htpasswd", () => {
    it("writes user:bcrypt-hash at cost 10", () => {
        const line = baseLine();
        assert.ok(line.startsWith("bigbang:"), line);
        assert.match(hashOf(line), BCRYPT_HASH);
        assert.equal(bcrypt.getRounds(hashOf(line)), HTPASSWD_BCRYPT_COST);
        assert.ok(!line.includes("\n"));
    });

    it("is the same line on every call for the same credentials", () => {
        assert.equal(htpasswdLine("bigbang", "s3cret-pass"), htpasswdLine("bigbang", "s3cret-pass"));
    });

    it("changes when the password or the user changes", () => {
        const base = baseLine();
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
        const hash = hashOf(baseLine());
        assert.equal(hash.slice(0, 29), salt);
    });

    it("produces a hash bcryptjs.compare accepts, and rejects others", async () => {
        const hash = hashOf(baseLine());
        assert.equal(await bcrypt.compare("s3cret-pass", hash), true);
        assert.equal(await bcrypt.compare("s3cret-pasz", hash), false);
    });

    it("verifyHtpasswdLine checks user and password", () => {
        const line = baseLine();
        assert.equal(verifyHtpasswdLine(line, "bigbang", "s3cret-pass"), true);
        assert.equal(verifyHtpasswdLine(`${line}\n`, "bigbang", "s3cret-pass"), true);
        assert.equal(verifyHtpasswdLine(line, "bigbang", "wrong"), false);
        assert.equal(verifyHtpasswdLine(line, "other", "s3cret-pass"), false);
        assert.equal(verifyHtpasswdLine("bigbang", "bigbang", "s3cret-pass"), false);
        assert.equal(verifyHtpasswdLine("bigbang:{SHA}abc", "bigbang", "s3cret-pass"), false);
    });

    it("verifies $2y$ lines as written by Apache htpasswd", () => {
        const line = baseLine().replace("$2b$", "$2y$");
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
        // The property is about the encoding and determinism, not the cost: it runs at bcrypt's
        // minimum cost (~1 ms a hash instead of ~100 ms), with the same salt derivation (the
        // salt's 22 chars do not depend on the cost, asserted below). One odd pair runs the same
        // checks at the program's real cost 10, as do the cases above for "bigbang".
        this.timeout(30_000);
        const roundTrip = (username: string, password: string, cost: number, hashForm: RegExp): void => {
            const line = htpasswdLine(username, password, cost);
            assert.equal(htpasswdLine(username, password, cost), line);
            assert.ok(line.startsWith(`${username}:`));
            assert.match(hashOf(line), hashForm);
            assert.equal(bcrypt.getRounds(hashOf(line)), cost);
            assert.equal(bcrypt.compareSync(password, hashOf(line)), true);
            assert.equal(verifyHtpasswdLine(line, username, `${password}x`), false);
            assert.equal(
                deterministicBcryptSalt(username, password, cost).slice(-22),
                deterministicBcryptSalt(username, password).slice(-22),
            );
        };
        roundTrip("~user!", " p@ss 'w\"ord` ", HTPASSWD_BCRYPT_COST, BCRYPT_HASH);
        fc.assert(
            fc.property(usernameArb, passwordArb, (username, password) => {
                roundTrip(username, password, BCRYPT_MIN_COST, BCRYPT_MIN_COST_HASH);
            }),
            { numRuns: 100 },
        );
    });

    it("refuses a bcrypt cost outside 4-31", () => {
        assert.throws(() => htpasswdLine("bigbang", "pw", 3), /cost must be an integer from 4 to 31, got 3/);
        assert.throws(() => deterministicBcryptSalt("bigbang", "pw", 32), /got 32/);
    });
});
