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
