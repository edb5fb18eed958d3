// What a second `pulumi up` would do: the program is evaluated twice under the
// mocks (before and after a config change, or after the instance was replaced
// outside Pulumi), and every custom resource is classified the way the engine
// classifies it: create, replace, update, delete or same.
//
// Whether a changed input replaces or updates is the provider's call. The
// table below encodes it for every resource type the program declares, each
// entry with the upstream file it comes from. On top of that the engine
// replaces a resource whose provider is replaced (pulumi/pulumi
// pkg/resource/deploy/step_generator.go `providerChanged`), and honours the
// program's own `replaceOnChanges` and `ignoreChanges`.
//
// Mock IDs follow the same rule: a resource's ID is a hash of its
// replace-on-change inputs, so a replaced resource gets a new ID (as a real
// create does) and an updated one keeps it. Anything that takes another
// resource's ID as an input sees the replacement, as it would in a real run.
import { createHash } from "crypto";
import { ProgramRun, RecordedResource, RunOptions, runProgram, sharedRun } from "./program";

export type Change = "create" | "replace" | "update" | "delete" | "same";

interface ReplaceRule {
    /** Dotted input paths whose change replaces the resource; "*" is every input. */
    replaceOn: readonly string[] | "*";
    /** With "*": inputs that update in place. */
    except?: readonly string[];
    /** Replace-on-change paths that depend on another input (e.g. userData with userDataReplaceOnChange). */
    conditional?: (inputs: Record<string, unknown>) => string[];
    /** The upstream file that says so. */
    source: string;
}

