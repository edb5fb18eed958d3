// The program under mocks: the Registry1 pull-through cache (issue 19). Its
// container holds the Registry1 login only as a secret upload, sits on the
// cluster's network at network.cacheAddress, and every k3d node's registries.yaml
// sends registry1.dso.mil to it, with Registry1 itself as the fallback.
import { strict as assert } from "assert";
import { DEFAULT_K3S_IMAGE, DEFAULT_REGISTRY_IMAGE } from "../components/config/pins";
import { parse } from "yaml";
import { REGISTRY1_MIRRORED_HOST } from "../components/cluster/k3dConfig";
import { CACHE_CONTAINER_PATHS } from "../components/registry/cacheSettings";
import { CACHE_CONTAINER_NAME, CACHE_VOLUME_NAME } from "../components/registry/registryCache";
import { BASE_CONFIG, runProgram, runProgramFailure } from "./support/program";

const P = "bigbang-oci-dev:";
const R1_PASSWORD = "r1-cli-token-do-not-print";
const LOGIN = { [`${P}bigbang`]: JSON.stringify({ registry1: { username: "jdoe", password: R1_PASSWORD } }) };
const T = { container: "docker:index/container:Container", volume: "docker:index/volume:Volume", remote: "command:remote:Command" };

/** The k3d config the create command gets on stdin, and the registries.yaml embedded in it. */
function registriesOf(stdin: unknown): { mirrors: Record<string, { endpoint: string[] }> } | undefined {
    const k3d = parse(String(stdin)) as { registries?: { config: string }; servers: number; agents: number };
    return k3d.registries === undefined ? undefined : parse(k3d.registries.config) as { mirrors: Record<string, { endpoint: string[] }> };
}

