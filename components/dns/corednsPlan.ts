// Pure planning for the cluster's DNS entry for the registry. k3s imports every
// `*.server` key of the `coredns-custom` ConfigMap as an extra server block and
// leaves that ConfigMap alone when it restarts, unlike its own `coredns`
// ConfigMap. CoreDNS sends a query to the block with the longest matching zone,
// so a block whose zone is exactly the registry name wins over Big Bang's
// `bigbang.server` block for all of `dev.bigbang.mil`.
import { createHash } from "crypto";
import { stringify } from "yaml";
import { HOSTNAME, IPV4 } from "../config/config";

export const CUSTOM_CONFIGMAP = { name: "coredns-custom", namespace: "kube-system" } as const;
export const COREDNS_DEPLOYMENT = { name: "coredns", namespace: "kube-system" } as const;
export const RESTART_ANNOTATION = "bigbang-oci-dev/coredns-custom-hash";


/** The coredns-custom key for a registry name: its first label, e.g. `oci.server`. */
export function corednsCustomKey(hostname: string): string {
    return `${hostname.split(".")[0]}.server`;
}

/**
 * A CoreDNS server block for exactly `hostname`: the `hosts` plugin answers the
 * name with `address`, and `fallthrough` is deliberately absent, so other
 * names in the zone (there are none below an exact host name) get NXDOMAIN
 * rather than leaking to the upstream resolver.
 */
export function corednsServerBlock(hostname: string, address: string): string {
    if (!HOSTNAME.test(hostname)) throw new Error(`not a DNS name: ${JSON.stringify(hostname)}`);
    if (!IPV4.test(address)) throw new Error(`not an IPv4 address: ${JSON.stringify(address)}`);
    return [
        `${hostname}:53 {`,
        "    errors",
        "    hosts {",
        `        ${address} ${hostname}`,
        "        ttl 60",
        "    }",
        "}",
        "",
    ].join("\n");
}

/** Changes exactly when the block changes; the pod-template annotation that restarts CoreDNS. */
export function corednsBlockHash(block: string): string {
    return createHash("sha256").update(block).digest("hex").slice(0, 16);
}

/** KEP-1755: how tools such as Tilt discover a local registry. */
export function localRegistryHostingYaml(opts: { hostname: string; port: number; help: string }): string {
    return stringify({
        host: `${opts.hostname}:${opts.port}`,
        hostFromContainerRuntime: `${opts.hostname}:${opts.port}`,
        hostFromClusterNetwork: `${opts.hostname}:${opts.port}`,
        help: opts.help,
    });
}

/** The coredns-custom key Big Bang's dev script writes its block under. */
export const BIGBANG_SERVER_KEY = "bigbang.server";

/**
 * The server block Big Bang's dev script puts in coredns-custom
 * (docs/reference/scripts/developer/k3d-dev.sh at Big Bang commit 1699eff40,
 * fix_etc_hosts l.1524-1537), character for character so it diffs cleanly
 * against a cluster the script set up: every A query in `domain` is answered
 * with the public gateway's address, except the passthrough hosts (Keycloak,
 * Vault), which get the passthrough gateway's. With no passthrough hosts the
 * first `template` is left out: a `template` with no zones matches the whole
 * domain and would send everything to the passthrough gateway.
 */
export function bigbangServerBlock(opts: { domain: string; publicAddress: string; passthroughAddress: string; passthroughHosts: readonly string[] }): string {
    if (!HOSTNAME.test(opts.domain)) throw new Error(`not a DNS name: ${JSON.stringify(opts.domain)}`);
    for (const address of [opts.publicAddress, opts.passthroughAddress]) {
        if (!IPV4.test(address)) throw new Error(`not an IPv4 address: ${JSON.stringify(address)}`);
    }
    for (const host of opts.passthroughHosts) {
        if (!HOSTNAME.test(host) || !host.endsWith(`.${opts.domain}`)) throw new Error(`passthrough host ${JSON.stringify(host)} is not a name in ${opts.domain}`);
    }
    const passthrough = opts.passthroughHosts.length === 0 ? [] : [
        `  template IN A ${opts.passthroughHosts.join(" ")} {`,
        `    answer "{{ .Name }} 60 IN A ${opts.passthroughAddress}"`,
        "  }",
        "",
    ];
    return [
        `${opts.domain} {`,
        ...passthrough,
        "  template IN A {",
        `    answer "{{ .Name }} 60 IN A ${opts.publicAddress}"`,
        "  }",
        "",
        "  errors",
        "  log",
        "}",
    ].join("\n");
}

/**
 * The zone of the server block CoreDNS hands a query to, or undefined when no
 * block's zone contains the name, not even a root zone `.` (CoreDNS answers
 * REFUSED). CoreDNS's Server.ServeDNS (coredns/coredns
 * core/dnsserver/server.go, commit 1c745d73) looks the full query name up in
 * its zones and strips one leading label per miss (dns.NextLabel), so the
 * first hit is the longest matching zone. Names compare case-insensitively
 * and fully qualified.
 */
export function servingZone(qname: string, zones: readonly string[]): string | undefined {
    const fqdn = (name: string) => (name.endsWith(".") ? name : `${name}.`).toLowerCase();
    const byName = new Map(zones.map((z) => [fqdn(z), z]));
    let name = fqdn(qname);
    for (;;) {
        const hit = byName.get(name);
        if (hit !== undefined) return hit;
        const dot = name.indexOf(".");
        if (dot === name.length - 1) return byName.get(".");
        name = name.slice(dot + 1);
    }
}

/** The zones a server block's header names (`oci.dev.bigbang.mil:53 {` -> ["oci.dev.bigbang.mil"]). */
export function serverBlockZones(block: string): string[] {
    const header = block.split("\n").find((line) => line.trim() !== "") ?? "";
    const m = /^\s*(.*?)\s*\{\s*$/.exec(header);
    if (!m) throw new Error("server block has no `ZONE... {` header line");
    return m[1].split(/[\s,]+/).filter((w) => w !== "").map((w) => w.replace(/^dns:\/\//, "").replace(/:\d+$/, ""));
}
