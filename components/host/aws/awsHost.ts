// The aws backend: an EC2 instance (Ubuntu) with Docker, k3d, kubectl and Helm,
// reachable only from the developer's CIDRs, and a readiness gate that later
// components depend on.
//
// Concept `host` (backend aws): exports AwsHost, the DevHost (devHost.ts) on EC2,
// made by createDevHost.ts. Everything on it follows the instance: its ID in
// every command's triggers and Docker object's labels, `deletedWith` the
// instance, deletes guarded by on-instance.sh, readiness steps re-run after
// every start (EC2's LaunchTime). Only the factory imports this folder.
// AWS's service modules, not the package root: @pulumi/aws's index.d.ts pulls in every service's
// declarations (some 2,700 files), about a quarter of `tsc`'s CPU in `npm test`.
import * as ec2 from "@pulumi/aws/ec2";
import { InstanceState } from "@pulumi/aws/ec2transitgateway/instanceState";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { autoShutdownUnits, cloudInitUserData, IMAGE_DEFAULT_USER } from "./cloudInit";
import { StackConfig } from "../../config/config";
import { UBUNTU_IMAGE_SERIAL_CUTOFF } from "../../config/pins";
import { canonicalOwner, ec2Architecture, ingressRules, resourceTags, ubuntuAmiNameFilter, ubuntuAmiNameRegex } from "./awsPlan";
import { knownHostsAlias, knownHostsLine, shellQuote, sshClientOptions, sshCommand, workstationSshFiles } from "../hostPlan";
import { expandHome } from "../../config/paths";
import { HOST_SCRIPTS, scriptFolder } from "../remoteScript";
import { Placement } from "./placement";
import {
    DevHost, DockerEndpoint, HostCommandArgs, HostCopyArgs, HostResourceOptions, HostSshAccess, RegistryCacheDisk,
} from "../devHost";
import { registry1CacheVolume } from "./cacheVolume";
import { callerOptions, HOST_INSTANCE_LABEL, onMachineOnly, remoteCopy } from "../onHost";

/** The aws backend's own scripts (the auto-shutdown timer). */
const AWS_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));

export interface AwsHostArgs {
    config: StackConfig;
    stack: string;
    /** CIDRs allowed in: the configured ones, or the detected workstation IP. */
    allowedCidrs: pulumi.Input<string[]>;
    /** The workstation's home directory, where the per-stack SSH files go. */
    homeDir?: string;
    /** The subnet (and its VPC) prepare chose: its zone offers the instance type. */
    placement: Placement;
}

/** A fresh instance needs a minute or two before sshd answers; allow ~10 minutes of dialling. */
const SSH_DIAL_ERROR_LIMIT = 60;
const SSH_PER_DIAL_TIMEOUT_SECONDS = 10;

