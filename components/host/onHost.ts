// What every resource that lives on the dev host (Docker objects, remote
// commands and copies, the k3d cluster) carries so that it follows the host.
// A backend applies it by construction (DevHost.command, copyFile,
// onHostOptions, dockerLabels; aws/awsHost.ts); the rest of the program never
// reads the machine's identity itself:
//
// - `deletedWith: host.machine`: when the machine is deleted or replaced in the
//   same deployment, the engine skips the resource's own provider Delete, so a
//   destroy or a host replacement never dials a host that is stopped or gone.
//   pulumi/pulumi pkg/resource/deploy/step.go (DeleteStep.Apply, isDeletedWith)
//   skips the Delete RPC when the deletedWith URN is among this deployment's
//   deletions; pkg/resource/deploy/step_generator.go marks a
//   delete-before-replace resource in `sg.deletes` when its replacement is
//   planned, and every other deletion in GenerateDeletes before any delete runs.
//   Removing the resource alone (the host stays) still runs its Delete.
//
// - an input carrying `host.machineId` (aws: the instance ID) that the provider treats as
//   replace-on-change, so a new instance means a new resource on it in the same
//   `pulumi up` (deletedWith alone cascades a replacement only in engines
//   newer than v3.259.0: step_generator.go "its DeletedWith resource is being
//   replaced", pulumi/pulumi#23818; the input works with every CLI):
//     - pulumi-command `triggers` (provider/pkg/provider/common/inputs.go and
//       remote/copy.go: `provider:"replaceOnChanges"`);
//     - Docker `labels` on networks, volumes and containers and `triggers` on
//       images (kreuzwerker/terraform-provider-docker
//       internal/provider/resource_docker_{network,volume,container,image}.go:
//       ForceNew).
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../config/config";
import { HostCopyArgs, HostResourceOptions } from "./devHost";
import { HOST_SCRIPTS } from "./remoteScript";

/** The Docker label that ties a network, volume or container to the instance it lives on. */
export const HOST_INSTANCE_LABEL = `${PROJECT}/host-instance`;

/** The docker.RemoteImage `triggers` key that ties a pulled image to the instance it was pulled on. */
export const HOST_INSTANCE_TRIGGER = "hostInstance";

/**
 * A remote delete that runs only on the instance it was recorded on (scripts/on-instance.sh).
 * Deletes normally never reach a replaced host (deletedWith), but after the instance was
 * replaced outside Pulumi and refreshed away, the old resources' deletes go to the same
 * address, where the new host now answers.
 */
export function onMachineOnly(machineId: pulumi.Output<string>, command: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([machineId, command]).apply(([id, text]) => `${HOST_SCRIPTS.command("on-instance", [id])} ${text}`);
}

/** The caller's options for a host command or copy, as pulumi takes them (the backend adds its own). */
export function callerOptions(opts: HostResourceOptions): pulumi.CustomResourceOptions {
    return { parent: opts.parent, dependsOn: opts.dependsOn, deleteBeforeReplace: opts.deleteBeforeReplace, additionalSecretOutputs: opts.additionalSecretOutputs };
}

/**
 * A copy onto a host over SSH (aws, ssh): the machine's identity first in its triggers
 * (pulumi-command replaces on a trigger change, provider/pkg/provider/remote/copy.go), and the
 * backend's own options (aws: deletedWith the instance). CopyToRemote deletes nothing.
 */
export function remoteCopy(name: string, host: { connection: pulumi.Input<command.types.input.remote.ConnectionArgs>; machineId: pulumi.Output<string>; onHostOptions(): { deletedWith?: pulumi.Resource } },
    args: HostCopyArgs, opts: HostResourceOptions): command.remote.CopyToRemote {
    return new command.remote.CopyToRemote(name, {
        connection: host.connection,
        source: args.source,
        remotePath: args.remotePath,
        triggers: [host.machineId, ...(args.triggers ?? [])],
    }, { ...callerOptions(opts), ...host.onHostOptions() });
}
