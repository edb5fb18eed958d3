// A minimal OCI distribution client for tests, over node's https. It resolves
// the registry's public name to a local address itself (like curl --resolve),
// so TLS is verified against the name developers and Flux use, not 127.0.0.1.
import { createHash } from "crypto";
import type { LookupAddress, LookupOptions } from "dns";
import type { IncomingHttpHeaders } from "http";
import * as https from "https";
import { z } from "zod";

export const OCI_IMAGE_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export const ociDescriptorSchema = z.object({
    mediaType: z.string(),
    digest: z.string().regex(SHA256_DIGEST),
    size: z.number().int().nonnegative(),
    annotations: z.record(z.string(), z.string()).optional(),
});
export type OciDescriptor = z.infer<typeof ociDescriptorSchema>;

export const ociImageManifestSchema = z.object({
    schemaVersion: z.literal(2),
    mediaType: z.literal(OCI_IMAGE_MANIFEST_MEDIA_TYPE),
    config: ociDescriptorSchema,
    layers: z.array(ociDescriptorSchema),
    annotations: z.record(z.string(), z.string()).optional(),
});
export type OciImageManifest = z.infer<typeof ociImageManifestSchema>;

const tagsListSchema = z.object({ name: z.string(), tags: z.array(z.string()).nullable() });

export interface OciCredentials {
    username: string;
    password: string;
}

export interface OciClientOptions {
    /** The name the client asks for (URL host, SNI, Host header) and verifies the certificate against. */
    hostname: string;
    port: number;
    /** CA to trust instead of node's bundled roots; without it the test CA is unknown. */
    caPem?: string;
    credentials?: OciCredentials;
    /** A registry token (token auth, as Registry1's); sent as `Bearer` instead of credentials. */
    bearerToken?: string;
    /** Where `hostname` resolves to. */
    connectAddress?: string;
    /** Bound on each whole request, connect to last byte. */
    timeoutMs?: number;
}

export interface OciResponse {
    status: number;
    headers: IncomingHttpHeaders;
    body: Buffer;
}

export interface OciRequestOptions {
    body?: Buffer;
    headers?: Record<string, string>;
}

export interface PulledManifest {
    bytes: Buffer;
    manifest: OciImageManifest;
    mediaType: string;
    /** Digest of the bytes received (the registry's Docker-Content-Digest is checked against it). */
    digest: string;
}

export interface ArtifactBlob {
    mediaType: string;
    bytes: Buffer;
    annotations?: Record<string, string>;
}

export class OciHttpError extends Error {
    constructor(
        readonly method: string,
        readonly url: string,
        readonly status: number,
        readonly body: string,
        expected: number[],
    ) {
        super(`${method} ${url}: HTTP ${status}, expected ${expected.join(" or ")}: ${body.slice(0, 500)}`);
        this.name = "OciHttpError";
    }
}

export function sha256Digest(bytes: Buffer): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function assertRepository(repository: string): void {
    if (!REPOSITORY_NAME.test(repository)) {
        throw new Error(`invalid OCI repository name: ${JSON.stringify(repository)}`);
    }
}

function assertReference(reference: string): void {
    if (!TAG.test(reference) && !SHA256_DIGEST.test(reference)) {
        throw new Error(`invalid OCI tag or digest: ${JSON.stringify(reference)}`);
    }
}

export class OciClient {
    readonly baseUrl: string;
    private readonly connectAddress: string;
    private readonly timeoutMs: number;

    constructor(private readonly options: OciClientOptions) {
        this.baseUrl = `https://${options.hostname}:${options.port}`;
        this.connectAddress = options.connectAddress ?? "127.0.0.1";
        this.timeoutMs = options.timeoutMs ?? 10_000;
    }

