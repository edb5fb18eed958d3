// The registry's TLS certificate: where it comes from (Big Bang's published dev
// cert, or the developer's own files) and whether it can work at all. Every
// check runs before any resource is created, because a wrong certificate only
// shows up much later as an opaque x509 error from Flux or containerd.
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import * as YAML from "yaml";
import type { RegistryTlsConfig } from "../config/config";
import { expandHome } from "../config/paths";

export type CertificateErrorReason =
    | "fetch"
    | "not-yaml"
    | "layout"
    | "file"
    | "parse"
    | "key-mismatch"
    | "expired"
    | "not-yet-valid"
    | "hostname";

export class CertificateError extends Error {
    readonly reason: CertificateErrorReason;

    constructor(reason: CertificateErrorReason, message: string) {
        super(message);
        this.name = "CertificateError";
        this.reason = reason;
    }
}

export type IngressCertsLayout = "current" | "legacy";

export interface CertificatePair {
    /** As published: the leaf first, then intermediates (Big Bang also appends the root). */
    certPem: string;
    keyPem: string;
}

export interface IngressCerts extends CertificatePair {
    layout: IngressCertsLayout;
}

export interface CheckCertificateInput extends CertificatePair {
    hostname: string;
    now?: Date;
}

export interface CheckedCertificate {
    /** notAfter of the leaf, ISO 8601 UTC. */
    expiresAt: string;
    warnings: string[];
    /** The leaf's DNS subjectAltNames. */
    dnsNames: string[];
    leafPem: string;
    /** Every certificate from certPem, re-serialised; what the registry serves. */
    chainPem: string;
}

export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

const BIGBANG_DEV_DOMAIN = "dev.bigbang.mil";
const BIGBANG_OLD_DOMAIN = "bigbang.dev";

const CURRENT_LAYOUT_PATH = ".istioGateway.values.gateways.public.gatewayCerts[0].tls.{cert,key}";
const LEGACY_LAYOUT_PATH = ".istio.gateways.public.tls.{cert,key}";

// The file reuses one `tls:` block through aliases for every add-on ingress;
// yaml's default of 100 alias expansions is close enough to that count to
// break on a future Big Bang release, while this still stops alias bombs.
const MAX_ALIAS_COUNT = 1000;

const MAX_BODY_BYTES = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Big Bang's ingress-certs.yaml

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function child(value: unknown, key: string | number): unknown {
    if (typeof key === "number") {
        return Array.isArray(value) ? value[key] : undefined;
    }
    return isRecord(value) ? value[key] : undefined;
}

function dig(value: unknown, keys: (string | number)[]): unknown {
    return keys.reduce<unknown>((current, key) => child(current, key), value);
}

function pairAt(tls: unknown): CertificatePair | undefined {
    const cert = child(tls, "cert");
    const key = child(tls, "key");
    if (typeof cert === "string" && typeof key === "string" && cert.trim() !== "" && key.trim() !== "") {
        return { certPem: cert, keyPem: key };
    }
    return undefined;
}

/** Pulls the public gateway's cert and key out of Big Bang's `chart/ingress-certs.yaml`, current layout first. */
export function extractIngressCerts(text: string, source: string): IngressCerts {
    let document: unknown;
    try {
        document = YAML.parse(text, { maxAliasCount: MAX_ALIAS_COUNT, merge: true });
    } catch (err) {
        throw new CertificateError("not-yaml", `${source} is not valid YAML: ${errorText(err)}`);
    }
    if (!isRecord(document)) {
        const found = document === null || document === undefined ? "an empty document" : `a ${Array.isArray(document) ? "sequence" : typeof document}`;
        throw new CertificateError("not-yaml", `${source} is not a Big Bang ingress-certs.yaml: expected a YAML mapping, found ${found}`);
    }
    const current = pairAt(dig(document, ["istioGateway", "values", "gateways", "public", "gatewayCerts", 0, "tls"]));
    if (current) {
        return { ...current, layout: "current" };
    }
    const legacy = pairAt(dig(document, ["istio", "gateways", "public", "tls"]));
    if (legacy) {
        return { ...legacy, layout: "legacy" };
    }
    throw new CertificateError("layout",
        `${source} has no certificate and key at ${CURRENT_LAYOUT_PATH} (current layout) nor at ${LEGACY_LAYOUT_PATH} (legacy layout)`);
}

