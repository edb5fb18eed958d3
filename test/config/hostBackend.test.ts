// host.backend (issue 20): aws, the default, ssh and local as one discriminated union. Every new key's
// bad input names the key; a key of another backend is refused naming the key and the backend; all
// problems come at once. checkStackConfig/prepare()-level, so no whole program runs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkStackConfig, ConfigError, parseStackConfig, SshHostConfig, StackConfig } from "../../components/config/config";
import { prepare } from "../../components/prepare";
import { awsHost, defaultStackConfig } from "../support/fixtures";

const P = "bigbang-oci-dev:";
const json = (v: unknown) => JSON.stringify(v);
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheLabMachine root@lab1";
const SSH = { address: "192.0.2.10", user: "jdoe", hostKey: HOST_KEY };
const problemsOf = (host: unknown, extra: Record<string, string> = {}) =>
    checkStackConfig({ [`${P}host`]: json(host), ...extra }, { userName: "tester" }).problems;

function sshHost(config: StackConfig): SshHostConfig {
    if (config.host.backend !== "ssh") throw new Error(`expected host.backend ssh, got ${config.host.backend}`);
    return config.host;
}

describe("config: host.backend", () => {
    it("parses a stack without backend as aws, exactly as before", () => {
        const withoutBackend = defaultStackConfig();
        assert.equal(withoutBackend.host.backend, "aws");
        assert.deepEqual(defaultStackConfig({ [`${P}host`]: json({ backend: "aws" }) }), withoutBackend);
        assert.equal(awsHost(withoutBackend).instanceType, "t3.2xlarge");
    });

    it("parses ssh with its defaults: port 22, privateAddress from an IPv4 address, amd64", () => {
        const host = sshHost(parseStackConfig({ [`${P}host`]: json({ backend: "ssh", ssh: SSH }) }, { userName: "tester" }));
        assert.deepEqual(host.ssh, { ...SSH, port: 22, privateKeyFile: undefined, privateAddress: "192.0.2.10" });
        assert.equal(host.architecture, "amd64");
        assert.equal(host.tools.k3d, awsHost(defaultStackConfig()).tools.k3d);
        assert.match(host.toolSha256.k3d, /^[0-9a-f]{64}$/);
        const named = sshHost(parseStackConfig({ [`${P}host`]: json({ backend: "ssh", architecture: "arm64", ssh: { ...SSH, address: "Lab1.Example.com", port: 2222, privateAddress: "10.0.0.5", privateKeyFile: "~/.ssh/lab" } }) }));
        assert.deepEqual(named.ssh, { ...SSH, address: "lab1.example.com", port: 2222, privateAddress: "10.0.0.5", privateKeyFile: "~/.ssh/lab" });
        assert.equal(named.architecture, "arm64");
        assert.equal(sshHost(parseStackConfig({ [`${P}host`]: json({ backend: "ssh", ssh: { ...SSH, address: "labvm", privateAddress: "10.0.0.5" } }) })).ssh.address, "labvm");
    });

    it("parses local with the shared keys only", () => {
        const cfg = parseStackConfig({ [`${P}host`]: json({ backend: "local", architecture: "arm64", k3dVersion: "v5.8.3" }) });
        assert.deepEqual(Object.keys(cfg.host).sort(), ["architecture", "backend", "toolSha256", "tools"]);
        assert.equal(cfg.host.architecture, "arm64");
        const defaulted = parseStackConfig({ [`${P}host`]: json({ backend: "local" }) });
        assert.equal(defaulted.host.architecture, process.arch === "arm64" ? "arm64" : "amd64");
    });

    const cases: { name: string; host: unknown; problems: string[] }[] = [
        { name: "an unknown backend", host: { backend: "gcp" }, problems: [`${P}host.backend: expected aws, ssh or local, got "gcp"`] },
        { name: "a near-miss backend", host: { backend: "shh" }, problems: [`${P}host.backend: expected aws, ssh or local, got "shh"; did you mean ssh?`] },
        {
            name: "ssh without its required keys",
            host: { backend: "ssh" },
            problems: [
                `${P}host.ssh.address: host.backend ssh needs the machine's IPv4 address or DNS name, got nothing`,
                `${P}host.ssh.user: host.backend ssh needs the Linux user to log in as (a regular user with sudo), got nothing`,
                `${P}host.ssh.hostKey: host.backend ssh needs the machine's public host key (its /etc/ssh/ssh_host_ed25519_key.pub), which every SSH client pins, got nothing`,
            ],
        },
        {
            name: "a bad ssh.address",
            host: { backend: "ssh", ssh: { ...SSH, address: "10.0.0.256" } },
            problems: [`${P}host.ssh.address: expected the machine's IPv4 address or DNS name, such as 192.0.2.10 or lab1.example.com, got "10.0.0.256"`],
        },
        {
            name: "a ssh.address with a space",
            host: { backend: "ssh", ssh: { ...SSH, address: "lab 1" } },
            problems: [`${P}host.ssh.address: expected the machine's IPv4 address or DNS name, such as 192.0.2.10 or lab1.example.com, got "lab 1"`],
        },
        { name: "ssh.user root", host: { backend: "ssh", ssh: { ...SSH, user: "root" } }, problems: [`${P}host.ssh.user: expected a regular user with sudo, not root, got "root"`] },
        {
            name: "a bad ssh.user",
            host: { backend: "ssh", ssh: { ...SSH, user: "J Doe" } },
            problems: [`${P}host.ssh.user: expected a Linux user name: a lower-case letter or '_', then up to 31 lower-case letters, digits, '_' or '-', got "J Doe"`],
        },
        { name: "ssh.port 0", host: { backend: "ssh", ssh: { ...SSH, port: 0 } }, problems: [`${P}host.ssh.port: expected 1-65535, got 0`] },
        { name: "an empty ssh.privateKeyFile", host: { backend: "ssh", ssh: { ...SSH, privateKeyFile: " " } }, problems: [`${P}host.ssh.privateKeyFile: expected a path to a private key such as ~/.ssh/id_ed25519, got " "`] },
        {
            name: "a ssh.hostKey that is not a public key line",
            host: { backend: "ssh", ssh: { ...SSH, hostKey: "SHA256:abc" } },
            problems: [`${P}host.ssh.hostKey: expected the machine's public host key line, such as 'ssh-ed25519 AAAA...' (its /etc/ssh/ssh_host_ed25519_key.pub, checked out of band; ssh-keyscan alone trusts whoever answers), got "SHA256:abc"`],
        },
        { name: "ssh.privateAddress 0.0.0.0", host: { backend: "ssh", ssh: { ...SSH, privateAddress: "0.0.0.0" } }, problems: [`${P}host.ssh.privateAddress: expected the machine's own IPv4 address, not 0.0.0.0, got "0.0.0.0"`] },
        { name: "a ssh.privateAddress that is a name", host: { backend: "ssh", ssh: { ...SSH, privateAddress: "lab1" } }, problems: [`${P}host.ssh.privateAddress: expected an IPv4 address, got "lab1"`] },
        {
            name: "a DNS name without privateAddress",
            host: { backend: "ssh", ssh: { ...SSH, address: "lab1.example.com" } },
            problems: [`${P}host.ssh.privateAddress: host.ssh.address lab1.example.com is a DNS name, so set the machine's own IPv4 address, which the cluster's ports bind to, got nothing`],
        },
        { name: "a misspelt ssh key", host: { backend: "ssh", ssh: { ...SSH, adress: "x" } }, problems: [`${P}host.ssh.adress: unknown key; did you mean address?`] },
        { name: "ssh not an object", host: { backend: "ssh", ssh: "192.0.2.10" }, problems: [`${P}host.ssh: expected an object, got "192.0.2.10"`] },
        {
            name: "aws keys with ssh",
            host: { backend: "ssh", ssh: SSH, instanceType: "t3.large", market: "on-demand", sshUser: "dev", running: false },
            problems: [
                `${P}host.instanceType: not used with host.backend ssh, got "t3.large"`,
                `${P}host.market: not used with host.backend ssh, got "on-demand"`,
                `${P}host.sshUser: not used with host.backend ssh, got "dev"`,
                `${P}host.running: not used with host.backend ssh, got false`,
            ],
        },
        { name: "aws keys with local", host: { backend: "local", autoShutdownHours: 0 }, problems: [`${P}host.autoShutdownHours: not used with host.backend local, got 0`] },
        {
            name: "ssh keys with local",
            host: { backend: "local", ssh: { address: "192.0.2.10", port: 22 } },
            problems: [`${P}host.ssh.address: not used with host.backend local, got "192.0.2.10"`, `${P}host.ssh.port: not used with host.backend local, got 22`],
        },
        { name: "ssh keys with aws (the default)", host: { ssh: { user: "jdoe" } }, problems: [`${P}host.ssh.user: not used with host.backend aws, got "jdoe"`] },
        { name: "an empty ssh with aws", host: { backend: "aws", ssh: {} }, problems: [`${P}host.ssh: not used with host.backend aws, got {}`] },
    ];
    for (const c of cases) {
        it(`refuses ${c.name}, naming the key`, () => {
            assert.deepEqual(problemsOf(c.host), c.problems);
        });
    }

    it("refuses the aws-only keys outside host on ssh and local", () => {
        const problems = problemsOf({ backend: "local" }, {
            [`${P}allowedCidrs`]: json(["203.0.113.7/32"]),
            [`${P}allowAnywhere`]: "false",
            [`${P}acceptPublicKeyRisk`]: "true",
            [`${P}registry`]: json({ exposePublicly: true }),
            [`${P}cluster`]: json({ ports: [{ port: 80 }, { port: 443, exposePublicly: true }] }),
        });
        assert.deepEqual(problems, [
            `${P}allowedCidrs: not used with host.backend local, got ["203.0.113.7/32"]`,
            `${P}allowAnywhere: not used with host.backend local, got "false"`,
            `${P}acceptPublicKeyRisk: not used with host.backend local, got "true"`,
            `${P}registry.exposePublicly: not used with host.backend local, got true`,
            `${P}cluster.ports[1].exposePublicly: not used with host.backend local, got true`,
        ]);
        assert.deepEqual(problemsOf({ backend: "ssh", ssh: SSH }, { [`${P}allowAnywhere`]: "true" }), [`${P}allowAnywhere: not used with host.backend ssh, got "true"`]);
    });

    it("reports every problem at once, each naming its key", () => {
        const problems = problemsOf(
            { backend: "ssh", instanceType: "t3.large", ssh: { address: "lab 1", user: "root", port: 70000, hostKey: HOST_KEY, privateAddress: "0.0.0.0" } },
            { [`${P}registry`]: json({ port: "abc" }) },
        );
        assert.deepEqual(problems.map((line) => line.split(": ")[0]).sort(), [
            `${P}host.instanceType`, `${P}host.ssh.address`, `${P}host.ssh.port`, `${P}host.ssh.privateAddress`, `${P}host.ssh.user`, `${P}registry.port`,
        ]);
    });
});