/** Each resource type's replace-on-change inputs, as its provider defines them. */
export const REPLACE_RULES: Record<string, ReplaceRule> = {
    "aws:ec2/instance:Instance": {
        replaceOn: ["ami", "availabilityZone", "subnetId", "keyName", "privateIp", "instanceMarketOptions", "rootBlockDevice.encrypted", "rootBlockDevice.kmsKeyId", "securityGroups"],
        // instanceType, vpcSecurityGroupIds, metadataOptions, rootBlockDevice.volumeSize/volumeType,
        // instanceInitiatedShutdownBehavior and tags update in place (no ForceNew).
        // instanceType on a spot instance: the provider would stop, modify and start it, which EC2 refuses for
        // spot ("While a Spot Instance is stopped, you can modify some of its instance attributes, but not the
        // instance type", EC2 User Guide, Spot interruption behavior), so the program asks for a replacement
        // (replaceOnChanges, asserted in test/host/spotHost.test.ts); the mock IDs must follow it.
        conditional: (inputs) => [
            ...(inputs.userDataReplaceOnChange === true ? ["userData"] : []),
            ...(at(inputs, "instanceMarketOptions.marketType") === "spot" ? ["instanceType"] : []),
        ],
        source: "hashicorp/terraform-provider-aws internal/service/ec2/ec2_instance.go (schema ForceNew, instance_market_options and every spot_options field included; CustomizeDiff ForceNew on user_data with user_data_replace_on_change)",
    },
    "aws:ec2transitgateway/instanceState:InstanceState": {
        replaceOn: ["instanceId"],
        source: "hashicorp/terraform-provider-aws internal/service/ec2/ec2_instance_state.go (instance_id ForceNew; state updates)",
    },
    "aws:ec2/eip:Eip": { replaceOn: ["domain", "address", "networkBorderGroup", "publicIpv4Pool"], source: "hashicorp/terraform-provider-aws internal/service/ec2/ec2_eip.go" },
    "aws:ec2/eipAssociation:EipAssociation": { replaceOn: "*", source: "hashicorp/terraform-provider-aws internal/service/ec2/ec2_eip_association.go (no Update: every argument ForceNew)" },
    // The Registry1 cache's own volume (host.cacheVolumeGiB): size, type, iops and throughput are a ModifyVolume.
    "aws:ebs/volume:Volume": { replaceOn: ["availabilityZone", "encrypted", "kmsKeyId", "multiAttachEnabled", "outpostArn", "snapshotId"], source: "hashicorp/terraform-provider-aws internal/service/ec2/ebs_volume.go (ForceNew: availability_zone, encrypted, kms_key_id, multi_attach_enabled, outpost_arn, snapshot_id)" },
    "aws:ec2/volumeAttachment:VolumeAttachment": { replaceOn: ["deviceName", "instanceId", "volumeId"], source: "hashicorp/terraform-provider-aws internal/service/ec2/ebs_volume_attachment.go (ForceNew: device_name, instance_id, volume_id; Update is a no-op)" },
    "aws:ec2/keyPair:KeyPair": { replaceOn: ["keyName", "keyNamePrefix", "publicKey"], source: "hashicorp/terraform-provider-aws internal/service/ec2/ec2_key_pair.go" },
    "aws:ec2/securityGroup:SecurityGroup": { replaceOn: ["name", "namePrefix", "description", "vpcId"], source: "hashicorp/terraform-provider-aws internal/service/ec2/vpc_security_group.go" },
    "command:remote:Command": { replaceOn: ["triggers"], source: "pulumi/pulumi-command provider/pkg/provider/common/inputs.go (Triggers replaceOnChanges); remote/commandController.go Update reruns create" },
    "command:remote:CopyToRemote": { replaceOn: ["triggers"], source: "pulumi/pulumi-command provider/pkg/provider/remote/copy.go (Triggers replaceOnChanges); copyController.go Update copies again" },
    "command:local:Command": { replaceOn: ["triggers"], source: "pulumi/pulumi-command provider/pkg/provider/common/inputs.go" },
    "docker:index/network:Network": { replaceOn: "*", source: "kreuzwerker/terraform-provider-docker internal/provider/resource_docker_network.go (no Update: every argument ForceNew)" },
    "docker:index/volume:Volume": { replaceOn: "*", source: "kreuzwerker/terraform-provider-docker internal/provider/resource_docker_volume.go (every argument ForceNew)" },
    "docker:index/remoteImage:RemoteImage": { replaceOn: ["name", "pullTriggers", "triggers", "platform", "build"], source: "kreuzwerker/terraform-provider-docker internal/provider/resource_docker_image.go" },
    "docker:index/container:Container": {
        replaceOn: "*",
        except: ["restart", "maxRetryCount", "memory", "memorySwap", "memoryReservation", "cpuShares", "cpuSet", "cpuPeriod", "cpuQuota", "mustRun", "start", "wait", "waitTimeout", "attach", "logs", "rm", "removeVolumes", "destroyGraceSeconds", "healthcheck", "shmSize", "init", "tmpfs", "containerReadRefreshTimeoutMilliseconds"],
        source: "kreuzwerker/terraform-provider-docker internal/provider/resource_docker_container.go (ForceNew on all but the listed arguments)",
    },
    "kubernetes:core/v1:ConfigMap": { replaceOn: ["metadata.name", "metadata.namespace"], source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go (forceNewFields .metadata.name, .metadata.namespace)" },
    "kubernetes:core/v1:ConfigMapPatch": { replaceOn: ["metadata.name", "metadata.namespace"], source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go" },
    "kubernetes:apps/v1:DeploymentPatch": { replaceOn: ["metadata.name", "metadata.namespace"], source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go" },
    // Big Bang (bigbang.install): the pull Secrets, Namespaces, Flux's and MetalLB's kustomizations, the pools and the release.
    // pulumi/pulumi-kubernetes (master 94977969, v4.32+) provider/pkg/provider/diff.go metadataForceNewProperties:
    // every kind replaces on .metadata.name and .metadata.namespace, everything else is a server-side-apply update.
    ...Object.fromEntries([
        "kubernetes:core/v1:Namespace", "kubernetes:core/v1:ServiceAccount", "kubernetes:core/v1:Service", "kubernetes:core/v1:ResourceQuota",
        "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
        "kubernetes:metallb.io/v1beta1:IPAddressPool", "kubernetes:metallb.io/v1beta1:L2Advertisement",
    ].map((type): [string, ReplaceRule] => [type, {
        replaceOn: ["metadata.name", "metadata.namespace"],
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/diff.go (metadataForceNewProperties .metadata.name, .metadata.namespace; a CustomResource or Namespace has nothing else)",
    }])),
    "kubernetes:core/v1:Secret": {
        replaceOn: ["metadata.name", "metadata.namespace", "type", "stringData", "data"],
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go (Secrets are immutable unless the provider sets enableSecretMutable: type, stringData and data replace) and diff.go metadataForceNewProperties",
    },
    "kubernetes:helm.sh/v3:Release": {
        replaceOn: ["name", "namespace"],
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/helm_release.go (forceNewFields .name, .namespace; chart, values and description are a helm upgrade, and a local chart's files are not diffed)",
    },
    "pulumi:providers:kubernetes": {
        replaceOn: ["clusterIdentifier"],
        source: "pulumi/pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig (with clusterIdentifier set, only its change replaces)",
    },
    "pulumi:providers:docker": { replaceOn: [], source: "pulumi/pulumi step_generator.go providerChanged: resources are replaced only when DiffConfig says replace" },
    "tls:index/privateKey:PrivateKey": { replaceOn: "*", source: "hashicorp/terraform-provider-tls internal/provider/resource_private_key.go (RequiresReplace on every attribute)" },
    "tls:index/selfSignedCert:SelfSignedCert": { replaceOn: "*", except: ["earlyRenewalHours"], source: "hashicorp/terraform-provider-tls internal/provider/resource_self_signed_cert.go" },
    "tls:index/certRequest:CertRequest": { replaceOn: "*", source: "hashicorp/terraform-provider-tls internal/provider/resource_cert_request.go" },
    "tls:index/locallySignedCert:LocallySignedCert": { replaceOn: "*", except: ["earlyRenewalHours"], source: "hashicorp/terraform-provider-tls internal/provider/resource_locally_signed_cert.go" },
    "random:index/randomPassword:RandomPassword": { replaceOn: "*", source: "hashicorp/terraform-provider-random internal/provider/resource_password.go (RequiresReplace on every attribute)" },
};

function ruleFor(type: string): ReplaceRule {
    const rule = REPLACE_RULES[type];
    if (!rule) throw new Error(`no replace rule for ${type}: add one to REPLACE_RULES with its upstream source`);
    return rule;
}

function at(value: unknown, dotted: string): unknown {
    let v = value;
    for (const part of dotted.split(".")) {
        if (typeof v !== "object" || v === null) return undefined;
        v = (v as Record<string, unknown>)[part];
    }
    return v;
}

function canonical(v: unknown): string {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "object" && x !== null && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
        : x)) ?? "undefined";
}

/** The input paths that replace a resource of this type when they change. */
function replacePaths(type: string, inputs: Record<string, unknown>, programReplaceOnChanges: string[]): { paths: string[]; all: boolean; except: readonly string[] } {
    const rule = ruleFor(type);
    const own = programReplaceOnChanges.map((p) => p.replace(/\[\*\]$/, ""));
    if (rule.replaceOn === "*") return { paths: own, all: true, except: rule.except ?? [] };
    return { paths: [...rule.replaceOn, ...(rule.conditional?.(inputs) ?? []), ...own], all: false, except: [] };
}

/** A mock ID that changes exactly when the resource would be replaced. */
export function replacementId(type: string, name: string, inputs: Record<string, unknown>): string {
    // Components have no rule (and no provider); classify() insists on one for every custom resource.
    if (!REPLACE_RULES[type]) return `${name}-id`;
    const { paths, all, except } = replacePaths(type, inputs, []);
    const keyed = all
        ? Object.fromEntries(Object.entries(inputs).filter(([k]) => !except.includes(k)))
        : Object.fromEntries(paths.map((p) => [p, at(inputs, p)]));
    return `${name}-${createHash("sha256").update(canonical(keyed)).digest("hex").slice(0, 10)}`;
}

export interface Classified {
    name: string;
    type: string;
    change: Change;
    /** Top-level inputs that differ. */
    changedInputs: string[];
    /** For delete and replace: whether the engine calls the provider's Delete (false when deletedWith covers it). */
    deleteCallsProvider: boolean;
}

export interface LifecycleDiff {
    before: ProgramRun;
    after: ProgramRun;
    byName: Map<string, Classified>;
    /** Names of the resources with this change, sorted. */
    names(change: Change): string[];
}

/**
 * Custom resources by name. The engine tells resources apart by URN (type and name): the program's own
 * never share a name, but a kustomization's objects can (MetalLB's ServiceAccount, Role, RoleBinding and
 * Deployment are all `metallb-system/controller`); those are keyed `<name> (<Kind>)`.
 */
function customByName(run: ProgramRun): Map<string, RecordedResource> {
    const custom = run.resources.filter((x) => x.custom);
    const count = new Map<string, number>();
    for (const r of custom) count.set(r.name, (count.get(r.name) ?? 0) + 1);
    const map = new Map<string, RecordedResource>();
    for (const r of custom) {
        const key = (count.get(r.name) ?? 0) > 1 ? `${r.name} (${r.type.split(":").pop() ?? r.type})` : r.name;
        if (map.has(key)) throw new Error(`two custom resources are named ${key}`);
        map.set(key, r);
    }
    return map;
}

/** URN -> the key customByName gives, over both runs. */
function keysByUrn(...runs: ProgramRun[]): Map<string, string> {
    return new Map(runs.flatMap((run) => [...customByName(run)].map(([key, r]) => [r.urn, key] as const)));
}

function changedInputs(before: RecordedResource, after: RecordedResource): string[] {
    const keys = new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)]);
    return [...keys].filter((k) => !after.ignoreChanges.includes(k) && canonical(before.inputs[k]) !== canonical(after.inputs[k])).sort();
}

