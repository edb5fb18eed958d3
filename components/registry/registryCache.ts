// The Registry1 pull-through cache (issue 19): a second `registry:2` on the dev
// host, in proxy mode in front of registry1.dso.mil, on the cluster's Docker
// network at a fixed address. Every k3d node's containerd pulls Registry1
// images through it (cluster/k3dConfig.ts, k3sRegistries), so a recreated
// cluster pulls each Iron Bank image from the cache instead of the internet.
// Separate from the push registry: distribution refuses pushes into a proxy
// (distribution/distribution#1218). Its data volume is its own, so it outlives
// the cluster and the push registry's container. A login check on the host
// (scripts/registry1-login-check.sh) tells the developer of a wrong Registry1
// login, which the cache itself never reports.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { StackConfig } from "../config/config";
import { DevHost, HostCommand } from "../host/devHost";
import { HostDocker, networkLabels } from "../host/hostDocker";
import { HOST_INSTANCE_TRIGGER } from "../host/onHost";
import { scriptFolder } from "../host/remoteScript";
import { CACHE_CONTAINER_PATHS, REGISTRY1_URL, registry1CacheConfigYaml, registry1MirrorEndpoint } from "./cacheSettings";

const CACHE_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));

export interface RegistryCacheArgs {
    config: StackConfig;
    host: DevHost;
    docker: HostDocker;
    /** The Registry1 login; the password stays a secret. */
    username: string;
    password: pulumi.Input<string>;
}

/** The cache's Docker names: the README tells how to look at and empty the volume by this name. */
export const CACHE_CONTAINER_NAME = "bigbang-oci-dev-registry1-cache";
export const CACHE_VOLUME_NAME = "bigbang-oci-dev-registry1-cache";

export class RegistryCache extends pulumi.ComponentResource {
    /** What the nodes' registries.yaml names as registry1.dso.mil's mirror. */
    readonly mirrorEndpoint: string;
    readonly container: docker.Container;
    /** Fails `pulumi up` with one line naming bigbang.registry1.username/password when Registry1 refuses the login. */
    readonly loginCheck: HostCommand;

    constructor(name: string, args: RegistryCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:RegistryCache", name, {}, opts);
        const { config, host } = args;
        this.mirrorEndpoint = registry1MirrorEndpoint(config.network.cacheAddress);
        const onHost = { parent: this, provider: args.docker.provider, ...host.onHostOptions() };

        // Delete-before-replace, as the registry's volume: Docker identifies a volume by its name.
        // With the host's own cache disk (aws, host.cacheVolumeGiB), the volume binds its data folder
        // (the `local` driver's bind mount: moby volume/local/local_linux.go, type none, o bind, device),
        // after it is mounted; the folder exists only on the mounted disk, so a missing disk leaves the
        // cache down (the nodes fall back to Registry1) instead of filling the root disk.
        const disk = host.registry1CacheDisk;
        const volume = new docker.Volume("registry1-cache-data", {
            name: CACHE_VOLUME_NAME,
            labels: host.dockerLabels(),
            ...(disk ? { driver: "local", driverOpts: { type: "none", o: "bind", device: disk.dataPath } } : {}),
        }, { ...onHost, deleteBeforeReplace: true, dependsOn: disk ? [disk.mounted] : [] });
        const image = new docker.RemoteImage("registry1-cache-image", {
            name: config.registry.image,
            keepLocally: true,
            triggers: { [HOST_INSTANCE_TRIGGER]: host.machineId },
        }, onHost);

        // The login goes in the config file, uploaded like the registry's TLS key: an env var would
        // show in `docker inspect` on the host and sit in the container's `envs` in state, while
        // `uploads` is a secret output here (additionalSecretOutputs) and its input a secret.
        const configFile = pulumi.secret(pulumi.output(args.password).apply((password) =>
            registry1CacheConfigYaml({ username: args.username, password })));

        this.container = new docker.Container("registry1-cache", {
            name: CACHE_CONTAINER_NAME,
            image: image.imageId,
            restart: "always",
            uploads: [{ file: CACHE_CONTAINER_PATHS.config, content: configFile }],
            volumes: [{ volumeName: volume.name, containerPath: CACHE_CONTAINER_PATHS.data }],
            // No published port: the nodes and the host reach it on the bridge, nothing else does.
            networksAdvanced: [{ name: args.docker.network.name, ipv4Address: config.network.cacheAddress }],
            labels: host.dockerLabels({ label: "app.kubernetes.io/part-of", value: "bigbang-oci-dev" }, ...networkLabels(args.docker.network)),
        }, { ...onHost, deleteBeforeReplace: true, additionalSecretOutputs: ["uploads"] });

        // distribution 2.8 answers a pull "manifest unknown" when Registry1 refuses its login
        // (registry/proxy/proxytagservice.go, Get), so the cache cannot tell the developer: this
        // step asks Registry1 for a token with the same URL and login, from the host (whose network
        // the container shares), as the proxy does (scripts/registry1-login-check.sh). It runs
        // when the login or the host changes, not at every up: a new user name is a new `create`
        // and a new password a new `stdin`, both an update that runs `create` again
        // (pulumi-command: `update` unset runs `create`); a new instance replaces it (triggers).
        // Unreachable is a warning, not a failure: a Registry1 outage must not stop an up.
        this.loginCheck = host.command("registry1-login-check", {
            create: CACHE_SCRIPTS.command("registry1-login-check", [REGISTRY1_URL, args.username]),
            stdin: args.password,
        }, { parent: this, dependsOn: [this.container, host.ready], additionalSecretOutputs: ["stdin"] });

        this.registerOutputs({ mirrorEndpoint: this.mirrorEndpoint });
    }
}
