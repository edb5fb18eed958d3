// The lifecycle table: one row per key of the README configuration table, plus
// "instance replaced outside Pulumi" and "host stopped". Each row says which
// edit it makes and exactly what a second `pulumi up` replaces, updates,
// creates and deletes; everything else must stay the same. The README's
// "What a change costs" table is the `cost` column of these rows.
//
// HOST in a `replace` list stands for the machine and everything on it (the
// Elastic IP association, every Docker object, remote command and copy, the
// k3d cluster and its Kubernetes provider and objects).

import * as path from "path";

export const HOST = "<host and everything on it>";

export interface Expectation {
    replace?: string[];
    update?: string[];
    create?: string[];
    delete?: string[];
}

export interface LifecycleRow {
    /** The key as the README configuration table names it (several keys may share a row). */
    key: string;
    /** Config edits on top of the baseline: dotted bigbang-oci-dev key (or aws:region) to value. */
    before?: Record<string, unknown>;
    after: Record<string, unknown>;
    /** Simulate the instance being replaced outside Pulumi (new ID, new private IP). */
    instanceReplacedOutside?: boolean;
    /** The host was stopped, and is started before or by the second run (EC2 reports a new LaunchTime). */
    startedBetween?: boolean;
    /** The zones AWS offers the instance type in, when they change between the two runs. */
    offeredZones?: { before?: string[]; after?: string[] };
    /** On the default market, spot. */
    expect: Expectation;
    /** The README "What a change costs" text, on the default market (spot). */
    cost: string;
    /** Where an on-demand host differs: its expectation and the README's on-demand column. */
    onDemand?: { expect: Expectation; cost: string };
}

/** The k3d cluster, its kubeconfig, the Kubernetes provider, and the objects it applies. */
const CLUSTER = ["k3d-cluster", "kubeconfig", "api-ready", "k3d", "coredns-custom-exists", "coredns-custom-entry", "coredns-restart", "local-registry-hosting"];
/** The registry container and its readiness gate. */
const REGISTRY = ["registry", "ready"];
/** The Registry1 pull-through cache (issue 19): on with BIGBANG, whose Registry1 login it pulls with. */
const CACHE = ["registry1-cache", "registry1-cache-data", "registry1-cache-image", "registry1-login-check"];
/** The cache's own EBS volume (host.cacheVolumeGiB): the volume outlives hosts; its attachment and mount follow the instance. */
const CACHE_DISK = ["registry1-cache-volume", "registry1-cache-attachment", "registry1-cache-mount"];
/** A Registry1 login (so the cache is on) and the cache on its own EBS volume, without Big Bang. */
const CACHE_VOLUME = { "bigbang.registry1.username": "jdoe", "bigbang.registry1.password": "token", "host.cacheVolumeGiB": 50 };
// The hosted registry's tls section is refused with an external target, so the edit removes it.
const EXTERNAL = {
    "registry.target": "external", "registry.url": "oci://harbor.dev.bigbang.mil/library", "registry.username": "robot", "registry.password": "token", "registry.tls": undefined,
};
const MY_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmine me@laptop";
const REMOTE_COMMANDS = ["api-ready", "auto-shutdown", "chart-kiali-copy", "chart-kiali-push", "coredns-custom-exists", "etc-hosts", "k3d-cluster", "kubeconfig", "pull-images", "ready", "staging-dir", "tools", "wait-ready"];

/** The machine's public host key of the ssh backend's rows (issue 20). */
const LAB_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlab root@lab1";
/**
 * From the aws baseline to an existing machine (host.backend ssh): the aws-only keys go (the market, which
 * every row's on-demand variant sets, and allowedCidrs), the key file is a real one.
 */
export const SSH = {
    "host.backend": "ssh", "host.market": undefined, allowedCidrs: undefined,
    "host.ssh": { address: "192.0.2.10", user: "jdoe", hostKey: LAB_KEY }, "host.ssh.privateKeyFile": "<key file>",
};