export class AwsHost extends pulumi.ComponentResource implements DevHost {
    readonly backend = "aws" as const;
    /** Everything on the host is built again on a new instance. */
    readonly machineId: pulumi.Output<string>;
    /** The private IP: cluster ports bind there. */
    readonly bindAddress: pulumi.Output<string>;
    /** Staging files (charts) go under the login user's home. */
    readonly workDir: string;
    readonly docker: DockerEndpoint;
    readonly ssh: HostSshAccess;
    readonly managesEtcHosts = true;
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    /** The instance, on-demand or spot (see the spot note in the constructor). */
    readonly instance: ec2.Instance;
    /** Keeps the instance running or stopped as `host.running` says. */
    readonly state: InstanceState;
    /**
     * The resource whose deletion terminates the host. Everything that lives on the
     * host names it in `deletedWith`, so destroy and replacement never dial the host.
     */
    readonly machine: pulumi.CustomResource;
    /** The EC2 instance ID: a new one means a new machine, and everything on it is rebuilt. */
    readonly instanceId: pulumi.Output<string>;
    readonly securityGroup: ec2.SecurityGroup;
    readonly publicIp: pulumi.Output<string>;
    readonly privateIp: pulumi.Output<string>;
    /** The address the workstation uses: the private IP with usePrivateIp, else the public one. */
    readonly address: pulumi.Output<string>;
    readonly connection: pulumi.Output<command.types.input.remote.ConnectionArgs>;
    /** Completes when cloud-init has finished and the pinned tools are installed. Later components depend on it. */
    readonly ready: command.remote.Command;
    /** The k3s node image (and the registry image) pulled into Docker, in parallel with the tools (issue 19). */
    readonly imagesPulled: command.remote.Command;
    /** The Registry1 cache's own EBS volume, mounted (host.cacheVolumeGiB); undefined without it. */
    readonly registry1CacheDisk?: RegistryCacheDisk;
    readonly sshUser: string;
    /** Path of the private key on the workstation, when there is one the program knows. */
    readonly privateKeyFile?: string;
    readonly knownHostsFile: string;
    /**
     * The host's SSH public key ("ssh-ed25519 AAAA..."): generated in state, installed by
     * cloud-init, and pinned by every client (remote commands, Docker, the exported commands).
     */
    readonly hostPublicKey: pulumi.Output<string>;
    /** Writes the per-stack known_hosts file that pins hostPublicKey; the Docker provider and ssh read it. */
    readonly knownHostsEntry: command.local.Command;
    /**
     * When the instance last started (EC2 LaunchTime, read after the running state is applied).
     * It changes on every start, from the auto-shutdown timer's stop, `npm run stop`/`start`
     * or the console alike, and not otherwise: readiness steps carry it in their triggers so
     * that they run again, and everything that talks to the registry or the cluster waits for
     * them, on the first `up` after a start.
     */
    readonly lastStart: pulumi.Output<string>;
    /** Options for every ssh client (the Docker provider's too): batch mode, the per-stack known_hosts with strict checking. */
    readonly sshOpts: pulumi.Output<string[]>;
    /** Generated private key (secret); undefined when the stack config gives sshPublicKey. */
    readonly generatedPrivateKey?: pulumi.Output<string>;
    readonly sshCommand: pulumi.Output<string>;

