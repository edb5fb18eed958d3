// The Registry1 cache's own EBS volume (host.cacheVolumeGiB, issue 19): the
// cache's data outlives the instance, so a replaced host starts with a warm
// cache. Encrypted gp3 in the host's zone (placement.ts pins the host to the
// volume's zone), attached to each new instance, mounted by cache-volume.sh,
// and deleted with the stack unless host.keepCacheVolume keeps it.
//
// What the AWS provider does (hashicorp/terraform-provider-aws internal/service/ec2,
// read at ebs_volume_attachment.go 0620f2a6 and ebs_volume.go 0073593e, the code
// pulumi-aws 7.x bridges):
//   - ebs_volume_attachment.go resourceVolumeAttachmentCreate waits for the
//     instance to be running (or stopped), AttachVolume, waits for `attached`;
//     instance_id, volume_id and device_name are ForceNew, so a new instance is
//     a new attachment.
//   - resourceVolumeAttachmentDelete: nothing with skip_destroy; else, with
//     stop_instance_before_detaching, StopInstances first; then DetachVolume
//     (force_detach only if set) and a wait for `detached`; a volume already
//     `available` is success. Neither option is used: the mount step's delete
//     unmounts before the detach when only the cache volume goes, and when the
//     instance goes the attachment is `deletedWith` it (no DetachVolume: the
//     termination detaches the volume).
//   - ebs_volume.go resourceEBSVolumeDelete retries DeleteVolume while EC2 says
//     VolumeInUse, up to the delete timeout (10 min): a destroy deletes the volume
//     once the terminating instance has let it go. availability_zone is ForceNew.
// AWS's service modules, not the package root: @pulumi/aws's index.d.ts pulls in every service's
// declarations (some 2,700 files), about a quarter of `tsc`'s CPU in `npm test`.
import * as ec2 from "@pulumi/aws/ec2";
import * as ebs from "@pulumi/aws/ebs";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { HostCommand, HostCommandArgs, HostResourceOptions, RegistryCacheDisk } from "../devHost";
import { scriptFolder } from "../remoteScript";
import { CACHE_VOLUME_PURPOSE } from "./placement";

const CACHE_VOLUME_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));

/** The device name AttachVolume gets: the name on Xen instances, only a hint on Nitro (cache-volume.sh finds the NVMe device by the volume ID). */
export const CACHE_VOLUME_DEVICE = "/dev/sdf";
/** Where the host mounts the volume; the cache's Docker volume binds `<mount>/data`. */
export const CACHE_VOLUME_MOUNT = "/var/lib/bigbang-oci-dev/registry1-cache";

export interface CacheVolumeArgs {
    parent: pulumi.Resource;
    sizeGiB: number;
    /** host.keepCacheVolume: the volume is left in AWS (retainOnDelete) when the stack or the key goes. */
    keep: boolean;
    /** The host's zone (placement.ts keeps it the volume's). */
    availabilityZone: string;
    tags: Record<string, string>;
    instance: ec2.Instance;
    /** The host's readiness (cloud-init done): the mount step runs after it. */
    ready: pulumi.Resource;
    /** The host's command builder (AwsHost.command): triggers, deletedWith and delete guard included. */
    command(name: string, args: HostCommandArgs, opts: HostResourceOptions): HostCommand;
}

export function registry1CacheVolume(args: CacheVolumeArgs): RegistryCacheDisk {
    const { parent } = args;
    const volume = new ebs.Volume("registry1-cache-volume", {
        availabilityZone: args.availabilityZone,
        size: args.sizeGiB,
        type: "gp3",
        encrypted: true,
        tags: { ...args.tags, Name: `${args.tags.Name}-registry1-cache`, ...CACHE_VOLUME_PURPOSE },
    }, {
        parent,
        // Not deletedWith the instance: it outlives every host. Kept on request: Pulumi then drops it
        // from the stack without calling the provider's Delete.
        retainOnDelete: args.keep,
    });
    const attachment = new ec2.VolumeAttachment("registry1-cache-attachment", {
        instanceId: args.instance.id,
        volumeId: volume.id,
        deviceName: CACHE_VOLUME_DEVICE,
    }, {
        parent,
        // The old attachment goes before the new one: a volume attaches to one instance at a time.
        deleteBeforeReplace: true,
        // A replaced or destroyed instance takes its attachment along (the termination detaches it),
        // so no DetachVolume is sent to an instance that is going away.
        deletedWith: args.instance,
    });
    const mounted = args.command("registry1-cache-mount", {
        // The size is in the command so that a larger one is an update (create runs again and grows
        // the file system) rather than a replacement, whose delete would unmount under the cache.
        create: volume.id.apply((volumeId) => CACHE_VOLUME_SCRIPTS.command("cache-volume", ["mount", volumeId, CACHE_VOLUME_DEVICE, CACHE_VOLUME_MOUNT, args.sizeGiB])),
        delete: CACHE_VOLUME_SCRIPTS.command("cache-volume", ["unmount", CACHE_VOLUME_MOUNT]),
        // A new attachment (a new instance) mounts again.
        triggers: [attachment.id],
    }, { parent, dependsOn: [attachment, args.ready], deleteBeforeReplace: true });
    return { dataPath: `${CACHE_VOLUME_MOUNT}/data`, mounted, volumeId: volume.id };
}