/** Everything the program builds on an ssh machine: replaced when the machine changes (host.ssh.address, a switch). */
const ON_MACHINE = [
    "api-ready", "chart-kiali-copy", "chart-kiali-push", "cluster-network", "coredns-custom-entry", "coredns-custom-exists", "coredns-restart", "etc-hosts", "k3d",
    "k3d-cluster", "kubeconfig", "local-registry-hosting", "pull-images", "ready", "registry", "registry-data", "registry-image", "staging-dir", "tools",
];
/** The EC2 host's own resources that an ssh machine has no counterpart of, which a switch to ssh deletes (terminating the instance takes everything on it). */
const AWS_HOST_NOT_ON_SSH = [
    "auto-shutdown", "host-key", "instance", "instance-state", "key-pair", "public-ip", "public-ip-association", "security-group", "ssh-key", "ssh-key-file", "wait-ready",
];

/** host.backend local, without the aws-only keys of the baseline (allowedCidrs) and of the on-demand rows (host.market). */
const LOCAL = { "host.backend": "local", allowedCidrs: undefined, "host.market": undefined };
/** What both backends build, by the same names: a switch builds each again on the other (its machine ID changes, or its type). */
const ON_EITHER = [...CLUSTER, ...REGISTRY, "chart-kiali-copy", "chart-kiali-push", "cluster-network", "pull-images", "registry-data", "registry-image", "staging-dir", "tools"];
/** The aws host: the instance and what only it has (its keys, address, firewall, cloud-init wait, timer, /etc/hosts block). */
const AWS_HOST = [
    "auto-shutdown", "etc-hosts", "host-key", "instance", "instance-state", "key-pair", "known-hosts-file", "public-ip", "public-ip-association", "security-group",
    "ssh-key", "ssh-key-file", "wait-ready",
];
/** The local host's own steps: its folder, and the clean-up of its engine. */
const LOCAL_HOST = ["engine-objects", "work-dir"];
const NEW_HOST = "A new host: the instance is replaced, and everything on it is rebuilt in the same run (about 15 minutes).";
const NEW_CLUSTER = "A new k3d cluster (and its CoreDNS entry and registry discovery); the host and the registry stay.";
const NEW_NETWORK = "A new Docker network: the network, the registry container and the cluster are deleted, then created again.";

/** A Big Bang install from the stand-in checkout; `<values files>` and `<bigbang checkout copy>` are made by the test. */
export const BIGBANG = {
    "bigbang.install": true, "bigbang.registry1.username": "jdoe", "bigbang.registry1.password": "token",
    "bigbang.source.path": path.resolve(__dirname, "../fixtures/bigbang-checkout"),
};
/** The Big Bang release and the wait for the developer's HelmReleases. */
const RELEASE = "bigbang";
const WAIT = "helmreleases-ready";
/** Flux (its Namespace, pull Secret and base/flux objects), the release and the wait. */
const BIGBANG_OBJECTS = [
    "flux-system", "flux-system-private-registry", "flux-system/helm-controller", "flux-system/source-controller", "helmreleases.helm.toolkit.fluxcd.io",
    RELEASE, WAIT,
];
/**
 * MetalLB (its pull Secret and what `kubectl kustomize` renders of the dev script's kustomization over the
 * vendored v0.15.3 manifest; objects that share a name are told apart by kind) and the dev script's pools
 * and L2Advertisements.
 */
const METALLB_OBJECTS = [
    "metallb-system", "metallb-system-registry1",
    ...["ServiceAccount", "Role", "RoleBinding", "Deployment"].map((kind) => `metallb-system/controller (${kind})`),
    ...["ServiceAccount", "DaemonSet"].map((kind) => `metallb-system/speaker (${kind})`),
    ...["Role", "RoleBinding"].map((kind) => `metallb-system/pod-lister (${kind})`),
    ...["controller", "speaker"].flatMap((who) => ["ClusterRole", "ClusterRoleBinding"].map((kind) => `metallb-system:${who} (${kind})`)),
    ...["metallb-excludel2", "metallb-webhook-cert", "metallb-webhook-service"].map((name) => `metallb-system/${name}`),
    "metallb-webhook-configuration",
    ...["bfdprofiles", "bgpadvertisements", "bgppeers", "communities", "configurationstates", "ipaddresspools", "l2advertisements",
        "servicebgpstatuses", "servicel2statuses"].map((plural) => `${plural}.metallb.io`),
    ...["default", "primary", "secondary"].map((pool) => `metallb-ipaddresspool-${pool}`),
    ...["l2advertisement1", "primary", "secondary"].map((adv) => `metallb-l2advertisement-${adv}`),
    // The wait for MetalLB's webhook before the pools (on the host, triggered by the cluster's ID).
    "metallb-webhook-ready",
    // The host's /etc/hosts blocks that map Big Bang's names to the gateways (for the SOCKS proxy).
    "ingress-hosts-public", "ingress-hosts-passthrough",
];
/** A new cluster with Big Bang on: everything in it, not the host's /etc/hosts blocks (they follow the gateways, not the cluster). */
const CLUSTER_WITH_BIGBANG = [...CLUSTER, ...BIGBANG_OBJECTS, ...METALLB_OBJECTS.filter((n) => !n.startsWith("ingress-hosts-"))];

