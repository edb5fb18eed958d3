// The `registry` section: where charts are pushed (a hosted registry on the host, Registry1's staging
// area, or an external registry), its schema and its checks.
import { z } from "zod";
import { asRecord, Report } from "./problems";
import { DEFAULT_REGISTRY_IMAGE } from "./pins";
import { bool, dnsLabel, hostname, HOSTNAME, imageRef, integer, ipv4, nonEmpty } from "./scalars";

export const REGISTRY1_STAGING_URL = "oci://registry1.dso.mil/bigbang-staging";
export const BIGBANG_INGRESS_CERTS_URL =
    "https://repo1.dso.mil/big-bang/bigbang/-/raw/master/chart/ingress-certs.yaml";

export type RegistryTarget = "hosted" | "registry1-staging" | "external";
export type TlsSource = "bigbang" | "files";

export interface RegistryTlsConfig {
    source: TlsSource;
    url: string;
    certFile?: string;
    keyFile?: string;
}

export interface RegistryConfig {
    target: RegistryTarget;
    hostname: string;
    port: number;
    image: string;
    repoName: string;
    exposePublicly: boolean;
    tls: RegistryTlsConfig;
    auth: { enabled: boolean; username: string };
    /** `external`: the OCI URL charts are pushed to (`oci://host[:port][/path]`). */
    url?: string;
    /** Credentials for `registry1-staging` (required) and `external` (optional). */
    username?: string;
    password?: string;
    /** `external`: an IP the cluster's CoreDNS answers for the registry host. */
    dnsAlias?: string;
}

export const tlsSchema = z.strictObject({
    source: z.enum(["bigbang", "files"], { error: "expected bigbang or files" }).default("bigbang"),
    url: z.string().regex(/^(https:\/\/[^\s/]+|file:\/\/)\S*$/, {
        error: "expected an https:// URL, or file://<path> to a local Big Bang checkout's chart/ingress-certs.yaml",
    }).default(BIGBANG_INGRESS_CERTS_URL),
    certFile: nonEmpty("a path to a PEM certificate").optional(),
    keyFile: nonEmpty("a path to a PEM private key").optional(),
}, { error: "expected an object" });

export const registrySchema = z.strictObject({
    target: z.enum(["hosted", "registry1-staging", "external"], { error: "expected hosted, registry1-staging or external" }).default("hosted"),
    hostname: hostname.optional(),
    port: integer(1, 65535).default(5000),
    image: imageRef.default(DEFAULT_REGISTRY_IMAGE),
    repoName: dnsLabel("a Helm repository name").default("k3d"),
    exposePublicly: bool.default(false),
    tls: tlsSchema.prefault({}),
    auth: z.strictObject({
        enabled: bool.default(true),
        username: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, { error: "expected a user name of letters, digits, '.', '_' or '-'" }).default("bigbang"),
    }, { error: "expected an object" }).prefault({}),
    url: z.string().regex(/^oci:\/\/[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/, {
        error: "expected an OCI URL such as oci://harbor.dev.bigbang.mil/library",
    }).optional(),
    username: nonEmpty("a user name").optional(),
    password: nonEmpty("a password or token (set it with --secret)").optional(),
    dnsAlias: ipv4.optional(),
}, { error: "expected an object" });

// Big Bang's chart/values.schema.json (anyOf on helmRepositories[] items), which Helm enforces on install and upgrade.
export const BIGBANG_NEEDS_CREDENTIALS = "Big Bang's values schema requires credentials on every helmRepositories entry";
export const EXTERNAL_NEEDS_CREDENTIALS = `registry.target external needs registry.username and registry.password, such as a robot account that can push and pull: ${BIGBANG_NEEDS_CREDENTIALS}`;