export interface FetchOptions {
    /** For the whole exchange, redirects included. */
    timeoutMs?: number;
    maxRedirects?: number;
    /** A CA to trust instead of Node's bundled store (tests' local HTTPS server). */
    ca?: string;
}

/** Downloads `chart/ingress-certs.yaml` and extracts the cert and key from it. */
export async function fetchIngressCerts(url: string, opts: FetchOptions = {}): Promise<IngressCerts> {
    const text = await fetchText(url, { timeoutMs: opts.timeoutMs ?? 30_000, maxRedirects: opts.maxRedirects ?? 5, ca: opts.ca });
    return extractIngressCerts(text, url);
}

interface HttpResponse {
    status: number;
    statusText: string;
    location?: string;
    body: string;
}

// HTTPS only, redirects included (issue 21): this file carries the private key the registry serves,
// so a plain-HTTP hop would let anyone on the path hand the registry a key of their choosing.
async function fetchText(url: string, opts: Required<Omit<FetchOptions, "ca">> & Pick<FetchOptions, "ca">): Promise<string> {
    const deadline = Date.now() + opts.timeoutMs;
    let current = parseHttpUrl(url, url);
    for (let redirects = 0; ; redirects += 1) {
        const response = await getOnce(current, deadline, opts.timeoutMs, url, opts.ca);
        if ([301, 302, 303, 307, 308].includes(response.status)) {
            if (response.location === undefined) {
                throw new CertificateError("fetch", `fetching ${current.href} failed: HTTP ${response.status} redirect without a Location header`);
            }
            if (redirects >= opts.maxRedirects) {
                throw new CertificateError("fetch", `fetching ${url} failed: more than ${opts.maxRedirects} redirects (last to ${response.location})`);
            }
            current = parseHttpUrl(response.location, url, current);
            continue;
        }
        if (response.status < 200 || response.status > 299) {
            const via = current.href === url ? "" : ` (redirected from ${url})`;
            throw new CertificateError("fetch", `fetching ${current.href}${via} failed: HTTP ${response.status} ${response.statusText}`.trimEnd());
        }
        return response.body;
    }
}

function parseHttpUrl(value: string, original: string, base?: URL): URL {
    let parsed: URL;
    try {
        parsed = new URL(value, base);
    } catch {
        throw new CertificateError("fetch", `cannot fetch ${original}: ${value} is not a URL`);
    }
    if (parsed.protocol !== "https:") {
        const what = base ? `it redirects from ${base.href} to ${parsed.href}, which is not https` : `${parsed.href} is not an https URL`;
        throw new CertificateError("fetch", `cannot fetch ${original}: ${what}; the certificate and its key are fetched over HTTPS only`);
    }
    return parsed;
}

function getOnce(url: URL, deadline: number, timeoutMs: number, original: string, ca?: string): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
            reject(timeoutError(original, timeoutMs));
            return;
        }
        // Callbacks only run on later ticks, after every const below is initialised.
        const timer = setTimeout(() => {
            fail(timeoutError(original, timeoutMs));
            request.destroy();
        }, remaining);
        let settled = false;
        const settle = (outcome: () => void): void => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                outcome();
            }
        };
        const fail = (err: unknown): void => settle(() => reject(err instanceof CertificateError
            ? err
            : new CertificateError("fetch", `fetching ${url.href} failed: ${errorText(err)}`)));
        // agent: false: a kept-alive socket would hold the Pulumi process open after the download.
        let request: http.ClientRequest;
        try {
            request = https.get(url, { agent: false, ...(ca ? { ca } : {}), headers: { accept: "application/yaml, text/plain, */*" } }, onResponse);
        } catch (err) {
            fail(err);
            return;
        }
        request.on("error", fail);

        function onResponse(response: http.IncomingMessage): void {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on("data", (chunk: Buffer) => {
                size += chunk.length;
                if (size > MAX_BODY_BYTES) {
                    fail(new CertificateError("fetch", `fetching ${url.href} failed: the response is larger than ${MAX_BODY_BYTES} bytes`));
                    request.destroy();
                    return;
                }
                chunks.push(chunk);
            });
            response.on("end", () => {
                const location = response.headers.location;
                settle(() => resolve({
                    status: response.statusCode ?? 0,
                    statusText: response.statusMessage ?? "",
                    location: typeof location === "string" ? location : undefined,
                    body: Buffer.concat(chunks).toString("utf8"),
                }));
            });
            response.on("error", fail);
        }
    });
}

