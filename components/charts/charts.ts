// The developer's charts, pushed from the dev host whenever their content
// changes, so the workstation needs neither Helm, nor /etc/hosts edits, nor an
// open registry port.
//
// Concept `charts`: exports ChartPushes, the Chart.yaml reader for prepare,
// the push target and outputs (chartsPlan), and the Big Bang values snippet.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { pruneChartArchives, writeChartArchive } from "./chartArchive";
import { ChartInfo } from "./chartSource";
import { DevHost } from "../host/host";
import { chartPushPlan, PushTarget } from "./chartsPlan";
import { scriptFolder } from "../host/remoteScript";
import { hostTriggers, onHostOptions, onInstanceOnly } from "../host/onHost";

export interface ChartPushesArgs {
    host: DevHost;
    /** Read and validated from Chart.yaml before any resource exists. */
    charts: ChartInfo[];
    target: PushTarget;
    /** Password or token for target.username (secret). */
    password?: pulumi.Input<string>;
    /** What must exist before a push: the registry's readiness gate. */
    dependsOn: pulumi.Resource[];
    /** Local folder for the chart archives that are copied to the host (see chartArchive.ts). */
    archiveDir: string;
}

export class ChartPushes extends pulumi.ComponentResource {
    readonly pushes: command.remote.Command[] = [];

    constructor(name: string, args: ChartPushesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:ChartPushes", name, {}, opts);
        const { host } = args;
        if (args.charts.length === 0) {
            pruneChartArchives(args.archiveDir, []);
            this.registerOutputs({});
            return;
        }
        const stagingRoot = `/home/${host.sshUser}/.bigbang-oci-dev/charts`;
        const staging = new command.remote.Command("staging-dir", {
            connection: host.connection,
            create: `mkdir -p ${stagingRoot}`,
            triggers: hostTriggers(host),
        }, { parent: this, ...onHostOptions(host), dependsOn: [host.ready] });

        const archives: string[] = [];
        for (const chart of args.charts) {
            const plan = chartPushPlan(chart, args.target, stagingRoot);
            const archive = writeChartArchive(chart, args.archiveDir);
            archives.push(archive);
            // One file of just what `helm package` keeps; see chartArchive.ts for where it lands and why.
            const copy = new command.remote.CopyToRemote(`${plan.resourceName}-copy`, {
                connection: host.connection,
                source: new pulumi.asset.FileAsset(archive),
                remotePath: plan.remoteArchive,
                triggers: hostTriggers(host, plan.ociReference),
            }, { parent: this, ...onHostOptions(host), dependsOn: [staging] });
            this.pushes.push(new command.remote.Command(`${plan.resourceName}-push`, {
                connection: host.connection,
                create: CHART_SCRIPTS.command("helm-push", plan.scriptArgs),
                // Removing or renaming a chart entry only cleans the staging copy; the pushed artifact stays.
                delete: onInstanceOnly(host, `rm -f -- ${plan.remoteArchive}`),
                stdin: args.target.username ? args.password : undefined,
                triggers: hostTriggers(host, chart.contentHash, plan.ociReference),
            }, { parent: this, ...onHostOptions(host), dependsOn: [copy, ...args.dependsOn], additionalSecretOutputs: ["stdout", "stderr"] }));
        }
        // Archives of charts no longer listed (renamed, removed) are sources of no copy.
        pruneChartArchives(args.archiveDir, archives);
        this.registerOutputs({});
    }
}

export const CHART_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));
