// htpasswd lines for the registry's `htpasswd` auth. distribution 2.8 checks
// them with golang.org/x/crypto/bcrypt, which accepts $2a$, $2b$ and $2y$.
//
// The salt is derived from the credentials instead of drawn at random: the
// line ends up in a Pulumi resource input, and a random salt would make every
// `pulumi up` show a diff (and restart the registry) although nothing changed.
// The cost of that choice is that equal credentials give equal hashes, which
// matters little for a single-user dev registry whose password is in the stack
// secrets anyway.
import * as bcrypt from "bcryptjs";
import { createHmac } from "crypto";

export const HTPASSWD_BCRYPT_COST = 10;

/** bcrypt's smallest cost (bcryptjs rejects lower ones); only tests that check the encoding use it. */
export const BCRYPT_MIN_COST = 4;

/** bcrypt reads at most this many bytes of a password; longer ones would be silently truncated. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

const BCRYPT_SALT_BYTES = 16;
const SALT_DERIVATION_KEY = "bigbang-oci-dev/htpasswd-salt/v1";

function assertValidUsername(username: string): void {
    if (username.length === 0) {
        throw new Error("htpasswd username must not be empty");
    }
    // The file is line-oriented and splits user from hash at the first ':'.
    if (/[:\r\n]/.test(username)) {
        throw new Error(`htpasswd username must not contain ':' or line breaks: ${JSON.stringify(username)}`);
    }
}

function assertValidPassword(password: string): void {
    if (password.length === 0) {
        throw new Error("htpasswd password must not be empty");
    }
    const bytes = Buffer.byteLength(password, "utf8");
    if (bytes > BCRYPT_MAX_PASSWORD_BYTES) {
        throw new Error(`htpasswd password is ${bytes} bytes in UTF-8; bcrypt uses only the first ${BCRYPT_MAX_PASSWORD_BYTES}`);
    }
}

/**
 * The bcrypt salt string (`$2b$10$` + 22 chars) for these credentials. `cost` is the
 * program's cost unless a test asks for another: the 22 salt chars do not depend on it.
 */
export function deterministicBcryptSalt(username: string, password: string, cost: number = HTPASSWD_BCRYPT_COST): string {
    // Length prefixes keep ("ab","c") and ("a","bc") apart.
    const mac = createHmac("sha256", SALT_DERIVATION_KEY)
        .update(`${Buffer.byteLength(username, "utf8")}:${username}`, "utf8")
        .update(`${Buffer.byteLength(password, "utf8")}:${password}`, "utf8")
        .digest();
    // encodeBase64 of exactly 16 bytes yields the canonical 22-char form, so
    // the last character already satisfies bcrypt's padding rule (its low bits are zero).
    const encoded = bcrypt.encodeBase64(mac.subarray(0, BCRYPT_SALT_BYTES), BCRYPT_SALT_BYTES);
    if (!Number.isInteger(cost) || cost < BCRYPT_MIN_COST || cost > 31) {
        throw new Error(`bcrypt cost must be an integer from ${BCRYPT_MIN_COST} to 31, got ${cost}`);
    }
    return `$2b$${String(cost).padStart(2, "0")}$${encoded}`;
}

/**
 * One htpasswd line, `user:$2b$10$...`, without a trailing newline. Same inputs, same line.
 * The program always uses the default cost; tests of the encoding pass bcrypt's minimum
 * to check many credentials cheaply.
 */
export function htpasswdLine(username: string, password: string, cost: number = HTPASSWD_BCRYPT_COST): string {
    assertValidUsername(username);
    assertValidPassword(password);
    return `${username}:${bcrypt.hashSync(password, deterministicBcryptSalt(username, password, cost))}`;
}

/** Whether `line` is an htpasswd bcrypt entry for exactly this user and password. */
export function verifyHtpasswdLine(line: string, username: string, password: string): boolean {
    const trimmed = line.replace(/\r?\n$/, "");
    const separator = trimmed.indexOf(":");
    if (separator <= 0) {
        return false;
    }
    if (trimmed.slice(0, separator) !== username) {
        return false;
    }
    const hash = trimmed.slice(separator + 1);
    if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) {
        return false;
    }
    if (Buffer.byteLength(password, "utf8") > BCRYPT_MAX_PASSWORD_BYTES) {
        return false;
    }
    return bcrypt.compareSync(password, hash);
}
