// Runs the Pulumi program (index.ts) under Pulumi's mocks and records every
// resource registration: inputs, which inputs were secret, the dependency
// edges, and resource options, so tests can assert on what `pulumi up` would
// ask the providers to do. With `preview: true`, providers return no outputs,
// so every output stays unknown, as in `pulumi preview`.
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as path from "path";
import { renderKustomization } from "./kustomize";
import { createHash } from "crypto";
import { createTestPki } from "./pki";
// Loads the program's modules from code compiled once per process (see there).
import "./programModules";

const PROJECT_ROOT = path.resolve(__dirname, "../..");
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    inputs: Record<string, unknown>;
    /** Top-level input keys whose value is, or contains, a secret. */
    secretInputs: Set<string>;
    /** URNs this resource depends on (explicit and through its inputs). */
    dependencies: string[];
    parent: string;
    provider: string;
    additionalSecretOutputs: string[];
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    /** URN of the `deletedWith` resource, or "" when there is none. */
    deletedWith: string;
    replaceOnChanges: string[];
    /** The `retainOnDelete` option: Pulumi drops the resource from the stack without deleting it. */
    retainOnDelete: boolean;
    /** The ID the mock provider gave it ("" for components and in preview). */
    id: string;
}

interface StructLike {
    toJavaScript(): Record<string, unknown>;
}

interface RegisterResourceRequestLike {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getProvider(): string;
    getObject(): StructLike | undefined;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getIgnorechangesList(): string[];
    getDeletebeforereplace(): boolean;
    getDeletedwith(): string;
    getReplaceonchangesList(): string[];
    getRetainondelete(): boolean | undefined;
}

interface RegisterResourceResponseLike {
    getUrn(): string;
    getId(): string;
}

type Callback = (err: unknown, response: RegisterResourceResponseLike | undefined) => void;