function timeoutError(url: string, timeoutMs: number): CertificateError {
    return new CertificateError("fetch", `fetching ${url} timed out after ${timeoutMs} ms`);
}

// ---------------------------------------------------------------------------
// tls.source: files

export interface CertificateFiles {
    certFile: string;
    keyFile: string;
}

export type CertificateFileContents = CertificatePair;

/** Reads the PEM files of `tls.source: files`; relative paths are resolved against `baseDir` (default: the working directory). */
export function readCertificateFiles(files: CertificateFiles, baseDir: string = process.cwd()): CertificateFileContents {
    const certPem = readPemFile("certFile", files.certFile, baseDir, "CERTIFICATE");
    const keyPem = readPemFile("keyFile", files.keyFile, baseDir, "PRIVATE KEY");
    return { certPem, keyPem };
}

function readPemFile(field: keyof CertificateFiles, file: string, baseDir: string, blockType: string): string {
    // Stack config is written by hand, and `~` is what people type for their home directory.
    const expanded = expandHome(file);
    const resolved = path.resolve(baseDir, expanded);
    const named = resolved === file ? resolved : `${resolved} (from "${file}")`;
    let text: string;
    try {
        text = fs.readFileSync(resolved, "utf8");
    } catch (err) {
        const code = err instanceof Error && "code" in err ? String(err.code) : "";
        const why = code === "ENOENT" ? "no such file"
            : code === "EACCES" || code === "EPERM" ? "permission denied"
                : code === "EISDIR" ? "it is a directory"
                    : errorText(err);
        throw new CertificateError("file", `registry.tls.${field}: cannot read ${named}: ${why}`);
    }
    // Accepts "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" alike.
    if (!new RegExp(`-----BEGIN [A-Z0-9 ]*${blockType}-----`).test(text)) {
        throw new CertificateError("file", `registry.tls.${field}: ${named} contains no PEM "${blockType}" block`);
    }
    return text;
}

// ---------------------------------------------------------------------------
// Checks

/**
 * Whether a certificate name covers a hostname the way Go's crypto/x509 (and
 * so containerd, Flux and Helm) decides it: case-insensitive, and `*` only as
 * the whole left-most label, standing for exactly one non-empty label.
 */
export function hostnameMatches(pattern: string, hostname: string): boolean {
    const patternLabels = normaliseName(pattern).split(".");
    const hostLabels = normaliseName(hostname).split(".");
    if (patternLabels.length !== hostLabels.length || hostLabels.some((label) => label === "")
        || patternLabels.some((label) => label === "")) {
        return false;
    }
    return patternLabels.every((label, index) => {
        if (label === "*") {
            // `*.com`-style wildcards over a bare TLD are refused by browsers and Go alike.
            return index === 0 && patternLabels.length >= 3;
        }
        return !label.includes("*") && label === hostLabels[index];
    });
}

function isInDomain(name: string, domain: string): boolean {
    const normalised = normaliseName(name);
    return normalised === domain || normalised.endsWith(`.${domain}`);
}