describe("program: the Registry1 pull-through cache", function () {
    this.timeout(60_000);

    it("is on with a Registry1 login: its own volume, a fixed address, the login only in a secret upload", async () => {
        const run = await runProgram({ ...BASE_CONFIG, ...LOGIN }, { secretKeys: [`${P}bigbang`] });
        const cache = run.one(T.container, "registry1-cache");
        assert.equal(cache.inputs.name, CACHE_CONTAINER_NAME);
        assert.deepEqual(cache.inputs.networksAdvanced, [{ name: "k3d-network", ipv4Address: "172.20.2.11" }]);
        assert.equal(cache.inputs.ports, undefined, "no port is published on the host");
        assert.ok(cache.secretInputs.has("uploads"), "the config file upload is secret");
        assert.ok(cache.additionalSecretOutputs.includes("uploads"), "and stays secret in state");
        const uploads = cache.inputs.uploads as { file: string; content: string }[];
        assert.deepEqual(uploads.map((u) => u.file), [CACHE_CONTAINER_PATHS.config]);
        const config = parse(uploads[0].content) as { proxy: Record<string, string> };
        assert.deepEqual(config.proxy, { remoteurl: "https://registry1.dso.mil", username: "jdoe", password: R1_PASSWORD });
        // The token is nowhere else in the clear: not in env, labels, commands or the k3d config.
        for (const r of run.resources) {
            for (const [key, value] of Object.entries(r.inputs)) {
                if (JSON.stringify(value).includes(R1_PASSWORD)) assert.ok(r.secretInputs.has(key), `${r.type} ${r.name}.${key} carries the Registry1 token in the clear`);
            }
        }
        assert.equal(cache.inputs.envs, undefined);
        const volume = run.one(T.volume, "registry1-cache-data");
        assert.equal(volume.inputs.name, CACHE_VOLUME_NAME);
        assert.deepEqual(cache.inputs.volumes, [{ volumeName: CACHE_VOLUME_NAME, containerPath: CACHE_CONTAINER_PATHS.data }]);
        assert.equal(run.outputs.registry1CacheEndpoint, "http://172.20.2.11:5000");
    });

    it("checks the login on the host once the cache is up: Registry1's URL and the user name in the command, the token only on stdin, a secret", async () => {
        const run = await runProgram({ ...BASE_CONFIG, ...LOGIN }, { secretKeys: [`${P}bigbang`] });
        const check = run.one(T.remote, "registry1-login-check");
        assert.ok(String(check.inputs.create).endsWith(" registry1-login-check https://registry1.dso.mil jdoe"), String(check.inputs.create).slice(-120));
        assert.ok(!String(check.inputs.create).includes(R1_PASSWORD));
        assert.equal(check.inputs.stdin, R1_PASSWORD);
        assert.ok(check.secretInputs.has("stdin") && check.additionalSecretOutputs.includes("stdin"), "the token stays secret in state");
        // Not at every up: only a new machine (its instance ID in the triggers) or a new login (create, stdin).
        assert.deepEqual(check.inputs.triggers, ["i-0123456789abcdef0"]);
        assert.ok(run.dependsOn(check, run.one(T.container, "registry1-cache")), "after the cache starts");
        assert.equal(check.deletedWith, run.one("aws:ec2/instance:Instance").urn);
        assert.ok(!run.dependsOnTransitively(run.one(T.remote, "k3d-cluster"), check), "the cluster does not wait for it");
    });

    it("sends every node's registry1.dso.mil pulls to the cache, with Registry1 as the fallback, and k3d does not wait for it", async () => {
        const run = await runProgram({ ...BASE_CONFIG, ...LOGIN }, { secretKeys: [`${P}bigbang`] });
        const cluster = run.one(T.remote, "k3d-cluster");
        const k3d = parse(String(cluster.inputs.stdin)) as { registries?: { config: string } };
        assert.ok(k3d.registries, "k3d writes registries.config to /etc/rancher/k3s/registries.yaml in every node");
        // One mirror, no `configs`: k3s keeps https://registry1.dso.mil as containerd's `server`, tried after the cache.
        assert.deepEqual(registriesOf(cluster.inputs.stdin), { mirrors: { [REGISTRY1_MIRRORED_HOST]: { endpoint: ["http://172.20.2.11:5000"] } } });
        assert.ok(!String(cluster.inputs.stdin).includes("disable-default-registry-endpoint"), "the fallback to Registry1 stays on");
        assert.ok(!run.dependsOnTransitively(cluster, run.one(T.container, "registry1-cache")), "the cluster does not wait for the cache");
        // A cluster recreate (`npm run recreate-cluster` replaces k3d-cluster) keeps the cache and its data:
        // neither depends on the cluster nor is deleted with it; both follow the host only.
        for (const r of [run.one(T.container, "registry1-cache"), run.one(T.volume, "registry1-cache-data")]) {
            assert.ok(!run.dependsOnTransitively(r, cluster), `${r.name} does not follow the cluster`);
            assert.notEqual(r.deletedWith, cluster.urn);
            assert.equal(r.deletedWith, run.one("aws:ec2/instance:Instance").urn, `${r.name} is deleted with the host's machine`);
        }
    });

    it("pulls the k3s node image and the registry image while the tools install, and k3d waits for that, not for a pull of its own", async () => {
        const run = await runProgram(BASE_CONFIG);
        const pull = run.one(T.remote, "pull-images");
        // Both pinned by digest (pins.ts), as k3d and the Docker provider will ask for them.
        assert.ok(String(pull.inputs.create).endsWith(` pull-images ${DEFAULT_K3S_IMAGE} ${DEFAULT_REGISTRY_IMAGE}`), String(pull.inputs.create).slice(-200));
        assert.ok(run.dependsOn(pull, run.one(T.remote, "wait-ready")), "it starts after cloud-init");
        assert.ok(!run.dependsOnTransitively(pull, run.one(T.remote, "tools")), "in parallel with the tools");
        assert.ok(run.dependsOn(run.one(T.remote, "k3d-cluster"), pull), "k3d's create finds the node image on the host");
    });

    it("is off without a Registry1 login, or with registry1Cache false: no cache, no mirror", async () => {
        for (const config of [BASE_CONFIG, { ...BASE_CONFIG, [`${P}bigbang`]: JSON.stringify({ registry1: { username: "jdoe", password: R1_PASSWORD }, registry1Cache: false }) }]) {
            const run = await runProgram(config, { secretKeys: [`${P}bigbang`] });
            assert.equal(run.find(T.container, "registry1-cache"), undefined);
            assert.equal(run.find(T.volume, "registry1-cache-data"), undefined);
            assert.equal(run.find(T.remote, "registry1-login-check"), undefined);
            assert.equal(registriesOf(run.one(T.remote, "k3d-cluster").inputs.stdin), undefined);
        }
    });
});

