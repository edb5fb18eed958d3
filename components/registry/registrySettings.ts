// How the registry container is configured, as data. The Registry component
// and the real-registry integration test both derive their settings from
// registrySettings(), so the test exercises the same TLS and auth setup the
// program deploys.

/** Where files live inside the `registry:2` container. */
export const CONTAINER_PATHS = {
    certificate: "/certs/tls.crt",
    key: "/certs/tls.key",
    htpasswd: "/auth/htpasswd",
    data: "/var/lib/registry",
} as const;

export type RegistryPaths = Record<keyof typeof CONTAINER_PATHS, string>;

export const HTPASSWD_REALM = "bigbang-oci-dev";

export interface RegistrySettingsInput {
    hostname: string;
    /** The port the registry listens on, in the container and on the host alike. */
    port: number;
    authEnabled: boolean;
    /** Overrides for running the same settings outside the container (tests). */
    paths?: Partial<RegistryPaths>;
    /** Listen address; the container listens on every interface. */
    listenHost?: string;
}

export interface RegistrySettings {
    /** Environment for distribution 2.8 (`registry:2`, Debian's docker-registry). */
    env: Record<string, string>;
    paths: RegistryPaths;
    port: number;
    /** Status the readiness probe of `/v2/` expects. */
    readyStatus: 200 | 401;
    /** The minimal base config file the env overrides (the image ships an equivalent one). */
    baseConfig: Record<string, unknown>;
}

export function registrySettings(input: RegistrySettingsInput): RegistrySettings {
    const paths = { ...CONTAINER_PATHS, ...input.paths };
    const env: Record<string, string> = {
        REGISTRY_HTTP_ADDR: `${input.listenHost ?? "0.0.0.0"}:${input.port}`,
        // Makes Location headers (blob upload URLs) use the name clients trust.
        REGISTRY_HTTP_HOST: `https://${input.hostname}:${input.port}`,
        REGISTRY_HTTP_TLS_CERTIFICATE: paths.certificate,
        REGISTRY_HTTP_TLS_KEY: paths.key,
        REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: paths.data,
        // Developers re-push the same chart version while iterating; deletes let them clean up.
        REGISTRY_STORAGE_DELETE_ENABLED: "true",
        REGISTRY_LOG_LEVEL: "info",
    };
    if (input.authEnabled) {
        env.REGISTRY_AUTH = "htpasswd";
        env.REGISTRY_AUTH_HTPASSWD_REALM = HTPASSWD_REALM;
        env.REGISTRY_AUTH_HTPASSWD_PATH = paths.htpasswd;
    }
    return {
        env,
        paths,
        port: input.port,
        readyStatus: input.authEnabled ? 401 : 200,
        baseConfig: {
            version: 0.1,
            log: { fields: { service: "registry" } },
            storage: { cache: { blobdescriptor: "inmemory" }, filesystem: { rootdirectory: paths.data } },
            http: { addr: `:${input.port}`, headers: { "X-Content-Type-Options": ["nosniff"] } },
            health: { storagedriver: { enabled: true, interval: "10s", threshold: 3 } },
        },
    };
}