function normaliseName(name: string): string {
    const lower = name.toLowerCase();
    return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/** Splits `X509Certificate#subjectAltName`, whose values Node JSON-quotes when they contain separators. */
export function parseSubjectAltName(subjectAltName: string | undefined): { type: string; value: string }[] {
    const entries: { type: string; value: string }[] = [];
    const text = subjectAltName ?? "";
    let position = 0;
    while (position < text.length) {
        const colon = text.indexOf(":", position);
        if (colon < 0) {
            break;
        }
        const type = text.slice(position, colon);
        let value: string;
        let end: number;
        if (text[colon + 1] === '"') {
            const quoted = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(colon + 1));
            if (!quoted) {
                break;
            }
            value = String(JSON.parse(quoted[0]));
            end = colon + 1 + quoted[0].length;
        } else {
            const separator = text.indexOf(", ", colon + 1);
            end = separator < 0 ? text.length : separator;
            value = text.slice(colon + 1, end);
        }
        entries.push({ type, value });
        position = text.startsWith(", ", end) ? end + 2 : end;
        if (position === end && position < text.length) {
            // Neither a separator nor the end: a format we do not understand; stop rather than misread names.
            break;
        }
    }
    return entries;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function parseCertificates(pem: string, what: string): crypto.X509Certificate[] {
    const blocks = pem.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) {
        throw new CertificateError("parse", `${what} contains no PEM CERTIFICATE block`);
    }
    return blocks.map((block, index) => {
        try {
            return new crypto.X509Certificate(block.replace(/^[ \t]+/gm, ""));
        } catch (err) {
            throw new CertificateError("parse", `${what}: certificate ${index + 1} of ${blocks.length} does not parse: ${errorText(err)}`);
        }
    });
}

function certificateDate(value: string, field: string): Date {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
        throw new CertificateError("parse", `certificate ${field} "${value}" is not a date`);
    }
    return date;
}

function subjectLine(certificate: crypto.X509Certificate): string {
    return certificate.subject.replace(/\n/g, ", ");
}

/**
 * Everything that decides whether clients will accept the certificate for
 * `hostname` at `now`; throws a CertificateError for the first problem.
 */
export function checkCertificate(input: CheckCertificateInput): CheckedCertificate {
    const now = input.now ?? new Date();
    const chain = parseCertificates(input.certPem, "the certificate");
    const [leaf, ...rest] = chain;
    const warnings: string[] = [];

    let key: crypto.KeyObject;
    try {
        key = crypto.createPrivateKey(input.keyPem);
    } catch (err) {
        throw new CertificateError("parse", `the private key does not parse (it must be an unencrypted PEM key): ${errorText(err)}`);
    }
    if (!leaf.checkPrivateKey(key)) {
        const matching = rest.findIndex((certificate) => certificate.checkPrivateKey(key));
        throw new CertificateError("key-mismatch", matching >= 0
            ? `the private key belongs to certificate ${matching + 2} in the chain, not the first; put the server certificate first`
            : `the private key does not match the certificate (${subjectLine(leaf)})`);
    }

    const notBefore = certificateDate(leaf.validFrom, "notBefore");
    const notAfter = certificateDate(leaf.validTo, "notAfter");
    const expiresAt = notAfter.toISOString();
    const sans = parseSubjectAltName(leaf.subjectAltName);
    const dnsNames = sans.filter((entry) => entry.type === "DNS").map((entry) => entry.value);
    if (now.getTime() > notAfter.getTime()) {
        const movedHint = dnsNames.some((name) => isInDomain(name, BIGBANG_OLD_DOMAIN))
            ? ` Big Bang's development certificate moved from *.${BIGBANG_OLD_DOMAIN} to *.${BIGBANG_DEV_DOMAIN}; use the current chart/ingress-certs.yaml and a *.${BIGBANG_DEV_DOMAIN} hostname.`
            : "";
        throw new CertificateError("expired", `the certificate for ${dnsNames.join(", ") || subjectLine(leaf)} expired at ${expiresAt} (now ${now.toISOString()}).${movedHint}`);
    }
    if (now.getTime() < notBefore.getTime()) {
        throw new CertificateError("not-yet-valid",
            `the certificate for ${dnsNames.join(", ") || subjectLine(leaf)} is not valid until ${notBefore.toISOString()} (now ${now.toISOString()}); check the host clock`);
    }
    const remainingMs = notAfter.getTime() - now.getTime();
    if (remainingMs < EXPIRY_WARNING_DAYS * DAY_MS) {
        const days = Math.floor(remainingMs / DAY_MS);
        warnings.push(`the registry certificate expires at ${expiresAt}, in ${days === 0 ? "less than a day" : `${days} day${days === 1 ? "" : "s"}`}`);
    }

    checkHostname(input.hostname, dnsNames, leaf);

    chain.forEach((certificate, index) => {
        const next = chain[index + 1];
        if (next !== undefined && certificate.checkIssued(next) === false) {
            warnings.push(`certificate ${index + 2} in the chain (${subjectLine(next)}) did not issue certificate ${index + 1}; clients may fail to build the chain`);
        }
        if (index > 0 && now.getTime() > certificateDate(certificate.validTo, "notAfter").getTime()) {
            warnings.push(`chain certificate ${index + 1} (${subjectLine(certificate)}) expired at ${certificateDate(certificate.validTo, "notAfter").toISOString()}`);
        }
    });

    return {
        expiresAt,
        warnings,
        dnsNames,
        leafPem: leaf.toString(),
        chainPem: chain.map((certificate) => certificate.toString()).join(""),
    };
}

