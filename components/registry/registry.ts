// The hosted OCI registry: a `registry:2` container on the dev host, serving
// TLS with a certificate the cluster already trusts, attached to the cluster's
// Docker network at a fixed address so pods reach it directly.
//
// Concept `registry`: exports Registry (ready gate, CA, password, expiry), the
// certificate loader and checks for prepare, and registrySettings/htpasswd.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import * as path from "path";
import { StackConfig } from "../config/config";
import { DevHost } from "../host/host";
import { HostDocker, networkLabels } from "../host/hostDocker";
import { HOST_INSTANCE_TRIGGER, hostLabels, hostTriggers, onHostOptions, onInstanceOnly } from "../host/onHost";
import { htpasswdLine } from "./htpasswd";
import { readinessProbeArgs, RegistryCertificate, REGISTRY_CA_FILE_ON_HOST, selfSignedCertificateRequest } from "./registryPlan";
import { registrySettings } from "./registrySettings";
import { HOST_SCRIPTS, scriptFolder } from "../host/remoteScript";

export interface RegistryArgs {
    config: StackConfig;
    stack: string;
    host: DevHost;
    docker: HostDocker;
    /** Checked before any resource exists; undefined for `tls.source: self-signed`. */
    certificate?: RegistryCertificate;
}

export class Registry extends pulumi.ComponentResource {
    readonly addressInCluster: string;
    readonly container: docker.Container;
    /** Completes when `https://<hostname>:<port>/v2/` answers on the host. Pushes wait for it. */
    readonly ready: command.remote.Command;
    /** PEM of the CA that signed the registry certificate, when it is not publicly trusted. */
    readonly caCert?: pulumi.Output<string>;
    /** Path of that CA on the host (mounted into k3d nodes, given to helm --ca-file). */
    readonly caFileOnHost?: string;
    /** Installs the CA at caFileOnHost; the cluster waits for it (k3d mounts the file into the nodes). */
    readonly caFile?: command.remote.Command;
    readonly certificateExpiresAt: pulumi.Output<string>;
    readonly password?: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:Registry", name, {}, opts);
        const { config, host } = args;
        const reg = config.registry;
        this.addressInCluster = config.network.registryAddress;
        const settings = registrySettings({ hostname: reg.hostname, port: reg.port, authEnabled: reg.auth.enabled });

