// The `local` backend: the dev environment on the workstation's own Docker
// Engine (DOCKER_HOST, else the default socket). No SSH and no AWS resource:
// commands are pulumi-command local commands that run the same host scripts
// (inline `bash -c`), files are copied on the workstation, the Docker provider
// talks to the local engine, and the addresses are 127.0.0.1.
//
// The machine is the Docker Engine, identified by its ID (`docker info`): a
// new engine (DOCKER_HOST pointing elsewhere, a reset Docker Desktop) is a new
// machine, and everything is built again there. The program cannot delete the
// engine, so nothing is deletedWith anything: destroy runs every delete against
// the local engine, each guarded by on-engine.sh (the engine it was created on).
//
// A "start" here is a restart of the containers the readiness steps wait for
// (the registry, the k3d server node): the workstation rebooting, Docker
// Desktop quitting and starting, `k3d cluster stop/start`. prepare reads their
// StartedAt (localProbe.ts), and commands with afterEveryStart carry it, like
// EC2's LaunchTime on aws. The first run after a create sees it change once
// (no container yet, then a time), which only runs the two readiness checks again.
//
// What the host scripts assume of a dedicated host, and what differs here:
// - sudo: only install-tools.sh (aws: `sudo -n`) and etc-hosts-block.sh take it; locally the tools go
//   to ~/.bigbang-oci-dev/<stack>/bin without sudo, and /etc/hosts is not the program's (managesEtcHosts).
// - /home/<user> paths: none; workDir is ~/.bigbang-oci-dev/<stack> (absolute). k3d-cluster-create.sh keeps
//   its stored config in $HOME/.bigbang-oci-dev/k3d-<cluster>.yaml, the workstation's home here.
// - k3d on PATH: binDir first on PATH in every command (Linux), or the developer's own (macOS, checked).
// - ~/.kube/config: every command has KUBECONFIG=<workDir>/kubeconfig, so k3d's merge leaves the
//   developer's kubeconfig and current context alone (localPlan.ts).
// - cloud-init, the instance ID, the auto-shutdown timer: not used (wait-cloud-init, on-instance,
//   auto-shutdown are aws's); on-engine.sh is the local on-instance.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Architecture, PROJECT } from "../../config/config";
import {
    DevHost, DockerEndpoint, HostCommand, HostCommandArgs, HostCopyArgs, HostResourceOptions,
} from "../devHost";
import { shellQuote } from "../hostPlan";
import { HOST_INSTANCE_LABEL } from "../onHost";
import { HOST_SCRIPTS, scriptFolder } from "../remoteScript";
import { LocalFacts } from "./localProbe";
import { LOCAL_ADDRESS, localCommandPrefix, LocalPaths, localPaths, localToolsMode } from "./localPlan";

export interface LocalHostArgs {
    stack: string;
    /** The workstation's home directory (os.homedir()). */
    homeDir: string;
    /** process.platform: Linux installs the tools, macOS checks the developer's. */
    platform: NodeJS.Platform;
    architecture: Architecture;
    tools: { k3d: string; kubectl: string; helm: string };
    toolSha256: { k3d: string; kubectl: string; helm: string };
    /** Pulled while the tools install: the k3s node image and the registry image. */
    images: string[];
    /** What prepare found out about the engine (checkLocalWorkstation). */
    facts: LocalFacts;
}

export const LOCAL_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));

export class LocalHost extends pulumi.ComponentResource implements DevHost {
    readonly backend = "local" as const;
    readonly machineId: pulumi.Output<string>;
    readonly machine = undefined;
    readonly address: pulumi.Output<string>;
    readonly bindAddress: pulumi.Output<string>;
    readonly workDir: string;
    readonly ready: command.local.Command;
    readonly imagesPulled: pulumi.Resource;
    readonly docker: DockerEndpoint = {};
    readonly ssh = undefined;
    readonly managesEtcHosts = false;
    /** None of aws's outputs (instanceId, publicIp, privateIp, sshCommand, sshPrivateKey) means anything here. */
    readonly outputs: Record<string, pulumi.Input<unknown>> = {};
    /** The containers' last start (see the header): in the triggers of every afterEveryStart command. */
    readonly lastStart: pulumi.Output<string>;
    readonly paths: LocalPaths;
    /** The text every local command starts with (PATH, KUBECONFIG, the Helm container's settings). */
    readonly commandPrefix: string;
    private readonly engineId: string;

