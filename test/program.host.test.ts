// The Pulumi program under mocks: the EC2 host, its security group, key and
// readiness gate, secrecy of what it exports, preview, and determinism.
import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { DEFAULT_TOOL_VERSIONS, TOOL_SHA256 } from "../components/config/pins";
import { BASE_CONFIG, BASE_TLS, isConfigError, MOCK, ProgramRun, RecordedResource, resolve, runProgram, sharedRun } from "./support/program";

const T = {
    instance: "aws:ec2/instance:Instance",
    spot: "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
    state: "aws:ec2transitgateway/instanceState:InstanceState",
    tag: "aws:ec2/tag:Tag",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    keyPair: "aws:ec2/keyPair:KeyPair",
    tlsKey: "tls:index/privateKey:PrivateKey",
    remote: "command:remote:Command",
    local: "command:local:Command",
};

interface IngressInput {
    fromPort: number;
    toPort: number;
    protocol: string;
    cidrBlocks: string[];
}

/** The mock provider's ID of the instance (spot or on-demand, one aws.ec2.Instance). */
const INSTANCE_ID = MOCK.instanceId;
const ON_DEMAND = { ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ market: "on-demand" }) };

/** The resource whose deletion terminates the host: the instance, spot (the default) or on-demand. */
function machineOf(run: ProgramRun): RecordedResource {
    const machines = [...run.all(T.spot), ...run.all(T.instance)];
    assert.equal(machines.length, 1, "exactly one machine");
    return machines[0];
}

function ingressOf(inputs: Record<string, unknown>): IngressInput[] {
    return inputs.ingress as IngressInput[];
}

