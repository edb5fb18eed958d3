// Runs a Pulumi program the way the language host does: Pulumi's own Node.js
// entry point (@pulumi/pulumi/cmd/run) in a child process, connected over gRPC
// to an engine and a resource monitor served here, in place of the CLI's. What
// the engine receives through Engine.Log is what `pulumi up` prints.
import * as grpc from "@grpc/grpc-js";
import { spawn } from "child_process";
import * as path from "path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourcePb from "@pulumi/pulumi/proto/resource_pb";

export interface LanguageHostRun {
    exitCode: number | null;
    /** Engine.Log messages as the CLI would print them: severity and text. */
    logs: { severity: string; message: string }[];
    /** Every resource type::name registered with the monitor, the root stack included. */
    registered: string[];
    stdout: string;
    stderr: string;
}

const SEVERITY = ["debug", "info", "warning", "error"];

export async function runThroughLanguageHost(opts: {
    programDir: string;
    project: string;
    stack: string;
    config: Record<string, string>;
    dryRun?: boolean;
    /** Pulumi.yaml runtime option `typescript`, which the language host passes on as PULUMI_NODEJS_TYPESCRIPT. */
    typescript?: boolean;
    timeoutMs?: number;
}): Promise<LanguageHostRun> {
    const logs: LanguageHostRun["logs"] = [];
    const registered: string[] = [];
    let rootUrn = "";
    const server = new grpc.Server();
    server.addService(engineGrpc.EngineService, {
        log(call: grpc.ServerUnaryCall<enginePb.LogRequest, Empty>, callback: grpc.sendUnaryData<Empty>) {
            logs.push({ severity: SEVERITY[call.request.getSeverity()] ?? String(call.request.getSeverity()), message: call.request.getMessage() });
            callback(null, new Empty());
        },
        getRootResource(_call: unknown, callback: grpc.sendUnaryData<enginePb.GetRootResourceResponse>) {
            callback(null, new enginePb.GetRootResourceResponse().setUrn(rootUrn));
        },
        setRootResource(call: grpc.ServerUnaryCall<enginePb.SetRootResourceRequest, enginePb.SetRootResourceResponse>, callback: grpc.sendUnaryData<enginePb.SetRootResourceResponse>) {
            rootUrn = call.request.getUrn();
            callback(null, new enginePb.SetRootResourceResponse());
        },
    });
    server.addService(resourceGrpc.ResourceMonitorService, {
        supportsFeature(_call: unknown, callback: grpc.sendUnaryData<resourcePb.SupportsFeatureResponse>) {
            callback(null, new resourcePb.SupportsFeatureResponse().setHassupport(false));
        },
        registerResource(call: grpc.ServerUnaryCall<resourcePb.RegisterResourceRequest, resourcePb.RegisterResourceResponse>,
            callback: grpc.sendUnaryData<resourcePb.RegisterResourceResponse>) {
            const type = call.request.getType();
            const name = call.request.getName();
            registered.push(`${type}::${name}`);
            const urn = `urn:pulumi:${opts.stack}::${opts.project}::${type}::${name}`;
            callback(null, new resourcePb.RegisterResourceResponse().setUrn(urn).setId("").setObject(new Struct()));
        },
        registerResourceOutputs(_call: unknown, callback: grpc.sendUnaryData<Empty>) {
            callback(null, new Empty());
        },
        signalAndWaitForShutdown(_call: unknown, callback: grpc.sendUnaryData<Empty>) {
            callback(null, new Empty());
        },
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
    const address = `127.0.0.1:${port}`;
    const entryPoint = path.dirname(require.resolve("@pulumi/pulumi/cmd/run"));
    const args = [entryPoint, `--monitor=${address}`, `--engine=${address}`, `--project=${opts.project}`, `--stack=${opts.stack}`,
        `--root-directory=${opts.programDir}`, `--pwd=${opts.programDir}`, ...(opts.dryRun ? ["--dry-run"] : []), opts.programDir];
    try {
        return await new Promise<LanguageHostRun>((resolve, reject) => {
            const child = spawn(process.execPath, args, {
                cwd: opts.programDir,
                // As the Node.js language host sets them; the type check is `npm run typecheck`'s job.
                env: { ...process.env, PULUMI_CONFIG: JSON.stringify(opts.config), PULUMI_CONFIG_SECRET_KEYS: "[]",
                    PULUMI_NODEJS_TYPESCRIPT: opts.typescript ? "true" : "false", PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
            child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
            const timer = setTimeout(() => {
                child.kill("SIGKILL");
                reject(new Error(`the program did not exit within ${opts.timeoutMs ?? 60_000} ms\n${stderr}`));
            }, opts.timeoutMs ?? 60_000);
            child.on("error", (err) => { clearTimeout(timer); reject(err); });
            child.on("exit", (code) => {
                clearTimeout(timer);
                resolve({ exitCode: code, logs, registered, stdout, stderr });
            });
        });
    } finally {
        server.forceShutdown();
    }
}