    /** One request to a path or to an absolute URL on this registry (e.g. an upload Location). */
    request(method: string, pathOrUrl: string, requestOptions: OciRequestOptions = {}): Promise<OciResponse> {
        const url = new URL(pathOrUrl, this.baseUrl);
        if (url.origin !== new URL(this.baseUrl).origin) {
            return Promise.reject(new Error(`refusing to follow ${url.href}: not on ${this.baseUrl}`));
        }
        const headers: Record<string, string> = { ...requestOptions.headers };
        if (this.options.bearerToken !== undefined) {
            headers.Authorization = `Bearer ${this.options.bearerToken}`;
        } else if (this.options.credentials) {
            const { username, password } = this.options.credentials;
            headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
        }
        if (requestOptions.body) {
            headers["Content-Length"] = String(requestOptions.body.length);
        }
        const { hostname } = this.options;
        const connectAddress = this.connectAddress;
        const lookup = (
            name: string,
            lookupOptions: LookupOptions,
            callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
        ): void => {
            if (name !== hostname) {
                const err: NodeJS.ErrnoException = new Error(`test client resolves only ${hostname}, not ${name}`);
                err.code = "ENOTFOUND";
                callback(err, "");
                return;
            }
            const family = connectAddress.includes(":") ? 6 : 4;
            if (lookupOptions.all) {
                callback(null, [{ address: connectAddress, family }]);
            } else {
                callback(null, connectAddress, family);
            }
        };

        return new Promise<OciResponse>((resolve, reject) => {
            let settled = false;
            const finish = (err: Error | null, response?: OciResponse): void => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                if (err) reject(err);
                else if (response) resolve(response);
            };
            const req = https.request(url, {
                method,
                headers,
                lookup,
                ca: this.options.caPem,
                // A fresh connection per request, so no socket verified under other options is reused.
                agent: false,
            });
            const timer = setTimeout(() => {
                req.destroy(new Error(`${method} ${url.href} timed out after ${this.timeoutMs} ms`));
            }, this.timeoutMs);
            req.on("error", (err) => finish(err));
            req.on("response", (res) => {
                const chunks: Buffer[] = [];
                let received = 0;
                res.on("data", (chunk: Buffer) => {
                    received += chunk.length;
                    if (received > MAX_RESPONSE_BYTES) {
                        req.destroy(new Error(`${method} ${url.href}: response larger than ${MAX_RESPONSE_BYTES} bytes`));
                        return;
                    }
                    chunks.push(chunk);
                });
                res.on("error", (err) => finish(err));
                res.on("end", () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
            });
            req.end(requestOptions.body);
        });
    }

    private async expect(method: string, pathOrUrl: string, expected: number[], requestOptions?: OciRequestOptions): Promise<OciResponse> {
        const response = await this.request(method, pathOrUrl, requestOptions);
        if (!expected.includes(response.status)) {
            throw new OciHttpError(method, new URL(pathOrUrl, this.baseUrl).href, response.status, response.body.toString("utf8"), expected);
        }
        return response;
    }

    /** Status of `GET /v2/`: 200 when anonymous access is allowed, 401 when auth is on and not satisfied. */
    async ping(): Promise<number> {
        return (await this.request("GET", "/v2/")).status;
    }

    async head(pathOrUrl: string, headers?: Record<string, string>): Promise<OciResponse> {
        return this.request("HEAD", pathOrUrl, { headers });
    }

    /** HEAD of a manifest. distribution 2.8 answers 404 for an OCI manifest unless Accept names the OCI type. */
    async headManifest(repository: string, reference: string, accept = OCI_IMAGE_MANIFEST_MEDIA_TYPE): Promise<OciResponse> {
        assertRepository(repository);
        assertReference(reference);
        return this.head(`/v2/${repository}/manifests/${reference}`, { Accept: accept });
    }

    async blobExists(repository: string, digest: string): Promise<boolean> {
        assertRepository(repository);
        assertReference(digest);
        const response = await this.head(`/v2/${repository}/blobs/${digest}`);
        if (response.status === 200) return true;
        if (response.status === 404) return false;
        throw new OciHttpError("HEAD", `/v2/${repository}/blobs/${digest}`, response.status, "", [200, 404]);
    }