describe("prepare: host.backend ssh", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-backend-ssh-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const lookupPlacement = () => Promise.reject(new Error("AWS was asked"));
    // An external registry: no certificate to load, so nothing leaves the machine.
    const configOf = (ssh: Record<string, unknown>) => ({
        [`${P}host`]: json({ backend: "ssh", ssh }),
        [`${P}registry`]: json({ target: "external", url: "oci://harbor.example.com/library", username: "robot", password: "token" }),
    });
    const opts = (env: NodeJS.ProcessEnv) => ({ projectDir: tmp, env, lookupPlacement, ipCheckUrl: "http://127.0.0.1:9/unused" });

    it("prepares an ssh host without asking AWS or the network anything", async () => {
        const key = path.join(tmp, "clear");
        fs.writeFileSync(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n-----END OPENSSH PRIVATE KEY-----\n");
        const prepared = await prepare(configOf({ ...SSH, privateKeyFile: key }), opts({}));
        assert.deepEqual(prepared.host, { backend: "ssh" });
    });

    it("refuses no key file and no agent, and a mislabelled host key, naming both keys at once", async () => {
        const [, blob] = HOST_KEY.split(" ");
        await assert.rejects(prepare(configOf({ ...SSH, hostKey: `ssh-rsa ${blob}` }), opts({})), (err: unknown) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.deepEqual(err.problems.map((line) => line.split(": ")[0]), [`${P}host.ssh.hostKey`, `${P}host.ssh.privateKeyFile`]);
            assert.match(err.problems[0], /the key's own type is "ssh-ed25519", not ssh-rsa/);
            assert.match(err.problems[1], /no ssh-agent is running/);
            return true;
        });
    });
});
