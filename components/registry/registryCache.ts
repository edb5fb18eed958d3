// The Registry1 pull-through cache (issue 19): a second `registry:2` on the dev
// host, in proxy mode in front of registry1.dso.mil, on the cluster's Docker
// network at a fixed address. Every k3d node's containerd pulls Registry1
// images through it (cluster/k3dConfig.ts, k3sRegistries), so a recreated
// cluster pulls each Iron Bank image from the cache instead of the internet.
// Separate from the push registry: distribution refuses pushes into a proxy
// (distribution/distribution#1218). Its data volume is its own, so it outlives
// the cluster and the push registry's container.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/config";
import { DevHost } from "../host/devHost";
import { HostDocker, networkLabels } from "../host/hostDocker";
import { HOST_INSTANCE_TRIGGER } from "../host/onHost";
import { CACHE_CONTAINER_PATHS, registry1CacheConfigYaml, registry1MirrorEndpoint } from "./cacheSettings";

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

    constructor(name: string, args: RegistryCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:RegistryCache", name, {}, opts);
        const { config, host } = args;
        this.mirrorEndpoint = registry1MirrorEndpoint(config.network.cacheAddress);
        const onHost = { parent: this, provider: args.docker.provider, ...host.onHostOptions() };

        // Delete-before-replace, as the registry's volume: Docker identifies a volume by its name.
        const volume = new docker.Volume("registry1-cache-data", { name: CACHE_VOLUME_NAME, labels: host.dockerLabels() }, { ...onHost, deleteBeforeReplace: true });
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

        this.registerOutputs({ mirrorEndpoint: this.mirrorEndpoint });
    }
}
