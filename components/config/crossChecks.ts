// Cross-section checks: rules that read more than one section (host ports shared by the registry and
// the cluster, TLS keys exposed to allowedCidrs, MetalLB and the registry's DNS name), the security
// guardrails of issue 21, and the order every section's own checks run in.
import { bigbangChecks, bigbangSourceChecks } from "./bigbangSection";
import { chartsChecks } from "./chartsSection";
import { clusterChecks } from "./clusterSection";
import { hostChecks, toolSha256Problems } from "./hostSection";
import { networkChecks } from "./networkSection";
import { asRecord, PROJECT, Report, reporter, valueAt } from "./problems";
import { registryChecks } from "./registrySection";
import { parseCidr } from "./scalars";
import { StackConfig } from "./stackSection";

/** allowedCidrs wider than this prefix need allowAnywhere. */
export const WIDEST_WITHOUT_ALLOW_ANYWHERE = 8;
/** allowedCidrs wider than this prefix get a warning. */
export const WIDEST_WITHOUT_WARNING = 24;

/** The credential keys: each must be set with `pulumi config set --secret`. */
const CREDENTIAL_KEYS: readonly (readonly [string, string])[] = [
    ["registry", "password"],
    ["bigbang", "registry1.password"],
];

/**
 * A credential set without --secret sits in plain text in the stack file (and in every backup or
 * commit of it). The engine tells which top-level keys hold a secret: an object key set with
 * `--path --secret` is secure as a whole (pulumi/pulumi sdk/go/common/resource/config/value.go,
 * Value.Secure; map.go, Map.SecureKeys, which the CLI passes as PULUMI_CONFIG_SECRET_KEYS and
 * @pulumi/pulumi runtime/config.ts isConfigSecret reads).
 */
export function plaintextCredentialProblems(raw: Record<string, unknown>, isSecret: ((fullKey: string) => boolean) | undefined): string[] {
    if (!isSecret) return [];
    const problems: string[] = [];
    for (const [section, rest] of CREDENTIAL_KEYS) {
        if (valueAt(raw[section], rest.split(".")) === undefined || isSecret(`${PROJECT}:${section}`)) continue;
        const key = `${section}.${rest}`;
        problems.push(`${PROJECT}:${key}: is stored in plain text in the stack file; set it again as a secret with `
            + `'pulumi config set --path --secret ${PROJECT}:${key}' (it prompts for the value, so it stays out of your shell history)`);
    }
    return problems;
}

const PUBLIC_KEY_RISK = "its TLS key is Big Bang's dev key, whose private half is published in Big Bang's repository, so anyone "
    + "between allowedCidrs and the host can impersonate it, read the registry password and swap the charts Flux installs "
    + "with cluster-admin; push through an SSH tunnel instead (README, Pushing by hand), use registry.tls.source files with "
    + "your own certificate, or set acceptPublicKeyRisk to true to open it anyway";

/** Ports opened to allowedCidrs while the certificate they serve has a published private key. */
function publicKeyExposureProblems(cfg: StackConfig): string[] {
    // Only aws opens ports to allowedCidrs; on another backend the exposePublicly keys are refused as unused.
    if (cfg.acceptPublicKeyRisk || cfg.host.backend !== "aws") return [];
    const problems: string[] = [];
    const reg = cfg.registry;
    // The hosted registry serves registry.tls; the gateways serve the same certificate (Big Bang's values
    // layer 2), or the checkout's chart/ingress-certs.yaml (Big Bang's dev key) without a hosted registry.
    const publicKey = reg.target !== "hosted" || reg.tls.source === "bigbang";
    if (!publicKey) return [];
    if (reg.target === "hosted" && reg.exposePublicly) {
        problems.push(`${PROJECT}:registry.exposePublicly: ${PUBLIC_KEY_RISK}, got true`);
    }
    for (const [i, port] of cfg.cluster.ports.entries()) {
        if (port.exposePublicly) problems.push(`${PROJECT}:cluster.ports[${i}].exposePublicly: ${PUBLIC_KEY_RISK}, got true`);
    }
    return problems;
}

/** What is allowed but worth a second look: printed as warnings by `pulumi up`. */
export function configWarnings(cfg: StackConfig): string[] {
    const wide = cfg.allowedCidrs.filter((c) => (parseCidr(c)?.prefix ?? 32) < WIDEST_WITHOUT_WARNING);
    if (wide.length === 0) return [];
    return [`${PROJECT}:allowedCidrs: ${wide.join(", ")} ${wide.length > 1 ? "are" : "is"} wider than a /${WIDEST_WITHOUT_WARNING}: `
        + "SSH, the Kubernetes API and every exposed port answer that whole range; list your own addresses instead if you can"];
}

/**
 * Keys outside `host` that only the aws backend reads: the security group's sources and the ports it
 * opens. On ssh and local nothing opens a port to them, so a stack that sets one is told so.
 */
