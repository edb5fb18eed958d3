// The Pulumi program under mocks: the EC2 host, its security group, key and
// readiness gate, secrecy of what it exports, preview, and determinism.
import { strict as assert } from "assert";
import { BASE_CONFIG, BASE_TLS, isConfigError, MOCK, resolve, runProgram } from "./support/program";

const T = {
    instance: "aws:ec2/instance:Instance",
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

function ingressOf(inputs: Record<string, unknown>): IngressInput[] {
    return inputs.ingress as IngressInput[];
}

describe("program: the dev host", function () {
    this.timeout(60_000);

    it("opens only SSH and the Kubernetes API, only to allowedCidrs, by default", async () => {
        const run = await runProgram(BASE_CONFIG);
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
        const run = await runProgram({
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
        const allowed = await runProgram({ ...config, "bigbang-oci-dev:allowAnywhere": "true" });
        assert.deepEqual(ingressOf(allowed.one(T.sg).inputs)[0].cidrBlocks, ["0.0.0.0/0"]);
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
        const run = await runProgram(BASE_CONFIG);
        const instance = run.one(T.instance).inputs;
        assert.deepEqual(instance.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        const root = instance.rootBlockDevice as Record<string, unknown>;
        assert.equal(root.encrypted, true);
        assert.equal(root.volumeType, "gp3");
        assert.equal(root.volumeSize, 120);
        assert.deepEqual(instance.tags, { Name: "bigbang-oci-dev-jdoe-dev", Owner: "jdoe", Project: "bigbang-oci-dev", Stack: "dev" });
        assert.equal(instance.instanceType, "t3.2xlarge");
        assert.equal(instance.instanceInitiatedShutdownBehavior, "stop");
        assert.match(String(instance.userData), /^#cloud-config\n/);
        assert.equal(instance.ami, MOCK.amiId);
        assert.deepEqual(run.one(T.instance).ignoreChanges, ["ami"], "a newer AMI must not replace a running host");
    });

    it("asks for a persistent, stoppable spot instance by default, and none of that on demand", async () => {
        const spot = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ spotMaxPrice: "0.30" }) });
        assert.deepEqual(spot.one(T.instance).inputs.instanceMarketOptions, {
            marketType: "spot",
            spotOptions: { spotInstanceType: "persistent", instanceInterruptionBehavior: "stop", maxPrice: "0.30" },
        });
        const onDemand = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ market: "on-demand" }) });
        assert.equal(onDemand.one(T.instance).inputs.instanceMarketOptions, undefined);
    });

    it("looks up Canonical's AMI with the GovCloud owner in aws-us-gov", async () => {
        const gov = await runProgram({ ...BASE_CONFIG, "aws:region": "us-gov-west-1" });
        const govLookup = gov.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
        assert.ok(govLookup, "no AMI lookup");
        assert.deepEqual(govLookup.inputs.owners, ["513442679011"]);
        const commercial = await runProgram(BASE_CONFIG);
        const lookup = commercial.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
        assert.deepEqual(lookup?.inputs.owners, ["099720109477"]);
        assert.match(JSON.stringify(lookup?.inputs.filters), /ubuntu-noble-24\.04-amd64-server-/);
    });

    it("skips the lookup and honours changes when amiId is pinned", async () => {
        const run = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ amiId: "ami-0fedcba9876543210", ubuntuRelease: "22.04" }) });
        assert.equal(run.calls.filter((c) => c.token === "aws:ec2/getAmi:getAmi").length, 0);
        assert.equal(run.one(T.instance).inputs.ami, "ami-0fedcba9876543210");
        assert.deepEqual(run.one(T.instance).ignoreChanges, []);
    });

    it("generates an ed25519 key, keeps it secret, and writes it to a per-stack file", async () => {
        const run = await runProgram(BASE_CONFIG);
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
        const run = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmine me@laptop" }) });
        assert.equal(run.find(T.tlsKey, "ssh-key"), undefined);
        assert.equal(run.find(T.local, "ssh-key-file"), undefined);
        assert.equal(run.one(T.keyPair).inputs.publicKey, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmine me@laptop");
        assert.equal(run.outputs.sshPrivateKey, undefined);
    });

    it("waits for cloud-init over SSH after the instance, with enough dial retries, and gates later work on it", async () => {
        const run = await runProgram(BASE_CONFIG);
        const wait = run.one(T.remote, "wait-ready");
        assert.ok(run.dependsOn(wait, run.one(T.instance)));
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
        const run = await runProgram(BASE_CONFIG);
        const association = run.one("aws:ec2/eipAssociation:EipAssociation");
        assert.equal(association.inputs.instanceId, "instance-id");
        assert.equal(association.inputs.allocationId, "eipalloc-public-ip");
        assert.ok(run.dependsOn(run.one(T.remote, "wait-ready"), association));
        assert.equal((await resolve(run.outputs.publicIp)).value, MOCK.publicIp);
        assert.equal(run.one("aws:ec2/eip:Eip").inputs.domain, "vpc");
        const vpn = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ usePrivateIp: true }) });
        assert.equal(vpn.find("aws:ec2/eip:Eip"), undefined, "a VPN user reaches the stable private IP");
    });

    it("uses the private IP for commands and the endpoint when usePrivateIp is set", async () => {
        const run = await runProgram({ ...BASE_CONFIG, "bigbang-oci-dev:host": JSON.stringify({ usePrivateIp: true }) });
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
        const run = await runProgram(BASE_CONFIG);
        for (const key of ["publicIp", "privateIp", "sshCommand", "sshPrivateKey", "registryHostname", "registryEndpoint",
            "registryAddressInCluster", "certificateExpiresAt", "clusterName", "kubeconfig", "kubeApiEndpoint",
            "kubectlHint", "valuesSnippet", "charts", "etcHostsLine", "helmPushCommand"]) {
            const out = await resolve(run.outputs[key]);
            assert.ok(out.value !== undefined, `output ${key} is missing`);
        }
        assert.equal((await resolve(run.outputs.publicIp)).value, MOCK.publicIp);
    });

    it("evaluates in preview, where provider outputs are unknown, without waiting or throwing", async () => {
        const run = await runProgram(BASE_CONFIG, { preview: true });
        assert.ok(run.find(T.instance));
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
