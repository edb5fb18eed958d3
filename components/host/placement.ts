// Where the host goes: a subnet in an availability zone that offers the instance
// type and, unless the workstation reaches the private IP (usePrivateIp), one the
// internet can reach. Looked up by prepare before any resource exists, so a
// stack that cannot be placed fails with the type and the zones that offer it
// instead of EC2's "Unsupported: Your requested instance type ..." halfway through.
import * as aws from "@pulumi/aws";
import { HostConfig, PROJECT } from "../config/config";

export interface SubnetFacts {
    id: string;
    vpcId: string;
    availabilityZone: string;
    mapPublicIpOnLaunch: boolean;
    /** Its route table (explicit, or the VPC's main one) sends 0.0.0.0/0 to an internet gateway. */
    routesToInternetGateway: boolean;
}

export interface Placement {
    subnetId: string;
    vpcId: string;
    availabilityZone: string;
}

/** Whichever key the user would change to fix it: the subnet they named, else the VPC, else the instance type. */
function keyFor(host: Pick<HostConfig, "subnetId" | "vpcId">): string {
    return host.subnetId ? "host.subnetId" : host.vpcId ? "host.vpcId" : "host.instanceType";
}

/**
 * The first fitting subnet by (zone, ID), so the choice is the same on every run.
 * Throws an Error naming the instance type and the zones that offer it when none fits.
 */
export function choosePlacement(
    host: Pick<HostConfig, "instanceType" | "usePrivateIp" | "subnetId" | "vpcId">,
    offeredZones: readonly string[],
    subnets: readonly SubnetFacts[],
): Placement {
    const offered = new Set(offeredZones);
    const zones = [...offered].sort();
    const where = host.subnetId ? `subnet ${host.subnetId}` : host.vpcId ? `VPC ${host.vpcId}` : "the default VPC";
    const fail = (why: string) => new Error(`${PROJECT}:${keyFor(host)}: ${why}`);
    if (zones.length === 0) throw fail(`${host.instanceType} is not offered in any availability zone of this region; choose another host.instanceType`);
    if (subnets.length === 0) throw fail(`${where} has no subnets; set host.vpcId or host.subnetId`);

    const inZone = subnets.filter((s) => offered.has(s.availabilityZone));
    if (inZone.length === 0) {
        throw fail(`${host.instanceType} is offered only in ${zones.join(", ")}, and ${where} has no subnet there `
            + `(its subnets are in ${[...new Set(subnets.map((s) => s.availabilityZone))].sort().join(", ")}); `
            + "set host.subnetId to a subnet in one of those zones, or choose another host.instanceType");
    }
    const reachable = host.usePrivateIp ? inZone : inZone.filter((s) => s.mapPublicIpOnLaunch || s.routesToInternetGateway);
    if (reachable.length === 0) {
        throw fail(`no subnet of ${where} in a zone offering ${host.instanceType} (${zones.join(", ")}) gives public IPs or routes to an internet gateway, `
            + "so SSH from the workstation could never connect; set host.subnetId to a public subnet, or set host.usePrivateIp if you reach the VPC over a VPN");
    }
    const chosen = [...reachable].sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.id.localeCompare(b.id))[0];
    return { subnetId: chosen.id, vpcId: chosen.vpcId, availabilityZone: chosen.availabilityZone };
}

/** A subnet with no explicit route table association uses its VPC's main route table (EC2 behaviour). */
async function routesToInternetGateway(subnetId: string, vpcId: string): Promise<boolean> {
    const explicit = await aws.ec2.getRouteTables({ filters: [{ name: "association.subnet-id", values: [subnetId] }] });
    const ids = explicit.ids.length > 0
        ? explicit.ids
        : (await aws.ec2.getRouteTables({ vpcId, filters: [{ name: "association.main", values: ["true"] }] })).ids;
    for (const routeTableId of ids) {
        const table = await aws.ec2.getRouteTable({ routeTableId });
        if (table.routes.some((r) => r.cidrBlock === "0.0.0.0/0" && r.gatewayId.startsWith("igw-"))) return true;
    }
    return false;
}

