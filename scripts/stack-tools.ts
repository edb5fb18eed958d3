// The dev script's recreate and report flags as npm commands (k3d-dev.sh -K, -R and its status
// report), run by scripts/pulumi-local.sh once the stack is selected and its passphrase set:
//   tsx scripts/stack-tools.ts urns host|cluster   < `pulumi stack export`   prints the URNs to --replace
//   tsx scripts/stack-tools.ts status <stack>                                 prints the stack's health
// `status` only reads: the stack's outputs, then ssh (the stack's sshCommand), curl on the host,
// kubectl with the stack's kubeconfig, and the AWS CLI when installed, each bounded by a timeout.
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

/** The `k3d cluster create` command; the cluster's Kubernetes objects and provider follow its ID. */
const CLUSTER_COMMAND = { type: "command:remote:Command", name: "k3d-cluster" };

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
        : resources.filter((r) => r.type === CLUSTER_COMMAND.type && r.urn.endsWith(`::${CLUSTER_COMMAND.name}`)).map((r) => r.urn);
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

const TIMEOUT_MS = { pulumi: 60_000, aws: 30_000, ssh: 20_000, kubectl: 20_000 };

/** The stack's health, read only. `outputs` is `pulumi stack output --json --show-secrets`. */
export function stackStatus(outputs: Record<string, unknown>, opts: { region?: string; hasTool?: (tool: string) => boolean } = {}): StatusLine[] {
    const hasTool = opts.hasTool ?? onPath;
    const lines: StatusLine[] = [];
    const sshCommand = typeof outputs.sshCommand === "string" ? outputs.sshCommand : undefined;
    if (!sshCommand) return [{ what: "host", ok: false, text: "the stack has no sshCommand output: deploy it first (npm run up)" }];
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
        const why = hello.timedOut ? "no answer" : hello.stderr.trim().split("\n").pop() ?? `exit ${hello.code}`;
        lines.push({
            what: "host", ok: false,
            text: `${address} does not answer SSH (${why})${awsState === undefined ? "; stopped? npm run start starts it (the AWS CLI would tell)" : ""}`,
        });
        return lines;
    }
    lines.push({ what: "host", ok: true, text: `running, answers SSH at ${address}${instanceId ? ` (${instanceId})` : ""}` });

    const endpoint = typeof outputs.registryEndpoint === "string" ? outputs.registryEndpoint : undefined;
    if (outputs.registryAddressInCluster !== undefined && endpoint) {
        // On the host, whose /etc/hosts maps the registry name to 127.0.0.1; 401 is an answer (auth is on).
        const url = `https://${endpoint.replace(/^oci:\/\//, "")}/v2/`;
        const probe = ssh(`curl -s -o /dev/null -w '%{http_code}' --max-time 8 ${url}`);
        const status = probe.stdout.trim();
        const answers = probe.code === 0 && (status === "200" || status === "401");
        lines.push({ what: "registry", ok: answers, text: answers ? `${url} answers (HTTP ${status})` : `${url} does not answer (curl exit ${probe.code}, HTTP ${status || "none"})` });
    } else if (endpoint) {
        lines.push({ what: "registry", ok: true, text: `${endpoint} (not on this host: not checked)` });
    }

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

function main(argv: string[]): number {
    const [command, arg] = argv;
    if (command === "urns" && (arg === "host" || arg === "cluster")) {
        const urns = urnsToReplace(fs.readFileSync(0, "utf8"), arg);
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
        process.stdout.write(`stack ${arg ?? ""}\n${lines.map((l) => `${l.ok ? "ok  " : "FAIL"} ${l.what.padEnd(12)} ${l.text}\n`).join("")}`);
        return lines.every((l) => l.ok) ? 0 : 1;
    }
    process.stderr.write("usage: stack-tools.ts urns host|cluster < export.json | stack-tools.ts status <stack>\n");
    return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
