// The `ssh` backend: an existing Linux machine the developer already has (a lab
// VM, on-prem hardware), reached over SSH, as Big Bang's
// `k3d-dev.sh -H <ip> -P <private ip> -U <user> -k <key>` uses one.
//
// What differs from aws (see devHost.ts for what every backend keeps true):
//   - The program does not own the machine: it never powers it off, reboots or
//     deletes it, so nothing is `deletedWith` a machine resource (there is none)
//     and every delete runs. `destroy` removes what the program put there through
//     those deletes: the cluster, the registry and its volumes (Docker provider),
//     the /etc/hosts blocks, and last the `host-setup` step's delete
//     (uninstall-host.sh: the work folder with the staged files, the program's tools
//     folder, its kernel settings files). Docker and the docker group, when the
//     program installed them, are left and named (see uninstall-host.sh for why).
//   - The machine's identity is user@address:port (sshPlan.ts sshMachineId): another
//     address is another machine, and the old one is cleaned by the old resources'
//     deletes, which run with the connection in their state.
//   - The host key comes from `host.ssh.hostKey` and is pinned by every client,
//     like the aws host's generated key: remote commands (connection.hostKey), and
//     the per-stack known_hosts file for Docker, the exported ssh command and the
//     boot-id read.
//   - Readiness after a start: the machine may reboot without the program knowing
//     (its owner, a kernel update). Its boot id, read over SSH at every preview and
//     update (an invoke), stands in for EC2's launch time: a readiness step carries
//     it in its triggers and runs again on the first `up` after a reboot, and a run
//     without a reboot changes nothing.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Architecture } from "../../config/config";
import { expandHome } from "../../config/paths";
import {
    DevHost, DockerEndpoint, HostCommandArgs, HostCopyArgs, HostResourceOptions, HostSshAccess,
} from "../devHost";
import { knownHostsAlias, knownHostsLine, shellQuote, sshClientOptions, workstationSshFiles } from "../hostPlan";
import { callerOptions, HOST_INSTANCE_LABEL, remoteCopy } from "../onHost";
import { HOST_SCRIPTS } from "../remoteScript";
import {
    bootIdReadScript, parseBootId, sshBaseInstallCommand, sshBindAddress, sshCommandPrefix, sshDockerHost, sshMachineId, SshSettings,
    sshToolsInstallCommand, sshUninstallCommand, sshWorkDir,
} from "./sshPlan";

export interface SshHostArgs {
    stack: string;
    /** `host.ssh.*`. */
    ssh: SshSettings;
    /** `host.architecture`: the machine's, checked against `uname -m` by install-host.sh. */
    architecture: Architecture;
    tools: { k3d: string; kubectl: string; helm: string };
    toolSha256: { k3d: string; kubectl: string; helm: string };
    /** Pulled while the tools install (the k3s node image, the registry image). */
    images: string[];
    /** The workstation's home directory, where the per-stack known_hosts goes. */
    homeDir?: string;
}

/**
 * An existing machine answers at once, or is rebooting: allow about three minutes of dialling
 * (pulumi-command connection.go retries a failed dial dialErrorLimit times), not the ten minutes
 * a fresh EC2 instance needs.
 */
const SSH_DIAL_ERROR_LIMIT = 18;
const SSH_PER_DIAL_TIMEOUT_SECONDS = 10;

export class SshHost extends pulumi.ComponentResource implements DevHost {
    readonly backend = "ssh" as const;
    readonly machineId: pulumi.Output<string>;
    /** None: the program does not own the machine, so nothing is deletedWith it. */
    readonly machine = undefined;
    readonly address: pulumi.Output<string>;
    readonly bindAddress: pulumi.Output<string>;
    readonly workDir: string;
    readonly ready: command.remote.Command;
    readonly imagesPulled: command.remote.Command;
    readonly docker: DockerEndpoint;
    readonly ssh: HostSshAccess;
    readonly managesEtcHosts = true;
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    readonly connection: pulumi.Output<command.types.input.remote.ConnectionArgs>;
    /** The machine's boot id at this run: a new value after every reboot (see the header). */
    readonly bootId: pulumi.Output<string>;
    /** Docker, the kernel settings, the group, the work folder; its delete is the uninstall. */
    readonly setup: command.remote.Command;
    readonly knownHostsEntry: command.local.Command;
    readonly sshCommand: pulumi.Output<string>;