function replaces(before: RecordedResource, after: RecordedResource, changed: string[]): boolean {
    const { paths, all, except } = replacePaths(after.type, after.inputs, after.replaceOnChanges);
    if (all && changed.some((k) => !except.includes(k))) return true;
    return paths.some((p) => !after.ignoreChanges.includes(p.split(".")[0]) && canonical(at(before.inputs, p)) !== canonical(at(after.inputs, p)));
}

/** Classify every custom resource between two evaluations of the program. */
export function classify(before: ProgramRun, after: ProgramRun, opts: { replacedOutside?: string[] } = {}): LifecycleDiff {
    const olds = customByName(before);
    const news = customByName(after);
    const byName = new Map<string, Classified>();
    const urnName = keysByUrn(before, after);
    // Providers are registered before the resources that use them, so one pass in registration order sees them first.
    for (const [name, n] of news) {
        const o = olds.get(name);
        if (!o) {
            byName.set(name, { name, type: n.type, change: "create", changedInputs: [], deleteCallsProvider: false });
            continue;
        }
        const changed = changedInputs(o, n);
        const providerName = n.provider ? urnName.get(n.provider.split("::").slice(0, -1).join("::")) : undefined;
        const providerReplaced = providerName !== undefined && byName.get(providerName)?.change === "replace";
        const replaced = (opts.replacedOutside ?? []).includes(name) || providerReplaced || replaces(o, n, changed);
        const change: Change = replaced ? "replace" : changed.length > 0 ? "update" : "same";
        byName.set(name, { name, type: n.type, change, changedInputs: changed, deleteCallsProvider: false });
    }
    for (const [name, o] of olds) {
        if (!news.has(name)) byName.set(name, { name, type: o.type, change: "delete", changedInputs: [], deleteCallsProvider: false });
    }
    // A resource whose deletedWith resource is replaced is replaced too (engine >= 3.260.0, pulumi/pulumi#23818:
    // pkg/resource/deploy/step_generator.go diff() returns ReplaceKeys ["deletedWith"] when sg.replaces has the
    // target, and calculateDependentReplacements follows DeletedWith). Pulumi.yaml requires that engine.
    for (let changed = true; changed;) {
        changed = false;
        for (const c of byName.values()) {
            const target = news.get(c.name)?.deletedWith;
            const targetName = target ? urnName.get(target) : undefined;
            if ((c.change === "same" || c.change === "update") && targetName !== undefined && byName.get(targetName)?.change === "replace") {
                c.change = "replace";
                changed = true;
            }
        }
    }
    // The engine skips the Delete of a resource whose deletedWith resource is deleted in the same deployment:
    // step.go DeleteStep.Apply isDeletedWith(old.DeletedWith, otherDeletions), where otherDeletions is the
    // step generator's sg.deletes, which holds every deletion of GenerateDeletes and, from 3.260.0, a
    // delete-before-replace resource as soon as its replacement is planned (step_generator.go, #23818).
    const gone = new Set([...byName.values()].filter((c) => c.change === "delete" || c.change === "replace").map((c) => c.name));
    for (const c of byName.values()) {
        // A provider resource's delete is the engine's own bookkeeping (pulumi/pulumi
        // pkg/resource/deploy/providers/registry.go Delete): nothing is dialled.
        if (!gone.has(c.name) || c.type.startsWith("pulumi:providers:")) continue;
        const old = olds.get(c.name);
        const withName = old?.deletedWith ? urnName.get(old.deletedWith) : undefined;
        c.deleteCallsProvider = !(withName !== undefined && gone.has(withName));
    }
    return {
        before,
        after,
        byName,
        names: (change) => [...byName.values()].filter((c) => c.change === change).map((c) => c.name).sort(),
    };
}

