// Day two: the runs after the first `pulumi up`, and what AWS and the SSH
// clients actually get. Each rule below names the upstream code it encodes.
//
// - The spot host is an aws.ec2.Instance with instanceMarketOptions, never an
//   aws.ec2.SpotInstanceRequest: terraform-provider-aws (the v6 line bundled by
//   @pulumi/aws 7.x) internal/service/ec2/ec2_instance.go resourceInstanceCreate
//   passes MetadataOptions, InstanceInitiatedShutdownBehavior,
//   BlockDeviceMappings (encrypted root) and InstanceMarketOptions in one
//   RunInstances call, while ec2_spot_instance_request.go
//   resourceSpotInstanceRequestCreate copies 12 fields (13 with Placement) into
//   RequestSpotLaunchSpecification, none of them metadata options or shutdown
//   behaviour. ec2_instance.go resourceInstanceDelete cancels the instance's
//   spot request (`v.(string) == string(awstypes.InstanceLifecycleSpot)`, the
//   terraform-provider-aws#38142 fix, PR #41206) before terminateInstance, so a
//   persistent request never outlives destroy; Read of a terminated instance
//   removes it from state, so refresh does not fail.
// - Host keys: pulumi-command v1.2.1 provider/pkg/provider/remote/connection.go
//   parses `hostKey` with ssh.ParseAuthorizedKey and checks it with
//   ssh.FixedHostKey (HostKeyAlgorithms = its type); without it,
//   ssh.InsecureIgnoreHostKey(). pulumi-docker's ssh:// hosts run the system
//   `ssh` with sshOpts (docker/cli connhelper GetConnectionHelperWithSSHOpts).
//   cloud-init 22.4.2 cc_ssh.py writes `ssh_keys` as the host keys after
//   deleting the image's (`ssh_deletekeys`) and generates no others when
//   `ssh_keys` is given.
// - The morning run: the engine configures a provider when its registration
//   step is applied (pulumi/pulumi pkg/resource/deploy/providers/registry.go
//   Create/Update/Same call Configure), and the Node SDK sends a registration
//   only after every dependsOn resource's registration completed
//   (sdk/nodejs/runtime/resource.ts). pulumi-kubernetes Configure marks a
//   cluster that does not answer discovery unreachable, and Create/Update then
//   refuse for the whole run (provider/pkg/provider/provider.go). An output
//   invoke with dependsOn waits for those registrations too
//   (sdk/nodejs/runtime/invoke.ts, InvokeOutputOptions.dependsOn, 3.141.0+).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { BASE_CONFIG, MOCK, ProgramRun, RecordedResource, resolve, runProgram } from "./support/program";
import { classify, existingHostOf, NEXT_START, replacementId } from "./support/lifecycle";

const T = {
    instance: "aws:ec2/instance:Instance",
    spotRequest: "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
    state: "aws:ec2transitgateway/instanceState:InstanceState",
    remote: "command:remote:Command",
    copy: "command:remote:CopyToRemote",
    local: "command:local:Command",
    tlsKey: "tls:index/privateKey:PrivateKey",
    dockerProvider: "pulumi:providers:docker",
    k8sProvider: "pulumi:providers:kubernetes",
};
const ON_DEMAND = { ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ market: "on-demand" }) };
const ROOT = path.resolve(__dirname, "..");

function userDataOf(run: ProgramRun): Record<string, unknown> {
    return parseYaml(String(run.one(T.instance).inputs.userData)) as Record<string, unknown>;
}