describe("program: the Registry1 cache on its own EBS volume (host.cacheVolumeGiB)", function () {
    this.timeout(60_000);
    const VOLUME = "aws:ebs/volume:Volume";
    const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";
    const withVolume = (host: Record<string, unknown>) => ({ ...BASE_CONFIG, ...LOGIN, [`${P}host`]: JSON.stringify(host) });
    /** A cache volume the stack already has in AWS, found by its tags. */
    const existingVolume = (zone: string) => ({
        "aws:ebs/getEbsVolumes:getEbsVolumes": (inputs: Record<string, unknown>) => ({ ...inputs, ids: ["vol-0fedcba9876543210"], id: "volumes" }),
        "aws:ebs/getVolume:getVolume": (inputs: Record<string, unknown>) => ({ ...inputs, id: "vol-0fedcba9876543210", availabilityZone: zone }),
    });

    it("is encrypted gp3 in the host's zone, attached to the instance, and mounted before the cache's volume and container", async () => {
        const run = await runProgram(withVolume({ cacheVolumeGiB: 50 }), { secretKeys: [`${P}bigbang`] });
        const instance = run.one("aws:ec2/instance:Instance");
        const volume = run.one(VOLUME);
        assert.deepEqual([volume.inputs.encrypted, volume.inputs.type, volume.inputs.size], [true, "gp3", 50]);
        const subnetZone: Record<string, string> = { "subnet-0aaaaaaaaaaaaaaaa": "us-east-1a", "subnet-0bbbbbbbbbbbbbbbb": "us-east-1b" };
        assert.equal(volume.inputs.availabilityZone, subnetZone[String(instance.inputs.subnetId)], "the volume is in the instance's zone");
        assert.equal((volume.inputs.tags as Record<string, string>).Purpose, "registry1-cache", "found again by its tags");
        // It outlives the instance: not deleted with it, and deleted with the stack (not retained) by default.
        assert.equal(volume.deletedWith, "");
        assert.equal(volume.retainOnDelete, false);

        const attachment = run.one(ATTACHMENT);
        assert.equal(attachment.inputs.instanceId, instance.id);
        assert.equal(attachment.inputs.volumeId, volume.id);
        assert.equal(attachment.deletedWith, instance.urn, "a terminated instance takes its attachment along");
        assert.ok(attachment.deleteBeforeReplace, "one instance at a time");

        const mount = run.one(T.remote, "registry1-cache-mount");
        assert.ok(run.dependsOn(mount, attachment));
        assert.match(String(mount.inputs.create), / cache-volume mount registry1-cache-volume-id \/dev\/sdf \/var\/lib\/bigbang-oci-dev\/registry1-cache 50$/);
        const dataVolume = run.one(T.volume, "registry1-cache-data");
        assert.deepEqual(dataVolume.inputs.driverOpts, { type: "none", o: "bind", device: "/var/lib/bigbang-oci-dev/registry1-cache/data" });
        assert.ok(run.dependsOn(dataVolume, mount), "the Docker volume binds the mounted disk");
        const container = run.one(T.container, "registry1-cache");
        assert.ok(run.dependsOnTransitively(container, attachment), "the cache container starts after the attachment and the mount");
        assert.ok(!run.dependsOnTransitively(run.one(T.remote, "k3d-cluster"), attachment), "the cluster does not wait for it");
    });

    it("host.keepCacheVolume leaves the volume in AWS when the stack or the key goes (retainOnDelete)", async () => {
        const run = await runProgram(withVolume({ cacheVolumeGiB: 50, keepCacheVolume: true }), { secretKeys: [`${P}bigbang`] });
        assert.equal(run.one(VOLUME).retainOnDelete, true);
        assert.equal(run.one(ATTACHMENT).retainOnDelete, false);
    });

    it("a new host goes into the zone of the volume the stack already has", async () => {
        const run = await runProgram(withVolume({ cacheVolumeGiB: 50 }), { secretKeys: [`${P}bigbang`], invokeOverrides: existingVolume("us-east-1b") });
        assert.equal(run.one("aws:ec2/instance:Instance").inputs.subnetId, "subnet-0bbbbbbbbbbbbbbbb");
        assert.equal(run.one(VOLUME).inputs.availabilityZone, "us-east-1b");
    });

    it("a host that would have to leave the volume's zone is refused before any resource, naming host.cacheVolumeGiB", async () => {
        const { error, resources } = await runProgramFailure(withVolume({ cacheVolumeGiB: 50, subnetId: "subnet-0aaaaaaaaaaaaaaaa" }),
            { secretKeys: [`${P}bigbang`], invokeOverrides: existingVolume("us-east-1b") });
        assert.match(String(error), /bigbang-oci-dev:host\.cacheVolumeGiB: the Registry1 cache's volume vol-0fedcba9876543210 is in us-east-1b, and an EBS volume cannot leave its zone, so the host must stay in us-east-1b, but subnet subnet-0aaaaaaaaaaaaaaaa has no subnet there/);
        assert.deepEqual(resources.filter((r) => r.custom).map((r) => r.type), []);
    });

    it("is refused with host.backend ssh or local before any resource: an EBS volume needs the aws backend", async () => {
        const ssh = { address: "192.0.2.10", user: "dev", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyHostKeyHostKeyHostKeyHostKeyHostKey" };
        for (const host of [{ backend: "ssh", ssh }, { backend: "local" }]) {
            const { error, resources } = await runProgramFailure(withVolume({ ...host, cacheVolumeGiB: 50 }), { secretKeys: [`${P}bigbang`] });
            assert.match(String(error), new RegExp(`bigbang-oci-dev:host\\.cacheVolumeGiB: not used with host\\.backend ${host.backend}`));
            assert.deepEqual(resources.filter((r) => r.custom).map((r) => r.type), []);
        }
    });

    it("without it, the cache's Docker volume is a plain one on the host's disk and no aws:ebs resource exists", async () => {
        const run = await runProgram({ ...BASE_CONFIG, ...LOGIN }, { secretKeys: [`${P}bigbang`] });
        assert.equal(run.find(VOLUME), undefined);
        assert.equal(run.find(ATTACHMENT), undefined);
        assert.equal(run.one(T.volume, "registry1-cache-data").inputs.driverOpts, undefined);
    });
});