/** Which resources a `pulumi destroy` would call their provider's Delete for. */
export function destroyDeleteCalls(run: ProgramRun): string[] {
    const all = customByName(run);
    const urnName = keysByUrn(run);
    return [...all]
        .filter(([, r]) => !r.type.startsWith("pulumi:providers:") && !(r.deletedWith && urnName.has(r.deletedWith)))
        .map(([key]) => key).sort();
}

export interface LifecycleOptions {
    cwd?: string;
    /** Simulate the instance replaced outside Pulumi: after refresh it has a new ID and private IP. */
    instanceReplacedOutside?: boolean;
    /** The host was stopped and is started (again) before or during the second run: EC2 reports a new LaunchTime. */
    startedBetween?: boolean;
    /** What AWS offers in the second run, when it differs from the first (MOCK.offeredZones by default). */
    offeredZones?: { before?: string[]; after?: string[] };
    /** Evaluate with sharedRun (once per config in the test process): for fixtures no test edits. */
    shared?: boolean;
}

export const REPLACED_INSTANCE = { id: "i-0replacedoutside0", privateIp: "10.0.1.77" };
/** The LaunchTime EC2 reports after the host was started again. */
export const NEXT_START = "2026-12-02T08:00:00Z";

/** replacementId, but the instance has the ID it got when it was replaced outside Pulumi. */
function replacedInstanceId(type: string, name: string, inputs: Record<string, unknown>): string {
    return type === "aws:ec2/instance:Instance" ? REPLACED_INSTANCE.id : replacementId(type, name, inputs);
}