    constructor(name: string, args: LocalHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:LocalHost", name, {}, opts);
        const mode = localToolsMode(args.platform);
        if (mode === undefined) throw new Error(`${PROJECT}:host.backend: local does not run on ${args.platform}`);
        this.paths = localPaths(args.homeDir, args.stack);
        this.workDir = this.paths.workDir;
        this.engineId = args.facts.engineId;
        this.machineId = pulumi.output(args.facts.engineId);
        this.address = pulumi.output(LOCAL_ADDRESS);
        this.bindAddress = pulumi.output(LOCAL_ADDRESS);
        const helm = args.facts.helmContainer;
        this.commandPrefix = localCommandPrefix(this.paths, helm);
        const workDir = shellQuote(this.workDir);

        // The program's folder. Not tied to the engine: it holds the tools and the kubeconfig that the
        // engine's deletes still need, and a new engine must not remove it (create-before-delete).
        const folder = new command.local.Command("work-dir", {
            create: `umask 077 && mkdir -p -- ${workDir}`,
            delete: `rm -rf -- ${workDir}`,
        }, { parent: this });

        // Deleted last (everything on the engine waits for `tools`, which waits for it): removes the program's
        // containers, volumes and networks that are still on this engine (docker-objects-cleanup.sh), which is what a
        // switch to another backend leaves, since the Docker provider then points at the new machine.
        const engineObjects = new command.local.Command("engine-objects", {
            create: "true",
            delete: `${this.commandPrefix}${LOCAL_SCRIPTS.command("on-engine", [this.engineId, "bash", "-c", HOST_SCRIPTS.text("docker-objects-cleanup"), "docker-objects-cleanup", `${HOST_INSTANCE_LABEL}=${this.engineId}`])}`,
            triggers: [this.machineId],
        }, { parent: this });

        const setup: pulumi.Resource[] = [folder, engineObjects];
        if (helm) {
            const shim = path.join(this.paths.helmShimDir, "helm");
            setup.push(new command.local.Command("helm-container", {
                create: `mkdir -p -- ${shellQuote(this.paths.helmShimDir)} && cat > ${shellQuote(shim)} && chmod 755 ${shellQuote(shim)}`,
                delete: `rm -rf -- ${shellQuote(this.paths.helmShimDir)}`,
                stdin: LOCAL_SCRIPTS.text("helm-container"),
                triggers: [helm.image, helm.network],
            }, { parent: this, dependsOn: [folder], deleteBeforeReplace: true }));
        }

        // The tools: installed pinned and checksum-verified into binDir (Linux, install-tools.sh with
        // INSTALL_DIR, no sudo), then checked as PATH finds them (both systems, with bash 5 and timeout,
        // which the other checks use too); then Docker answers.
        const { k3d, kubectl, helm: helmVersion } = args.tools;
        const sums = args.toolSha256;
        const steps: string[] = [];
        if (mode === "install") {
            steps.push(`INSTALL_DIR=${shellQuote(this.paths.binDir)} ${HOST_SCRIPTS.command("install-tools", [args.architecture, k3d, kubectl, helmVersion, sums.k3d, sums.kubectl, sums.helm])}`);
        }
        steps.push(LOCAL_SCRIPTS.command("local-ready", ["tools", k3d, kubectl, helmVersion]), LOCAL_SCRIPTS.command("local-ready", ["docker"]));
        this.ready = this.own("tools", {
            create: steps.join(" && "),
            triggers: [this.machineId, mode, args.architecture, k3d, kubectl, helmVersion, sums.k3d, sums.kubectl, sums.helm],
        }, setup);

        // The start time, carrying a dependency on the readiness gate (through its URN, known in preview
        // too): a readiness step that has it in its triggers waits for Docker to answer as well.
        this.lastStart = pulumi.all([args.facts.lastStart, this.ready.urn]).apply(([start]) => start);

        this.imagesPulled = this.own("pull-images", {
            create: HOST_SCRIPTS.command("pull-images", args.images),
            triggers: [this.machineId, ...args.images],
        }, [this.ready]);

        this.registerOutputs({});
    }