let recorder: RecordedResource[] = [];
const originalRegister = MockMonitor.prototype.registerResource;
MockMonitor.prototype.registerResource = function (this: MockMonitor, req: RegisterResourceRequestLike, callback: Callback) {
    const raw = req.getObject()?.toJavaScript() ?? {};
    const secretInputs = new Set(Object.keys(raw).filter((k) => containsSecret(raw[k])));
    const target = recorder;
    return originalRegister.call(this, req, (err: unknown, response: RegisterResourceResponseLike | undefined) => {
        if (!err && response) {
            target.push({
                type: req.getType(),
                name: req.getName(),
                urn: response.getUrn(),
                custom: req.getCustom(),
                inputs: unwrapSecrets(raw) as Record<string, unknown>,
                secretInputs,
                dependencies: req.getDependenciesList(),
                parent: req.getParent(),
                provider: req.getProvider(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                ignoreChanges: req.getIgnorechangesList(),
                deleteBeforeReplace: req.getDeletebeforereplace(),
                deletedWith: req.getDeletedwith(),
                replaceOnChanges: req.getReplaceonchangesList(),
                retainOnDelete: req.getRetainondelete() ?? false,
                id: response.getId(),
            });
        }
        callback(err, response);
    });
};

// Every evaluation hashes the registry password for htpasswd: bcrypt at cost 10, about 0.1 s of CPU, and
// always the same mock password with the same salt (components/registry/htpasswd.ts derives the salt
// from the credentials). bcryptjs's hashSync is a pure function of (password, salt string), so during an
// evaluation its answers are remembered in this process: the program gets the very same line, cost 10
// included. test/registry/htpasswd.test.ts exercises the hashing itself, outside any evaluation.
interface BcryptModule { hashSync(password: string, salt?: string | number): string }
function isBcryptModule(m: unknown): m is BcryptModule {
    return typeof m === "object" && m !== null && typeof (m as Partial<BcryptModule>).hashSync === "function";
}
// The module object the program's `import * as bcrypt from "bcryptjs"` reads its functions from.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bcryptModule: unknown = require("bcryptjs");
if (!isBcryptModule(bcryptModule)) throw new Error("bcryptjs has no hashSync");
const realHashSync = bcryptModule.hashSync;
const bcryptMemo = new Map<string, string>();
let evaluating = false;
bcryptModule.hashSync = function hashSync(password: string, salt?: string | number): string {
    if (!evaluating || typeof salt !== "string") return realHashSync(password, salt);
    const key = JSON.stringify([password, salt]);
    const known = bcryptMemo.get(key);
    if (known !== undefined) return known;
    const hash = realHashSync(password, salt);
    bcryptMemo.set(key, hash);
    return hash;
};

// Pulumi wraps every promise of a resource or RPC in debuggablePromise, which records `new Error().stack`
// on it for the leak report printed at exit (@pulumi/pulumi runtime/debuggable.ts): capturing and
// formatting those stacks was a quarter of an evaluation's CPU. Here it is the same wrapper (leak
// tracking, the error's `promise`) without the stack: nothing but that report reads it.
interface DebuggableModule { debuggablePromise(p: Promise<unknown>, ctx: unknown): Promise<unknown> }
interface StateModule { getStore(): { leakCandidates: Set<Promise<unknown>> } }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggableModule: unknown = require("@pulumi/pulumi/runtime/debuggable");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stateModule: unknown = require("@pulumi/pulumi/runtime/state");
if (typeof debuggableModule !== "object" || debuggableModule === null || typeof (debuggableModule as Partial<DebuggableModule>).debuggablePromise !== "function"
    || typeof stateModule !== "object" || stateModule === null || typeof (stateModule as Partial<StateModule>).getStore !== "function") {
    throw new Error("@pulumi/pulumi/runtime/debuggable or state changed: revisit test/support/program.ts");
}
const pulumiState = stateModule as StateModule;
(debuggableModule as DebuggableModule).debuggablePromise = function debuggablePromise(p: Promise<unknown>): Promise<unknown> {
    const store = pulumiState.getStore();
    store.leakCandidates.add(p);
    return p.then((value) => {
        store.leakCandidates.delete(p);
        return value;
    }, (err: unknown) => {
        store.leakCandidates.delete(p);
        if (typeof err === "object" && err !== null) Object.assign(err, { promise: p });
        throw err;
    });
};

function isSecretEnvelope(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

export function containsSecret(v: unknown): boolean {
    if (isSecretEnvelope(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecret);
    return false;
}

function unwrapSecrets(v: unknown): unknown {
    if (isSecretEnvelope(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

export const MOCK = {
    /** The Elastic IP. */
    publicIp: "198.51.100.10",
    /** The address the instance has before the Elastic IP is associated. */
    ephemeralPublicIp: "198.51.100.99",
    privateIp: "10.0.1.10",
    amiId: "ami-0123456789abcdef0",
    /** Zones that offer the instance type, and the zone of each default subnet. */
    offeredZones: ["us-east-1a", "us-east-1b"],
    subnetZones: { "subnet-0aaaaaaaaaaaaaaaa": "us-east-1a", "subnet-0bbbbbbbbbbbbbbbb": "us-east-1b" } as Record<string, string>,
    /** The mock provider's ID of the instance (spot or on-demand: one aws.ec2.Instance) with the default IDs. */
    instanceId: "i-0123456789abcdef0",
    /** EC2's LaunchTime of the instance: the time of its last start. */
    launchTime: "2026-12-01T08:00:00Z",
    /** The ssh backend's machine's boot id (/proc/sys/kernel/random/boot_id), read by a command.local.run invoke. */
    bootId: "0b5d1a0e-6a3c-4f5e-9d2b-7c8e9f0a1b2c",
    defaultVpcId: "vpc-0123456789abcdef0",
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nbW9jaw==\n-----END OPENSSH PRIVATE KEY-----\n",
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockMockMockMockMockMockMockMockMockMockMock",
    password: "mock-registry-password-0123456789",
    caCert: "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n",
    leafCert: "-----BEGIN CERTIFICATE-----\nTEVBRg==\n-----END CERTIFICATE-----\n",
    leafExpiry: "2027-02-26T01:00:00Z",
    kubeconfig: [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: k3d-bigbang",
        "    cluster:",
        "      certificate-authority-data: Q0E=",
        "      server: https://0.0.0.0:6443",
        "contexts:",
        "  - name: k3d-bigbang",
        "    context: { cluster: k3d-bigbang, user: admin@k3d-bigbang }",
        "current-context: k3d-bigbang",
        "users:",
        "  - name: admin@k3d-bigbang",
        "    user: { client-certificate-data: Y2VydA==, client-key-data: a2V5 }",
        "",
    ].join("\n"),
};

function fabricatedOutputs(type: string, name: string, inputs: Record<string, unknown>, id: string): Record<string, unknown> {
    switch (type) {
        case "aws:ec2/instance:Instance":
            return { publicIp: MOCK.ephemeralPublicIp, privateIp: MOCK.privateIp, arn: `arn:aws:ec2:::instance/${name}` };
        case "aws:ec2/eip:Eip":
            return { publicIp: MOCK.publicIp, allocationId: `eipalloc-${name}` };
        case "aws:ec2/keyPair:KeyPair":
            // Autonamed upstream: a replaced key pair has a new name.
            return { keyName: `${id}-key` };
        case "aws:ec2/securityGroup:SecurityGroup":
            return { arn: `arn:aws:ec2:::security-group/${name}` };
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyOpenssh: MOCK.sshPrivateKey, publicKeyOpenssh: MOCK.sshPublicKey, privateKeyPem: "-----BEGIN PRIVATE KEY-----\nbW9jaw==\n-----END PRIVATE KEY-----\n" };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: MOCK.caCert, validityEndTime: "2027-11-28T01:00:00Z" };
        case "tls:index/certRequest:CertRequest":
            // A request for other names is another request.
            return { certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${sha256(JSON.stringify(inputs)).slice(0, 16)}\n-----END CERTIFICATE REQUEST-----\n` };
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: MOCK.leafCert, validityEndTime: MOCK.leafExpiry };
        case "random:index/randomPassword:RandomPassword":
            return { result: MOCK.password };
        case "docker:index/remoteImage:RemoteImage":
            // Another image name may be another image: the ID follows the name.
            return { imageId: `sha256:${sha256(String(inputs.name))}`, repoDigest: `${String(inputs.name)}@sha256:${"cd".repeat(32)}` };
        case "command:remote:Command":
            return { stdout: name === "kubeconfig" ? MOCK.kubeconfig : "", stderr: "" };
        case "command:local:Command":
            // The local backend's `k3d kubeconfig get` is a local command (issue 20).
            return { stdout: name === "kubeconfig" ? MOCK.kubeconfig : "", stderr: "" };
        case "kubernetes:helm.sh/v3:Release":
            // Helm numbers a release's revisions 1, 2, ...: every install or upgrade is a new one, and the provider
            // upgrades on any input change (helm_release.go). A stateless mock cannot count, so the revision is a
            // number derived from the inputs: it changes exactly when an upgrade would make a new revision.
            return {
                status: {
                    name: inputs.name, namespace: inputs.namespace, status: "deployed",
                    revision: Number.parseInt(sha256(JSON.stringify(inputs)).slice(0, 8), 16),
                },
            };
        default:
            return {};
    }
}

function sha256(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

export interface RecordedCall {
    token: string;
    inputs: Record<string, unknown>;
}

export interface ProgramRun {
    resources: RecordedResource[];
    calls: RecordedCall[];
    outputs: Record<string, unknown>;
    /** The one resource of this type (and name, if given); fails when there is not exactly one. */
    one(type: string, name?: string): RecordedResource;
    all(type: string): RecordedResource[];
    find(type: string, name?: string): RecordedResource | undefined;
    /** Whether `from` depends on `to`, directly. */
    dependsOn(from: RecordedResource, to: RecordedResource): boolean;
    /** Whether `from` depends on `to`, directly or through other resources and their parents' edges. */
    dependsOnTransitively(from: RecordedResource, to: RecordedResource): boolean;
}

export interface RunOptions {
    preview?: boolean;
    stack?: string;
    /**
     * The config keys the engine holds as secrets. Unset: every key whose value holds a password, as
     * `pulumi config set --path --secret` leaves them (the program refuses a credential that is not
     * secret, issue 21); `[]` runs the program as if the user had left out --secret.
     */
    secretKeys?: string[];
    region?: string;
    /** Chart and certificate paths resolve from here, as from the project directory. */
    cwd?: string;
    /** The ID the mock provider gives a new resource; `${name}-id` by default. */
    idOf?: (type: string, name: string, inputs: Record<string, unknown>) => string;
    /** Outputs that replace the fabricated ones, by resource type (a replaced instance's new private IP). */
    outputOverrides?: Record<string, Record<string, unknown>>;
    /** Availability zones getInstanceTypeOfferings reports; MOCK.offeredZones by default. */
    offeredZones?: string[];
    /**
     * What an invoke returns instead of the mock's answer, by token. The engine does not call a
     * provider whose configuration is unknown (a first preview's k3d provider): `{}` stands for that.
     */
    invokeOverrides?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
    /** EC2's LaunchTime of the instance (MOCK.launchTime by default): another value is a host started since. */
    launchTime?: string;
    /** The ssh backend's machine's boot id (MOCK.bootId by default): another value is a machine rebooted since. */
    bootId?: string;
    /** The stack's host as EC2 describes it (found by its tags); none by default, as before the first up. */
    existingHost?: { instanceId: string; subnetId: string; instanceType: string };
}

// One throw-away certificate for the registry name, made once per test process and served through
// `tls.source: files` (no caFile: config refuses private CAs), so no test downloads Big Bang's.
const BASE_PKI = createTestPki();
process.on("exit", () => BASE_PKI.cleanup());
export const BASE_LEAF = BASE_PKI.leaf({ dnsNames: ["oci.dev.bigbang.mil", "*.dev.bigbang.mil"], days: 60 });
export const BASE_TLS = { source: "files", certFile: BASE_LEAF.certFile, keyFile: BASE_LEAF.keyFile } as const;

/** Base config every test starts from: no IP detection, no certificate download. */
export const BASE_CONFIG: Record<string, string> = {
    "aws:region": "us-east-1",
    "bigbang-oci-dev:owner": "jdoe",
    "bigbang-oci-dev:allowedCidrs": JSON.stringify(["203.0.113.7/32"]),
    "bigbang-oci-dev:registry": JSON.stringify({ tls: BASE_TLS }),
};

export async function runProgram(config: Record<string, string>, opts: RunOptions = {}): Promise<ProgramRun> {
    const region = config["aws:region"] ?? opts.region ?? "us-east-1";
    const preview = opts.preview ?? false;
    recorder = [];
    const recorded = recorder;
    const calls: RecordedCall[] = [];
    await pulumi.runtime.setMocks({
        newResource(args) {
            const inputs = args.inputs as Record<string, unknown>;
            if (preview) return { id: undefined, state: inputs };
            // An EC2-shaped ID for the instance, as on-instance.sh and the outputs see one.
            const id = opts.idOf ? opts.idOf(args.type, args.name, inputs) : args.type === "aws:ec2/instance:Instance" ? MOCK.instanceId : `${args.name}-id`;
            const overrides = opts.outputOverrides?.[args.type] ?? {};
            return { id, state: { ...inputs, ...fabricatedOutputs(args.type, args.name, inputs, id), ...overrides } };
        },
        call(args) {
            const inputs = args.inputs as Record<string, unknown>;
            calls.push({ token: args.token, inputs });
            const override = opts.invokeOverrides?.[args.token];
            if (override) return override(inputs);
            switch (args.token) {
                case "aws:index/getPartition:getPartition":
                    return { partition: region.startsWith("us-gov-") ? "aws-us-gov" : "aws", dnsSuffix: "amazonaws.com", id: "partition" };
                case "aws:ec2/getAmi:getAmi": {
                    // One image per release and architecture: MOCK.amiId for 24.04 amd64.
                    const name = String(inputs.nameRegex ?? "");
                    const ami = name.includes("-noble-24.04-amd64-") ? MOCK.amiId : `ami-${sha256(name).slice(0, 17)}`;
                    return { ...inputs, id: ami, imageId: ami };
                }
                case "aws:ec2/getSubnets:getSubnets":
                    return { ...inputs, ids: ["subnet-0bbbbbbbbbbbbbbbb", "subnet-0aaaaaaaaaaaaaaaa"], id: "subnets" };
                case "aws:ec2/getSubnet:getSubnet":
                    return {
                        ...inputs,
                        vpcId: MOCK.defaultVpcId,
                        availabilityZone: MOCK.subnetZones[String(inputs.id)] ?? "us-east-1a",
                        mapPublicIpOnLaunch: true,
                    };
                case "aws:ec2/getInstances:getInstances":
                    return { ...inputs, ids: opts.existingHost ? [opts.existingHost.instanceId] : [], id: "instances" };
                case "command:local:run":
                    // The ssh backend's boot-id read (components/host/ssh/sshPlan.ts bootIdReadScript).
                    return { ...inputs, stdout: `${opts.bootId ?? MOCK.bootId}\n`, stderr: "" };
                case "aws:ec2/getInstance:getInstance": {
                    const existing = opts.existingHost?.instanceId === inputs.instanceId ? opts.existingHost : undefined;
                    return {
                        ...inputs,
                        id: String(inputs.instanceId),
                        launchTime: opts.launchTime ?? MOCK.launchTime,
                        instanceState: "running",
                        ...(existing ? { subnetId: existing.subnetId, instanceType: existing.instanceType } : {}),
                    };
                }
                // The stack's Registry1 cache volume, by its tags (host.cacheVolumeGiB): none unless a test says.
                case "aws:ebs/getEbsVolumes:getEbsVolumes":
                    return { ...inputs, ids: [], id: "volumes" };
                case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
                    return { ...inputs, locations: opts.offeredZones ?? MOCK.offeredZones, id: "offerings" };
                case "kubernetes:kustomize:directory":
                    return { result: renderKustomization(String(inputs.directory)) };
                default:
                    return inputs;
            }
        },
    }, "bigbang-oci-dev", opts.stack ?? "dev", preview);
    pulumi.runtime.setAllConfig(config, opts.secretKeys
        ?? Object.keys(config).filter((key) => /"password"\s*:/.test(config[key])));

    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(PROJECT_ROOT) && !key.includes(`${path.sep}node_modules${path.sep}`) && !key.includes(`${path.sep}test${path.sep}`)) {
            delete require.cache[key];
        }
    }
    const previousCwd = process.cwd();
    if (opts.cwd) process.chdir(opts.cwd);
    let outputs: Record<string, unknown>;
    evaluating = true;
    // Pulumi reads a stack trace for every promise and resource it makes (runtime/debuggable.ts
    // debuggablePromise, resource.ts Resource.callsites), and with tsx's source maps on, Node maps every
    // frame of each: a third of an evaluation's CPU. V8 formats a stack when it is first read, so an
    // error that reaches a test is still shown with source positions; only the traces Pulumi reads
    // during the evaluation (which no test looks at) keep the transpiled ones.
    const sourceMaps = process.sourceMapsEnabled;
    process.setSourceMapsEnabled(false);
    try {
        // require, not import(): the program must load afresh from a cleared require cache on every run.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const loaded: unknown = require(path.join(PROJECT_ROOT, "index.ts"));
        const program = typeof loaded === "function" ? loaded : (loaded as { default?: unknown }).default;
        if (typeof program !== "function") throw new Error("index.ts does not export the program function");
        outputs = await (program as () => Promise<Record<string, unknown>>)();
        await settle(recorded);
    } finally {
        evaluating = false;
        process.setSourceMapsEnabled(sourceMaps);
        if (opts.cwd) process.chdir(previousCwd);
    }

    const byUrn = new Map(recorded.map((r) => [r.urn, r]));
    const run: ProgramRun = {
        resources: recorded,
        calls,
        outputs,
        all: (type) => recorded.filter((r) => r.type === type),
        find: (type, name) => recorded.find((r) => r.type === type && (name === undefined || r.name === name)),
        one(type, name) {
            const matches = recorded.filter((r) => r.type === type && (name === undefined || r.name === name));
            if (matches.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${matches.length}`);
            return matches[0];
        },
        dependsOn: (from, to) => from.dependencies.includes(to.urn),
        dependsOnTransitively(from, to) {
            const seen = new Set<string>();
            const queue = [from.urn];
            while (queue.length > 0) {
                const urn = queue.shift() ?? "";
                if (seen.has(urn)) continue;
                seen.add(urn);
                const r = byUrn.get(urn);
                if (!r) continue;
                for (const dep of r.dependencies) {
                    if (dep === to.urn) return true;
                    queue.push(dep);
                    // A dependency on a component is a dependency on its children.
                    for (const child of recorded.filter((c) => c.parent === dep)) queue.push(child.urn);
                }
            }
            return false;
        },
    };
    return run;
}

const sharedRuns = new Map<string, Promise<ProgramRun>>();
const functionIds = new WeakMap<object, number>();
let nextFunctionId = 1;

/** A key for options: functions by identity (a module-level function is the same at every call). */
function optionsKey(opts: RunOptions): string {
    return JSON.stringify(opts, (_key, value: unknown) => {
        if (typeof value !== "function") return value;
        let id = functionIds.get(value);
        if (id === undefined) {
            id = nextFunctionId++;
            functionIds.set(value, id);
        }
        return `<function ${id}>`;
    });
}

function sortedEntries(config: Record<string, string>): [string, string][] {
    return Object.entries(config).sort(([a], [b]) => a.localeCompare(b));
}

/** Freezes what a run recorded, so a test that changes a shared run fails instead of changing it for the next. */
function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value) && !pulumi.Output.isInstance(value) && !(value instanceof Set)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

/**
 * runProgram, evaluated once per test process for the same config and options, and shared: for tests
 * that only read the run. The key is the config and the options (function options by identity), not
 * the files they name: a test that edits a chart, a values file or a checkout between two runs uses
 * runProgram. What the run recorded is frozen. A run that fails fails every caller.
 */
export function sharedRun(config: Record<string, string>, opts: RunOptions = {}): Promise<ProgramRun> {
    const key = JSON.stringify([sortedEntries(config), optionsKey(opts), opts.cwd ? "" : process.cwd()]);
    let run = sharedRuns.get(key);
    if (!run) {
        run = runProgram(config, opts).then((r) => {
            deepFreeze(r.resources);
            deepFreeze(r.calls);
            return r;
        });
        sharedRuns.set(key, run);
    }
    return run;
}

// Internal to @pulumi/pulumi (marked @internal, so not in its typings), stable since 2018.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pulumiSettings: unknown = require("@pulumi/pulumi/runtime/settings");
function waitForRPCs(): Promise<void> {
    const wait = typeof pulumiSettings === "object" && pulumiSettings !== null ? (pulumiSettings as { waitForRPCs?: unknown }).waitForRPCs : undefined;
    if (typeof wait !== "function") throw new Error("@pulumi/pulumi/runtime/settings has no waitForRPCs");
    return Promise.resolve(wait()).then(() => undefined);
}

/**
 * Wait until registrations stop arriving (bounded). Every resource takes an RPC keep-alive when it is
 * constructed, and Pulumi's waitForRPCs resolves once all of them are done (@pulumi/pulumi
 * runtime/resource.ts registerResource -> settings.rpcKeepAlive; runtime/settings.ts waitForRPCs, which
 * `pulumi.runtime.disconnect` awaits). A resource made later, in an apply that runs after them, would take
 * a new one: so after the wait, the count must stay the same for a few event-loop turns (timers, I/O and
 * immediates all run in a turn), else wait again.
 */
async function settle(recorded: RecordedResource[]): Promise<void> {
    const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 1));
    for (let round = 0; round < 100; round++) {
        await waitForRPCs();
        const count = recorded.length;
        for (let i = 0; i < 3; i++) await turn();
        if (recorded.length === count) return;
    }
    throw new Error("registrations did not stop arriving");
}