/** The stack's host as the second run finds it in AWS (by its tags): the first run's instance. */
export function existingHostOf(run: ProgramRun): RunOptions["existingHost"] {
    const machine = run.find("aws:ec2/instance:Instance");
    if (!machine) return undefined;
    return { instanceId: machine.id, subnetId: String(machine.inputs.subnetId), instanceType: String(machine.inputs.instanceType) };
}

/** Evaluate the program with `before`, then with `after` (with the first run's host existing), and classify every resource. */
export async function lifecycleDiff(before: Record<string, string>, after: Record<string, string>, opts: LifecycleOptions = {}): Promise<LifecycleDiff> {
    const base: RunOptions = { cwd: opts.cwd, idOf: replacementId };
    const run = opts.shared ? sharedRun : runProgram;
    const first = await run(before, { ...base, offeredZones: opts.offeredZones?.before });
    const existingHost = existingHostOf(first);
    const second = await run(after, {
        ...base,
        offeredZones: opts.offeredZones?.after,
        existingHost,
        launchTime: opts.startedBetween ? NEXT_START : undefined,
        ...(opts.instanceReplacedOutside
            ? {
                idOf: replacedInstanceId,
                outputOverrides: { "aws:ec2/instance:Instance": { privateIp: REPLACED_INSTANCE.privateIp } },
                existingHost: existingHost ? { ...existingHost, instanceId: REPLACED_INSTANCE.id } : undefined,
            }
            : {}),
    });
    return classify(first, second, { replacedOutside: opts.instanceReplacedOutside ? ["instance"] : [] });
}