        // --- TLS material.
        let certChainPem: pulumi.Output<string>;
        let keyPem: pulumi.Output<string>;
        let caPem: pulumi.Output<string> | undefined;
        if (reg.tls.source === "self-signed") {
            const caKey = new tls.PrivateKey("ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this, additionalSecretOutputs: secretKeyOutputs });
            const ca = new tls.SelfSignedCert("ca", {
                privateKeyPem: caKey.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours: 24 * 365,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                subject: { commonName: `bigbang-oci-dev registry CA (${args.stack})`, organization: "bigbang-oci-dev" },
            }, { parent: this });
            const leafKey = new tls.PrivateKey("tls-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this, additionalSecretOutputs: secretKeyOutputs });
            const request = selfSignedCertificateRequest(reg.hostname);
            const csr = new tls.CertRequest("tls-csr", {
                privateKeyPem: leafKey.privateKeyPem,
                subject: { commonName: request.commonName },
                dnsNames: request.dnsNames,
                ipAddresses: request.ipAddresses,
            }, { parent: this });
            const leaf = new tls.LocallySignedCert("tls-cert", {
                certRequestPem: csr.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: ca.certPem,
                validityPeriodHours: 24 * 90,
                earlyRenewalHours: 24 * 14,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            }, { parent: this });
            certChainPem = pulumi.all([leaf.certPem, ca.certPem]).apply(([l, c]) => `${l.trim()}\n${c.trim()}\n`);
            keyPem = pulumi.secret(leafKey.privateKeyPem);
            caPem = ca.certPem;
            this.certificateExpiresAt = leaf.validityEndTime.apply((t) => new Date(t).toISOString());
        } else {
            const cert = args.certificate;
            if (!cert) throw new Error("registry certificate was not resolved before the Registry component");
            certChainPem = pulumi.output(cert.chainPem);
            keyPem = pulumi.secret(cert.keyPem);
            caPem = cert.caPem === undefined ? undefined : pulumi.output(cert.caPem);
            this.certificateExpiresAt = pulumi.output(cert.expiresAt);
        }
        this.caCert = caPem;

        const onHost = { parent: this, provider: args.docker.provider, ...onHostOptions(host) };
        const remote = { parent: this, ...onHostOptions(host) };
        const net = config.network;

        // Delete-before-replace: Docker identifies a volume by its name, so a create-before-delete
        // replacement (an instance replaced outside Pulumi, same address) would remove the new
        // volume, or wait on it while the new container uses it.
        const volume = new docker.Volume("registry-data", { name: "bigbang-oci-dev-registry-data", labels: hostLabels(host) }, { ...onHost, deleteBeforeReplace: true });
        const image = new docker.RemoteImage("registry-image", {
            name: reg.image,
            keepLocally: true,
            triggers: { [HOST_INSTANCE_TRIGGER]: host.instanceId },
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
            ports: [{ internal: reg.port, external: reg.port, ip: "0.0.0.0", protocol: "tcp" }],
            labels: hostLabels(host, { label: "app.kubernetes.io/part-of", value: "bigbang-oci-dev" }, ...networkLabels(args.docker.network)),
        }, { ...onHost, deleteBeforeReplace: true, additionalSecretOutputs: ["uploads"] });

        // --- The host itself resolves the registry name to loopback, for helm push.
        const etcHosts = new command.remote.Command("etc-hosts", {
            connection: host.connection,
            create: HOST_SCRIPTS.command("etc-hosts-block", ["add", "127.0.0.1", reg.hostname]),
            delete: onInstanceOnly(host, HOST_SCRIPTS.command("etc-hosts-block", ["remove", "127.0.0.1", reg.hostname])),
            // `add` rewrites the one block, so a new name is an update (create runs again). `remove`
            // drops the whole block, so a replacement (a new instance) removes before it adds.
            triggers: hostTriggers(host),
        }, { ...remote, dependsOn: [host.ready], deleteBeforeReplace: true });

        const readyDeps: pulumi.Resource[] = [this.container, etcHosts];
        if (caPem) {
            this.caFileOnHost = REGISTRY_CA_FILE_ON_HOST;
            this.caFile = new command.remote.Command("ca-file", {
                connection: host.connection,
                create: HOST_SCRIPTS.command("install-file", [REGISTRY_CA_FILE_ON_HOST, "0644"]),
                delete: onInstanceOnly(host, HOST_SCRIPTS.command("install-file", ["--remove", REGISTRY_CA_FILE_ON_HOST])),
                stdin: caPem,
                triggers: hostTriggers(host, caPem),
                // Create and delete name the same file: a create-before-delete replacement (a new CA)
                // would install the new file and then remove it.
            }, { ...remote, dependsOn: [host.ready], deleteBeforeReplace: true });
            readyDeps.push(this.caFile);
        }

        const probe = readinessProbeArgs({ hostname: reg.hostname, port: reg.port, expectStatus: settings.readyStatus, caFile: this.caFileOnHost });
        this.ready = new command.remote.Command("ready", {
            connection: host.connection,
            create: REGISTRY_SCRIPTS.command("registry-ready", probe),
            // A new container (new cert, new auth) is a new registry to wait for.
            triggers: hostTriggers(host, this.container.id),
        }, { ...remote, dependsOn: readyDeps });

        this.registerOutputs({ addressInCluster: this.addressInCluster });
    }
}

const REGISTRY_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));
const secretKeyOutputs = ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"];
