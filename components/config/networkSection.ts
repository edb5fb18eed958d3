// The `network` section: the Docker network the cluster and the registry share, its schema and its checks
// (the gateway, registry and cache addresses default from the subnet).
import { z } from "zod";
import { Report } from "./problems";
import { cidrContains, cidrv4, intToIp, ipToInt, ipv4, parseCidr } from "./scalars";

export interface NetworkConfig {
    name: string;
    subnet: string;
    gateway: string;
    registryAddress: string;
    /** The Registry1 pull-through cache's fixed IP on the network (issue 19). */
    cacheAddress: string;
}

export const networkSchema = z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { error: "expected a Docker network name" }).default("k3d-network"),
    subnet: cidrv4.default("172.20.0.0/16"),
    gateway: ipv4.optional(),
    registryAddress: ipv4.optional(),
    cacheAddress: ipv4.optional(),
}, { error: "expected an object" });

/** Fills the addresses the subnet implies and checks them against it. */
export function networkChecks(network: NetworkConfig, p: Report): void {
    // Network: gateway and registry address default from the subnet.
    const subnet = parseCidr(network.subnet);
    if (subnet) {
        const size = 2 ** (32 - subnet.prefix);
        if (subnet.prefix > 22) {
            p("network.subnet", "expected a prefix of /22 or larger, so the cluster, MetalLB and the registry fit", network.subnet);
        } else {
            network.gateway ||= intToIp(subnet.base + 1);
            // The third /24 of the subnet: above the first /24 that k3d fills with
            // nodes and the x.x.1.240-249 range Big Bang's dev script gives MetalLB.
            network.registryAddress ||= intToIp(subnet.base + 2 * 256 + 10);
            for (const [key, ip] of [["network.gateway", network.gateway], ["network.registryAddress", network.registryAddress]] as const) {
                const n = ipToInt(ip);
                if (!cidrContains(network.subnet, ip) || n === subnet.base || n === subnet.base + size - 1) {
                    p(key, `expected a host address inside network.subnet ${network.subnet}`, ip);
                }
            }
            const reg = ipToInt(network.registryAddress);
            if (!cidrContains(network.subnet, network.registryAddress)) {
                // Already reported above; the range rules below only make sense inside the subnet.
            } else if (reg === ipToInt(network.gateway)) {
                p("network.registryAddress", "must differ from the network gateway", network.registryAddress);
            } else if (reg - subnet.base < 256) {
                p("network.registryAddress", "must be outside the first /24 of network.subnet, where k3d places its nodes", network.registryAddress);
            } else if (reg - subnet.base >= 256 + 240 && reg - subnet.base <= 256 + 249) {
                p("network.registryAddress", "must be outside the MetalLB range x.x.1.240-249 that Big Bang uses", network.registryAddress);
            }
            // The Registry1 cache: next to the registry, under the same rules (issue 19).
            // The default is x.x.2.11, or the next address when the stack already uses that one for the
            // registry or the gateway: a default must never refuse a stack that does not even use the cache.
            if (!network.cacheAddress) {
                const taken = new Set([reg, ipToInt(network.gateway)]);
                let candidate = subnet.base + 2 * 256 + 11;
                while (taken.has(candidate)) candidate++;
                network.cacheAddress = intToIp(candidate);
            }
            const cache = ipToInt(network.cacheAddress);
            if (!cidrContains(network.subnet, network.cacheAddress) || cache === subnet.base || cache === subnet.base + size - 1) {
                p("network.cacheAddress", `expected a host address inside network.subnet ${network.subnet}`, network.cacheAddress);
            } else if (cache === ipToInt(network.gateway) || cache === reg) {
                p("network.cacheAddress", "must differ from the network gateway and network.registryAddress", network.cacheAddress);
            } else if (cache - subnet.base < 256) {
                p("network.cacheAddress", "must be outside the first /24 of network.subnet, where k3d places its nodes", network.cacheAddress);
            } else if (cache - subnet.base >= 256 + 240 && cache - subnet.base <= 256 + 249) {
                p("network.cacheAddress", "must be outside the MetalLB range x.x.1.240-249 that Big Bang uses", network.cacheAddress);
            }
        }
    }
}
