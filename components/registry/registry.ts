// The hosted OCI registry: a `registry:2` container on the dev host, serving
// TLS with a certificate the cluster already trusts, attached to the cluster's
// Docker network at a fixed address so pods reach it directly.
//
// Concept `registry`: exports Registry (ready gate, password, expiry), the
// certificate loader and checks for prepare, and registrySettings/htpasswd.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as path from "path";
import { StackConfig } from "../config/config";
import { DevHost, HostCommand } from "../host/devHost";
import { HostDocker, networkLabels } from "../host/hostDocker";
import { HOST_INSTANCE_TRIGGER } from "../host/onHost";
import { htpasswdLine } from "./htpasswd";
import { readinessProbeArgs, REGISTRY_HOST_LOOPBACK, RegistryCertificate, registryBindAddress } from "./registryPlan";
import { registrySettings } from "./registrySettings";
import { HOST_SCRIPTS, scriptFolder } from "../host/remoteScript";

export interface RegistryArgs {
    config: StackConfig;
    stack: string;
    host: DevHost;
    docker: HostDocker;
    /** Checked before any resource exists. */
    certificate: RegistryCertificate;
}

export class Registry extends pulumi.ComponentResource {
    readonly addressInCluster: string;
    readonly container: docker.Container;
    /** Completes when `https://<hostname>:<port>/v2/` answers on the host. Pushes wait for it. */
    readonly ready: HostCommand;
    readonly certificateExpiresAt: pulumi.Output<string>;
    readonly password?: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:Registry", name, {}, opts);
        const { config, host } = args;
        const reg = config.registry;
        // index.ts builds the Registry only for the hosted target.
        if (reg.target !== "hosted") throw new Error(`Registry is the hosted registry; registry.target is ${reg.target}`);
        this.addressInCluster = config.network.registryAddress;
        const settings = registrySettings({ hostname: reg.hostname, port: reg.port, authEnabled: reg.auth.enabled });

        // Publicly trusted only (Big Bang's dev certificate, or files without a CA): config refuses private CAs,
        // which Flux's source-controller could not trust (see PRIVATE_CA_REFUSED in config.ts).
        const cert = args.certificate;
        const certChainPem = pulumi.output(cert.chainPem);
        const keyPem = pulumi.secret(cert.keyPem);
        this.certificateExpiresAt = pulumi.output(cert.expiresAt);

        const onHost = { parent: this, provider: args.docker.provider, ...host.onHostOptions() };
        const net = config.network;

        // Delete-before-replace: Docker identifies a volume by its name, so a create-before-delete
        // replacement (an instance replaced outside Pulumi, same address) would remove the new
        // volume, or wait on it while the new container uses it.
        const volume = new docker.Volume("registry-data", { name: "bigbang-oci-dev-registry-data", labels: host.dockerLabels() }, { ...onHost, deleteBeforeReplace: true });
        const image = new docker.RemoteImage("registry-image", {
            name: reg.image,
            keepLocally: true,
            triggers: { [HOST_INSTANCE_TRIGGER]: host.machineId },
        }, onHost);

        const uploads: pulumi.Input<docker.types.input.ContainerUpload>[] = [
            { file: settings.paths.certificate, content: pulumi.secret(certChainPem) },
            { file: settings.paths.key, content: keyPem },
        ];
        if (reg.auth.enabled) {
            const password = new random.RandomPassword("registry-password", { length: 32, special: false }, { parent: this });
            this.password = pulumi.secret(password.result);
            uploads.push({
                file: settings.paths.htpasswd,
                content: pulumi.secret(password.result.apply((p) => `${htpasswdLine(reg.auth.username, p)}\n`)),
            });
        }

        this.container = new docker.Container("registry", {
            name: "bigbang-oci-dev-registry",
            image: image.imageId,
            restart: "always",
            envs: Object.entries(settings.env).map(([k, v]) => `${k}=${v}`).sort(),
            uploads,
            volumes: [{ volumeName: volume.name, containerPath: settings.paths.data }],
            networksAdvanced: [{ name: args.docker.network.name, ipv4Address: net.registryAddress, aliases: [reg.hostname] }],
            ports: [{ internal: reg.port, external: reg.port, ip: registryBindAddress(reg.exposePublicly), protocol: "tcp" }],
            labels: host.dockerLabels({ label: "app.kubernetes.io/part-of", value: "bigbang-oci-dev" }, ...networkLabels(args.docker.network)),
        }, { ...onHost, deleteBeforeReplace: true, additionalSecretOutputs: ["uploads"] });

        // --- The host itself resolves the registry name to loopback, for helm push.
        // Where the program may not edit the host's /etc/hosts (local: the workstation's), the
        // readiness probe resolves the name itself (registry-ready.sh's --resolve).
        const etcHosts = host.managesEtcHosts
            ? host.command("etc-hosts", {
                create: HOST_SCRIPTS.command("etc-hosts-block", ["add", REGISTRY_HOST_LOOPBACK, reg.hostname]),
                delete: HOST_SCRIPTS.command("etc-hosts-block", ["remove", REGISTRY_HOST_LOOPBACK, reg.hostname]),
                // `add` rewrites the one block, so a new name is an update (create runs again). `remove`
                // drops the whole block, so a replacement (a new machine) removes before it adds.
            }, { parent: this, dependsOn: [host.ready], deleteBeforeReplace: true })
            : undefined;

        const probe = readinessProbeArgs({ hostname: reg.hostname, port: reg.port, expectStatus: settings.readyStatus });
        this.ready = host.command("ready", {
            create: REGISTRY_SCRIPTS.command("registry-ready", probe),
            // A new container (new cert, new auth) is a new registry to wait for; so is every start of
            // the host: Docker restarts the container then, and the pushes wait for this.
            triggers: [this.container.id],
            afterEveryStart: true,
        }, { parent: this, dependsOn: etcHosts ? [this.container, etcHosts] : [this.container] });

        this.registerOutputs({ addressInCluster: this.addressInCluster });
    }
}

const REGISTRY_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));