describe("day two: the spot host AWS actually gets", function () {
    this.timeout(60_000);
    let spot: ProgramRun;
    let onDemand: ProgramRun;
    before(async () => {
        [spot, onDemand] = [await runProgram(BASE_CONFIG), await runProgram(ON_DEMAND)];
    });

    it("is one aws.ec2.Instance on either market; no spot request resource", () => {
        for (const run of [spot, onDemand]) {
            assert.equal(run.all(T.instance).length, 1);
            assert.equal(run.all(T.spotRequest).length, 0);
            assert.equal(run.all("aws:ec2/tag:Tag").length, 0, "tags go in RunInstances' TagSpecifications, not one resource each");
        }
    });

    it("asks for a persistent spot instance that stops on interruption (the only kind EC2 lets you stop and start)", () => {
        assert.deepEqual(spot.one(T.instance).inputs.instanceMarketOptions, {
            marketType: "spot", spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop" },
        });
        assert.equal(onDemand.one(T.instance).inputs.instanceMarketOptions, undefined);
        const capped = spot.one(T.instance);
        assert.equal(capped.type, T.instance);
    });

    it("passes the spot price cap in the market options", async () => {
        const run = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ spotMaxPrice: "0.35" }) });
        assert.deepEqual(run.one(T.instance).inputs.instanceMarketOptions, {
            marketType: "spot", spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop", maxPrice: "0.35" },
        });
    });

    it("gets IMDSv2 with hop limit 1, an encrypted root volume and stop-on-shutdown on both markets", () => {
        for (const run of [spot, onDemand]) {
            const inputs = run.one(T.instance).inputs;
            assert.deepEqual(inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            assert.equal(inputs.instanceInitiatedShutdownBehavior, "stop");
            const root = inputs.rootBlockDevice as Record<string, unknown>;
            assert.equal(root.encrypted, true);
            assert.equal(root.deleteOnTermination, true);
            assert.deepEqual(root.tags, inputs.tags, "the root volume carries the host's tags");
        }
    });

    it("replaces a spot host for a new instance type (EC2 cannot change a spot instance's type), updates an on-demand one", () => {
        assert.deepEqual(spot.one(T.instance).replaceOnChanges, ["instanceType"]);
        assert.deepEqual(onDemand.one(T.instance).replaceOnChanges, []);
    });

    it("keeps the owner out of ForceNew inputs: the security group's description names the stack only", () => {
        const description = String(spot.one("aws:ec2/securityGroup:SecurityGroup").inputs.description);
        assert.ok(!description.includes("jdoe"), description);
    });
});

