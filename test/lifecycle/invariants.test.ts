// Invariants over the recorded resource graph, for several stack configs:
// everything that lives on the host is deleted with the machine and carries
// the instance's identity in an input its provider replaces on; the Kubernetes
// objects follow the cluster; and the cluster waits for nothing but the
// network and the CA file.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_INSTANCE_LABEL, HOST_INSTANCE_TRIGGER } from "../../components/host/onHost";
import { NETWORK_ID_LABEL } from "../../components/host/hostDocker";
import { replacementId } from "../support/lifecycle";
import { BASE_CONFIG, ProgramRun, RecordedResource, runProgram } from "../support/program";

/** What lives on the host: Docker objects, remote commands and copies; Kubernetes objects live in its cluster. */
const ON_HOST = /^(command:remote:|docker:index\/)/;
const IN_CLUSTER = /^kubernetes:(?!.*providers)/;
const MACHINE_TYPES = ["aws:ec2/instance:Instance"];

/** Big Bang with MetalLB and the ingress DNS: Flux's and MetalLB's kustomizations, the pools, the release and its wait. */
const BIGBANG_LABEL = "Big Bang installed (Flux, MetalLB, ingress DNS, the release and its wait)";

const CONFIGS: Record<string, Record<string, string>> = {
    "default (hosted registry with auth, one chart)": { ...BASE_CONFIG, "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]) },
    "on-demand host": { ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ market: "on-demand" }), "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]) },
    "private IP": {
        ...BASE_CONFIG,
        "bigbang-oci-dev:host": JSON.stringify({ usePrivateIp: true }),
    },
    "external registry with a DNS alias": {
        ...BASE_CONFIG,
        "bigbang-oci-dev:registry": JSON.stringify({ target: "external", url: "oci://harbor.dev.bigbang.mil/library", username: "robot", password: "token", dnsAlias: "172.20.1.240" }),
        "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]),
    },
    [BIGBANG_LABEL]: {
        ...BASE_CONFIG,
        "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]),
        "bigbang-oci-dev:bigbang": JSON.stringify({
            install: true, registry1: { username: "jdoe", password: "token" }, source: { path: path.resolve(__dirname, "../fixtures/bigbang-checkout") },
        }),
    },
};

/** The instance ID everything on the host carries (spot or on-demand, the machine is an aws.ec2.Instance). */
function instanceIdOf(machine: RecordedResource): string {
    return machine.id;
}

function machineOf(run: ProgramRun): RecordedResource {
    const machines = run.resources.filter((r) => MACHINE_TYPES.includes(r.type));
    assert.equal(machines.length, 1, "exactly one machine");
    return machines[0];
}

function byUrn(run: ProgramRun, urn: string): RecordedResource | undefined {
    return run.resources.find((r) => r.urn === urn);
}

/** Where a resource carries the instance's identity, as its provider replaces on it. */
function identityInputs(r: RecordedResource): unknown[] {
    switch (r.type) {
        case "command:remote:Command":
        case "command:remote:CopyToRemote":
            return (r.inputs.triggers as unknown[] | undefined) ?? [];
        case "docker:index/remoteImage:RemoteImage":
            return [(r.inputs.triggers as Record<string, unknown> | undefined)?.[HOST_INSTANCE_TRIGGER]];
        default: {
            const labels = (r.inputs.labels as { label: string; value: string }[] | undefined) ?? [];
            return labels.filter((l) => l.label === HOST_INSTANCE_LABEL).map((l) => l.value);
        }
    }
}