describe("program: the dev host", function () {
    this.timeout(60_000);

    it("opens only SSH and the Kubernetes API, only to allowedCidrs, by default", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const ingress = ingressOf(run.one(T.sg).inputs);
        assert.deepEqual(ingress.map((r) => r.fromPort).sort((a, b) => a - b), [22, 6443]);
        for (const rule of ingress) {
            assert.equal(rule.protocol, "tcp");
            assert.equal(rule.fromPort, rule.toPort);
            assert.deepEqual(rule.cidrBlocks, ["203.0.113.7/32"]);
        }
        const allCidrs = ingress.flatMap((r) => r.cidrBlocks);
        assert.ok(!allCidrs.includes("0.0.0.0/0"));
    });

    it("adds the registry and load balancer ports only when the stack asks", async () => {
        const run = await sharedRun({
            ...BASE_CONFIG,
            "bigbang-oci-dev:registry": JSON.stringify({ tls: BASE_TLS, exposePublicly: true, port: 5443 }),
            "bigbang-oci-dev:cluster": JSON.stringify({ ports: [{ port: 443, exposePublicly: true }, { port: 80 }] }),
        });
        const ports = ingressOf(run.one(T.sg).inputs).map((r) => r.fromPort).sort((a, b) => a - b);
        assert.deepEqual(ports, [22, 443, 5443, 6443]);
    });

    it("refuses 0.0.0.0/0 unless allowAnywhere is set, before any resource exists", async () => {
        const config = { ...BASE_CONFIG, "bigbang-oci-dev:allowedCidrs": JSON.stringify(["0.0.0.0/0"]) };
        await assert.rejects(runProgram(config), (err: unknown) => isConfigError(err) && /allowAnywhere/.test(err.message));
        const allowed = await sharedRun({ ...config, "bigbang-oci-dev:allowAnywhere": "true" });
        assert.deepEqual(ingressOf(allowed.one(T.sg).inputs)[0].cidrBlocks, ["0.0.0.0/0"]);
    });

    it("puts the host in a subnet whose zone offers the instance type, or fails before any resource naming the zones", async () => {
        const run = await sharedRun(BASE_CONFIG, { offeredZones: ["us-east-1b"] });
        assert.equal(machineOf(run).inputs.subnetId, "subnet-0bbbbbbbbbbbbbbbb", "subnet-0aaa… sorts first but its zone lacks the type");
        const offerings = run.calls.find((c) => c.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings");
        assert.deepEqual(offerings?.inputs.filters, [{ name: "instance-type", values: ["t3.2xlarge"] }]);
        assert.equal(offerings?.inputs.locationType, "availability-zone");
        await assert.rejects(runProgram(BASE_CONFIG, { offeredZones: ["us-east-1f"] }), (err: unknown) =>
            isConfigError(err) && /bigbang-oci-dev:host\.instanceType: t3\.2xlarge is offered only in us-east-1f/.test(err.message));
    });

    it("reports every bad key in one error", async () => {
        const run = runProgram({
            ...BASE_CONFIG,
            "bigbang-oci-dev:registry": JSON.stringify({ port: "abc" }),
            "bigbang-oci-dev:host": JSON.stringify({ market: "reserved" }),
        });
        await assert.rejects(run, (err: unknown) => {
            assert.ok(isConfigError(err));
            assert.match(err.message, /bigbang-oci-dev:registry\.port: expected 1-65535, got "abc"/);
            assert.match(err.message, /bigbang-oci-dev:host\.market: expected spot or on-demand, got "reserved"/);
            return true;
        });
    });

    it("requires IMDSv2, encrypts a gp3 root volume, and tags everything", async () => {
        const run = await sharedRun(ON_DEMAND);
        const instance = run.one(T.instance).inputs;
        assert.deepEqual(instance.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        const root = instance.rootBlockDevice as Record<string, unknown>;
        assert.equal(root.encrypted, true);
        assert.equal(root.volumeType, "gp3");
        assert.equal(root.volumeSize, 120);
        assert.deepEqual(instance.tags, { Name: "bigbang-oci-dev-jdoe-dev", Owner: "jdoe", Project: "bigbang-oci-dev", Stack: "dev" });
        assert.deepEqual(root.tags, instance.tags);
        assert.equal(instance.instanceType, "t3.2xlarge");
        assert.equal(instance.instanceInitiatedShutdownBehavior, "stop");
        assert.match(String(instance.userData), /^#cloud-config\n/);
        assert.equal(instance.ami, MOCK.amiId);
        assert.deepEqual(run.one(T.instance).ignoreChanges, [], "the AMI is pinned by serial, not ignored: a new release must get its own image");
    });

    it("asks for a persistent, stoppable spot instance by default, as market options of the one instance", async () => {
        const spot = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ spotMaxPrice: "0.30" }) });
        assert.equal(spot.find(T.spot), undefined, "a spot request's launch specification has no metadata options or shutdown behaviour");
        const instance = spot.one(T.instance);
        assert.deepEqual(instance.inputs.instanceMarketOptions, {
            marketType: "spot", spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop", maxPrice: "0.30" },
        });
        assert.equal(instance.inputs.instanceInitiatedShutdownBehavior, "stop");
        assert.deepEqual(instance.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        assert.equal((instance.inputs.rootBlockDevice as Record<string, unknown>).encrypted, true);
        assert.deepEqual(instance.ignoreChanges, []);
        // Everything that needs the instance uses its ID.
        assert.equal(spot.one("aws:ec2/eipAssociation:EipAssociation").inputs.instanceId, INSTANCE_ID);
        assert.equal(spot.one(T.state).inputs.instanceId, INSTANCE_ID);
        assert.deepEqual(spot.one(T.remote, "wait-ready").inputs.triggers, [INSTANCE_ID]);

        const onDemand = await sharedRun(ON_DEMAND);
        assert.equal(onDemand.find(T.spot), undefined);
        assert.equal(onDemand.one(T.instance).inputs.instanceMarketOptions, undefined);
        assert.equal(onDemand.find(T.tag), undefined);
    });

    it("keeps the host running by default, stops it with host.running false, and orders everything after that", async () => {
        const running = await sharedRun(BASE_CONFIG);
        const state = running.one(T.state);
        assert.equal(state.inputs.state, "running");
        assert.ok(running.dependsOn(running.one(T.remote, "wait-ready"), state), "commands dial only after the host is started");
        const stopped = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ running: false }) });
        assert.equal(stopped.one(T.state).inputs.state, "stopped");
        // Nothing else changes: the disk, the Elastic IP and the cluster are kept.
        const others = (run: ProgramRun) => run.resources.filter((r) => r.type !== T.state)
            .map((r) => JSON.stringify([r.type, r.name, r.inputs])).sort();
        assert.deepEqual(others(stopped), others(running));
    });

    it("looks up Canonical's AMI with the GovCloud owner in aws-us-gov", async () => {
        const gov = await sharedRun({ ...BASE_CONFIG, "aws:region": "us-gov-west-1" });
        const govLookup = gov.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
        assert.ok(govLookup, "no AMI lookup");
        assert.deepEqual(govLookup.inputs.owners, ["513442679011"]);
        const commercial = await sharedRun(BASE_CONFIG);
        const lookup = commercial.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
        assert.deepEqual(lookup?.inputs.owners, ["099720109477"]);
        assert.match(JSON.stringify(lookup?.inputs.filters), /ubuntu-noble-24\.04-amd64-server-/);
    });

    it("skips the lookup and honours changes when amiId is pinned", async () => {
        const run = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ amiId: "ami-0fedcba9876543210", ubuntuRelease: "22.04" }) });
        assert.equal(run.calls.filter((c) => c.token === "aws:ec2/getAmi:getAmi").length, 0);
        assert.equal(machineOf(run).inputs.ami, "ami-0fedcba9876543210");
        assert.deepEqual(machineOf(run).ignoreChanges, []);
    });

    it("generates an ed25519 key, keeps it secret, and writes it to a per-stack file", async () => {
        const run = await sharedRun(BASE_CONFIG);
        assert.equal(run.one(T.tlsKey, "ssh-key").inputs.algorithm, "ED25519");
        assert.ok(run.one(T.tlsKey, "ssh-key").additionalSecretOutputs.includes("privateKeyOpenssh"));
        const out = await resolve<string>(run.outputs.sshPrivateKey);
        assert.equal(out.value, MOCK.sshPrivateKey);
        assert.ok(out.secret, "sshPrivateKey must be a secret output");
        const keyFile = run.one(T.local, "ssh-key-file");
        assert.ok(keyFile.secretInputs.has("stdin"), "the key reaches the file only as a secret");
        assert.match(String(keyFile.inputs.create), /umask 077/);
        assert.match(String(keyFile.inputs.create), /bigbang-oci-dev-dev\.pem/);
        assert.match(String(keyFile.inputs.delete), /rm -f .*bigbang-oci-dev-dev\.pem/);
        assert.ok(!String(keyFile.inputs.create).includes("PRIVATE KEY"));
        assert.equal(run.one(T.keyPair).inputs.publicKey, MOCK.sshPublicKey);
        const ssh = await resolve<string>(run.outputs.sshCommand);
        assert.match(String(ssh.value), /^ssh -i \S+bigbang-oci-dev-dev\.pem .* ubuntu@198\.51\.100\.10$/);
    });

    it("uses the configured public key, and exports no private key", async () => {
        const run = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmine me@laptop" }) });
        assert.equal(run.find(T.tlsKey, "ssh-key"), undefined);
        assert.equal(run.find(T.local, "ssh-key-file"), undefined);
        assert.equal(run.one(T.keyPair).inputs.publicKey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmine me@laptop");
        assert.equal(run.outputs.sshPrivateKey, undefined);
    });

    it("gives every ssh client BatchMode and the per-stack known_hosts entry of the pinned host key", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const sshOpts = run.one("pulumi:providers:docker", "docker").inputs.sshOpts as string[];
        assert.ok(sshOpts.includes("BatchMode=yes"), "the Docker provider's ssh must never wait on a prompt");
        assert.ok(sshOpts.includes("HostKeyAlias=bigbang-oci-dev-dev"));
        assert.ok(sshOpts.includes("StrictHostKeyChecking=yes"));
        const ssh = String((await resolve<string>(run.outputs.sshCommand)).value);
        assert.match(ssh, /-o BatchMode=yes/);
        assert.match(ssh, /-o HostKeyAlias=bigbang-oci-dev-dev /);
        const other = await sharedRun(BASE_CONFIG, { stack: "second" });
        assert.ok((other.one("pulumi:providers:docker", "docker").inputs.sshOpts as string[]).includes("HostKeyAlias=bigbang-oci-dev-second"));
    });

    it("creates a login user other than ubuntu with cloud-init, with the key, and logs in as it", async () => {
        const run = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ sshUser: "dev" }) });
        const userData = parseYaml(String(machineOf(run).inputs.userData)) as { users: unknown[]; runcmd: string[][] };
        assert.deepEqual(userData.users[0], "default");
        assert.deepEqual(userData.users[1], {
            name: "dev", shell: "/bin/bash", groups: ["adm"], sudo: "ALL=(ALL) NOPASSWD:ALL", lock_passwd: true, ssh_authorized_keys: [MOCK.sshPublicKey],
        });
        assert.equal(userData.runcmd[0][userData.runcmd[0].indexOf("--user") + 1], "dev", "the provisioning script puts it in the docker group");
        assert.equal((run.one(T.remote, "wait-ready").inputs.connection as Record<string, unknown>).user, "dev");
        const ubuntu = parseYaml(String(machineOf(await sharedRun(BASE_CONFIG)).inputs.userData)) as Record<string, unknown>;
        assert.equal(ubuntu.users, undefined, "ubuntu gets the key pair's key from the image");
    });

    it("installs the tools and sets the auto-shutdown timer over SSH, so changing them updates the host in place", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const tools = run.one(T.remote, "tools");
        assert.match(String(tools.inputs.create), /^sudo -n bash -c '#!\/usr\/bin\/env bash\n# Installs pinned k3d/);
        const pins = [TOOL_SHA256.k3d[DEFAULT_TOOL_VERSIONS.k3d].amd64, TOOL_SHA256.kubectl[DEFAULT_TOOL_VERSIONS.kubectl].amd64, TOOL_SHA256.helm[DEFAULT_TOOL_VERSIONS.helm].amd64];
        assert.deepEqual(tools.inputs.triggers, [INSTANCE_ID, DEFAULT_TOOL_VERSIONS.k3d, DEFAULT_TOOL_VERSIONS.kubectl, DEFAULT_TOOL_VERSIONS.helm, ...pins]);
        // The pinned sums go to install-tools.sh as arguments (issue 21): it trusts no sum from the download server.
        assert.ok(String(tools.inputs.create).endsWith(` install-tools amd64 ${DEFAULT_TOOL_VERSIONS.k3d} ${DEFAULT_TOOL_VERSIONS.kubectl} ${DEFAULT_TOOL_VERSIONS.helm} ${pins.join(" ")}`));
        assert.ok(run.dependsOn(tools, run.one(T.remote, "wait-ready")));
        assert.ok(run.dependsOnTransitively(run.one(T.remote, "k3d-cluster"), tools), "the cluster needs k3d");
        const timer = run.one(T.remote, "auto-shutdown");
        assert.match(String(timer.inputs.create), /^sudo -n bash -c .* auto-shutdown 8 .*OnBootSec=475min/s);
        assert.deepEqual(timer.inputs.triggers, [INSTANCE_ID, 8]);

        const changed = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ helmVersion: "v3.19.0", helmSha256: "a".repeat(64), autoShutdownHours: 0 }) });
        assert.ok(String(changed.one(T.remote, "tools").inputs.create).endsWith(` ${"a".repeat(64)}`));
        const differing = (a: ProgramRun, b: ProgramRun) => a.resources
            .filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(b.find(r.type, r.name)?.inputs))
            .map((r) => r.name).sort();
        assert.deepEqual(differing(changed, run), ["auto-shutdown", "tools"], "the machine and its user-data stay as they are");
        assert.match(String(changed.one(T.remote, "auto-shutdown").inputs.create), / auto-shutdown 0$/);
    });

    it("replaces the host when ubuntuRelease changes, booting that release's own image", async () => {
        const nobleRun = await sharedRun(BASE_CONFIG);
        const jammyRun = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ ubuntuRelease: "22.04" }) });
        const [noble, jammy] = [machineOf(nobleRun), machineOf(jammyRun)];
        assert.equal(noble.inputs.userDataReplaceOnChange, true);
        assert.match(String(noble.inputs.userData), /^#cloud-config\n# bigbang-oci-dev host: Ubuntu 24\.04 amd64\n/);
        assert.notEqual(jammy.inputs.userData, noble.inputs.userData, "the plan names the release");
        assert.notEqual(jammy.inputs.ami, noble.inputs.ami, "and the replacement boots the 22.04 image, not the old one");
        const lookup = (run: typeof nobleRun) => run.calls.filter((c) => c.token === "aws:ec2/getAmi:getAmi").map((c) => c.inputs);
        assert.match(String(lookup(jammyRun)[0].nameRegex), /ubuntu-jammy-22\.04-amd64-server-/);
        assert.equal(lookup(nobleRun)[0].mostRecent, true);
        assert.equal(lookup(nobleRun)[0].includeDeprecated, true);
    });

    it("waits for cloud-init over SSH after the instance, with enough dial retries, and gates later work on it", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const wait = run.one(T.remote, "wait-ready");
        assert.ok(run.dependsOn(wait, machineOf(run)));
        assert.ok(run.dependsOn(wait, run.one(T.local, "ssh-key-file")));
        assert.match(String(wait.inputs.create), /cloud-init status --wait/);
        const connection = wait.inputs.connection as Record<string, unknown>;
        assert.ok(Number(connection.dialErrorLimit) >= 30);
        assert.equal(connection.host, MOCK.publicIp);
        assert.equal(connection.user, "ubuntu");
        assert.ok(wait.secretInputs.has("connection"), "the connection carries the private key: secret");
        for (const name of ["k3d-cluster", "etc-hosts"]) {
            assert.ok(run.dependsOnTransitively(run.one(T.remote, name), wait), `${name} must wait for the host`);
        }
    });

    it("gives the host an Elastic IP, so a stop and start keeps its address, and waits for the association", async () => {
        const run = await sharedRun(BASE_CONFIG);
        const association = run.one("aws:ec2/eipAssociation:EipAssociation");
        assert.equal(association.inputs.instanceId, INSTANCE_ID);
        assert.equal(association.inputs.allocationId, "eipalloc-public-ip");
        assert.ok(run.dependsOn(run.one(T.remote, "wait-ready"), association));
        assert.equal((await resolve(run.outputs.publicIp)).value, MOCK.publicIp);
        assert.equal(run.one("aws:ec2/eip:Eip").inputs.domain, "vpc");
        const vpn = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ usePrivateIp: true }) });
        assert.equal(vpn.find("aws:ec2/eip:Eip"), undefined, "a VPN user reaches the stable private IP");
    });

    it("uses the private IP for commands and the endpoint when usePrivateIp is set", async () => {
        const run = await sharedRun({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ usePrivateIp: true }) });
        const connection = run.one(T.remote, "wait-ready").inputs.connection as Record<string, unknown>;
        assert.equal(connection.host, MOCK.privateIp);
        assert.equal((await resolve<string>(run.outputs.kubeApiEndpoint)).value, `https://${MOCK.privateIp}:6443`);
        assert.equal((await resolve<string>(run.outputs.etcHostsLine)).value, `${MOCK.privateIp} oci.dev.bigbang.mil`);
        // The ephemeral public IP changes at every start; the cluster's identity must not carry it.
        const cluster = run.one(T.remote, "k3d-cluster");
        const identity = JSON.stringify(cluster.inputs.triggers);
        assert.ok(identity.includes(`--tls-san=${MOCK.privateIp}`));
        assert.ok(!identity.includes(MOCK.publicIp), "the public IP is in the cluster's trigger");
        assert.ok(!identity.includes("--tls-san=\\n") && !/--tls-san=["\\]/.test(identity), "an empty --tls-san=");
    });

    it("exports the documented outputs", async () => {
        const run = await sharedRun(BASE_CONFIG);
        for (const key of ["instanceId", "publicIp", "privateIp", "sshCommand", "sshPrivateKey", "registryHostname", "registryEndpoint",
            "registryAddressInCluster", "certificateExpiresAt", "clusterName", "kubeconfig", "kubeApiEndpoint",
            "kubectlHint", "valuesSnippet", "charts", "etcHostsLine", "helmPushCommand"]) {
            const out = await resolve(run.outputs[key]);
            assert.ok(out.value !== undefined, `output ${key} is missing`);
        }
        assert.equal((await resolve(run.outputs.publicIp)).value, MOCK.publicIp);
    });

    it("evaluates in preview, where provider outputs are unknown, without waiting or throwing", async () => {
        const run = await sharedRun(BASE_CONFIG, { preview: true });
        assert.ok(machineOf(run));
        assert.ok(run.find(T.remote, "k3d-cluster"));
        assert.ok(run.find("kubernetes:core/v1:ConfigMapPatch"));
        const ip = await resolve(run.outputs.publicIp);
        assert.equal(ip.known, false);
        const kubeconfig = await resolve(run.outputs.kubeconfig);
        assert.equal(kubeconfig.known, false);
        assert.equal(kubeconfig.secret, true);
        assert.equal((await resolve(run.outputs.registryEndpoint)).value, "oci://oci.dev.bigbang.mil:5000");
    });

    it("gives identical resource inputs for the same config twice", async () => {
        // Two fresh evaluations, never the shared one: this is the test that sees a second run differ.
        const snapshot = async () => {
            const run = await runProgram(BASE_CONFIG);
            return run.resources.map((r) => JSON.stringify([r.type, r.name, r.inputs, [...r.secretInputs].sort()])).sort();
        };
        const first = await snapshot();
        const second = await snapshot();
        assert.ok(first.length > 20);
        assert.deepEqual(second, first);
    });
});
