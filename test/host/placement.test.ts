// choosePlacement: a zone that offers the type, a reachable subnet, the same
// choice every run, and an error that names the type and the zones offering it.
import { strict as assert } from "assert";
import fc from "fast-check";
import { choosePlacement, SubnetFacts } from "../../components/host/aws/placement";

const host = { instanceType: "t3.2xlarge", usePrivateIp: false, subnetId: undefined, vpcId: undefined };
const subnet = (id: string, availabilityZone: string, overrides: Partial<SubnetFacts> = {}): SubnetFacts => ({
    id, vpcId: "vpc-0123456789abcdef0", availabilityZone, mapPublicIpOnLaunch: true, routesToInternetGateway: false, ...overrides,
});

const zones = fc.constantFrom("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d");
/** Subnets with distinct IDs in a few zones, some public, some routed to an internet gateway. */
const subnetsArb = (minLength: number, maxLength: number) => fc.uniqueArray(fc.record({
    id: fc.stringMatching(/^subnet-0[0-9a-f]{4}$/),
    vpcId: fc.constant("vpc-0123456789abcdef0"),
    availabilityZone: zones,
    mapPublicIpOnLaunch: fc.boolean(),
    routesToInternetGateway: fc.boolean(),
}), { selector: (s) => s.id, minLength, maxLength });

describe("placement: choosePlacement", () => {
    it("skips a zone that does not offer the type, whatever the subnet IDs' order", () => {
        const chosen = choosePlacement(host, ["us-east-1b", "us-east-1c"], [subnet("subnet-0a", "us-east-1e"), subnet("subnet-0b", "us-east-1c")]);
        assert.deepEqual(chosen, { subnetId: "subnet-0b", vpcId: "vpc-0123456789abcdef0", availabilityZone: "us-east-1c" });
    });

    it("fails naming the instance type and the zones that offer it", () => {
        assert.throws(() => choosePlacement(host, ["us-east-1c", "us-east-1b"], [subnet("subnet-0a", "us-east-1e")]),
            /^Error: bigbang-oci-dev:host\.instanceType: t3\.2xlarge is offered only in us-east-1b, us-east-1c, and the default VPC has no subnet there \(its subnets are in us-east-1e\)/);
        assert.throws(() => choosePlacement({ ...host, subnetId: "subnet-0a" }, ["us-east-1b"], [subnet("subnet-0a", "us-east-1e")]),
            /^Error: bigbang-oci-dev:host\.subnetId: t3\.2xlarge is offered only in us-east-1b, and subnet subnet-0a has no subnet there/);
        assert.throws(() => choosePlacement(host, [], [subnet("subnet-0a", "us-east-1a")]), /t3\.2xlarge is not offered in any availability zone/);
    });

    it("needs public IPs or an internet gateway route, unless usePrivateIp", () => {
        const vpc = { ...host, vpcId: "vpc-0123456789abcdef0" };
        const privateOnly = [subnet("subnet-0a", "us-east-1a", { mapPublicIpOnLaunch: false })];
        assert.throws(() => choosePlacement(vpc, ["us-east-1a"], privateOnly),
            /^Error: bigbang-oci-dev:host\.vpcId: no subnet of VPC vpc-0123456789abcdef0 in a zone offering t3\.2xlarge \(us-east-1a\) gives public IPs or routes to an internet gateway/);
        assert.equal(choosePlacement({ ...vpc, usePrivateIp: true }, ["us-east-1a"], privateOnly).subnetId, "subnet-0a");
        const routed = [subnet("subnet-0a", "us-east-1a", { mapPublicIpOnLaunch: false }), subnet("subnet-0b", "us-east-1a", { mapPublicIpOnLaunch: false, routesToInternetGateway: true })];
        assert.equal(choosePlacement(vpc, ["us-east-1a"], routed).subnetId, "subnet-0b");
    });

    it("always picks an offered, reachable subnet, the same one for any order of the inputs", () => {
        const subnets = subnetsArb(0, 8);
        fc.assert(fc.property(fc.uniqueArray(zones, { maxLength: 4 }), subnets, fc.boolean(), (offered, candidates, usePrivateIp) => {
            const h = { ...host, usePrivateIp };
            const fits = candidates.filter((s) => offered.includes(s.availabilityZone) && (usePrivateIp || s.mapPublicIpOnLaunch || s.routesToInternetGateway));
            if (fits.length === 0) {
                assert.throws(() => choosePlacement(h, offered, candidates), /bigbang-oci-dev:host\.instanceType: /);
                return;
            }
            const chosen = choosePlacement(h, offered, candidates);
            assert.ok(fits.some((s) => s.id === chosen.subnetId));
            assert.deepEqual(choosePlacement(h, [...offered].reverse(), [...candidates].reverse()), chosen);
        }));
    });
});

