// The dev script's recreate and report flags as npm commands (k3d-dev.sh -K, -R and its status
// report), run by scripts/pulumi-local.sh once the stack is selected and its passphrase set:
//   tsx scripts/stack-tools.ts urns host|cluster   < `pulumi stack export`   prints the URNs to --replace
//       (exit 3: nothing to replace; exit 4: the backend has no such thing, the reason on stderr)
//   tsx scripts/stack-tools.ts status <stack>                                 prints the stack's health
// `status` only reads: the stack's outputs, then ssh (the stack's sshCommand), curl on the host,
// kubectl with the stack's kubeconfig, and the AWS CLI when installed, each bounded by a timeout;
// on host.backend local, `docker info` and curl on this workstation instead of ssh.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// ---------------------------------------------------------------------------
// URNs to replace

interface ExportedResource {
    urn: string;
    type: string;
}

/**
 * The host's machine: `aws:ec2/instance:Instance` (on demand, and a spot host once it is an
 * Instance with instanceMarketOptions) or `aws:ec2/spotInstanceRequest:SpotInstanceRequest` (a spot
 * host as a spot request). Read from the stack's own export, so whichever the stack has is found.
 * Everything on the host carries the instance's ID in an input its provider replaces on
 * (components/host/onHost.ts), so replacing the machine rebuilds all of it in the same run.
 */
const MACHINE_TYPES = new Set(["aws:ec2/instance:Instance", "aws:ec2/spotInstanceRequest:SpotInstanceRequest"]);

/**
 * The `k3d cluster create` command; the cluster's Kubernetes objects and provider follow its ID. A
 * remote command on aws and ssh, a local one on host.backend local (LocalHost.command).
 */
const CLUSTER_COMMAND = { types: new Set(["command:remote:Command", "command:local:Command"]), name: "k3d-cluster" };

/** The ssh backend's install step (components/host/ssh/sshHost.ts), under the DevHost component. */
const SSH_SETUP_SUFFIX = "DevHost$command:remote:Command::host-setup";

export type HostBackend = "aws" | "ssh" | "local";

export type ReplaceTarget = "host" | "cluster";

/** An object's fields, or none: JSON from another program is checked, not trusted. */
function record(v: unknown): Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : {};
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function exportedResources(exportJson: string): ExportedResource[] {
    const parsed: unknown = JSON.parse(exportJson);
    const top = record(parsed);
    const list = Array.isArray(record(top.deployment).resources) ? record(top.deployment).resources : top.resources;
    if (!Array.isArray(list)) return [];
    return list.map(record).filter((r) => typeof r.urn === "string" && typeof r.type === "string")
        .map((r) => ({ urn: String(r.urn), type: String(r.type) }));
}

export function urnsToReplace(exportJson: string, target: ReplaceTarget): string[] {
    const resources = exportedResources(exportJson);
    return target === "host"
        ? resources.filter((r) => MACHINE_TYPES.has(r.type) && r.urn.includes("DevHost$")).map((r) => r.urn)
        : resources.filter((r) => CLUSTER_COMMAND.types.has(r.type) && r.urn.endsWith(`::${CLUSTER_COMMAND.name}`)).map((r) => r.urn);
}

/**
 * The backend the deployed stack was built with, from its export (what `--replace` acts on), not
 * from `host.backend` in the config, which may already name another backend the next up will switch
 * to: aws has its machine, ssh its `host-setup` step, local a local `k3d-cluster` command.
 */
export function exportedBackend(exportJson: string): HostBackend | undefined {
    const resources = exportedResources(exportJson);
    if (resources.some((r) => MACHINE_TYPES.has(r.type) && r.urn.includes("DevHost$"))) return "aws";
    if (resources.some((r) => r.type === "command:remote:Command" && r.urn.endsWith(SSH_SETUP_SUFFIX))) return "ssh";
    if (resources.some((r) => r.type === "command:local:Command" && r.urn.endsWith(`::${CLUSTER_COMMAND.name}`))) return "local";
    return undefined;
}

/**
 * Why `npm run recreate-host` does nothing on this stack, or undefined when it replaces the machine.
 *
 * ssh: the machine is the developer's; the nearest thing to -R would be `--replace` of `host-setup`
 * (its delete is the uninstall). The engine replaces a `--replace` target create-before-delete unless
 * the resource has deleteBeforeReplace, which host-setup has not: pulumi/pulumi v3.260.0
 * pkg/resource/deploy/step_generator.go, `diff` returns a replace for a targeted URN without asking
 * the provider, then the replace branch emits CreateReplacement and Replace, "the delete step is
 * generated 'later' on, after all creates/updates finish". So the install would run (a no-op on an
 * installed machine) and the old step's uninstall last, removing the tools folder and the staged
 * files that the rest of the stack, not replaced, still uses. Refused instead.
 */