/** Reads the offerings and the candidate subnets from AWS, then chooses. */
export async function lookupPlacement(host: HostConfig): Promise<Placement> {
    const offerings = await aws.ec2.getInstanceTypeOfferings({
        locationType: "availability-zone",
        filters: [{ name: "instance-type", values: [host.instanceType] }],
    });
    const ids = host.subnetId
        ? [host.subnetId]
        : (await aws.ec2.getSubnets({
            filters: host.vpcId ? [{ name: "vpc-id", values: [host.vpcId] }] : [{ name: "default-for-az", values: ["true"] }],
        })).ids;
    const subnets: SubnetFacts[] = [];
    for (const id of [...ids].sort()) {
        const subnet = await aws.ec2.getSubnet({ id });
        const mapPublicIpOnLaunch = subnet.mapPublicIpOnLaunch;
        subnets.push({
            id,
            vpcId: subnet.vpcId,
            availabilityZone: subnet.availabilityZone,
            mapPublicIpOnLaunch,
            // Only asked when it matters: each subnet costs two or three more API calls.
            routesToInternetGateway: !host.usePrivateIp && !mapPublicIpOnLaunch ? await routesToInternetGateway(id, subnet.vpcId) : false,
        });
    }
    return choosePlacement(host, offerings.locations, subnets);
}

// The texts the AWS provider puts in a failed look-up, matched loosely because the engine wraps
// them ("invocation of aws:ec2/getSubnets:getSubnets returned an error: ..."):
// - pulumi-aws provider/credentials_errors.go with provider/errors/*.txt (v7): "No valid credential
//   sources found.", "Missing region information", "The configured AWS credentials are invalid or
//   have expired.", "The AWS profile \"x\" was not found.", and the raw "no EC2 IMDS role found";
// - hashicorp/aws-sdk-go-base v2 validation.go, InvalidRegionError: "Invalid AWS Region: %s";
// - an EC2 API refusal through aws-sdk-go-v2 / smithy-go ("operation error EC2: DescribeSubnets,
//   https response error StatusCode: 403, RequestID: ..., api error UnauthorizedOperation: You are not
//   authorized to perform this operation. User: arn:... is not authorized to perform: ec2:DescribeSubnets ...").
const HOST_LOOKUP_ACTIONS = "ec2:DescribeInstanceTypeOfferings, ec2:DescribeSubnets, ec2:DescribeRouteTables and ec2:DescribeImages";

/**
 * What to set when an AWS look-up failed for a reason the developer fixes on the workstation (no
 * region, no or expired credentials, a missing permission), as one config problem; undefined for
 * anything else, which stays the error it is.
 */
export function awsLookupProblem(err: unknown): string | undefined {
    const text = err instanceof Error ? err.message : String(err);
    const region = /Invalid AWS Region: ([^\s"'.,;]+)/i.exec(text);
    if (region) {
        return `aws:region: ${region[1]} is not an AWS region; set one, such as: pulumi config set aws:region us-east-1`;
    }
    if (/Missing region information|Invalid Configuration: Missing Region/i.test(text)) {
        return "aws:region: is not set; set it with: pulumi config set aws:region us-east-1 (or export AWS_REGION)";
    }
    const profile = /The AWS profile "([^"]+)" was not found|failed to get shared config profile,? ([^\s,]+)/i.exec(text);
    if (profile) {
        return `AWS_PROFILE: the profile ${profile[1] ?? profile[2]} is not in ~/.aws/config or ~/.aws/credentials; `
            + "set AWS_PROFILE (or aws:profile) to a profile that exists, as `aws configure list-profiles` shows";
    }
    if (/No valid credential sources found|no valid credential sources|no EC2 IMDS role found/i.test(text)) {
        return "AWS_PROFILE: no AWS credentials found; export AWS_PROFILE=<profile> (run `aws sso login --profile <profile>` first for SSO), "
            + "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `aws sts get-caller-identity` should then work";
    }
    if (/credentials are invalid or have expired|security token included in the request is (invalid|expired)|ExpiredToken|AuthFailure|token has expired|InvalidClientTokenId/i.test(text)) {
        return "AWS_PROFILE: the AWS credentials are invalid or have expired; log in again (`aws sso login --profile <profile>`) "
            + "or renew the keys, and check with `aws sts get-caller-identity`";
    }
    const denied = /not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(text);
    if (denied || /UnauthorizedOperation|AccessDenied/.test(text)) {
        const action = denied ? denied[1] : "the EC2 look-ups";
        return `AWS_PROFILE: these credentials may not call ${action}; the program needs at least ${HOST_LOOKUP_ACTIONS} `
            + "(and the EC2 rights to create the host): ask for them, or use another profile";
    }
    return undefined;
}