interface OutputInternals<T> {
    isKnown: Promise<boolean>;
    promise(withUnknowns?: boolean): Promise<T>;
}

function hasInternals<T>(o: pulumi.Output<T>): o is pulumi.Output<T> & OutputInternals<T> {
    return typeof (o as unknown as Partial<OutputInternals<T>>).promise === "function" && "isKnown" in o;
}

export interface ResolvedOutput<T> {
    known: boolean;
    secret: boolean;
    value: T | undefined;
}

/** An output's value, whether it is known (false in preview), and whether it is secret. */
export async function resolve<T>(value: unknown): Promise<ResolvedOutput<T>> {
    if (!pulumi.Output.isInstance(value)) return { known: true, secret: false, value: value as T };
    const output = value as pulumi.Output<T>;
    if (!hasInternals(output)) throw new Error("unexpected Output shape");
    const [known, secret] = await Promise.all([output.isKnown, pulumi.isSecret(output)]);
    return { known, secret, value: known ? await output.promise() : undefined };
}

/** The program is loaded fresh for each run, so its ConfigError is not this module's class. */
export function isConfigError(err: unknown): err is Error {
    return err instanceof Error && err.name === "ConfigError";
}

/**
 * Runs the program expecting it to fail, then waits as long as a successful
 * run would for late registrations, and returns the error with every resource
 * (components included) that was registered anyway.
 */
export async function runProgramFailure(config: Record<string, string>, opts: RunOptions = {}): Promise<{ error: unknown; resources: RecordedResource[] }> {
    try {
        await runProgram(config, opts);
    } catch (error) {
        const resources = recorder;
        await settle(resources);
        return { error, resources };
    }
    throw new Error("expected the program to fail");
}
