// How the Registry1 pull-through cache is configured, as data (issue 19). The
// RegistryCache component uploads registry1CacheConfigYaml() as the container's
// config file, and the live test (test/registry/cache.integration.test.ts) runs
// Debian's docker-registry with the same function, only the upstream URL, the
// listen address and the data folder moved onto 127.0.0.1.
import { stringify } from "yaml";

/** The registry the cache stands in front of, as image references name it. */
export const REGISTRY1_HOST = "registry1.dso.mil";
export const REGISTRY1_URL = `https://${REGISTRY1_HOST}`;
/** The port the cache listens on inside its container; nothing publishes it on the host. */
export const CACHE_PORT = 5000;
/**
 * distribution's debug listener, on the container's loopback only: `/debug/vars` (Go's expvar)
 * carries the proxy's hit and miss counters (registry/proxy/proxymetrics.go, "registry" → "proxy"),
 * read with `docker exec` (README, "The Registry1 cache").
 */
export const CACHE_DEBUG_PORT = 5001;

/** Where files live inside the cache's `registry:2` container. */
export const CACHE_CONTAINER_PATHS = {
    /** The image's CMD (`registry serve /etc/docker/registry/config.yml`) reads this file; the upload replaces it. */
    config: "/etc/docker/registry/config.yml",
    data: "/var/lib/registry",
} as const;

export interface CacheSettingsInput {
    /** The Registry1 login: the cache pulls with it, the nodes pull from the cache without one. */
    username: string;
    password: string;
    /** Overrides for running the same settings outside the container (tests). */
    remoteUrl?: string;
    listenHost?: string;
    port?: number;
    dataDir?: string;
    debugPort?: number;
}

/**
 * distribution 2.8's configuration (configuration/configuration.go, `Proxy`): with
 * `proxy.remoteurl` the registry is a read-only pull-through cache (pushes are refused,
 * distribution/distribution#1218), fetches what it lacks with `proxy.username`/`password`
 * and keeps it under `storage`. A tag is asked of the upstream first and answered from the
 * cache when the upstream fails (registry/proxy/proxytagservice.go, Get); manifests by digest
 * and blobs come from the cache first (proxymanifeststore.go, proxyblobstore.go). 2.8 keeps
 * each pulled blob and manifest for 7 days after its last fetch from upstream
 * (registry/proxy/proxyregistry.go, repositoryTTL), then removes it.
 *
 * Plain HTTP, no auth on the cache: see registry1MirrorEndpoint.
 */
export function registry1CacheConfig(input: CacheSettingsInput): Record<string, unknown> {
    const port = input.port ?? CACHE_PORT;
    return {
        version: 0.1,
        log: { level: "info", fields: { service: "registry1-cache" } },
        storage: {
            cache: { blobdescriptor: "inmemory" },
            filesystem: { rootdirectory: input.dataDir ?? CACHE_CONTAINER_PATHS.data },
        },
        http: {
            addr: `${input.listenHost ?? "0.0.0.0"}:${port}`,
            headers: { "X-Content-Type-Options": ["nosniff"] },
            debug: { addr: `127.0.0.1:${input.debugPort ?? CACHE_DEBUG_PORT}` },
        },
        health: { storagedriver: { enabled: true, interval: "10s", threshold: 3 } },
        proxy: { remoteurl: input.remoteUrl ?? REGISTRY1_URL, username: input.username, password: input.password },
    };
}

/** The config file's text; it holds the Registry1 token, so callers keep it a secret. */
export function registry1CacheConfigYaml(input: CacheSettingsInput): string {
    return stringify(registry1CacheConfig(input), { lineWidth: 0 });
}

/**
 * The URL the k3d nodes' containerd uses for the cache. Plain HTTP on the cluster's Docker
 * bridge, which only this host and its containers reach (the container publishes no port):
 * TLS would need a certificate for a name every node trusts, mounted into each node and
 * named in registries.yaml `configs.<cache>.tls.ca_file`, to protect a hop that never leaves
 * the machine. containerd checks every manifest and blob it fetches by digest against the
 * descriptor it resolved (its content store's Commit with the expected digest), so only the
 * tag-to-digest answer rests on the bridge being the host's own.
 */
export function registry1MirrorEndpoint(cacheAddress: string, port: number = CACHE_PORT): string {
    return `http://${cacheAddress}:${port}`;
}
