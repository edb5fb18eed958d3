// MetalLB's address pools for the cluster, laid out exactly as Big Bang's dev
// script (docs/reference/scripts/developer/k3d-dev.sh at Big Bang commit
// 1699eff40, the `-m` heredoc at l.867-937) lays them out for 172.20.0.0/16, so
// the addresses in Big Bang's docs and in people's /etc/hosts keep working:
// all in the subnet's second /24 (the first is where k3d puts its nodes),
//   default    .242-.249 (l.868-875)  anything else of type LoadBalancer
//   primary    .241/32   (l.886-901)  the public ingress gateway
//   secondary  .240/32   (l.903-918)  the passthrough ingress gateway
// each with an L2Advertisement (l.877-884, l.920-936). The script's file is
// not in the reference folder, so the values live here and
// test/bigbang/metallbPlan.test.ts pins them.
import { intToIp, parseCidr } from "../config/config";

export const METALLB_NAMESPACE = "metallb-system";

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
    spec: Record<string, unknown>;
}

export interface IngressAddresses {
    /** The public ingress gateway (primary pool). */
    public: string;
    /** The passthrough ingress gateway (secondary pool). */
    passthrough: string;
    /** The /24 the pools are in: what sshuttle routes to the host. */
    lanCidr: string;
}

// The third octet of the dev script's addresses is 1: the second /24.
function secondSlash24(subnet: string): number {
    const parsed = parseCidr(subnet);
    if (!parsed) throw new Error(`network subnet ${JSON.stringify(subnet)} is not an IPv4 CIDR with no host bits set`);
    if (parsed.prefix > 22) throw new Error(`network subnet ${subnet}: MetalLB's pools need a /22 or larger`);
    return parsed.base + 256;
}

/** Where the gateways' LoadBalancer services get their addresses. */
export function ingressAddresses(subnet: string): IngressAddresses {
    const lan = secondSlash24(subnet);
    return { public: intToIp(lan + 241), passthrough: intToIp(lan + 240), lanCidr: `${intToIp(lan)}/24` };
}

// k3d-dev.sh l.894-901 and l.911-918: only the matching gateway service gets the pool.
function gatewayAllocation(app: string): Record<string, unknown> {
    return {
        priority: 100,
        namespaces: ["istio-system", "istio-gateway"],
        serviceSelectors: [{ matchExpressions: [{ key: "app", operator: "In", values: [app] }] }],
    };
}

/** The three IPAddressPools and three L2Advertisements, in the dev script's order. */
export function metallbObjects(subnet: string): KubernetesObject[] {
    const lan = secondSlash24(subnet);
    const addresses = ingressAddresses(subnet);
    const meta = (name: string) => ({ name, namespace: METALLB_NAMESPACE });
    const pool = (name: string, spec: Record<string, unknown>): KubernetesObject => ({ apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: meta(name), spec });
    const advert = (name: string, poolName: string): KubernetesObject => ({ apiVersion: "metallb.io/v1beta1", kind: "L2Advertisement", metadata: meta(name), spec: { ipAddressPools: [poolName] } });
    return [
        pool("default", { addresses: [`${intToIp(lan + 242)}-${intToIp(lan + 249)}`] }),
        advert("l2advertisement1", "default"),
        pool("primary", { addresses: [`${addresses.public}/32`], serviceAllocation: gatewayAllocation("public-ingressgateway") }),
        pool("secondary", { addresses: [`${addresses.passthrough}/32`], serviceAllocation: gatewayAllocation("passthrough-ingressgateway") }),
        advert("primary", "primary"),
        advert("secondary", "secondary"),
    ];
}