describe("invariants: everything on the host follows the host", function () {
    this.timeout(120_000);
    let dir: string;
    const runs: Record<string, ProgramRun> = {};

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-invariants-"));
        fs.mkdirSync(path.join(dir, "kiali", "templates"), { recursive: true });
        fs.writeFileSync(path.join(dir, "kiali", "Chart.yaml"), "apiVersion: v2\nname: kiali\nversion: 1.2.3\n");
        for (const [label, config] of Object.entries(CONFIGS)) {
            // Hash-based IDs: every resource's ID is distinct, so "carries the instance ID" cannot match by accident.
            runs[label] = await runProgram(config, { cwd: dir, idOf: replacementId });
        }
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the Big Bang configuration has what the invariants must cover", () => {
        const run = runs[BIGBANG_LABEL];
        // The kustomizations' children (Flux's controllers, MetalLB's), the pools, the pull Secrets, the release, the wait.
        for (const [type, name] of [
            ["kubernetes:helm.sh/v3:Release", "bigbang"], ["command:remote:Command", "helmreleases-ready"], ["command:remote:Command", "metallb-webhook-ready"],
            ["kubernetes:apps/v1:Deployment", "flux-system/helm-controller"], ["kubernetes:apps/v1:DaemonSet", "metallb-system/speaker"],
            ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "helmreleases.helm.toolkit.fluxcd.io"],
            ["kubernetes:metallb.io/v1beta1:IPAddressPool", "metallb-ipaddresspool-default"], ["kubernetes:metallb.io/v1beta1:L2Advertisement", "metallb-l2advertisement-primary"],
            ["kubernetes:core/v1:Secret", "flux-system-private-registry"], ["kubernetes:core/v1:Namespace", "metallb-system"],
        ]) {
            assert.ok(run.find(type, name), `${type} ${name}`);
        }
    });

    for (const label of Object.keys(CONFIGS)) {
        describe(label, () => {
            it("every Docker object, remote command and copy is deletedWith the machine and carries its instance ID", () => {
                const run = runs[label];
                const machine = machineOf(run);
                const onHost = run.resources.filter((r) => r.custom && ON_HOST.test(r.type));
                assert.ok(onHost.length >= 5, "the program declares resources on the host");
                for (const r of onHost) {
                    assert.equal(r.deletedWith, machine.urn, `${r.type} ${r.name} is not deletedWith the machine`);
                    assert.ok(identityInputs(r).includes(instanceIdOf(machine)), `${r.type} ${r.name} does not carry the instance ID in a replace-on-change input`);
                }
            });

            it("every remote delete runs only on the instance it was recorded on", () => {
                const run = runs[label];
                const machine = machineOf(run);
                for (const r of run.all("command:remote:Command").filter((c) => c.inputs.delete !== undefined)) {
                    const del = String(r.inputs.delete);
                    assert.ok(del.startsWith("bash -c ") && del.includes(` on-instance ${instanceIdOf(machine)} `), `${r.name}: ${del.slice(0, 80)}`);
                }
            });

            it("what the host knows by a fixed name is deleted before it is created again", () => {
                const run = runs[label];
                const fixed = ["cluster-network", "registry-data", "registry", "k3d-cluster", "etc-hosts"];
                for (const r of run.resources.filter((x) => x.custom && ON_HOST.test(x.type) && fixed.includes(x.name))) {
                    assert.ok(r.deleteBeforeReplace, `${r.type} ${r.name}: create-before-delete would collide with, or delete, the new one`);
                }
            });

            it("the machine goes before anything on it is replaced", () => {
                assert.ok(machineOf(runs[label]).deleteBeforeReplace);
            });

            it("every Kubernetes object is deletedWith the cluster, through a provider whose identity is the cluster's", () => {
                const run = runs[label];
                const cluster = run.one("command:remote:Command", "k3d-cluster");
                const provider = run.one("pulumi:providers:kubernetes");
                assert.ok(String(provider.inputs.clusterIdentifier).endsWith(cluster.id), "clusterIdentifier follows the k3d-cluster command's ID");
                for (const r of run.resources.filter((x) => x.custom && IN_CLUSTER.test(x.type))) {
                    assert.equal(r.deletedWith, cluster.urn, `${r.type} ${r.name}`);
                    assert.equal(r.provider.split("::").slice(0, -1).join("::"), provider.urn, `${r.type} ${r.name} uses the cluster's provider`);
                }
                assert.equal(byUrn(run, cluster.deletedWith)?.urn, machineOf(run).urn, "and the cluster is deletedWith the machine");
            });

            it("the cluster waits for the network, not for the registry's readiness", () => {
                const run = runs[label];
                const cluster = run.one("command:remote:Command", "k3d-cluster");
                assert.ok(run.dependsOn(cluster, run.one("docker:index/network:Network")));
                const ready = run.find("command:remote:Command", "ready");
                if (ready) assert.ok(!run.dependsOnTransitively(cluster, ready), "the cluster waits for the registry");
                const container = run.find("docker:index/container:Container");
                if (container) assert.ok(!run.dependsOnTransitively(cluster, container), "the cluster waits for the registry container");
                const image = run.find("docker:index/remoteImage:RemoteImage");
                if (image) assert.ok(!run.dependsOnTransitively(cluster, image), "the cluster waits for the registry image pull");
            });

            it("a replaced network replaces what is attached to it, deleting before creating", () => {
                const run = runs[label];
                const network = run.one("docker:index/network:Network");
                assert.ok(network.deleteBeforeReplace, "Docker refuses a second network with the same name");
                const cluster = run.one("command:remote:Command", "k3d-cluster");
                assert.ok((cluster.inputs.triggers as unknown[]).includes(network.id));
                const container = run.find("docker:index/container:Container");
                if (container) {
                    const labels = container.inputs.labels as { label: string; value: string }[];
                    assert.ok(labels.some((l) => l.label === NETWORK_ID_LABEL && l.value === network.id));
                    assert.ok(container.deleteBeforeReplace);
                }
            });
        });
    }
});