export const LIFECYCLE_ROWS: LifecycleRow[] = [
    {
        // The program's own inputs do not change; what pulumi-aws does with resources in the old region is
        // its call, and it no longer moves them (pulumi/pulumi-aws#5656 removed the cascading replace).
        key: "aws:region", after: { "aws:region": "us-west-2" },
        expect: {},
        cost: "Do not change it on a deployed stack: `pulumi up` does not move resources to another region (pulumi/pulumi-aws#5656). `pulumi destroy` first, or use a new stack.",
    },
    {
        key: "owner", after: { owner: "asmith" },
        expect: { update: ["instance", "key-pair", "public-ip", "security-group"] },
        cost: "Tags are updated in place (the instance, its root volume, the key pair, the Elastic IP, the security group). The host stays.",
    },
    { key: "allowedCidrs", after: { allowedCidrs: ["203.0.113.8/32"] }, expect: { update: ["security-group"] }, cost: "The security group's rules, in place." },
    {
        key: "allowAnywhere", before: { allowedCidrs: ["0.0.0.0/0"], allowAnywhere: true }, after: { allowedCidrs: ["203.0.113.7/32"], allowAnywhere: false },
        expect: { update: ["security-group"] }, cost: "The security group's rules, in place.",
    },
    {
        key: "acceptPublicKeyRisk", after: { acceptPublicKeyRisk: true }, expect: {},
        cost: "Nothing by itself: it only lets an exposed port with Big Bang's dev key through; the port's own key opens it.",
    },
    {
        key: "host.instanceType", after: { "host.instanceType": "t3.xlarge" }, expect: { replace: [HOST] },
        cost: `${NEW_HOST} EC2 cannot change a spot instance's type.`,
        onDemand: { expect: { update: ["instance"] }, cost: "In place: AWS stops the instance, changes its type and starts it; the cluster and registry come back." },
    },
    { key: "host.architecture", after: { "host.instanceType": "m7g.2xlarge", "host.architecture": "arm64" }, expect: { replace: [HOST] }, cost: NEW_HOST },
    {
        // Both markets are one aws.ec2.Instance; its market options are ForceNew.
        key: "host.market", before: { "host.market": "spot" }, after: { "host.market": "on-demand" },
        expect: { replace: [HOST] },
        cost: `${NEW_HOST} (spot to on-demand, or back).`,
    },
    {
        key: "host.spotMaxPrice", before: { "host.market": "spot" }, after: { "host.market": "spot", "host.spotMaxPrice": "0.35" },
        expect: { replace: [HOST] },
        cost: `${NEW_HOST} Every spot option is ForceNew.`,
    },
    {
        key: "host.volumeSizeGiB", after: { "host.volumeSizeGiB": 200 }, expect: { update: ["instance"] },
        cost: "In place: the root volume grows (an EBS volume modification, on either market); the filesystem follows at the host's next start (cloud-init growpart), or at once with `sudo growpart /dev/nvme0n1 1 && sudo resize2fs /dev/nvme0n1p1`. Shrinking is refused by EBS.",
    },
    { key: "host.ubuntuRelease", after: { "host.ubuntuRelease": "22.04" }, expect: { replace: [HOST] }, cost: `${NEW_HOST} It boots that release's own image: the plan shows the AMI and the user-data (which names the release) changing.` },
    { key: "host.amiId", after: { "host.amiId": "ami-0fedcba9876543210" }, expect: { replace: [HOST] }, cost: NEW_HOST },
    { key: "host.vpcId / host.subnetId", after: { "host.subnetId": "subnet-0cccccccccccccccc" }, expect: { replace: [HOST] }, cost: `${NEW_HOST} Another VPC also replaces the security group.` },
    {
        key: "host.sshPublicKey", after: { "host.sshPublicKey": MY_KEY },
        expect: { replace: [HOST, "key-pair"], update: ["docker"], delete: ["ssh-key", "ssh-key-file"] },
        cost: `${NEW_HOST} The key pair is replaced and the generated key file removed.`,
    },
    {
        key: "host.sshPrivateKeyFile", before: { "host.sshPublicKey": MY_KEY }, after: { "host.sshPublicKey": MY_KEY, "host.sshPrivateKeyFile": "<key file>" },
        expect: { update: ["docker", ...REMOTE_COMMANDS] },
        cost: "The SSH connection of every remote command, in place: each one runs its (idempotent) create again; nothing on the host is rebuilt.",
    },
    { key: "host.sshUser", after: { "host.sshUser": "dev" }, expect: { replace: [HOST], update: ["docker"] }, cost: `${NEW_HOST} The user is created at first boot.` },
    {
        key: "host.autoShutdownHours", after: { "host.autoShutdownHours": 4 }, expect: { replace: ["auto-shutdown"] },
        cost: "In place, over SSH: the `auto-shutdown` step sets the timer again (counted from the last boot); nothing is rebuilt.",
    },
    {
        key: "host.usePrivateIp", after: { "host.usePrivateIp": true },
        expect: { replace: CLUSTER, update: ["docker", ...REMOTE_COMMANDS.filter((n) => !CLUSTER.includes(n))], delete: ["public-ip", "public-ip-association"] },
        cost: "The Elastic IP is released and the cluster is created again for the private address; remote commands switch address in place.",
    },
    {
        key: "host.running", after: { "host.running": false }, expect: { update: ["instance-state"] },
        cost: "The host is stopped (`false`) or started (`true`) in place; its disk, Elastic IP, registry and cluster stay. Nothing connects over SSH.",
    },
    {
        key: "host.cacheVolumeGiB", before: BIGBANG, after: { ...BIGBANG, "host.cacheVolumeGiB": 50 },
        expect: { create: CACHE_DISK, replace: ["registry1-cache-data"] },
        cost: "Turning it on: an encrypted gp3 EBS volume of that size is created in the host's zone, attached and mounted, and the Registry1 cache's Docker volume is created again on it, its container with it (empty: what the cache held on the host's disk is dropped). The host and the cluster stay. A larger value grows the volume and its file system in place; EBS refuses a smaller one. Removing it: the cache goes back to an empty Docker volume on the host's disk, and the EBS volume is unmounted, detached and deleted (left in AWS with `host.keepCacheVolume`).",
    },
    {
        key: "host.keepCacheVolume", before: { ...BIGBANG, "host.cacheVolumeGiB": 50 }, after: { ...BIGBANG, "host.cacheVolumeGiB": 50, "host.keepCacheVolume": true },
        expect: {},
        cost: "Nothing changes in AWS: Pulumi records that the cache's EBS volume is to be left in AWS, not deleted, when the stack is destroyed or `host.cacheVolumeGiB` is removed.",
    },
    {
        // A version this program does not pin needs its sum (issue 21).
        key: "host.k3dVersion / kubectlVersion / helmVersion", after: { "host.helmVersion": "v3.18.7", "host.helmSha256": "0000000000000000000000000000000000000000000000000000000000000001" }, expect: { replace: ["tools"] },
        cost: "In place, over SSH: the `tools` step installs the new versions, each checked against its SHA-256; nothing is rebuilt.",
    },
    {
        key: "host.k3dSha256 / kubectlSha256 / helmSha256", before: { "host.helmVersion": "v3.18.7", "host.helmSha256": "0000000000000000000000000000000000000000000000000000000000000001" },
        after: { "host.helmVersion": "v3.18.7", "host.helmSha256": "0000000000000000000000000000000000000000000000000000000000000002" }, expect: { replace: ["tools"] },
        cost: "In place, over SSH: the `tools` step runs again and checks the downloads against the new sums; nothing is rebuilt.",
    },
    { key: "network.name", after: { "network.name": "bb-network" }, expect: { replace: ["cluster-network", ...REGISTRY, ...CLUSTER] }, cost: NEW_NETWORK },
    { key: "network.subnet", after: { "network.subnet": "172.30.0.0/16" }, expect: { replace: ["cluster-network", ...REGISTRY, ...CLUSTER] }, cost: NEW_NETWORK },
    { key: "network.gateway", after: { "network.gateway": "172.20.0.254" }, expect: { replace: ["cluster-network", ...REGISTRY, ...CLUSTER] }, cost: NEW_NETWORK },
    { key: "network.registryAddress", after: { "network.registryAddress": "172.20.3.10" }, expect: { replace: [...REGISTRY, ...CLUSTER] }, cost: "A new registry container and a new cluster (its host aliases name the address); the registry's data volume stays." },
    {
        key: "network.cacheAddress", before: BIGBANG, after: { ...BIGBANG, "network.cacheAddress": "172.20.3.11" },
        expect: { replace: ["registry1-cache", ...CLUSTER_WITH_BIGBANG] },
        cost: "A new Registry1 cache container and a new cluster (its nodes' registries.yaml names the address), on which Flux and Big Bang are installed again; the cache's data volume stays.",
    },
    {
        key: "registry.target", after: EXTERNAL,
        expect: {
            replace: ["api-ready", "chart-kiali-copy", "chart-kiali-push", "k3d", "k3d-cluster", "kubeconfig"],
            delete: ["coredns-custom-entry", "coredns-custom-exists", "coredns-restart", "etc-hosts", "local-registry-hosting", "ready", "registry", "registry-data", "registry-image", "registry-password"],
        },
        cost: "The hosted registry and its data are removed from the host, the cluster is created again without it, and charts are pushed to the new target.",
    },
    {
        key: "registry.hostname", after: { "registry.hostname": "charts.dev.bigbang.mil" },
        expect: { replace: ["chart-kiali-copy", "chart-kiali-push", ...REGISTRY, ...CLUSTER], update: ["etc-hosts"] },
        cost: "A new registry container and `/etc/hosts` entry, a new cluster (its host aliases name the registry), and every chart pushed again. The certificate must cover the new name.",
    },
    {
        key: "registry.port", after: { "registry.port": 5443 }, expect: { replace: ["chart-kiali-copy", "chart-kiali-push", ...REGISTRY], update: ["local-registry-hosting"] },
        cost: "A new registry container, every chart pushed again, and `local-registry-hosting` updated; the cluster stays.",
    },
    { key: "registry.image", after: { "registry.image": "registry:2.8.3" }, expect: { replace: ["registry-image", "pull-images", ...REGISTRY] }, cost: "The image is pulled and the registry container replaced; its data volume stays." },
    { key: "registry.repoName", after: { "registry.repoName": "mine" }, expect: {}, cost: "Nothing on the host: only the `valuesSnippet` output changes." },
    {
        // The published port's bind address follows it (loopback only unless exposed; issue 21).
        key: "registry.exposePublicly", after: { "registry.exposePublicly": true }, expect: { update: ["security-group"], replace: REGISTRY },
        cost: "The security group's rules in place, and the registry container is replaced to listen on every interface instead of loopback only; its data volume stays.",
    },
    {
        key: "registry.tls.source", after: { "registry.tls": "<bigbang file>" },
        expect: { replace: REGISTRY },
        cost: "The registry container is replaced with the new certificate; its data volume and the cluster stay.",
    },
    { key: "registry.tls.url", before: { "registry.tls": "<bigbang file>" }, after: { "registry.tls": "<same bigbang file elsewhere>" }, expect: {}, cost: "Nothing, unless the certificate it serves differs; then as a new certificate file." },
    {
        key: "registry.tls.certFile / keyFile", before: { "registry.tls": "<files>" }, after: { "registry.tls": "<other files>" }, expect: { replace: REGISTRY },
        cost: "The registry container is replaced; its data volume and the cluster stay.",
    },
    {
        // false is refused (Big Bang's values schema needs credentials), so the only edit is to write the default.
        key: "registry.auth.enabled", after: { "registry.auth.enabled": true },
        expect: {},
        cost: "Nothing: it must stay `true`, the default (`false` is refused, since Big Bang's values schema needs credentials).",
    },
    {
        key: "registry.auth.username", before: { "registry.auth.enabled": true }, after: { "registry.auth.enabled": true, "registry.auth.username": "dev" },
        expect: { replace: REGISTRY, update: ["chart-kiali-push"] }, cost: "The registry container is replaced, and the charts pushed again.",
    },
    {
        key: "registry.url", before: EXTERNAL, after: { ...EXTERNAL, "registry.url": "oci://harbor.dev.bigbang.mil/other" },
        expect: { replace: ["chart-kiali-copy", "chart-kiali-push"] }, cost: "Every chart is copied and pushed to the new URL.",
    },
    {
        key: "registry.username / registry.password", before: EXTERNAL, after: { ...EXTERNAL, "registry.username": "robot", "registry.password": "s3cret" },
        expect: { update: ["chart-kiali-push"] }, cost: "The pushes run again with the new credentials.",
    },
    {
        key: "registry.dnsAlias", before: EXTERNAL, after: { ...EXTERNAL, "registry.dnsAlias": "172.20.1.240" },
        expect: { replace: ["api-ready", "k3d", "k3d-cluster", "kubeconfig"], create: ["coredns-custom-entry", "coredns-custom-exists", "coredns-restart"] },
        cost: "A new cluster (its host aliases name the address) with the CoreDNS entry.",
    },
    { key: "cluster.name", after: { "cluster.name": "dev" }, expect: { replace: CLUSTER }, cost: NEW_CLUSTER },
    { key: "cluster.servers / cluster.agents", after: { "cluster.agents": 1 }, expect: { replace: CLUSTER }, cost: NEW_CLUSTER },
    { key: "cluster.k3sImage", after: { "cluster.k3sImage": "rancher/k3s:v1.33.4-k3s1" }, expect: { replace: [...CLUSTER, "pull-images"] }, cost: `${NEW_CLUSTER} The new node image is pulled first.` },
    { key: "cluster.k3sArgs", after: { "cluster.k3sArgs": ["--kubelet-arg=max-pods=200"] }, expect: { replace: CLUSTER }, cost: NEW_CLUSTER },
    { key: "cluster.disable", after: { "cluster.disable": ["traefik"] }, expect: { replace: CLUSTER }, cost: NEW_CLUSTER },
    { key: "cluster.ports", after: { "cluster.ports": [{ port: 443, exposePublicly: true }] }, expect: { replace: CLUSTER, update: ["security-group"] }, cost: `${NEW_CLUSTER} The security group follows in place.` },
    { key: "cluster.createTimeoutSeconds", after: { "cluster.createTimeoutSeconds": 900 }, expect: { replace: CLUSTER }, cost: `${NEW_CLUSTER} (The timeout is part of the k3d config.)` },
    {
        key: "charts", after: { charts: [] },
        expect: { delete: ["chart-kiali-copy", "chart-kiali-push", "staging-dir"] },
        cost: "Per chart: an added chart is copied and pushed, a removed one has its staging copy deleted from the host (the pushed artifact stays), a changed one is pushed again.",
    },
    {
        key: "chartVersionScheme", after: { chartVersionScheme: "prerelease" },
        expect: { replace: ["chart-kiali-copy", "chart-kiali-push"] },
        cost: "Every chart it applies to (`charts[].versionScheme` for one chart) gets a new pushed version: it is copied and pushed again, and, with `bigbang.install`, the Big Bang release is upgraded to install it and the wait runs again.",
    },
    {
        // MetalLB (on by default) takes over k3s's servicelb, which only a new cluster can drop.
        key: "bigbang.install", after: BIGBANG,
        expect: { replace: CLUSTER, create: [...BIGBANG_OBJECTS, ...METALLB_OBJECTS, ...CACHE] },
        cost: "Turning it on: a new k3d cluster once (with `bigbang.metallb`, k3s's `servicelb` is disabled, which needs a new cluster), then Flux, MetalLB and its pools, the ingress DNS and the Big Bang release are installed and the wait runs. The host, the registry and the pushed charts stay. The Registry1 login also starts the Registry1 cache (see `bigbang.registry1Cache`).",
    },
    {
        key: "bigbang.registry1.username / password", before: BIGBANG, after: { ...BIGBANG, "bigbang.registry1.password": "token2" },
        expect: { replace: ["flux-system-private-registry", "metallb-system-registry1", WAIT, "registry1-cache"], update: [RELEASE, "registry1-login-check"] },
        cost: "Both pull Secrets (Flux's and MetalLB's) are replaced, the Big Bang release is upgraded with the new `registryCredentials`, and the wait runs again. The Registry1 cache's container is replaced with the new login and the login check runs again on the host (a refused login fails the run naming these keys); its data volume stays. The cluster stays.",
    },
    {
        key: "bigbang.registry1Cache", before: BIGBANG, after: { ...BIGBANG, "bigbang.registry1Cache": false },
        expect: { replace: CLUSTER_WITH_BIGBANG, delete: CACHE },
        cost: "Turning it off: the cache's container, image record and data volume (every cached image) are deleted, and a new k3d cluster pulls from Registry1 directly, with Flux and Big Bang installed again. Turning it on (the default with a Registry1 login): the cache is created and the cluster is created again to pull through it. The host and the registry stay.",
    },
    {
        key: "bigbang.source.path / version / commit", before: BIGBANG, after: { ...BIGBANG, "bigbang.source.path": "<bigbang checkout copy>" },
        expect: { replace: [WAIT], update: [RELEASE] },
        cost: "The Big Bang release is upgraded from the new chart (so is it after an edit to the checkout's `chart/`), and the wait runs again; Flux is updated in place where the new `base/flux` differs. The cluster stays.",
    },
    {
        key: "bigbang.valuesFiles", before: BIGBANG, after: { ...BIGBANG, "bigbang.valuesFiles": "<values files>" },
        expect: { replace: [WAIT], update: [RELEASE] },
        cost: "The Big Bang release is upgraded with the new values (so is it after an edit to a values file), and the wait runs again.",
    },
    {
        key: "bigbang.packages", before: BIGBANG, after: { ...BIGBANG, "bigbang.packages": ["istiod", "kyverno"] },
        expect: { replace: [WAIT], update: [RELEASE] },
        cost: "The Big Bang release is upgraded with the new package toggles (Flux installs or removes those packages), and the wait runs again.",
    },
    {
        // servicelb comes back, which only a new cluster can do.
        key: "bigbang.metallb", before: BIGBANG, after: { ...BIGBANG, "bigbang.metallb": false },
        expect: { replace: [...CLUSTER, ...BIGBANG_OBJECTS], delete: METALLB_OBJECTS },
        cost: "A new k3d cluster (k3s's `servicelb` comes back when it is turned off, and goes when it is turned on), on which Flux and Big Bang are installed again; MetalLB, its pools and the `bigbang.server` DNS block go with the old cluster (or come, when turned on). The host, the registry and the pushed charts stay.",
    },
    {
        key: "bigbang.domain", before: BIGBANG, after: { ...BIGBANG, "bigbang.domain": "dev.example.mil" },
        expect: { replace: [WAIT], update: [RELEASE, "coredns-custom-entry", "coredns-restart", "ingress-hosts-public", "ingress-hosts-passthrough"] },
        cost: "The `bigbang.server` CoreDNS block is patched and CoreDNS restarted, the host's `/etc/hosts` names are rewritten, the Big Bang release is upgraded with the new domain, and the wait runs again. The cluster stays.",
    },
    {
        key: "bigbang.waitMinutes", before: BIGBANG, after: { ...BIGBANG, "bigbang.waitMinutes": 10 },
        expect: { update: [WAIT] },
        cost: "Only the wait runs again, with the new bound (`0` removes it); the release is not touched.",
    },
    {
        // The cache's EBS volume outlives the instance: only its attachment and mount are new.
        key: "host replacement with host.cacheVolumeGiB", before: CACHE_VOLUME, after: { ...CACHE_VOLUME, "host.ubuntuRelease": "22.04" },
        expect: { replace: [HOST, "registry1-cache-attachment"] },
        cost: "Like any host replacement (a new `host.ubuntuRelease` here), except that the Registry1 cache's EBS volume stays: the old instance is terminated, which detaches it; the new one is placed in the volume's zone; the volume is attached and mounted there, not formatted again, and the cache starts warm, so Big Bang's Iron Bank images come from it. Without `host.cacheVolumeGiB` the cache was on the old host's disk, and the new host starts with an empty one.",
    },
    {
        key: "cluster recreate with host.cacheVolumeGiB", before: CACHE_VOLUME, after: { ...CACHE_VOLUME, "cluster.agents": 1 },
        expect: { replace: CLUSTER },
        cost: "A new cluster, as without the volume (with Big Bang, installed again); the Registry1 cache, its container, its EBS volume and their data stay, so the new nodes pull through a warm cache.",
    },
    {
        // Same URNs where the two backends mean the same thing (the component is `host` of the same type), so
        // what lives on the machine is replaced (its triggers and labels carry the machine's identity).
        key: "host.backend aws → ssh", after: SSH,
        expect: { replace: ON_MACHINE, update: ["docker", "known-hosts-file"], create: ["host-setup"], delete: AWS_HOST_NOT_ON_SSH },
        cost: "A new environment on the machine in the same run: it is set up (Docker where missing, the pinned tools, the kernel settings) and everything is built there; the EC2 host is deleted, and everything on it goes with the instance without being dialled. The per-stack `known_hosts` is rewritten with the machine's key.",
    },
    {
        key: "host.backend ssh → aws", before: SSH, after: {},
        expect: { replace: ON_MACHINE, update: ["docker", "known-hosts-file"], create: AWS_HOST_NOT_ON_SSH, delete: ["host-setup"] },
        cost: "A new EC2 host with everything on it, in the same run. On the machine, every old delete runs (the cluster, the registry and its volume, the `/etc/hosts` blocks), the uninstall last: the program's tools, kernel settings files and work folder go; Docker stays (see Choosing where it runs).",
    },
    {
        key: "host.ssh.address", before: SSH, after: { ...SSH, "host.ssh.address": "192.0.2.11" },
        expect: { replace: [...ON_MACHINE, "host-setup"], update: ["docker"] },
        cost: "Another machine (so are `host.ssh.user` and `host.ssh.port`): it is set up and everything is built there in the same run; the old machine is cleaned by the old resources' deletes (the cluster, the `/etc/hosts` blocks, the staged charts) and the uninstall last, which also removes the registry's and the cache's containers, volumes and network there by their label (the Docker provider already points at the new machine). The old machine must still answer, with its pinned key.",
    },
    {
        // The machine rebooted (its owner, a kernel update): /proc/sys/kernel/random/boot_id is new.
        key: "ssh machine rebooted", before: SSH, after: SSH, startedBetween: true,
        expect: { replace: ["api-ready", "ready"] },
        cost: "Only the readiness steps run again (the machine's boot id changed): the registry must answer and the cluster's API be ready before anything is pushed or applied; nothing is rebuilt.",
    },
    {
        key: "instance replaced outside Pulumi", after: {}, instanceReplacedOutside: true,
        expect: { replace: [HOST] },
        cost: "After refreshing the instance (see Troubleshooting), `pulumi up` rebuilds everything on the new instance: the new ID replaces every Docker object, remote command, the cluster and its objects; deletes meant for the old instance skip the new one.",
    },
    {
        // The morning run: the timer stopped the host overnight, and `npm run up` (or the console, or
        // `npm run start`) started it; EC2 reports a new LaunchTime.
        key: "host started again", after: {}, startedBetween: true,
        expect: { replace: ["api-ready", "ready"] },
        cost: "Only the readiness steps run again: the registry must answer and the cluster's API must be ready before anything is pushed or applied; nothing is rebuilt.",
    },
    {
        // AWS starts offering the instance type in a zone that sorts first: the existing host keeps its subnet.
        key: "AWS offers the type in another zone", after: {}, offeredZones: { before: ["us-east-1b"], after: ["us-east-1a", "us-east-1b"] },
        expect: {},
        cost: "Nothing: once the host exists it keeps its subnet while the config still allows it (placement.ts).",
    },
    {
        key: "host stopped", after: {},
        expect: {},
        cost: "`npm run up` refreshes the host's running state first and starts it; nothing else changes. A plain `pulumi up` changes nothing and connects over SSH to nothing (the Kubernetes provider finds its API unreachable and carries on). `pulumi destroy` works either way.",
    },
    // A backend switch (issue 20) is a new environment. allowedCidrs and the market are aws-only keys, refused on local.
    {
        key: "host.backend: aws to local", after: LOCAL,
        expect: { replace: ON_EITHER, update: ["docker"], create: LOCAL_HOST, delete: AWS_HOST },
        cost: "A new environment on your workstation's Docker: the EC2 instance, its key pair, Elastic IP and security group are deleted (nothing on the instance is dialled: it goes with it), and the registry, the cluster and the chart pushes are created again on the local engine, after its tools step (`~/.bigbang-oci-dev/<stack>/bin`).",
    },
    {
        key: "host.backend: local to aws", before: LOCAL, after: {},
        expect: { replace: ON_EITHER, update: ["docker"], create: AWS_HOST, delete: LOCAL_HOST },
        cost: "A new host in AWS, and everything on it, as on a first `pulumi up`; on your workstation the k3d cluster is deleted, the registry's container, volume and network are removed by the local host's `engine-objects` step (the Docker provider now points at the new host), and `~/.bigbang-oci-dev/<stack>` goes too.",
    },
];