function awsOnlyKeyProblems(cfg: StackConfig, raw: Record<string, unknown>, p: Report): void {
    const backend = cfg.host.backend;
    if (backend === "aws") return;
    const why = `not used with host.backend ${backend}`;
    for (const key of ["allowedCidrs", "allowAnywhere", "acceptPublicKeyRisk"]) {
        if (raw[key] !== undefined) p(key, why, raw[key]);
    }
    const registry = asRecord(raw.registry);
    if (registry.exposePublicly !== undefined) p("registry.exposePublicly", why, registry.exposePublicly);
    const ports = asRecord(raw.cluster).ports;
    if (Array.isArray(ports)) {
        for (const [i, port] of ports.entries()) {
            const exposed = asRecord(port).exposePublicly;
            if (exposed !== undefined) p(`cluster.ports[${i}].exposePublicly`, why, exposed);
        }
    }
}

/** Rules that span sections, and defaults derived from other keys, in the order the problems are listed. Fills cfg in place. */
export function crossCheck(cfg: StackConfig, raw: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const p = reporter(problems);

    // Not only /0: 0.0.0.0/1 plus 128.0.0.0/1 is the whole internet too.
    const anywhere = cfg.allowedCidrs.filter((c) => (parseCidr(c)?.prefix ?? 32) < WIDEST_WITHOUT_ALLOW_ANYWHERE);
    if (anywhere.some((c) => parseCidr(c)?.prefix === 0) && !cfg.allowAnywhere) {
        p("allowedCidrs", "0.0.0.0/0 opens the host to the whole internet; set allowAnywhere to true to allow it", cfg.allowedCidrs);
    } else if (anywhere.length > 0 && !cfg.allowAnywhere) {
        p("allowedCidrs", `${anywhere.join(", ")} ${anywhere.length > 1 ? "are" : "is"} wider than a /${WIDEST_WITHOUT_ALLOW_ANYWHERE} and open${anywhere.length > 1 ? "" : "s"} the host to a large part of the internet; set allowAnywhere to true to allow it`, cfg.allowedCidrs);
    }
    problems.push(...publicKeyExposureProblems(cfg), ...toolSha256Problems(cfg.host));
    bigbangSourceChecks(cfg.bigbang, p);
    hostChecks(cfg.host, raw, p);
    awsOnlyKeyProblems(cfg, raw, p);
    networkChecks(cfg.network, p);
    registryChecks(cfg.registry, raw, p);
    clusterChecks(cfg.cluster, p);
    const reg = cfg.registry;

    const hostPorts = new Map<number, string>();
    for (const [i, port] of cfg.cluster.ports.entries()) {
        const other = hostPorts.get(port.port);
        if (other) p(`cluster.ports[${i}].port`, `is already used by ${other}`, port.port);
        hostPorts.set(port.port, `cluster.ports[${i}]`);
    }
    if (reg.target === "hosted") {
        const other = hostPorts.get(reg.port);
        if (other) p("registry.port", `is already used by ${other}`, reg.port);
        if (reg.port === 22 || reg.port === 6443) p("registry.port", "22 and 6443 are taken by SSH and the Kubernetes API", reg.port);
    }
    for (const [i, port] of cfg.cluster.ports.entries()) {
        if (port.port === 22 || port.port === 6443) p(`cluster.ports[${i}].port`, "22 and 6443 are taken by SSH and the Kubernetes API", port.port);
    }

    bigbangChecks(cfg.bigbang, raw, p);
    const bb = cfg.bigbang;
    // The cache's own EBS volume holds the cache's data (issue 19): without the cache it would hold nothing.
    if (cfg.host.backend === "aws" && cfg.host.cacheVolumeGiB !== undefined && !bb.registry1Cache) {
        p("host.cacheVolumeGiB", "holds the Registry1 cache's data, and the cache is off: it needs bigbang.registry1.username and password, with bigbang.registry1Cache not false; remove cacheVolumeGiB or turn the cache on", cfg.host.cacheVolumeGiB);
    }
    if (bb.install) {
        // MetalLB answers ARP for its pools on the Docker network; k3s's own service load balancer would
        // claim the same LoadBalancer Services (Big Bang's dev script adds --disable=servicelb with -m).
        if (bb.metallb && !cfg.cluster.disable.includes("servicelb")) cfg.cluster.disable = [...cfg.cluster.disable, "servicelb"];
        // Both go into coredns-custom under `<first label>.server`; one key cannot hold two blocks.
        if (bb.metallb && reg.hostname.split(".")[0] === "bigbang" && (reg.target === "hosted" || (reg.target === "external" && reg.dnsAlias))) {
            p("registry.hostname", "its first label gives the coredns-custom key bigbang.server, which Big Bang's ingress DNS uses; pick another name", reg.hostname);
        }
    }
    chartsChecks(cfg.charts, p);
    return problems;
}
