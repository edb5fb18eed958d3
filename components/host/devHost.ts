// The seam between where the dev environment runs (a host backend: `aws/`,
// `ssh/`, `local/`) and everything that runs there (the registry, the Registry1
// cache, the k3d cluster, the chart pushes, the CoreDNS entry, Big Bang's
// waits). Modelled on tilt-dev/ctlptl pkg/cluster (one admin per product behind
// one interface, chosen by a factory switch): the rest of the program talks to
// `DevHost` only and never asks which backend it has.
//
// A backend builds commands and file copies *for* its callers, so the rules that
// keep them following the machine hold by construction, not by each caller
// remembering them (see onHost.ts for the rules and the engine source behind
// them):
//   - the machine's identity in every command's triggers (a new machine is a new
//     command), and in every Docker object's labels;
//   - `deletedWith` the machine where the backend can delete the machine (aws),
//     so destroy and replacement never dial a machine that is stopped or gone;
//   - a delete that runs only on the machine its create ran on;
//   - readiness steps that run again after every start of the machine.
//
// Concept `host`: exports DevHost (this file) and createDevHost (the factory),
// HostDocker (Docker provider and network), shellQuote and the ssh planners
// (hostPlan.ts), the host scripts (HOST_SCRIPTS, scriptFolder), and for prepare
// the key checks (sshKey.ts) and each backend's own checks (aws/prepareAwsHost.ts).
import * as pulumi from "@pulumi/pulumi";

/** Where the dev environment runs: `host.backend`. */
export type HostBackendName = "aws" | "ssh" | "local";

/** A command on the host: run through SSH (aws, ssh) or on the workstation (local). */
export interface HostCommandArgs {
    /** Run with `sh -c` as the host's user. Host scripts are passed inline (remoteScript.ts). */
    create: pulumi.Input<string>;
    /** Undoes `create`. The backend runs it only on the machine `create` ran on. */
    delete?: pulumi.Input<string>;
    /** Secrets go here, never in the command text. */
    stdin?: pulumi.Input<string>;
    /** The command's own triggers; the backend puts the machine's identity first. */
    triggers?: pulumi.Input<unknown>[];
    /** "none" where stdout is secret (with additionalSecretOutputs). */
    logging?: "stdout" | "stderr" | "stdoutAndStderr" | "none";
    /**
     * A readiness step: run again after every start of the machine (the backend adds its last
     * start to the triggers and waits for the machine to be running). Never set this on a step
     * that builds something: it would be rebuilt every morning.
     */
    afterEveryStart?: boolean;
}

/** A file copied onto the host. */
export interface HostCopyArgs {
    source: pulumi.asset.Asset | pulumi.asset.Archive;
    /** Absolute path on the host (under `workDir`). */
    remotePath: string;
    /** The copy's own triggers; the backend puts the machine's identity first. */
    triggers?: pulumi.Input<unknown>[];
}

/** Options a caller gives a host command or copy. The backend adds its own (deletedWith, ...). */
export interface HostResourceOptions {
    parent: pulumi.Resource;
    dependsOn?: pulumi.ResourceOptions["dependsOn"];
    deleteBeforeReplace?: boolean;
    additionalSecretOutputs?: string[];
}

/** What a host command gives back: a new ID whenever it ran afresh, and what it printed. */
export interface HostCommand extends pulumi.CustomResource {
    readonly stdout: pulumi.Output<string>;
}

/** Where the Docker engine that runs the registry, the cache and the k3d nodes is. */
export interface DockerEndpoint {
    /** `ssh://user@address` for a remote engine; undefined for the workstation's own (DOCKER_HOST or the default socket). */
    host?: pulumi.Input<string>;
    /** Options for the ssh client the Docker provider starts (the pinned known_hosts). */
    sshOpts?: pulumi.Input<string[]>;
}

/** How the workstation reaches the host over SSH (aws, ssh backends). */
export interface HostSshAccess {
    user: string;
    address: pulumi.Output<string>;
    /** Options for every ssh client: batch mode, the per-stack known_hosts with strict checking, the key. */
    options: pulumi.Output<string[]>;
    /** `ssh ...` for the user to copy. */
    command: pulumi.Output<string>;
}

/** The Registry1 cache's own disk (aws with host.cacheVolumeGiB, issue 19). */
export interface RegistryCacheDisk {
    /** The folder on the host the cache's Docker volume binds; it exists only on the mounted disk. */
    dataPath: string;
    /** The step after which the disk is mounted: the cache's volume and container wait for it. */
    mounted: pulumi.Resource;
    volumeId: pulumi.Output<string>;
}

export interface DevHost {
    readonly backend: HostBackendName;
    /** A new value is a new machine: everything on it is built again. aws: the instance ID. */
    readonly machineId: pulumi.Output<string>;
    /** The resource whose deletion deletes the machine, where the program owns the machine (aws). */
    readonly machine?: pulumi.Resource;
    /** The address the workstation uses for the host: the k3d API's address, the hosts lines. */
    readonly address: pulumi.Output<string>;
    /** The address cluster ports bind to on the host (aws: the private IP). */
    readonly bindAddress: pulumi.Output<string>;
    /** A folder the program owns on the host, for staging files (charts). Absolute. */
    readonly workDir: string;
    /** Completes when the host can run everything: Docker, k3d, kubectl and Helm at the pinned versions. */
    readonly ready: pulumi.Resource;
    /** The k3s node image and the registry image pulled into Docker (issue 19); k3d's create waits for it. */
    readonly imagesPulled: pulumi.Resource;
    readonly docker: DockerEndpoint;
    /** SSH access from the workstation; undefined on `local`. */
    readonly ssh?: HostSshAccess;
    /** May the program keep a block of names in the host's /etc/hosts? (false on `local`: not the program's to edit.) */
    readonly managesEtcHosts: boolean;
    /** The Registry1 cache's own disk, where the backend keeps one; else the cache uses a Docker volume on the host's disk. */
    readonly registry1CacheDisk?: RegistryCacheDisk;
    /** The backend's own stack outputs (aws: instanceId, publicIp, privateIp, sshCommand, sshPrivateKey). Absent, not empty, where they make no sense. */
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    /** A command on the host, following the machine (see the header). */
    command(name: string, args: HostCommandArgs, opts: HostResourceOptions): HostCommand;
    /** A file copied onto the host, following the machine. */
    copyFile(name: string, args: HostCopyArgs, opts: HostResourceOptions): pulumi.CustomResource;
    /** Options for a Docker object on the host (deletedWith the machine where there is one). */
    onHostOptions(): { deletedWith?: pulumi.Resource };
    /** Docker labels for a network, volume or container on the host: the machine's identity first. */
    dockerLabels(...own: { label: string; value: pulumi.Input<string> }[]): { label: string; value: pulumi.Input<string> }[];
}
