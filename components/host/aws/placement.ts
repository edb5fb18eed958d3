// Where the host goes: a subnet in an availability zone that offers the instance
// type and, unless the workstation reaches the private IP (usePrivateIp), one the
// internet can reach. Looked up by prepare before any resource exists, so a
// stack that cannot be placed fails with the type and the zones that offer it
// instead of EC2's "Unsupported: Your requested instance type ..." halfway through.
//
// Once the stack has a host, its subnet stays: the choice among fitting subnets
// depends on AWS's offerings and the default VPC's subnets, which change without
// the user doing anything, and a new subnetId replaces the host and everything
// on it. The host is found by its tags (resourceTags), and its subnet is kept
// as long as it still satisfies what the config asks (subnetId, vpcId,
// usePrivateIp, and the instance type being offered in its zone when the type
// changes).
// AWS's service modules, not the package root: @pulumi/aws's index.d.ts pulls in every service's
// declarations (some 2,700 files), about a quarter of `tsc`'s CPU in `npm test`.
import * as ec2 from "@pulumi/aws/ec2";
import * as ebs from "@pulumi/aws/ebs";
import { AwsHostConfig, PROJECT } from "../../config/config";
import { resourceTags } from "./awsPlan";

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

/** The stack's existing host, as EC2 describes it. */
export interface ExistingHost {
    instanceId: string;
    subnetId: string;
    instanceType: string;
}

/** The Registry1 cache's EBS volume (host.cacheVolumeGiB), found by its tags: the host must be in its zone. */
export interface CacheVolumeFacts {
    volumeId: string;
    availabilityZone: string;
}

/** Whichever key the user would change to fix it: the subnet they named, else the VPC, else the instance type. */
function keyFor(host: Pick<AwsHostConfig, "subnetId" | "vpcId">): string {
    return host.subnetId ? "host.subnetId" : host.vpcId ? "host.vpcId" : "host.instanceType";
}

/**
 * The existing host's subnet while it still fits, else the first fitting subnet by (zone, ID),
 * so the choice is the same on every run. Throws an Error naming the instance type and the
 * zones that offer it when none fits.
 */
