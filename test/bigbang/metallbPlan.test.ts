import { strict as assert } from "assert";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { intToIp, ipToInt, cidrContains } from "../../components/config/config";
import { ingressAddresses, metallbObjects } from "../../components/bigbang/metallbPlan";

// Big Bang's docs/reference/scripts/developer/k3d-dev.sh at commit 1699eff40,
// l.868-936 (the `-m` MetalLB heredoc), verbatim: the layout metallbPlan copies.
const K3D_DEV_METALLB = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: default
  namespace: metallb-system
spec:
  addresses:
  - 172.20.1.242-172.20.1.249
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: l2advertisement1
  namespace: metallb-system
spec:
  ipAddressPools:
  - default
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: primary
  namespace: metallb-system
spec:
  addresses:
  - "172.20.1.241/32"
  serviceAllocation:
    priority: 100
    namespaces:
      - istio-system
      - istio-gateway
    serviceSelectors:
      - matchExpressions:
          - {key: app, operator: In, values: [public-ingressgateway]}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: secondary
  namespace: metallb-system
spec:
  addresses:
  - "172.20.1.240/32"
  serviceAllocation:
    priority: 100
    namespaces:
      - istio-system
      - istio-gateway
    serviceSelectors:
      - matchExpressions:
          - {key: app, operator: In, values: [passthrough-ingressgateway]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: primary
  namespace: metallb-system
spec:
  ipAddressPools:
  - primary
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: secondary
  namespace: metallb-system
spec:
  ipAddressPools:
  - secondary`;

describe("metallbPlan", () => {
    it("for 172.20.0.0/16 equals the dev script's pools and L2Advertisements, object for object", () => {
        const pinned = parseAllDocuments(K3D_DEV_METALLB).map((d) => d.toJS());
        assert.equal(pinned.length, 6);
        assert.deepEqual(metallbObjects("172.20.0.0/16"), pinned);
    });

    it("ingressAddresses for the default subnet are the dev script's (fix_etc_hosts l.1505-1506, print_instructions l.1091)", () => {
        assert.deepEqual(ingressAddresses("172.20.0.0/16"), { public: "172.20.1.241", passthrough: "172.20.1.240", lanCidr: "172.20.1.0/24" });
    });

    it("property: for any /16../22 subnet, the same layout in its second /24, inside the subnet", () => {
        const subnet = fc.record({ prefix: fc.integer({ min: 16, max: 22 }), seed: fc.integer({ min: 0, max: 0xffffffff }) }).map(({ prefix, seed }) => {
            const mask = (~0 << (32 - prefix)) >>> 0;
            return `${intToIp((seed & mask) >>> 0)}/${prefix}`;
        });
        fc.assert(fc.property(subnet, (cidr) => {
            const base = ipToInt(cidr.split("/")[0]);
            const lan = intToIp(base + 256);
            const at = (n: number) => intToIp(base + 256 + n);
            const addresses = ingressAddresses(cidr);
            assert.deepEqual(addresses, { public: at(241), passthrough: at(240), lanCidr: `${lan}/24` });
            for (const ip of [addresses.public, addresses.passthrough, at(242), at(249)]) assert.ok(cidrContains(cidr, ip), `${ip} in ${cidr}`);
            const expected = JSON.stringify(metallbObjects("172.20.0.0/16"))
                .replaceAll("172.20.1.", `${lan.split(".").slice(0, 3).join(".")}.`);
            assert.equal(JSON.stringify(metallbObjects(cidr)), expected);
        }));
    });

    it("refuses a subnet smaller than /22 or with host bits set", () => {
        assert.throws(() => metallbObjects("172.20.0.0/23"), /\/22 or larger/);
        assert.throws(() => ingressAddresses("172.20.0.1/16"), /no host bits/);
    });
});