    constructor(name: string, args: AwsHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:DevHost", name, {}, opts);
        const { config, stack } = args;
        const host = config.host;
        // prepare() refuses the other backends until they are wired in (issue 20).
        if (host.backend !== "aws") throw new Error(`AwsHost is the aws backend; host.backend is ${host.backend}`);
        const tags = resourceTags(config.owner, stack);
        const files = workstationSshFiles(args.homeDir ?? os.homedir(), stack);
        this.sshUser = host.sshUser;
        this.workDir = `/home/${host.sshUser}/.bigbang-oci-dev`;
        this.knownHostsFile = files.knownHosts;

        // --- SSH key: the configured public key, or a generated ed25519 key kept in state.
        let publicKey: pulumi.Input<string>;
        let privateKey: pulumi.Output<string> | undefined;
        const keyFileDeps: pulumi.Resource[] = [];
        if (host.sshPublicKey) {
            publicKey = host.sshPublicKey;
            if (host.sshPrivateKeyFile) {
                this.privateKeyFile = host.sshPrivateKeyFile;
                privateKey = pulumi.secret(readPrivateKeyFile(host.sshPrivateKeyFile));
            }
        } else {
            const key = new tls.PrivateKey("ssh-key", { algorithm: "ED25519" }, {
                parent: this,
                additionalSecretOutputs: ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"],
            });
            publicKey = key.publicKeyOpenssh;
            privateKey = pulumi.secret(key.privateKeyOpenssh);
            this.generatedPrivateKey = privateKey;
            this.privateKeyFile = files.privateKey;
            // The Docker provider and the user's own ssh read the key from disk.
            const keyFile = new command.local.Command("ssh-key-file", {
                create: `umask 077 && mkdir -p ${shellQuote(path.dirname(files.privateKey))} && cat > ${shellQuote(files.privateKey)} && chmod 600 ${shellQuote(files.privateKey)}`,
                delete: `rm -f ${shellQuote(files.privateKey)}`,
                stdin: privateKey,
                logging: "none",
                // Delete (rm) before create: a replacement written first would be removed by the old one's delete.
            }, { parent: this, additionalSecretOutputs: ["stdout", "stderr"], deleteBeforeReplace: true });
            keyFileDeps.push(keyFile);
        }
        const keyPair = new ec2.KeyPair("key-pair", { publicKey, tags }, { parent: this });

        // --- The host's own SSH key, pinned by every client. Generated here and handed to the
        // instance in its user-data (cloud-init `ssh_keys`; see cloudInit.ts for why it is then
        // the only host key), so the key is known before the instance exists and no client ever
        // trusts whatever answers at the address first. Without it pulumi-command would accept any
        // server: provider/pkg/provider/remote/connection.go (v1.2.1) uses
        // ssh.InsecureIgnoreHostKey() when `hostKey` is empty. The key lives as long as the
        // stack: a replaced instance gets the same one, so the pinned entry stays valid.
        const hostKey = new tls.PrivateKey("host-key", { algorithm: "ED25519" }, {
            parent: this,
            additionalSecretOutputs: ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"],
        });
        this.hostPublicKey = hostKey.publicKeyOpenssh.apply((k) => k.trim());
        const hostKeyAlias = knownHostsAlias(stack);
        this.knownHostsEntry = new command.local.Command("known-hosts-file", {
            // An update (a new host key) runs create again: the file holds this one line only.
            create: `umask 077 && mkdir -p ${shellQuote(path.dirname(files.knownHosts))} && cat > ${shellQuote(files.knownHosts)}`,
            delete: `rm -f ${shellQuote(files.knownHosts)}`,
            stdin: this.hostPublicKey.apply((key) => knownHostsLine(hostKeyAlias, key)),
            // Delete (rm) before create: `--replace` rewrites the file on another workstation, and a replacement
            // written first would be removed by the old one's delete.
        }, { parent: this, deleteBeforeReplace: true });

        // --- Network placement, chosen by prepare before any resource (placement.ts).
        const subnetId = args.placement.subnetId;
        const vpcId = args.placement.vpcId;

        const rules = ingressRules({
            registryPort: config.registry.target === "hosted" && config.registry.exposePublicly ? config.registry.port : undefined,
            clusterPorts: config.cluster.ports,
        });
        this.securityGroup = new ec2.SecurityGroup("security-group", {
            // Not the owner: the description is ForceNew (terraform-provider-aws
            // internal/service/ec2/vpc_security_group.go), and renaming the owner must not touch the
            // host. The Name and Owner tags say whose it is and update in place.
            description: `bigbang-oci-dev dev host (${stack})`,
            vpcId,
            ingress: rules.map((rule) => ({
                protocol: "tcp",
                fromPort: rule.port,
                toPort: rule.port,
                cidrBlocks: args.allowedCidrs,
                description: rule.description,
            })),
            // Outbound stays open: apt, Docker's repository, the tool downloads and image pulls.
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "all outbound" }],
            tags,
        }, { parent: this });

        // --- AMI: the newest image of the release and architecture up to a pinned serial
        // (pins.ts), so every run gets the same one and a newer Canonical image never replaces a
        // running host. Not ignoreChanges: the engine puts ignored inputs back from the old state
        // before a replacement too (pulumi/pulumi#2657), so a new ubuntuRelease or architecture
        // would boot the old image.
        const partition = getPartitionOutput({}, { parent: this }).partition;
        const amiId: pulumi.Output<string> = host.amiId
            ? pulumi.output(host.amiId)
            : partition.apply((p) => ec2.getAmiOutput({
                mostRecent: true,
                owners: [canonicalOwner(p)],
                nameRegex: ubuntuAmiNameRegex(host.ubuntuRelease, host.architecture, UBUNTU_IMAGE_SERIAL_CUTOFF),
                // Canonical deprecates images after two years; a pinned serial may be one of them.
                includeDeprecated: true,
                filters: [
                    { name: "name", values: [ubuntuAmiNameFilter(host.ubuntuRelease, host.architecture)] },
                    { name: "architecture", values: [ec2Architecture(host.architecture)] },
                    { name: "virtualization-type", values: ["hvm"] },
                    { name: "root-device-type", values: ["ebs"] },
                ],
            }, { parent: this }).id);

        // Canonical's images give the key pair's key to `ubuntu` only; another login user gets it
        // from cloud-init. The user-data carries the host's private key: secret in state.
        const userData = pulumi.secret(pulumi.all([publicKey, hostKey.privateKeyOpenssh, this.hostPublicKey]).apply(([key, hostPrivate, hostPublic]) =>
            cloudInitUserData(host, {
                loginUserKey: host.sshUser === IMAGE_DEFAULT_USER ? undefined : key,
                hostKey: { privateOpenssh: hostPrivate, publicOpenssh: hostPublic },
            })));

        // --- The machine: one aws.ec2.Instance for both markets. A spot host is the same resource
        // with instanceMarketOptions, so AWS gets everything below on either market: RunInstances
        // takes metadataOptions, instanceInitiatedShutdownBehavior and the encrypted root volume
        // with the market options (terraform-provider-aws internal/service/ec2/ec2_instance.go
        // buildInstanceOpts). An aws.ec2.SpotInstanceRequest does not: its create copies a fixed
        // list of fields into RequestSpotLaunchSpecification, without metadata options or
        // shutdown behaviour (ec2_spot_instance_request.go resourceSpotInstanceRequestCreate).
        // Deleting the instance cancels its spot request before terminating it (ec2_instance.go
        // resourceInstanceDelete; see SPOT_LIFECYCLE in test/support/lifecycle.ts for the version read).
        const instance = new ec2.Instance("instance", {
            ami: amiId,
            instanceType: host.instanceType,
            subnetId,
            vpcSecurityGroupIds: [this.securityGroup.id],
            keyName: keyPair.keyName,
            userData,
            userDataReplaceOnChange: true,
            // The auto-shutdown timer powers off; stop (not terminate) keeps the disk and the cluster.
            instanceInitiatedShutdownBehavior: "stop",
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            // Persistent with stop behaviour: the only kind of spot instance EC2 lets you stop and start.
            instanceMarketOptions: host.market === "spot"
                ? { marketType: "spot", spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop", maxPrice: host.spotMaxPrice } }
                : undefined,
            rootBlockDevice: { volumeType: "gp3", volumeSize: host.volumeSizeGiB, encrypted: true, deleteOnTermination: true, tags },
            tags,
        }, {
            parent: this,
            // EC2 changes a stopped on-demand instance's type in place (the provider stops, modifies and
            // starts it), but refuses it for a spot instance: "While a Spot Instance is stopped, you can
            // change some of its instance attributes, but not the instance type" (EC2 User Guide, "Stop
            // and start Spot Instances"). So on spot a new type is a new host.
            replaceOnChanges: host.market === "spot" ? ["instanceType"] : [],
            // The old machine goes first: the engine then marks it deleted before anything on it is
            // replaced (pulumi/pulumi step_generator.go, delete-before-replace), so the Delete of
            // every resource deletedWith it is skipped instead of dialling a host that is going away.
            deleteBeforeReplace: true,
            additionalSecretOutputs: ["userData"],
        });
        this.instance = instance;
        this.instanceId = instance.id;
        this.machineId = this.instanceId;
        this.machine = this.instance;

        // Stops or starts the same instance. Its read reports the instance's actual state,
        // so after a refresh (npm run up does one of this resource) a host the timer
        // stopped shows as a change to "running" and is started; its delete leaves the
        // instance alone (internal/service/ec2/ec2_instance_state.go in terraform-provider-aws).
        this.state = new InstanceState("instance-state", {
            instanceId: this.instanceId,
            state: host.running ? "running" : "stopped",
        }, { parent: this });

        // Read after the state above is applied (the invoke waits for its dependency), so a start
        // in this very run is seen. EC2's LaunchTime is the time of the last start.
        this.lastStart = ec2.getInstanceOutput({ instanceId: this.state.instanceId }, { parent: this, dependsOn: [this.state] })
            .apply((observed) => observed.launchTime);

        // An Elastic IP keeps the address, and with it the k3d config, the kubeconfig and
        // the SSH known-hosts entry, stable when the auto-shutdown timer stops the host.
        const addressDeps: pulumi.Resource[] = [this.instance, this.state];
        if (host.usePrivateIp) {
            this.publicIp = this.instance.publicIp;
        } else {
            const eip = new ec2.Eip("public-ip", { domain: "vpc", tags }, { parent: this });
            addressDeps.push(new ec2.EipAssociation("public-ip-association", {
                instanceId: this.instanceId,
                allocationId: eip.allocationId,
            }, { parent: this }));
            this.publicIp = eip.publicIp;
        }
        this.privateIp = this.instance.privateIp;
        this.bindAddress = this.privateIp;
        this.address = host.usePrivateIp ? this.privateIp : this.publicIp;
        // The private key is an input of the combination, not captured: its resource is then a dependency in
        // preview too, where an apply does not run.
        this.connection = pulumi.secret(pulumi.all([this.address, this.hostPublicKey, privateKey]).apply(([address, hostPublicKey, key]): command.types.input.remote.ConnectionArgs => ({
            host: address,
            user: host.sshUser,
            privateKey: key,
            // Pinned: pulumi-command then checks the server's key against it (connection.go).
            hostKey: hostPublicKey,
            dialErrorLimit: SSH_DIAL_ERROR_LIMIT,
            perDialTimeout: SSH_PER_DIAL_TIMEOUT_SECONDS,
        })));

        const waitReady = new command.remote.Command("wait-ready", {
            connection: this.connection,
            create: HOST_SCRIPTS.command("wait-cloud-init"),
            // A replaced instance is a new host to wait for.
            triggers: [this.instanceId],
        }, { parent: this, deletedWith: this.machine, dependsOn: [...addressDeps, ...keyFileDeps, this.knownHostsEntry] });

        // Tools and the auto-shutdown timer are set over SSH, not in the user-data, so a
        // change to them updates this host in place. install-tools.sh leaves a tool whose
        // version matches alone and refuses a download whose SHA-256 does not match.
        const { k3d, kubectl, helm } = host.tools;
        const sums = host.toolSha256;
        this.ready = new command.remote.Command("tools", {
            connection: this.connection,
            create: `sudo -n ${HOST_SCRIPTS.command("install-tools", [host.architecture, k3d, kubectl, helm, sums.k3d, sums.kubectl, sums.helm])}`,
            triggers: [this.instanceId, k3d, kubectl, helm, sums.k3d, sums.kubectl, sums.helm],
        }, { parent: this, deletedWith: this.machine, dependsOn: [waitReady] });
        // The node image is the largest pull of a cluster create: it runs while the tools install
        // (both wait only for cloud-init), and k3d's create, which waits for both, pulls nothing.
        // The registry image too, for the registry and the Registry1 cache (always: it is small, and a
        // registry.target edit then leaves this step alone). A failed pull does not fail the run
        // (pull-images.sh): k3d and the Docker provider pull what is missing.
        const images = [config.cluster.k3sImage, config.registry.image];
        this.imagesPulled = new command.remote.Command("pull-images", {
            connection: this.connection,
            create: HOST_SCRIPTS.command("pull-images", images),
            triggers: [this.instanceId, ...images],
        }, { parent: this, deletedWith: this.machine, dependsOn: [waitReady] });
        // The Registry1 cache's own EBS volume (host.cacheVolumeGiB): mounted once cloud-init is done,
        // in parallel with the tools; the cache's Docker volume binds it (registry/registryCache.ts).
        if (host.cacheVolumeGiB !== undefined) {
            this.registry1CacheDisk = registry1CacheVolume({
                parent: this, sizeGiB: host.cacheVolumeGiB, keep: host.keepCacheVolume, availabilityZone: args.placement.availabilityZone,
                tags, instance, ready: waitReady, command: (name, commandArgs, opts) => this.command(name, commandArgs, opts),
            });
        }
        const units = host.autoShutdownHours > 0 ? autoShutdownUnits(host.autoShutdownHours) : undefined;
        new command.remote.Command("auto-shutdown", {
            connection: this.connection,
            create: `sudo -n ${AWS_SCRIPTS.command("auto-shutdown", units ? [host.autoShutdownHours, units.service, units.timer] : [0])}`,
            triggers: [this.instanceId, host.autoShutdownHours],
        }, { parent: this, deletedWith: this.machine, dependsOn: [waitReady] });

        this.sshOpts = pulumi.output(sshClientOptions({ privateKeyFile: this.privateKeyFile, knownHostsFile: files.knownHosts, hostKeyAlias }));
        this.sshCommand = this.address.apply((address) => sshCommand({
            user: host.sshUser, address, privateKeyFile: this.privateKeyFile, knownHostsFile: files.knownHosts, hostKeyAlias,
        }));

        this.docker = { host: pulumi.interpolate`ssh://${host.sshUser}@${this.address}`, sshOpts: this.sshOpts };
        this.ssh = { user: host.sshUser, address: this.address, options: this.sshOpts, command: this.sshCommand };
        this.outputs = {
            instanceId: this.instanceId,
            publicIp: this.publicIp,
            privateIp: this.privateIp,
            sshCommand: this.sshCommand,
            sshPrivateKey: this.generatedPrivateKey,
        };

        this.registerOutputs({ publicIp: this.publicIp, privateIp: this.privateIp, sshCommand: this.sshCommand });
    }

    /**
     * A remote command over SSH: the instance ID first in its triggers (pulumi-command replaces on a
     * trigger change, provider/pkg/provider/common/inputs.go), `deletedWith` the instance, its delete
     * guarded by on-instance.sh; a readiness step also carries the last start and waits for the state.
     */
    command(name: string, args: HostCommandArgs, opts: HostResourceOptions): command.remote.Command {
        const triggers = [this.instanceId, ...(args.triggers ?? []), ...(args.afterEveryStart ? [this.lastStart] : [])];
        return new command.remote.Command(name, {
            connection: this.connection,
            create: args.create,
            delete: args.delete === undefined ? undefined : onMachineOnly(this.instanceId, args.delete),
            stdin: args.stdin,
            logging: args.logging,
            triggers,
        }, {
            ...callerOptions(opts),
            ...this.onHostOptions(),
            dependsOn: args.afterEveryStart ? withDependency(opts.dependsOn, this.state) : opts.dependsOn,
        });
    }

    copyFile(name: string, args: HostCopyArgs, opts: HostResourceOptions): command.remote.CopyToRemote {
        return remoteCopy(name, this, args, opts);
    }

    onHostOptions(): { deletedWith: pulumi.Resource } {
        return { deletedWith: this.machine };
    }

    dockerLabels(...own: { label: string; value: pulumi.Input<string> }[]): { label: string; value: pulumi.Input<string> }[] {
        return [{ label: HOST_INSTANCE_LABEL, value: this.instanceId }, ...own];
    }
}

/** The caller's dependsOn (a list or one resource, as every readiness step gives it) and one more resource. */
function withDependency(deps: HostResourceOptions["dependsOn"], extra: pulumi.Resource): pulumi.Input<pulumi.Resource>[] {
    if (deps === undefined) return [extra];
    if (Array.isArray(deps)) return [...deps, extra];
    if (pulumi.Resource.isInstance(deps)) return [deps, extra];
    throw new Error("a host command with afterEveryStart takes dependsOn as a list of resources, not a promise or output");
}

function readPrivateKeyFile(file: string): string {
    try {
        return fs.readFileSync(expandHome(file), "utf8");
    } catch (err) {
        throw new Error(`bigbang-oci-dev:host.sshPrivateKeyFile: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
}