    /** A command of the host's own (setup), with the prefix and the engine's identity. */
    private own(name: string, args: { create: string; triggers: pulumi.Input<unknown>[] }, dependsOn: pulumi.Resource[]): command.local.Command {
        return new command.local.Command(name, {
            create: `${this.commandPrefix}${args.create}`,
            triggers: args.triggers,
        }, { parent: this, dependsOn });
    }

    command(name: string, args: HostCommandArgs, opts: HostResourceOptions): HostCommand {
        const triggers: pulumi.Input<unknown>[] = [this.machineId, ...(args.afterEveryStart ? [this.lastStart] : []), ...(args.triggers ?? [])];
        const prefix = this.commandPrefix;
        const engineId = this.engineId;
        return new command.local.Command(name, {
            create: pulumi.output(args.create).apply((create) => `${prefix}${create}`),
            // Only against the engine the create ran on (on-engine.sh).
            delete: args.delete === undefined ? undefined
                : pulumi.output(args.delete).apply((del) => `${prefix}${LOCAL_SCRIPTS.command("on-engine", [engineId, "sh", "-c", del])}`),
            stdin: args.stdin,
            triggers,
            logging: args.logging,
        }, {
            parent: opts.parent,
            // A readiness step also waits for Docker to answer, through lastStart (see the constructor).
            dependsOn: opts.dependsOn,
            deleteBeforeReplace: opts.deleteBeforeReplace,
            additionalSecretOutputs: opts.additionalSecretOutputs,
        });
    }

    copyFile(name: string, args: HostCopyArgs, opts: HostResourceOptions): pulumi.CustomResource {
        const target = args.remotePath;
        if (!path.isAbsolute(target)) throw new Error(`${PROJECT}: ${name}: the copy's target ${target} is not absolute`);
        const dest = shellQuote(target);
        const temp = shellQuote(`${target}.new`);
        const into = `mkdir -p -- ${shellQuote(path.dirname(target))} && `;
        let create: pulumi.Output<string>;
        let stdin: pulumi.Output<string> | undefined;
        let content: pulumi.Output<string>;
        const source = args.source;
        if (source instanceof pulumi.asset.FileAsset) {
            // A rename, so a reader never sees half a file. The content's hash is a trigger: the same path
            // with new content is a new copy, as CopyToRemote's asset hash makes it.
            const file = pulumi.output(source.path);
            create = file.apply((p) => `${into}cp -f -- ${shellQuote(path.resolve(p))} ${temp} && mv -f -- ${temp} ${dest}`);
            content = file.apply((p) => sha256(fs.readFileSync(path.resolve(p))));
        } else if (source instanceof pulumi.asset.StringAsset) {
            stdin = pulumi.output(source.text);
            create = pulumi.output(`${into}cat > ${temp} && mv -f -- ${temp} ${dest}`);
            content = stdin.apply(sha256);
        } else if (source instanceof pulumi.asset.FileArchive) {
            const dir = pulumi.output(source.path);
            create = dir.apply((p) => `${into}rm -rf -- ${temp} && cp -R -- ${shellQuote(path.resolve(p))} ${temp} && rm -rf -- ${dest} && mv -f -- ${temp} ${dest}`);
            content = dir.apply((p) => p);
        } else {
            throw new Error(`${PROJECT}: ${name}: the local backend copies a FileAsset, StringAsset or FileArchive`);
        }
        return new command.local.Command(name, {
            create,
            stdin,
            triggers: [this.machineId, content, ...(args.triggers ?? [])],
        }, { parent: opts.parent, dependsOn: opts.dependsOn, deleteBeforeReplace: opts.deleteBeforeReplace, additionalSecretOutputs: opts.additionalSecretOutputs });
    }

    onHostOptions(): { deletedWith?: pulumi.Resource } {
        return {};
    }

    dockerLabels(...own: { label: string; value: pulumi.Input<string> }[]): { label: string; value: pulumi.Input<string> }[] {
        return [{ label: HOST_INSTANCE_LABEL, value: this.machineId }, ...own];
    }
}

function sha256(data: string | Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}
