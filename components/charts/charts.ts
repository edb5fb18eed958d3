// The developer's charts, pushed from the dev host whenever their content
// changes, so the workstation needs neither Helm, nor /etc/hosts edits, nor an
// open registry port.
//
// Concept `charts`: exports ChartPushes, the Chart.yaml reader for prepare,
// the push target and outputs (chartsPlan), and the Big Bang values snippet.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { pruneChartArchives, writeChartArchive } from "./chartArchive";
import { ChartInfo } from "./chartSource";
import { DevHost, HostCommand } from "../host/devHost";
import { chartPushPlan, PushTarget, StackSnippet, stackValuesSnippet } from "./chartsPlan";
import { snippetYaml } from "./valuesSnippet";
import { scriptFolder } from "../host/remoteScript";

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
    readonly pushes: HostCommand[] = [];

    constructor(name: string, args: ChartPushesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bigbang-oci-dev:index:ChartPushes", name, {}, opts);
        const { host } = args;
        if (args.charts.length === 0) {
            pruneChartArchives(args.archiveDir, []);
            this.registerOutputs({});
            return;
        }
        const stagingRoot = `${host.workDir}/charts`;
        const staging = host.command("staging-dir", {
            create: `mkdir -p ${stagingRoot}`,
        }, { parent: this, dependsOn: [host.ready] });

        const archives: string[] = [];
        for (const chart of args.charts) {
            const plan = chartPushPlan(chart, args.target, stagingRoot);
            const archive = writeChartArchive(chart, args.archiveDir);
            archives.push(archive);
            // One file of just what `helm package` keeps; see chartArchive.ts for where it lands and why.
            const copy = host.copyFile(`${plan.resourceName}-copy`, {
                source: new pulumi.asset.FileAsset(archive),
                remotePath: plan.remoteArchive,
                triggers: [plan.ociReference],
            }, { parent: this, dependsOn: [staging] });
            this.pushes.push(host.command(`${plan.resourceName}-push`, {
                create: CHART_SCRIPTS.command("helm-push", plan.scriptArgs),
                // Removing or renaming a chart entry only cleans the staging copy; the pushed artifact stays.
                delete: `rm -f -- ${plan.remoteArchive}`,
                stdin: args.target.username ? args.password : undefined,
                triggers: [chart.contentHash, plan.ociReference],
            }, { parent: this, dependsOn: [copy, ...args.dependsOn], additionalSecretOutputs: ["stdout", "stderr"] }));
        }
        // Archives of charts no longer listed (renamed, removed) are sources of no copy.
        pruneChartArchives(args.archiveDir, archives);
        this.registerOutputs({});
    }
}

export const CHART_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));

/**
 * The values snippet as the stack output: a secret whenever it can hold a password (every target
 * but registry1-staging, whose entry names Big Bang's Secret instead).
 */
export function valuesSnippetOutput(snippet: StackSnippet, password: pulumi.Input<string | undefined>): pulumi.Output<string> {
    if (snippet.registry.target === "registry1-staging") return pulumi.output(snippetYaml(stackValuesSnippet(snippet, undefined)));
    return pulumi.secret(pulumi.output(password).apply((p) => snippetYaml(stackValuesSnippet(snippet, p))));
}