export function recreateHostRefusal(exportJson: string): string | undefined {
    switch (exportedBackend(exportJson)) {
        case "ssh":
            return "host.backend ssh: the machine is yours, and the program does not replace it. Reinstalling what the program put on it "
                + "in one up is not safe (the old install step's delete, the uninstall, would run last and remove the new install). "
                + "npm run recreate-cluster rebuilds the cluster; npm run destroy, then npm run up, removes everything the program put "
                + "on the machine and installs it again (the machine's own software stays).";
        case "local":
            return "host.backend local: there is no machine to recreate; npm run recreate-cluster rebuilds the cluster.";
        default:
            return undefined;
    }
}

// ---------------------------------------------------------------------------
// status

export interface ToolRun {
    code: number | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    missing: boolean;
}

export function runTool(cmd: string, args: string[], opts: { timeoutMs: number; input?: string }): ToolRun {
    const result = spawnSync(cmd, args, { encoding: "utf8", timeout: opts.timeoutMs, input: opts.input, killSignal: "SIGKILL" });
    const code = result.error !== undefined && "code" in result.error ? String(result.error.code) : "";
    return {
        code: result.status,
        stdout: result.stdout ?? "",
        stderr: result.stderr ?? "",
        timedOut: code === "ETIMEDOUT",
        missing: code === "ENOENT",
    };
}

