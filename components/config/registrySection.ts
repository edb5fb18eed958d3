// The `registry` section: where charts are pushed (a hosted registry on the host, Registry1's staging
// area, or an external registry), its schema and its checks.
import { z } from "zod";
import { asRecord, Report } from "./problems";
import { DEFAULT_REGISTRY_IMAGE } from "./pins";
import { bool, dnsLabel, hostname, HOSTNAME, imageRef, integer, ipv4, nonEmpty } from "./scalars";

export const REGISTRY1_STAGING_URL = "oci://registry1.dso.mil/bigbang-staging";
export const BIGBANG_INGRESS_CERTS_URL =
    "https://repo1.dso.mil/big-bang/bigbang/-/raw/master/chart/ingress-certs.yaml";


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

// ---------------------------------------------------------------------------
// Types, from the schema. The schema holds every target's keys in one strict object, so that a key of
// another target is reported as "is not used with registry.target <target>" (registryChecks).

type RegistryFields = z.output<typeof registrySchema>;
export type RegistryTarget = RegistryFields["target"];
export type RegistryTlsConfig = RegistryFields["tls"];
export type TlsSource = RegistryTlsConfig["source"];

/** What every target has once checked: where charts go (hostname and port derived for the remote targets). */
interface RegistryCommon {
    hostname: string;
    port: number;
    repoName: string;
    /** The registry image: the hosted registry's container, and the Registry1 cache's with any target. */
    image: string;
}

/** registry.target hosted (the default): a registry container on the host. */
export type HostedRegistryConfig = RegistryCommon & { target: "hosted" } & Pick<RegistryFields, "exposePublicly" | "tls" | "auth">;

/** registry.target registry1-staging: Registry1's staging area, with the developer's Registry1 login. */
export type Registry1StagingRegistryConfig = RegistryCommon & { target: "registry1-staging"; url: string } & Pick<RegistryFields, "username" | "password">;

/** registry.target external: a registry the developer runs (`oci://host[:port][/path]`), and optionally the IP the cluster resolves it to. */
export type ExternalRegistryConfig = RegistryCommon & { target: "external"; url: string } & Pick<RegistryFields, "username" | "password" | "dnsAlias">;

export type RegistryConfig = HostedRegistryConfig | Registry1StagingRegistryConfig | ExternalRegistryConfig;

/** The typed registry config of the parsed section: the target's variant (hostname, port and url are filled by registryChecks). */
export function buildRegistryConfig(parsed: RegistryFields): RegistryConfig {
    const common = { hostname: parsed.hostname ?? "", port: parsed.port, repoName: parsed.repoName, image: parsed.image };
    switch (parsed.target) {
        case "hosted":
            return { target: "hosted", ...common, exposePublicly: parsed.exposePublicly, tls: { ...parsed.tls }, auth: { ...parsed.auth } };
        case "registry1-staging":
            return { target: "registry1-staging", ...common, url: REGISTRY1_STAGING_URL, username: parsed.username, password: parsed.password };
        case "external":
            return { target: "external", ...common, url: parsed.url ?? "", username: parsed.username, password: parsed.password, dnsAlias: parsed.dnsAlias };
    }
}

// Big Bang's chart/values.schema.json (anyOf on helmRepositories[] items), which Helm enforces on install and upgrade.
export const BIGBANG_NEEDS_CREDENTIALS = "Big Bang's values schema requires credentials on every helmRepositories entry";
export const EXTERNAL_NEEDS_CREDENTIALS = `registry.target external needs registry.username and registry.password, such as a robot account that can push and pull: ${BIGBANG_NEEDS_CREDENTIALS}`;

/** The target's own rules and the values it implies (hostname, port, url). */
export function registryChecks(registry: RegistryConfig, raw: Record<string, unknown>, p: Report): void {
    const reg = registry;
    const rawRegistry = (raw.registry ?? {}) as Record<string, unknown>;
    // A key the chosen target never reads would be silently ignored: refuse it instead.
    const unused: Record<RegistryTarget, string[]> = {
        hosted: ["url", "username", "password", "dnsAlias"],
        "registry1-staging": ["hostname", "port", "image", "exposePublicly", "tls", "auth", "url", "dnsAlias"],
        external: ["port", "image", "exposePublicly", "tls", "auth"],
    };
    for (const key of unused[reg.target]) {
        if (rawRegistry[key] !== undefined) {
            const hint = reg.target === "external" && key === "port" ? "; put the port in registry.url" : "";
            p(`registry.${key}`, `is not used with registry.target ${reg.target}${hint}`, key === "password" ? "[secret]" : rawRegistry[key]);
        }
    }
    const rawNetwork = asRecord(raw.network);
    if (reg.target !== "hosted" && rawNetwork.registryAddress !== undefined) {
        p("network.registryAddress", `is not used with registry.target ${reg.target}: there is no registry container${reg.target === "external" ? "; registry.dnsAlias is the address the cluster resolves the registry to" : ""}`, rawNetwork.registryAddress);
    }
    switch (reg.target) {
        case "hosted":
            reg.hostname ||= "oci.dev.bigbang.mil";
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
            reg.hostname = "registry1.dso.mil";
            reg.port = 443;
            if (!reg.username) p("registry.username", "registry1-staging needs your Registry1 user name", reg.username);
            if (!reg.password) p("registry.password", "registry1-staging needs your Registry1 CLI token (pulumi config set --path --secret registry.password)", reg.password);
            break;
        case "external": {
            if (!reg.url) {
                p("registry.url", "registry.target external needs an OCI URL such as oci://harbor.dev.bigbang.mil/library", undefined);
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