describe("day two: host keys pinned for every SSH client", function () {
    this.timeout(60_000);
    let run: ProgramRun;
    let home: string;
    before(async () => {
        home = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-hostkey-"));
        run = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]) }, { cwd: chartDir(home) });
    });
    after(() => fs.rmSync(home, { recursive: true, force: true }));

    function hostKeyPublic(): string {
        const key = run.one(T.tlsKey, "host-key");
        assert.equal(key.inputs.algorithm, "ED25519");
        return MOCK.sshPublicKey;
    }

    it("gives the instance a generated host key through cloud-init, as its only host key", () => {
        const doc = userDataOf(run);
        const keys = doc.ssh_keys as Record<string, string>;
        assert.equal(keys.ed25519_public, hostKeyPublic());
        assert.ok(keys.ed25519_private.includes("PRIVATE KEY"));
        assert.deepEqual(Object.keys(keys).sort(), ["ed25519_private", "ed25519_public"]);
        assert.equal(doc.ssh_deletekeys, true);
        assert.equal(doc.ssh_genkeytypes, undefined, "ignored with ssh_keys, and an empty list fails the schema");
    });

    it("keeps the user-data, which holds the host's private key, secret in state", () => {
        const instance = run.one(T.instance);
        assert.ok(instance.secretInputs.has("userData"));
        assert.ok(instance.additionalSecretOutputs.includes("userData"));
        const hostKey = run.one(T.tlsKey, "host-key");
        assert.ok(hostKey.additionalSecretOutputs.includes("privateKeyOpenssh"));
    });

    it("pins that key in the connection of every remote command and copy", () => {
        const onHost = [...run.all(T.remote), ...run.all(T.copy)];
        assert.ok(onHost.length >= 8, `only ${onHost.length} remote resources`);
        for (const r of onHost) {
            const connection = r.inputs.connection as Record<string, unknown>;
            assert.equal(connection.hostKey, hostKeyPublic(), `${r.name} pins the host key`);
            assert.ok(r.secretInputs.has("connection"), `${r.name}'s connection (with the private key) is secret`);
        }
    });

    it("writes a known_hosts entry for that key, and every ssh client checks it strictly", async () => {
        const knownHosts = run.one(T.local, "known-hosts-file");
        assert.equal(knownHosts.inputs.stdin, `bigbang-oci-dev-dev ${hostKeyPublic()}\n`);
        assert.match(String(knownHosts.inputs.delete), /^rm -f .*bigbang-oci-dev-dev\.known_hosts'?$/);
        // `--replace` (README: another workstation) must not end with the old resource's delete removing the new file.
        assert.ok(knownHosts.deleteBeforeReplace);
        assert.ok(run.one(T.local, "ssh-key-file").deleteBeforeReplace);
        const docker = run.one(T.dockerProvider);
        const opts = JSON.parse(String(docker.inputs.sshOpts)) as string[];
        assert.ok(opts.includes("StrictHostKeyChecking=yes"));
        assert.ok(opts.includes("HostKeyAlias=bigbang-oci-dev-dev"));
        assert.ok(opts.some((o) => o.startsWith("UserKnownHostsFile=") && o.endsWith("bigbang-oci-dev-dev.known_hosts")));
        assert.ok(!opts.join(" ").includes("accept-new"));
        assert.ok(run.dependsOnTransitively(docker, knownHosts), "the Docker provider reads the file after it is written");
        const ssh = String((await resolve<string>(run.outputs.sshCommand)).value);
        assert.match(ssh, /StrictHostKeyChecking=yes/);
        assert.doesNotMatch(ssh, /accept-new/);
    });

    it("the exported sshuttle and SOCKS commands check the host key strictly too", async () => {
        const bigbang = await runProgram({
            ...BASE_CONFIG,
            "bigbang-oci-dev:bigbang": JSON.stringify({
                install: true, registry1: { username: "jdoe", password: "token" }, source: { path: path.join(ROOT, "test", "fixtures", "bigbang-checkout") },
            }),
        });
        for (const name of ["sshuttleCommand", "socksProxyCommand"]) {
            const text = String((await resolve<string>(bigbang.outputs[name])).value);
            assert.match(text, /StrictHostKeyChecking=yes/, name);
            assert.match(text, /HostKeyAlias=bigbang-oci-dev-dev/, name);
        }
    });
});