function onPath(tool: string): boolean {
    return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
        try {
            fs.accessSync(path.join(dir, tool), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

export interface StatusLine {
    what: "host" | "cluster" | "registry" | "helmreleases";
    ok: boolean;
    text: string;
}

/** `namespace/name: Ready=<status> <reason>: <message>` for every HelmRelease that is not Ready, as wait-helmreleases.sh prints them. */
export function helmReleaseSummary(listJson: string): { ready: number; total: number; notReady: string[] } {
    const parsed: unknown = JSON.parse(listJson);
    const listed = record(parsed).items;
    const items: unknown[] = Array.isArray(listed) ? listed : [];
    const notReady: string[] = [];
    for (const item of items.map(record)) {
        const metadata = record(item.metadata);
        const conditions = record(item.status).conditions;
        const ready = Array.isArray(conditions) ? conditions.map(record).find((c) => c.type === "Ready") : undefined;
        if (ready?.status === "True") continue;
        const message = (text(ready?.message) ?? "").split("\n")[0].slice(0, 160);
        notReady.push(`${text(metadata.namespace)}/${text(metadata.name)}: Ready=${text(ready?.status) ?? "Unknown"} ${text(ready?.reason) ?? ""}${message ? `: ${message}` : ""}`.trim());
    }
    return { ready: items.length - notReady.length, total: items.length, notReady };
}

const TIMEOUT_MS = { pulumi: 60_000, aws: 30_000, ssh: 20_000, kubectl: 20_000, docker: 20_000, curl: 15_000 };

/**
 * The backend that built the deployed stack, from its outputs: aws has `instanceId`, ssh `sshCommand`
 * without it, local neither but a `kubeconfig` (the backends' outputs, components/host/{aws,ssh,local};
 * test/program.ssh.test.ts and program.local.test.ts pin which are absent). Not `host.backend` from
 * the config: status reports what is deployed, and the config may already name another backend that
 * the next up will switch to (the outputs still describe the old one until then).
 */
export function outputsBackend(outputs: Record<string, unknown>): HostBackend | undefined {
    if (typeof outputs.instanceId === "string") return "aws";
    if (typeof outputs.sshCommand === "string") return "ssh";
    if (typeof outputs.kubeconfig === "string") return "local";
    return undefined;
}

const lastLine = (run: ToolRun): string => run.stderr.trim().split("\n").pop() || run.stdout.trim() || `exit ${run.code}`;

/** The stack's health, read only. `outputs` is `pulumi stack output --json --show-secrets`. */
export function stackStatus(outputs: Record<string, unknown>, opts: { region?: string; hasTool?: (tool: string) => boolean } = {}): StatusLine[] {
    const hasTool = opts.hasTool ?? onPath;
    const backend = outputsBackend(outputs);
    if (backend === undefined) return [{ what: "host", ok: false, text: "the stack has no host outputs (sshCommand, kubeconfig): deploy it first (npm run up)" }];
    if (backend === "local") return localStatus(outputs, hasTool);
    const lines: StatusLine[] = [];
    const sshCommand = String(outputs.sshCommand);
    const instanceId = typeof outputs.instanceId === "string" ? outputs.instanceId : undefined;
    const address = /@(\S+)$/.exec(sshCommand)?.[1] ?? "?";

    // The AWS view first, when the CLI is there: it tells a stopped host from an unreachable one.
    let awsState: string | undefined;
    if (instanceId && hasTool("aws")) {
        const described = runTool("aws", ["ec2", "describe-instances", "--instance-ids", instanceId, ...(opts.region ? ["--region", opts.region] : []),
            "--query", "Reservations[0].Instances[0].State.Name", "--output", "text"], { timeoutMs: TIMEOUT_MS.aws });
        if (described.code === 0) awsState = described.stdout.trim();
    }
    if (awsState !== undefined && awsState !== "running") {
        lines.push({ what: "host", ok: false, text: `${instanceId} is ${awsState} (AWS); npm run start starts it` });
        return lines;
    }
    // ssh with the stack's own options; ConnectTimeout first, since ssh keeps the first value of an option.
    const ssh = (remote: string, timeoutMs = TIMEOUT_MS.ssh) =>
        runTool("bash", ["-c", `${sshCommand.replace(/^ssh /, "ssh -o ConnectTimeout=8 -o ServerAliveInterval=5 -o ServerAliveCountMax=2 ")} "$1"`, "ssh", remote], { timeoutMs });
    const hello = ssh("true");
    if (hello.code !== 0) {
        const why = hello.timedOut ? "no answer" : lastLine(hello);
        // On ssh the machine is the developer's: the program never starts or stops it (host.running is aws only).
        const hint = backend === "ssh"
            ? "; it is your own machine (host.backend ssh): check that it is on and reachable"
            : awsState === undefined ? "; stopped? npm run start starts it (the AWS CLI would tell)" : "";
        lines.push({ what: "host", ok: false, text: `${address} does not answer SSH (${why})${hint}` });
        return lines;
    }
    lines.push({
        what: "host", ok: true,
        text: backend === "ssh" ? `answers SSH at ${address} (your machine, host.backend ssh)` : `running, answers SSH at ${address}${instanceId ? ` (${instanceId})` : ""}`,
    });

    const endpoint = typeof outputs.registryEndpoint === "string" ? outputs.registryEndpoint : undefined;
    if (outputs.registryAddressInCluster !== undefined && endpoint) {
        // On the host, whose /etc/hosts maps the registry name to 127.0.0.1; 401 is an answer (auth is on).
        const url = registryUrl(endpoint);
        const probe = ssh(`curl -s -o /dev/null -w '%{http_code}' --max-time 8 ${url}`);
        lines.push(registryLine(url, probe));
    } else if (endpoint) {
        lines.push({ what: "registry", ok: true, text: `${endpoint} (not on this host: not checked)` });
    }
    return [...lines, ...clusterStatus(outputs, hasTool)];
}

const registryUrl = (endpoint: string): string => `https://${endpoint.replace(/^oci:\/\//, "")}/v2/`;

function registryLine(url: string, probe: ToolRun): StatusLine {
    const status = probe.stdout.trim();
    const answers = probe.code === 0 && (status === "200" || status === "401");
    return { what: "registry", ok: answers, text: answers ? `${url} answers (HTTP ${status})` : `${url} does not answer (curl exit ${probe.code}, HTTP ${status || "none"})` };
}

/**
 * host.backend local: the workstation's Docker Engine instead of a host (DOCKER_HOST, else the default
 * socket, as the program uses it), then the registry from here: its port is published on 127.0.0.1
 * (etcHostsLine), and curl's --resolve gives the name that address, so the probe needs no /etc/hosts
 * line and checks the certificate for the registry's own name.
 */
function localStatus(outputs: Record<string, unknown>, hasTool: (tool: string) => boolean): StatusLine[] {
    const lines: StatusLine[] = [];
    const info = runTool("docker", ["info", "--format", "{{.ServerVersion}}"], { timeoutMs: TIMEOUT_MS.docker });
    const version = info.stdout.trim();
    if (info.code !== 0 || version === "") {
        const why = info.missing ? "docker is not installed here" : info.timedOut ? "no answer" : lastLine(info);
        lines.push({ what: "host", ok: false, text: `the local Docker engine does not answer (${why}); start Docker, then run this again (host.backend local)` });
        return lines;
    }
    lines.push({ what: "host", ok: true, text: `the local Docker engine ${version} answers (host.backend local)` });

    const endpoint = typeof outputs.registryEndpoint === "string" ? outputs.registryEndpoint : undefined;
    if (outputs.registryAddressInCluster !== undefined && endpoint) {
        const url = registryUrl(endpoint);
        const hostPort = /^(?:oci:\/\/)?([^/:]+):(\d+)/.exec(endpoint);
        if (!hasTool("curl")) {
            lines.push({ what: "registry", ok: false, text: "curl is not installed here: registry not checked" });
        } else if (hostPort === null) {
            lines.push({ what: "registry", ok: false, text: `${endpoint} names no port: registry not checked` });
        } else {
            const probe = runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "8",
                "--resolve", `${hostPort[1]}:${hostPort[2]}:127.0.0.1`, url], { timeoutMs: TIMEOUT_MS.curl });
            lines.push(registryLine(url, probe));
        }
    } else if (endpoint) {
        lines.push({ what: "registry", ok: true, text: `${endpoint} (not on this workstation: not checked)` });
    }
    return [...lines, ...clusterStatus(outputs, hasTool)];
}

/** The cluster's API with the stack's kubeconfig, then, with Big Bang, every HelmRelease's Ready condition. */
function clusterStatus(outputs: Record<string, unknown>, hasTool: (tool: string) => boolean): StatusLine[] {
    const lines: StatusLine[] = [];
    const kubeconfig = typeof outputs.kubeconfig === "string" ? outputs.kubeconfig : undefined;
    if (!kubeconfig) {
        lines.push({ what: "cluster", ok: false, text: "the stack has no kubeconfig output" });
        return lines;
    }
    if (!hasTool("kubectl")) {
        lines.push({ what: "cluster", ok: false, text: "kubectl is not installed here: cluster and HelmRelease checks skipped" });
        return lines;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-status-"));
    try {
        const file = path.join(dir, "kubeconfig");
        fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
        const kubectl = (args: string[]) => runTool("kubectl", ["--kubeconfig", file, "--request-timeout=10s", ...args], { timeoutMs: TIMEOUT_MS.kubectl });
        const ready = kubectl(["get", "--raw", "/readyz"]);
        const api = typeof outputs.kubeApiEndpoint === "string" ? outputs.kubeApiEndpoint : "the API";
        if (ready.code !== 0 || ready.stdout.trim() !== "ok") {
            lines.push({ what: "cluster", ok: false, text: `${api} is not reachable or not ready (${ready.timedOut ? "timed out" : ready.stderr.trim().split("\n").pop() ?? ready.stdout.trim()})` });
            return lines;
        }
        lines.push({ what: "cluster", ok: true, text: `${api} ready` });
        if (outputs.bigbang === undefined) return lines;
        const list = kubectl(["get", "helmreleases.helm.toolkit.fluxcd.io", "-A", "-o", "json"]);
        if (list.code !== 0) {
            lines.push({ what: "helmreleases", ok: false, text: `cannot list HelmReleases (${list.stderr.trim().split("\n").pop() ?? `exit ${list.code}`})` });
            return lines;
        }
        const summary = helmReleaseSummary(list.stdout);
        lines.push({
            what: "helmreleases", ok: summary.notReady.length === 0,
            text: `${summary.ready}/${summary.total} Ready${summary.notReady.length > 0 ? `; not Ready:\n    ${summary.notReady.join("\n    ")}` : ""}`,
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return lines;
}

/** What `status` prints: the stack, then one line per check. */
export function statusReport(stack: string, lines: StatusLine[]): string {
    return `stack ${stack}\n${lines.map((l) => `${l.ok ? "ok  " : "FAIL"} ${l.what.padEnd(12)} ${l.text}\n`).join("")}`;
}

/** `status` exits 0 when every check is ok, else 1. */
export function statusExitCode(lines: StatusLine[]): number {
    return lines.every((l) => l.ok) ? 0 : 1;
}

function main(argv: string[]): number {
    const [command, arg] = argv;
    if (command === "urns" && (arg === "host" || arg === "cluster")) {
        const exported = fs.readFileSync(0, "utf8");
        const refusal = arg === "host" ? recreateHostRefusal(exported) : undefined;
        if (refusal !== undefined) {
            process.stderr.write(`${refusal}\n`);
            return 4;
        }
        const urns = urnsToReplace(exported, arg);
        process.stdout.write(urns.map((u) => `${u}\n`).join(""));
        return urns.length > 0 ? 0 : 3;
    }
    if (command === "status") {
        const out = runTool("pulumi", ["stack", "output", "--json", "--show-secrets"], { timeoutMs: TIMEOUT_MS.pulumi });
        if (out.code !== 0) {
            process.stderr.write(`pulumi stack output failed: ${out.stderr.trim()}\n`);
            return 1;
        }
        const region = runTool("pulumi", ["config", "get", "aws:region"], { timeoutMs: TIMEOUT_MS.pulumi });
        const lines = stackStatus(record(JSON.parse(out.stdout || "{}")), { region: region.code === 0 ? region.stdout.trim() : undefined });
        process.stdout.write(statusReport(arg ?? "", lines));
        return statusExitCode(lines);
    }
    process.stderr.write("usage: stack-tools.ts urns host|cluster < export.json | stack-tools.ts status <stack>\n");
    return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