function checkHostname(hostname: string, dnsNames: string[], leaf: crypto.X509Certificate): void {
    if (dnsNames.some((name) => hostnameMatches(name, hostname))) {
        return;
    }
    const host = normaliseName(hostname);
    if (isInDomain(host, BIGBANG_OLD_DOMAIN)) {
        throw new CertificateError("hostname",
            `${hostname} is in the old ${BIGBANG_OLD_DOMAIN} domain: Big Bang's development certificate moved from *.${BIGBANG_OLD_DOMAIN} to *.${BIGBANG_DEV_DOMAIN}, `
            + `so ${hostname} can no longer work with it; use a hostname such as oci.${BIGBANG_DEV_DOMAIN}`);
    }
    if (host.endsWith(`.${BIGBANG_DEV_DOMAIN}`)) {
        const below = host.slice(0, -(BIGBANG_DEV_DOMAIN.length + 1));
        if (below.includes(".")) {
            throw new CertificateError("hostname",
                `${hostname} is more than one label below ${BIGBANG_DEV_DOMAIN}, but the development certificate only covers <one label>.${BIGBANG_DEV_DOMAIN}; `
                + `use a hostname such as ${below.replace(/\./g, "-")}.${BIGBANG_DEV_DOMAIN}`);
        }
    }
    if (dnsNames.length === 0) {
        throw new CertificateError("hostname",
            `the certificate (${subjectLine(leaf)}) has no DNS subjectAltName; clients ignore the subject CN, so it cannot cover ${hostname}`);
    }
    throw new CertificateError("hostname",
        `the certificate's DNS names (${dnsNames.join(", ")}) do not cover ${hostname}; a wildcard covers exactly one label`);
}

// ---------------------------------------------------------------------------
// Both sources together

export interface LoadedCertificate extends CheckedCertificate {
    /** What the registry uses as its key file. */
    keyPem: string;
    /** Where the certificate came from, for messages. */
    origin: string;
}

/** Gets and checks the registry certificate for `tls.source` bigbang or files. */
export async function loadRegistryCertificate(
    tls: RegistryTlsConfig,
    hostname: string,
    opts: FetchOptions & { now?: Date; baseDir?: string } = {},
): Promise<LoadedCertificate> {
    if (tls.source === "bigbang") {
        const fetched = await fetchIngressCerts(tls.url, opts);
        const checked = withOrigin(tls.url, () => checkCertificate({ ...fetched, hostname, now: opts.now }));
        return { ...checked, keyPem: fetched.keyPem, origin: tls.url };
    }
    if (tls.certFile === undefined || tls.keyFile === undefined) {
        throw new CertificateError("file", "registry.tls: source files needs certFile and keyFile");
    }
    const files = readCertificateFiles({ certFile: tls.certFile, keyFile: tls.keyFile }, opts.baseDir);
    const origin = tls.certFile;
    const checked = withOrigin(origin, () => checkCertificate({ ...files, hostname, now: opts.now }));
    return { ...checked, keyPem: files.keyPem, origin };
}

function withOrigin<T>(origin: string, check: () => T): T {
    try {
        return check();
    } catch (err) {
        if (err instanceof CertificateError) {
            throw new CertificateError(err.reason, `registry certificate from ${origin}: ${err.message}`);
        }
        throw err;
    }
}

function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