    constructor(name: string, args: SshHostArgs, opts?: pulumi.ComponentResourceOptions) {
        // The aws host's type token: the children's URNs then match where they mean the same thing.
        // On a switch between aws and ssh the per-stack known_hosts file (`known-hosts-file`, the same
        // path for both) is then one resource, updated in place; under two URNs the old one's delete
        // (rm) would run after the new one's create and leave Docker and sshCommand without the key.
        super("bigbang-oci-dev:index:DevHost", name, {}, opts);
        const { ssh, stack } = args;
        const files = workstationSshFiles(args.homeDir ?? os.homedir(), stack);
        const alias = knownHostsAlias(stack);
        const hostKeyLine = knownHostsLine(alias, ssh.hostKey);
        const hostKey = ssh.hostKey.trim().split(/\s+/).slice(0, 2).join(" ");

        this.machineId = pulumi.output(sshMachineId(ssh));
        this.address = pulumi.output(ssh.address);
        this.bindAddress = pulumi.output(sshBindAddress(ssh));
        this.workDir = sshWorkDir(ssh.user);

        // The per-stack known_hosts the Docker provider and the user's ssh read: the configured key only.
        this.knownHostsEntry = new command.local.Command("known-hosts-file", {
            create: `umask 077 && mkdir -p ${shellQuote(path.dirname(files.knownHosts))} && cat > ${shellQuote(files.knownHosts)}`,
            delete: `rm -f ${shellQuote(files.knownHosts)}`,
            stdin: hostKeyLine,
            // As on aws: a replacement written first would be removed by the old one's delete.
        }, { parent: this, deleteBeforeReplace: true });

        // The key file's text is a secret from the moment it is read (prepare checked it is readable
        // and clear); without a file pulumi-command authenticates with the agent (SSH_AUTH_SOCK,
        // connection.go), and nothing about the agent goes into state.
        const privateKey = ssh.privateKeyFile === undefined ? undefined : pulumi.secret(fs.readFileSync(expandHome(ssh.privateKeyFile), "utf8"));
        this.connection = pulumi.secret(pulumi.output(privateKey).apply((key): command.types.input.remote.ConnectionArgs => ({
            host: ssh.address,
            port: ssh.port,
            user: ssh.user,
            ...(key === undefined ? {} : { privateKey: key }),
            // Pinned: pulumi-command checks the server's key against it (connection.go, FixedHostKey).
            hostKey,
            dialErrorLimit: SSH_DIAL_ERROR_LIMIT,
            perDialTimeout: SSH_PER_DIAL_TIMEOUT_SECONDS,
        })));

        this.bootId = command.local.runOutput({
            command: bootIdReadScript({ ssh, knownHostsLine: hostKeyLine, hostKeyAlias: alias }),
            interpreter: ["/bin/sh", "-c"],
            logging: "stderr",
        }, { parent: this }).apply((result) => parseBootId(result.stdout));

        const install = { user: ssh.user, stack, architecture: args.architecture, tools: args.tools, toolSha256: args.toolSha256 };
        // The machine's identity is its only trigger, so the delete (the uninstall) runs only when the
        // machine is left: on destroy, after everything that depends on the host, or on the old machine
        // when the address changes. Another architecture or kernel list is an update: create runs again.
        this.setup = new command.remote.Command("host-setup", {
            connection: this.connection,
            create: sshBaseInstallCommand(install),
            delete: sshUninstallCommand({ ...install, machineId: sshMachineId(ssh) }),
            triggers: [this.machineId],
        }, { parent: this, dependsOn: [this.knownHostsEntry] });
        // No delete: the tools live in the program's folder, which host-setup's delete removes. A new
        // pin replaces this step, and its create puts the new version there.
        const { k3d, kubectl, helm } = args.tools;
        const sums = args.toolSha256;
        this.ready = new command.remote.Command("tools", {
            connection: this.connection,
            create: sshToolsInstallCommand(install),
            triggers: [this.machineId, k3d, kubectl, helm, sums.k3d, sums.kubectl, sums.helm],
        }, { parent: this, dependsOn: [this.setup] });
        this.imagesPulled = new command.remote.Command("pull-images", {
            connection: this.connection,
            create: HOST_SCRIPTS.command("pull-images", args.images),
            triggers: [this.machineId, ...args.images],
        }, { parent: this, dependsOn: [this.setup] });

        const port = ssh.port === 22 ? [] : ["-p", String(ssh.port)];
        const options = [...sshClientOptions({ privateKeyFile: ssh.privateKeyFile, knownHostsFile: files.knownHosts, hostKeyAlias: alias }), ...port];
        const sshOpts = pulumi.output(options);
        this.sshCommand = pulumi.output(["ssh", ...options.map(shellQuote), `${ssh.user}@${ssh.address}`].join(" "));
        this.docker = { host: sshDockerHost(ssh), sshOpts };
        this.ssh = { user: ssh.user, address: this.address, options: sshOpts, command: this.sshCommand };
        // No instanceId, publicIp, privateIp or generated key: absent, not empty.
        this.outputs = { sshCommand: this.sshCommand, address: this.address };

        this.registerOutputs({ address: this.address, sshCommand: this.sshCommand });
    }

    /**
     * A remote command over SSH with the program's tools first on PATH: the machine's identity first
     * in its triggers (pulumi-command replaces on a trigger change, provider/pkg/provider/common/inputs.go),
     * not deletedWith anything, so its delete runs on destroy; a readiness step also carries the boot id.
     * The delete runs with the connection in its state, whose pinned key refuses any other machine.
     */
    command(name: string, args: HostCommandArgs, opts: HostResourceOptions): command.remote.Command {
        const prefix = sshCommandPrefix();
        const triggers = [this.machineId, ...(args.triggers ?? []), ...(args.afterEveryStart ? [this.bootId] : [])];
        return new command.remote.Command(name, {
            connection: this.connection,
            create: pulumi.interpolate`${prefix}${args.create}`,
            delete: args.delete === undefined ? undefined : pulumi.interpolate`${prefix}${args.delete}`,
            stdin: args.stdin,
            logging: args.logging,
            triggers,
        }, callerOptions(opts));
    }

    /** A copy onto the machine. CopyToRemote deletes nothing; the staged files go with the work folder (host-setup's delete). */
    copyFile(name: string, args: HostCopyArgs, opts: HostResourceOptions): command.remote.CopyToRemote {
        return remoteCopy(name, this, args, opts);
    }

    /** Nothing: the Docker objects' own deletes run (destroy removes the registry, its volumes, the cluster network). */
    onHostOptions(): { deletedWith?: pulumi.Resource } {
        return {};
    }

    dockerLabels(...own: { label: string; value: pulumi.Input<string> }[]): { label: string; value: pulumi.Input<string> }[] {
        return [{ label: HOST_INSTANCE_LABEL, value: this.machineId }, ...own];
    }
}