describe("placement: an existing host keeps its subnet (a no-op up never moves the host)", () => {

    it("keeps the subnet when the offerings or the subnets change, as long as the host's subnet is still there and reachable", () => {
        fc.assert(fc.property(subnetsArb(1, 6), fc.uniqueArray(zones, { minLength: 1 }), fc.uniqueArray(zones), fc.nat(), (subnets, firstZones, laterZones, pick) => {
            let first;
            try {
                first = choosePlacement(host, firstZones, subnets);
            } catch {
                return; // nothing fits the first time: there is no host to keep
            }
            const existing = { instanceId: "i-0abc", subnetId: first.subnetId, instanceType: host.instanceType };
            // AWS changed what it offers, and the VPC gained or lost other subnets (the host's own stays).
            const others = subnets.filter((s) => s.id !== first.subnetId);
            const later = [...others.slice(0, pick % (others.length + 1)), subnets.find((s) => s.id === first.subnetId) as SubnetFacts,
                subnet("subnet-0000a", "us-east-1a")];
            const again = choosePlacement(host, laterZones.length > 0 ? laterZones : firstZones, later, existing);
            assert.deepEqual(again, first);
        }));
    });

    it("keeps it when the type changes only while the zone offers the new type", () => {
        const subnets = [subnet("subnet-0a", "us-east-1a"), subnet("subnet-0b", "us-east-1b")];
        const existing = { instanceId: "i-0abc", subnetId: "subnet-0b", instanceType: "t3.xlarge" };
        assert.equal(choosePlacement(host, ["us-east-1a", "us-east-1b"], subnets, existing).subnetId, "subnet-0b", "offered there: stays");
        assert.equal(choosePlacement(host, ["us-east-1a"], subnets, existing).subnetId, "subnet-0a", "not offered there: moves");
        // The same type already runs there: a zone AWS stopped offering it in is no reason to move.
        assert.equal(choosePlacement(host, ["us-east-1a"], subnets, { ...existing, instanceType: host.instanceType }).subnetId, "subnet-0b");
    });

    it("moves when what placement depends on changes: subnetId, vpcId, or usePrivateIp making the subnet unusable", () => {
        const subnets = [subnet("subnet-0a", "us-east-1a"), subnet("subnet-0b", "us-east-1b", { mapPublicIpOnLaunch: false })];
        const existing = { instanceId: "i-0abc", subnetId: "subnet-0b", instanceType: host.instanceType };
        // A private subnet is fine with usePrivateIp ...
        assert.equal(choosePlacement({ ...host, usePrivateIp: true }, ["us-east-1a", "us-east-1b"], subnets, existing).subnetId, "subnet-0b");
        // ... and not without it.
        assert.equal(choosePlacement(host, ["us-east-1a", "us-east-1b"], subnets, existing).subnetId, "subnet-0a");
        // A named subnet (or another VPC) is looked up alone: the host's subnet is not among the candidates.
        assert.equal(choosePlacement({ ...host, subnetId: "subnet-0a" }, ["us-east-1a", "us-east-1b"], [subnets[0]], existing).subnetId, "subnet-0a");
    });
});

describe("placement: the Registry1 cache's volume keeps the host in its zone (host.cacheVolumeGiB)", () => {
    const volume = { volumeId: "vol-0123456789abcdef0", availabilityZone: "us-east-1c" };

    it("chooses among the volume's zone only, even when another zone sorts first", () => {
        const subnets = [subnet("subnet-0a", "us-east-1a"), subnet("subnet-0c", "us-east-1c")];
        assert.equal(choosePlacement(host, ["us-east-1a", "us-east-1c"], subnets).availabilityZone, "us-east-1a");
        assert.deepEqual(choosePlacement(host, ["us-east-1a", "us-east-1c"], subnets, undefined, volume),
            { subnetId: "subnet-0c", vpcId: "vpc-0123456789abcdef0", availabilityZone: "us-east-1c" });
    });

    it("a host replacement that would move zones (new subnet, new type) is refused naming the volume, its zone and the keys", () => {
        const subnets = [subnet("subnet-0a", "us-east-1a"), subnet("subnet-0c", "us-east-1c")];
        // host.subnetId names a subnet in another zone.
        assert.throws(() => choosePlacement({ ...host, subnetId: "subnet-0a" }, ["us-east-1a", "us-east-1c"], [subnets[0]], undefined, volume),
            /^Error: bigbang-oci-dev:host\.cacheVolumeGiB: the Registry1 cache's volume vol-0123456789abcdef0 is in us-east-1c, and an EBS volume cannot leave its zone, so the host must stay in us-east-1c, but subnet subnet-0a has no subnet there\. Set host\.subnetId to a subnet in us-east-1c .*or remove host\.cacheVolumeGiB, which deletes the volume and its cached images$/);
        // A new instance type not offered in the volume's zone.
        const existing = { instanceId: "i-0123456789abcdef0", subnetId: "subnet-0c", instanceType: "t3.xlarge" };
        assert.throws(() => choosePlacement(host, ["us-east-1a"], subnets, existing, volume),
            /host\.cacheVolumeGiB: .* but host\.instanceType t3\.2xlarge is not offered there\./);
        // No reachable subnet in the zone.
        assert.throws(() => choosePlacement(host, ["us-east-1a", "us-east-1c"], [subnets[0], subnet("subnet-0c", "us-east-1c", { mapPublicIpOnLaunch: false })], undefined, volume),
            /host\.cacheVolumeGiB: .* but no subnet of the default VPC in a zone offering t3\.2xlarge \(us-east-1c\) gives public IPs/);
    });

    it("keeps a running host in the volume's zone even when AWS stopped offering its type there", () => {
        const existing = { instanceId: "i-0123456789abcdef0", subnetId: "subnet-0c", instanceType: host.instanceType };
        assert.equal(choosePlacement(host, ["us-east-1a"], [subnet("subnet-0a", "us-east-1a"), subnet("subnet-0c", "us-east-1c")], existing, volume).subnetId, "subnet-0c");
    });
});
