// Helm chart fixtures packaged the way `helm package` lays them out: a gzip'd
// tar whose single root folder is named after the chart. Uses GNU tar, which
// the test image has; tests fail (not skip) if it is missing.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";

export const HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json";
export const HELM_CHART_CONTENT_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

const CHART_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TAR_TIMEOUT_MS = 30_000;

const maintainerSchema = z.object({ name: z.string().optional(), email: z.string().optional(), url: z.string().optional() });
const dependencySchema = z.object({
    name: z.string(),
    version: z.string().optional(),
    repository: z.string().optional(),
    condition: z.string().optional(),
    tags: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
    "import-values": z.array(z.unknown()).optional(),
    alias: z.string().optional(),
});

/** Chart.yaml as Helm's chart.Metadata reads it; unknown keys are ignored as Helm does. */
const chartMetadataSchema = z.object({
    name: z.string().regex(CHART_NAME),
    home: z.string().optional(),
    sources: z.array(z.string()).optional(),
    version: z.string().min(1),
    description: z.string().optional(),
    keywords: z.array(z.string()).optional(),
    maintainers: z.array(maintainerSchema).optional(),
    icon: z.string().optional(),
    apiVersion: z.enum(["v1", "v2"]),
    condition: z.string().optional(),
    tags: z.string().optional(),
    appVersion: z.string().optional(),
    deprecated: z.boolean().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    kubeVersion: z.string().optional(),
    dependencies: z.array(dependencySchema).optional(),
    type: z.string().optional(),
});
export type ChartMetadata = z.infer<typeof chartMetadataSchema>;

// The field order of Helm's chart.Metadata struct, which is the order its JSON config uses.
const HELM_METADATA_FIELD_ORDER = [
    "name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion",
    "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type",
] as const;

export interface ChartFixtureOptions {
    name: string;
    version: string;
    appVersion?: string;
    description?: string;
}

export interface ChartFixture {
    /** The chart folder, `<parent>/<name>`. */
    chartDir: string;
    chartYaml: string;
    metadata: ChartMetadata;
}

export interface UnpackedChartArchive {
    /** The single top-level folder of the archive. */
    rootDirectory: string;
    /** Every entry path in the archive, as tar lists it. */
    entries: string[];
    /** Chart.yaml text from `<rootDirectory>/Chart.yaml`. */
    chartYaml: string;
    /** File contents keyed by their path inside the archive. */
    files: Map<string, Buffer>;
}

function runTar(args: string[]): string {
    try {
        return execFileSync("tar", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: TAR_TIMEOUT_MS });
    } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new Error(`tar ${args.join(" ")} failed (is GNU tar installed?): ${detail}`);
    }
}

export function parseChartYaml(chartYaml: string): ChartMetadata {
    return chartMetadataSchema.parse(parseYaml(chartYaml));
}

/** Writes a small, valid chart to `<parentDir>/<name>`. */
export function writeChartFixture(parentDir: string, options: ChartFixtureOptions): ChartFixture {
    const chartDir = path.join(parentDir, options.name);
    fs.mkdirSync(path.join(chartDir, "templates"), { recursive: true });
    const chartYaml = stringifyYaml({
        apiVersion: "v2",
        name: options.name,
        description: options.description ?? `Test chart ${options.name} for bigbang-oci-dev`,
        type: "application",
        version: options.version,
        appVersion: options.appVersion ?? "1.0.0",
        annotations: { "bigbang.dev/test-fixture": "true" },
    });
    const metadata = parseChartYaml(chartYaml);
    fs.writeFileSync(path.join(chartDir, "Chart.yaml"), chartYaml);
    fs.writeFileSync(path.join(chartDir, "values.yaml"), "greeting: hello from the dev registry\n");
    fs.writeFileSync(path.join(chartDir, "templates", "configmap.yaml"), [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: {{ .Release.Name }}-greeting",
        "data:",
        "  greeting: {{ .Values.greeting | quote }}",
        "",
    ].join("\n"));
    return { chartDir, chartYaml, metadata };
}

/** `helm package`-style archive `<outDir>/<name>-<version>.tgz` of a chart folder; returns its path. */
export function packageChart(chartDir: string, outDir: string): string {
    const metadata = parseChartYaml(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8"));
    if (path.basename(chartDir) !== metadata.name) {
        // Helm names the archive's root folder after the chart, whatever the source folder is called.
        throw new Error(`chart folder ${chartDir} must be named after the chart (${metadata.name})`);
    }
    fs.mkdirSync(outDir, { recursive: true });
    const archive = path.join(outDir, `${metadata.name}-${metadata.version}.tgz`);
    runTar([
        "-czf", archive, "--format=ustar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
        "-C", path.dirname(chartDir), metadata.name,
    ]);
    return archive;
}

/** Lists and unpacks a chart archive (in a temp folder it removes again) and checks Helm's layout. */
export function readChartArchive(archive: Buffer): UnpackedChartArchive {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-chart-"));
    try {
        const archiveFile = path.join(workDir, "chart.tgz");
        fs.writeFileSync(archiveFile, archive);
        const entries = runTar(["-tzf", archiveFile]).split("\n").filter((line) => line.length > 0);
        const roots = new Set(entries.map((entry) => entry.split("/")[0]));
        const [rootDirectory] = [...roots];
        if (roots.size !== 1 || rootDirectory === undefined || entries.some((entry) => entry.startsWith("/") || entry.split("/").includes(".."))) {
            throw new Error(`chart archive must hold exactly one top-level folder, found: ${[...roots].join(", ")}`);
        }
        const extractDir = path.join(workDir, "x");
        fs.mkdirSync(extractDir);
        runTar(["-xzf", archiveFile, "-C", extractDir, "--no-same-owner"]);
        const files = new Map<string, Buffer>();
        for (const entry of entries) {
            const onDisk = path.join(extractDir, entry);
            if (fs.statSync(onDisk).isFile()) {
                files.set(entry.replace(/\/$/, ""), fs.readFileSync(onDisk));
            }
        }
        const chartYaml = files.get(`${rootDirectory}/Chart.yaml`);
        if (!chartYaml) {
            throw new Error(`chart archive has no ${rootDirectory}/Chart.yaml; entries: ${entries.join(", ")}`);
        }
        return { rootDirectory, entries, chartYaml: chartYaml.toString("utf8"), files };
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
    }
}

// Go's `omitempty` drops false, "", and empty lists and maps, not only missing fields.
function isGoZeroValue(value: unknown): boolean {
    if (value === undefined || value === null || value === false || value === "") return true;
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === "object") return Object.keys(value).length === 0;
    return false;
}

/** The OCI config blob `helm push` writes: Chart.yaml's metadata as JSON, in Helm's field order, empty fields left out. */
export function helmConfigJson(chartYaml: string): Buffer {
    const metadata = parseChartYaml(chartYaml);
    const ordered: Record<string, unknown> = {};
    for (const field of HELM_METADATA_FIELD_ORDER) {
        const value = metadata[field];
        if (!isGoZeroValue(value)) {
            ordered[field] = value;
        }
    }
    return Buffer.from(JSON.stringify(ordered), "utf8");
}

// The tag rule is the program's own (HIP-0006), so the test pushes what the program pushes.
export { ociTagForVersion as ociTagForChartVersion } from "../../components/charts/chartSource";