export function choosePlacement(
    host: Pick<AwsHostConfig, "instanceType" | "usePrivateIp" | "subnetId" | "vpcId">,
    offeredZones: readonly string[],
    subnets: readonly SubnetFacts[],
    existing?: ExistingHost,
    cacheVolume?: CacheVolumeFacts,
): Placement {
    if (cacheVolume) return placementWithVolume(host, offeredZones, subnets, existing, cacheVolume);
    const offered = new Set(offeredZones);
    const kept = existing ? keptPlacement(host, offered, subnets, existing) : undefined;
    if (kept) return kept;
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

/**
 * With the Registry1 cache on its own EBS volume, the host goes where the volume is: an EBS
 * volume attaches only to an instance in its own availability zone (EC2 AttachVolume), and its
 * `availabilityZone` is ForceNew (terraform-provider-aws internal/service/ec2/ebs_volume.go),
 * so a host moved to another zone would strand the volume, or replace it empty. The usual
 * choice runs among that zone's subnets; when none fits, the refusal names the volume, its
 * zone and both ways out instead of moving.
 */
function placementWithVolume(
    host: Pick<AwsHostConfig, "instanceType" | "usePrivateIp" | "subnetId" | "vpcId">,
    offeredZones: readonly string[],
    subnets: readonly SubnetFacts[],
    existing: ExistingHost | undefined,
    volume: CacheVolumeFacts,
): Placement {
    const zone = volume.availabilityZone;
    const inZone = subnets.filter((s) => s.availabilityZone === zone);
    let why: string;
    try {
        return choosePlacement(host, offeredZones.filter((z) => z === zone), inZone, existing);
    } catch (err) {
        if (!(err instanceof Error)) throw err;
        const where = host.subnetId ? `subnet ${host.subnetId}` : host.vpcId ? `VPC ${host.vpcId}` : "the default VPC";
        why = inZone.length === 0 ? `${where} has no subnet there`
            : !offeredZones.includes(zone) ? `host.instanceType ${host.instanceType} is not offered there`
            : err.message.replace(/^[^ ]+: /, "");
    }
    throw new Error(`${PROJECT}:host.cacheVolumeGiB: the Registry1 cache's volume ${volume.volumeId} is in ${zone}, and an EBS volume cannot leave its zone, `
        + `so the host must stay in ${zone}, but ${why}. Set host.subnetId to a subnet in ${zone} (with a host.instanceType offered there), `
        + "or remove host.cacheVolumeGiB, which deletes the volume and its cached images");
}

/**
 * The existing host's subnet, when it is still among the candidates (the configured subnet, or a
 * subnet of the configured or default VPC), still reachable as configured, and its zone still
 * offers the instance type if the type is changing (an unchanged type already runs there: a zone
 * AWS stopped offering it in is no reason to move a running host).
 */
function keptPlacement(
    host: Pick<AwsHostConfig, "instanceType" | "usePrivateIp">,
    offered: ReadonlySet<string>,
    subnets: readonly SubnetFacts[],
    existing: ExistingHost,
): Placement | undefined {
    const subnet = subnets.find((s) => s.id === existing.subnetId);
    if (!subnet) return undefined;
    if (!host.usePrivateIp && !subnet.mapPublicIpOnLaunch && !subnet.routesToInternetGateway) return undefined;
    if (existing.instanceType !== host.instanceType && !offered.has(subnet.availabilityZone)) return undefined;
    return { subnetId: subnet.id, vpcId: subnet.vpcId, availabilityZone: subnet.availabilityZone };
}

/**
 * The stack's host, found by the tags every host of this project carries (Project, Stack, Owner).
 * Terminated instances are not hosts. More than one match (another developer with the same
 * owner and stack names in this account) is no host: the placement is then chosen afresh.
 */
export async function findExistingHost(identity: { owner: string; stack: string }): Promise<ExistingHost | undefined> {
    const tags = resourceTags(identity.owner, identity.stack);
    const found = await ec2.getInstances({
        instanceTags: { Project: tags.Project, Stack: tags.Stack, Owner: tags.Owner },
        instanceStateNames: ["pending", "running", "stopping", "stopped"],
    });
    if (found.ids.length !== 1) return undefined;
    const instance = await ec2.getInstance({ instanceId: found.ids[0] });
    return { instanceId: found.ids[0], subnetId: instance.subnetId, instanceType: instance.instanceType };
}

/** The tag that marks the Registry1 cache's EBS volume among the stack's resources (with resourceTags'). */
export const CACHE_VOLUME_PURPOSE = { Purpose: "registry1-cache" } as const;

/**
 * The stack's Registry1 cache volume, found by its tags (Project, Stack, Owner, Purpose), deleted
 * ones aside. Where there are several (one kept by host.keepCacheVolume from an earlier stack of
 * the same name), the attached one counts, else the first by ID, so the choice is stable.
 */
export async function findCacheVolume(identity: { owner: string; stack: string }): Promise<CacheVolumeFacts | undefined> {
    const tags = resourceTags(identity.owner, identity.stack);
    const byStatus = async (status: string[]): Promise<string[]> => (await ebs.getEbsVolumes({
        tags: { Project: tags.Project, Stack: tags.Stack, Owner: tags.Owner, ...CACHE_VOLUME_PURPOSE },
        filters: [{ name: "status", values: status }],
    })).ids ?? [];
    const attached = await byStatus(["in-use"]);
    const ids = attached.length > 0 ? attached : await byStatus(["creating", "available"]);
    const first = [...ids].sort()[0];
    if (first === undefined) return undefined;
    const volume = await ebs.getVolume({ filters: [{ name: "volume-id", values: [first] }] });
    return { volumeId: first, availabilityZone: volume.availabilityZone };
}

/** A subnet with no explicit route table association uses its VPC's main route table (EC2 behaviour). */
async function routesToInternetGateway(subnetId: string, vpcId: string): Promise<boolean> {
    const explicit = await ec2.getRouteTables({ filters: [{ name: "association.subnet-id", values: [subnetId] }] });
    const ids = explicit.ids.length > 0
        ? explicit.ids
        : (await ec2.getRouteTables({ vpcId, filters: [{ name: "association.main", values: ["true"] }] })).ids;
    for (const routeTableId of ids) {
        const table = await ec2.getRouteTable({ routeTableId });
        if (table.routes.some((r) => r.cidrBlock === "0.0.0.0/0" && r.gatewayId.startsWith("igw-"))) return true;
    }
    return false;
}

/** Reads the offerings, the candidate subnets and the stack's existing host from AWS, then chooses. */
export async function lookupPlacement(host: AwsHostConfig, identity: { owner: string; stack: string }): Promise<Placement> {
    const existing = await findExistingHost(identity);
    const offerings = await ec2.getInstanceTypeOfferings({
        locationType: "availability-zone",
        filters: [{ name: "instance-type", values: [host.instanceType] }],
    });
    const ids = host.subnetId
        ? [host.subnetId]
        : (await ec2.getSubnets({
            filters: host.vpcId ? [{ name: "vpc-id", values: [host.vpcId] }] : [{ name: "default-for-az", values: ["true"] }],
        })).ids;
    const subnets: SubnetFacts[] = [];
    for (const id of [...ids].sort()) {
        const subnet = await ec2.getSubnet({ id });
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
    // With host.cacheVolumeGiB, the host stays in its cache volume's zone (placementWithVolume).
    const cacheVolume = host.cacheVolumeGiB !== undefined ? await findCacheVolume(identity) : undefined;
    return choosePlacement(host, offerings.locations, subnets, existing, cacheVolume);
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