/** The target's own rules and the values it implies (hostname, port, url). */
export function registryChecks(registry: RegistryConfig, raw: Record<string, unknown>, p: Report): void {
    const reg = registry;
    const rawRegistry = (raw.registry ?? {}) as Record<string, unknown>;
    // A key the chosen target never reads would be silently ignored: refuse it instead.
    const unused: Record<RegistryTarget, string[]> = {
        hosted: [],
        "registry1-staging": ["hostname", "port", "image", "exposePublicly", "tls", "auth", "url"],
        external: ["port", "image", "exposePublicly", "tls", "auth"],
    };
    for (const key of unused[reg.target]) {
        if (rawRegistry[key] !== undefined) {
            const hint = reg.target === "external" && key === "port" ? "; put the port in registry.url" : "";
            p(`registry.${key}`, `is not used with registry.target ${reg.target}${hint}`, rawRegistry[key]);
        }
    }
    const rawNetwork = asRecord(raw.network);
    if (reg.target !== "hosted" && rawNetwork.registryAddress !== undefined) {
        p("network.registryAddress", `is not used with registry.target ${reg.target}: there is no registry container${reg.target === "external" ? "; registry.dnsAlias is the address the cluster resolves the registry to" : ""}`, rawNetwork.registryAddress);
    }
    switch (reg.target) {
        case "hosted":
            reg.hostname ||= "oci.dev.bigbang.mil";
            for (const key of ["url", "username", "password"] as const) {
                if (rawRegistry[key] !== undefined) p(`registry.${key}`, "only applies to registry.target external or registry1-staging", key === "password" ? "[secret]" : rawRegistry[key]);
            }
            if (rawRegistry.dnsAlias !== undefined) p("registry.dnsAlias", "only applies to registry.target external", rawRegistry.dnsAlias);
            if (!reg.auth.enabled) p("registry.auth.enabled", `must stay true: ${BIGBANG_NEEDS_CREDENTIALS}, so Big Bang cannot install from an anonymous registry`, reg.auth.enabled);
            if (reg.tls.source === "files" && (!reg.tls.certFile || !reg.tls.keyFile)) {
                p("registry.tls", "source files needs certFile and keyFile", { certFile: reg.tls.certFile, keyFile: reg.tls.keyFile });
            }
            if (reg.tls.source !== "files" && (reg.tls.certFile || reg.tls.keyFile)) {
                p("registry.tls.source", "certFile and keyFile need source files", reg.tls.source);
            }
            if (reg.tls.source !== "bigbang" && asRecord(rawRegistry.tls).url !== undefined) {
                p("registry.tls.url", `is only read with registry.tls.source bigbang, not ${reg.tls.source}`, reg.tls.url);
            }
            break;
        case "registry1-staging":
            reg.url = REGISTRY1_STAGING_URL;
            reg.hostname = "registry1.dso.mil";
            reg.port = 443;
            if (!reg.username) p("registry.username", "registry1-staging needs your Registry1 user name", reg.username);
            if (!reg.password) p("registry.password", "registry1-staging needs your Registry1 CLI token (pulumi config set --path --secret registry.password)", reg.password);
            if (reg.dnsAlias) p("registry.dnsAlias", "only applies to registry.target external", reg.dnsAlias);
            break;
        case "external": {
            if (!reg.url) {
                p("registry.url", "registry.target external needs an OCI URL such as oci://harbor.dev.bigbang.mil/library", reg.url);
                break;
            }
            const authority = reg.url.slice("oci://".length).split("/")[0];
            const [host, port] = authority.split(":");
            if (rawRegistry.hostname !== undefined) {
                p("registry.hostname", `is not used with registry.target external: the host comes from registry.url (${host})`, reg.hostname);
            }
            reg.hostname = host;
            reg.port = port ? Number(port) : 443;
            if (!HOSTNAME.test(host)) p("registry.url", "expected a lower-case DNS name as the registry host", reg.url);
            if (reg.port < 1 || reg.port > 65535) p("registry.url", "expected a port of 1-65535", reg.url);
            if (!reg.username) p("registry.username", EXTERNAL_NEEDS_CREDENTIALS, reg.username);
            if (!reg.password) p("registry.password", `${EXTERNAL_NEEDS_CREDENTIALS} (set it with --secret)`, undefined);
            break;
        }
    }
}
