// choosePlacement: a zone that offers the type, a reachable subnet, the same
// choice every run, and an error that names the type and the zones offering it.
import { strict as assert } from "assert";
import fc from "fast-check";
import { choosePlacement, SubnetFacts } from "../../components/host/placement";

const host = { instanceType: "t3.2xlarge", usePrivateIp: false, subnetId: undefined, vpcId: undefined };
const subnet = (id: string, availabilityZone: string, overrides: Partial<SubnetFacts> = {}): SubnetFacts => ({
    id, vpcId: "vpc-0123456789abcdef0", availabilityZone, mapPublicIpOnLaunch: true, routesToInternetGateway: false, ...overrides,
});

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
        const zones = fc.constantFrom("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d");
        const subnets = fc.uniqueArray(fc.record({
            id: fc.stringMatching(/^subnet-0[0-9a-f]{4}$/),
            vpcId: fc.constant("vpc-0123456789abcdef0"),
            availabilityZone: zones,
            mapPublicIpOnLaunch: fc.boolean(),
            routesToInternetGateway: fc.boolean(),
        }), { selector: (s) => s.id, maxLength: 8 });
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