function chartDir(dir: string): string {
    const chart = path.join(dir, "kiali");
    fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
    fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: kiali\nversion: 1.2.3-bb.4\n");
    fs.writeFileSync(path.join(chart, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    return dir;
}

describe("day two: the first up after the host was stopped", function () {
    this.timeout(120_000);
    let dir: string;
    let stopped: ProgramRun;
    let morning: ProgramRun;
    const config = (running: boolean) => ({
        ...BASE_CONFIG,
        "bigbang-oci-dev:host": JSON.stringify({ running }),
        "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]),
        "bigbang-oci-dev:bigbang": JSON.stringify({
            install: true, registry1: { username: "jdoe", password: "token" }, source: { path: path.join(ROOT, "test", "fixtures", "bigbang-checkout") },
        }),
    });

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-morning-"));
        chartDir(dir);
        // What `npm run up` sees after refreshing the instance's state: stopped (the timer), with the launch
        // time of yesterday's start.
        stopped = await runProgram(config(false), { cwd: dir, idOf: replacementId });
        // The developer edited the chart overnight; this run starts the host (InstanceState) and EC2 then
        // reports a new LaunchTime.
        fs.appendFileSync(path.join(dir, "kiali", "templates", "cm.yaml"), "data:\n  edited: \"yes\"\n");
        morning = await runProgram(config(true), { cwd: dir, idOf: replacementId, existingHost: existingHostOf(stopped), launchTime: NEXT_START });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("starts the host, runs the readiness steps again, pushes the chart and upgrades the release in one run", () => {
        const diff = classify(stopped, morning);
        assert.equal(diff.byName.get("instance-state")?.change, "update");
        for (const name of ["api-ready", "ready", "chart-kiali-push", "helmreleases-ready"]) assert.equal(diff.byName.get(name)?.change, "replace", name);
        assert.equal(diff.byName.get("bigbang")?.change, "update");
        assert.equal(diff.byName.get("k3d-cluster")?.change, "same", "the cluster itself is not rebuilt");
        assert.equal(diff.byName.get("k3d")?.change, "same", "nor its provider");
    });

    it("reads the launch time only after the instance's state is applied", () => {
        const call = morning.calls.find((c) => c.token === "aws:ec2/getInstance:getInstance");
        assert.ok(call, "the program reads the instance");
        const readiness = ["api-ready", "ready"].map((n) => morning.one(T.remote, n));
        for (const r of readiness) {
            assert.ok((r.inputs.triggers as unknown[]).includes(NEXT_START), `${r.name} carries the last start in its triggers`);
            assert.ok(morning.dependsOnTransitively(r, morning.one(T.state)), `${r.name} runs after the host is started`);
        }
    });

    it("lets nothing reach the cluster's API before api-ready, or the registry before its readiness step", () => {
        const apiReady = morning.one(T.remote, "api-ready");
        const registryReady = morning.one(T.remote, "ready");
        const k8sProvider = morning.one(T.k8sProvider);
        assert.ok(morning.dependsOn(k8sProvider, apiReady), "the Kubernetes provider is registered (and so configured) after api-ready");
        const providerRef = (r: RecordedResource) => r.provider.split("::").slice(0, -1).join("::");
        const inCluster = morning.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(inCluster.length > 10);
        for (const r of inCluster) assert.equal(providerRef(r), k8sProvider.urn, `${r.name} goes through the k3d provider`);
        // Remote commands that run kubectl against the cluster.
        for (const name of ["coredns-custom-exists", "helmreleases-ready"]) {
            const r = morning.one(T.remote, name);
            assert.ok(morning.dependsOnTransitively(r, apiReady) || morning.dependsOnTransitively(r, morning.one(T.remote, "k3d-cluster")), name);
        }
        assert.ok(morning.dependsOnTransitively(morning.one(T.remote, "helmreleases-ready"), k8sProvider)
            || morning.dependsOn(morning.one(T.remote, "helmreleases-ready"), morning.one("kubernetes:helm.sh/v3:Release")));
        for (const push of morning.all(T.remote).filter((r) => r.name.endsWith("-push"))) {
            assert.ok(morning.dependsOnTransitively(push, registryReady), `${push.name} waits for the registry`);
        }
    });

    it("changes nothing on a second run with the host running and not restarted", async () => {
        const again = await runProgram(config(true), { cwd: dir, idOf: replacementId, existingHost: existingHostOf(morning), launchTime: NEXT_START });
        const diff = classify(morning, again);
        assert.deepEqual([...diff.byName.values()].filter((c) => c.change !== "same").map((c) => c.name), []);
    });
});

describe("day two: the engine the lifecycle design needs", () => {
    it("Pulumi.yaml requires a CLI with deletedWith during replacement (pulumi/pulumi#23818, first in 3.260.0)", () => {
        const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
        assert.equal(project.requiredPulumiVersion, ">=3.260.0");
    });

    it("keeps the Node SDK on 3.248.0, the last release that runs on Node 20 (the fix is the engine's, not the SDK's)", () => {
        // @pulumi/pulumi 3.249.0 and later declare engines.node ">=22"; this project runs on Node 20
        // (package.json engines, .npmrc engine-strict). deletedWith during replacement is decided by the
        // CLI's step generator, whatever SDK version registers the resources.
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; engines: Record<string, string> };
        assert.equal(pkg.dependencies["@pulumi/pulumi"], "3.248.0");
        assert.equal(pkg.engines.node, ">=20.19");
    });
});