    /** Monolithic upload: POST opens a session, one PUT with `?digest=` sends the bytes and closes it. */
    async pushBlob(repository: string, bytes: Buffer, mediaType: string): Promise<OciDescriptor> {
        assertRepository(repository);
        const digest = sha256Digest(bytes);
        const opened = await this.expect("POST", `/v2/${repository}/blobs/uploads/`, [202]);
        const location = opened.headers.location;
        if (!location) {
            throw new Error(`POST /v2/${repository}/blobs/uploads/ answered 202 without a Location header`);
        }
        // Location may be absolute or relative, and may already carry a query (`_state=`).
        const uploadUrl = new URL(location, this.baseUrl);
        uploadUrl.search = `${uploadUrl.search ? `${uploadUrl.search}&` : "?"}digest=${encodeURIComponent(digest)}`;
        const closed = await this.expect("PUT", uploadUrl.href, [201], {
            body: bytes,
            headers: { "Content-Type": "application/octet-stream" },
        });
        const stored = closed.headers["docker-content-digest"];
        if (stored !== undefined && stored !== digest) {
            throw new Error(`registry stored blob as ${String(stored)}, expected ${digest}`);
        }
        return { mediaType, digest, size: bytes.length };
    }

    /** PUT a manifest; returns its digest. */
    async putManifest(repository: string, reference: string, manifestBytes: Buffer, mediaType = OCI_IMAGE_MANIFEST_MEDIA_TYPE): Promise<string> {
        assertRepository(repository);
        assertReference(reference);
        const digest = sha256Digest(manifestBytes);
        const response = await this.expect("PUT", `/v2/${repository}/manifests/${reference}`, [201], {
            body: manifestBytes,
            headers: { "Content-Type": mediaType },
        });
        const stored = response.headers["docker-content-digest"];
        if (stored !== undefined && stored !== digest) {
            throw new Error(`registry stored manifest as ${String(stored)}, expected ${digest}`);
        }
        return digest;
    }

    /** Pushes config and layers as blobs, then an OCI image manifest tagged `tag`. */
    async pushArtifact(repository: string, tag: string, artifact: { config: ArtifactBlob; layers: ArtifactBlob[]; annotations?: Record<string, string> }): Promise<{ digest: string; manifest: OciImageManifest }> {
        const config = await this.pushBlob(repository, artifact.config.bytes, artifact.config.mediaType);
        const layers: OciDescriptor[] = [];
        for (const layer of artifact.layers) {
            const descriptor = await this.pushBlob(repository, layer.bytes, layer.mediaType);
            layers.push(layer.annotations ? { ...descriptor, annotations: layer.annotations } : descriptor);
        }
        const manifest: OciImageManifest = {
            schemaVersion: 2,
            mediaType: OCI_IMAGE_MANIFEST_MEDIA_TYPE,
            config,
            layers,
            ...(artifact.annotations ? { annotations: artifact.annotations } : {}),
        };
        const digest = await this.putManifest(repository, tag, Buffer.from(JSON.stringify(manifest), "utf8"));
        return { digest, manifest };
    }

    async listTags(repository: string): Promise<string[]> {
        assertRepository(repository);
        const response = await this.expect("GET", `/v2/${repository}/tags/list`, [200]);
        const parsed = tagsListSchema.parse(JSON.parse(response.body.toString("utf8")));
        return parsed.tags ?? [];
    }

    async getManifest(repository: string, reference: string): Promise<PulledManifest> {
        assertRepository(repository);
        assertReference(reference);
        const response = await this.expect("GET", `/v2/${repository}/manifests/${reference}`, [200], {
            headers: { Accept: OCI_IMAGE_MANIFEST_MEDIA_TYPE },
        });
        const digest = sha256Digest(response.body);
        const advertised = response.headers["docker-content-digest"];
        if (advertised !== undefined && advertised !== digest) {
            throw new Error(`manifest ${repository}:${reference} has digest ${digest}, registry says ${String(advertised)}`);
        }
        return {
            bytes: response.body,
            manifest: ociImageManifestSchema.parse(JSON.parse(response.body.toString("utf8"))),
            mediaType: response.headers["content-type"] ?? "",
            digest,
        };
    }

    async getBlob(repository: string, digest: string): Promise<Buffer> {
        assertRepository(repository);
        assertReference(digest);
        return (await this.expect("GET", `/v2/${repository}/blobs/${digest}`, [200])).body;
    }
}

export function createOciClient(options: OciClientOptions): OciClient {
    return new OciClient(options);
}
