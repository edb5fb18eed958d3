import { strict as assert } from "assert";
import fc from "fast-check";
import { BIGBANG_SERVER_KEY, bigbangServerBlock, corednsServerBlock, serverBlockZones, servingZone } from "../../components/dns/corednsPlan";

// Big Bang's docs/reference/scripts/developer/k3d-dev.sh at commit 1699eff40,
// fix_etc_hosts l.1526-1537: the value of --from-literal=bigbang.server,
// verbatim, with the script's shell variables still in it.
const K3D_DEV_BIGBANG_SERVER = `\${BASE_DOMAIN} {
  template IN A \${PASSTHROUGH_DOMAINS[*]} {
    answer "{{ .Name }} 60 IN A \${secondary_ip}"
  }

  template IN A {
    answer "{{ .Name }} 60 IN A \${primary_ip}"
  }

  errors
  log
}`;

const PASSTHROUGH = ["keycloak.dev.bigbang.mil", "vault.dev.bigbang.mil"];

function scriptBlock(vars: Record<string, string>): string {
    return K3D_DEV_BIGBANG_SERVER.replace(/\$\{([A-Za-z_]+)(\[\*\])?\}/g, (_m, name: string) => {
        assert.ok(Object.hasOwn(vars, name), name);
        return vars[name];
    });
}

describe("bigbangServerBlock", () => {
    it("is the dev script's block for its own values, character for character", () => {
        const expected = scriptBlock({ BASE_DOMAIN: "dev.bigbang.mil", PASSTHROUGH_DOMAINS: PASSTHROUGH.join(" "), secondary_ip: "172.20.1.240", primary_ip: "172.20.1.241" });
        assert.equal(bigbangServerBlock({ domain: "dev.bigbang.mil", publicAddress: "172.20.1.241", passthroughAddress: "172.20.1.240", passthroughHosts: PASSTHROUGH }), expected);
        assert.equal(BIGBANG_SERVER_KEY, "bigbang.server");
    });

    it("leaves out the passthrough template when there are no passthrough hosts (a zone-less template would take the whole domain)", () => {
        const block = bigbangServerBlock({ domain: "dev.bigbang.mil", publicAddress: "10.0.5.241", passthroughAddress: "10.0.5.240", passthroughHosts: [] });
        assert.equal(block, 'dev.bigbang.mil {\n  template IN A {\n    answer "{{ .Name }} 60 IN A 10.0.5.241"\n  }\n\n  errors\n  log\n}');
    });

    it("refuses names outside the domain and bad addresses", () => {
        const ok = { domain: "dev.bigbang.mil", publicAddress: "172.20.1.241", passthroughAddress: "172.20.1.240", passthroughHosts: PASSTHROUGH };
        assert.throws(() => bigbangServerBlock({ ...ok, passthroughHosts: ["keycloak.example.mil"] }), /not a name in dev\.bigbang\.mil/);
        assert.throws(() => bigbangServerBlock({ ...ok, publicAddress: "172.20.1" }), /IPv4/);
        assert.throws(() => bigbangServerBlock({ ...ok, domain: "dev bigbang" }), /DNS name/);
    });
});

// No Debian package ships CoreDNS (`apt-cache policy coredns` knows none), so
// the routing rule is encoded in servingZone from CoreDNS's source and checked here.
describe("CoreDNS zone routing (servingZone)", () => {
    const registryBlock = corednsServerBlock("oci.dev.bigbang.mil", "172.20.2.10");
    const bigbangBlock = bigbangServerBlock({ domain: "dev.bigbang.mil", publicAddress: "172.20.1.241", passthroughAddress: "172.20.1.240", passthroughHosts: PASSTHROUGH });
    // k3s's own Corefile serves `.:53`.
    const zones = [".", ...serverBlockZones(bigbangBlock), ...serverBlockZones(registryBlock)];

    it("reads the zones from the blocks' headers", () => {
        assert.deepEqual(zones, [".", "dev.bigbang.mil", "oci.dev.bigbang.mil"]);
    });

    it("the registry's own block wins over bigbang.server for the registry name; the rest of the domain goes to bigbang.server", () => {
        assert.equal(servingZone("oci.dev.bigbang.mil.", zones), "oci.dev.bigbang.mil");
        assert.equal(servingZone("OCI.Dev.BigBang.mil", zones), "oci.dev.bigbang.mil");
        assert.equal(servingZone("keycloak.dev.bigbang.mil.", zones), "dev.bigbang.mil");
        assert.equal(servingZone("x.oci.dev.bigbang.mil.", zones), "oci.dev.bigbang.mil");
        assert.equal(servingZone("registry1.dso.mil.", zones), ".");
        assert.equal(servingZone("example.com.", ["dev.bigbang.mil"]), undefined);
    });

    it("property: the answer is the longest zone the name is in or under, whatever the order of the blocks", () => {
        const label = fc.constantFrom("a", "b", "oci", "dev");
        const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("."));
        fc.assert(fc.property(name, fc.array(name, { maxLength: 5 }), (qname, zoneList) => {
            const within = zoneList.filter((z) => qname === z || qname.endsWith(`.${z}`));
            const longest = within.reduce<string | undefined>((best, z) => (best === undefined || z.length > best.length ? z : best), undefined);
            assert.equal(servingZone(qname, zoneList), longest);
            assert.equal(servingZone(qname, [...zoneList].reverse()), longest);
        }));
    });
});
