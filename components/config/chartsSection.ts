// The `charts` and `chartVersionScheme` keys: the developer's charts pushed to the registry.
import { z } from "zod";
import { Report } from "./problems";
import { nonEmpty } from "./scalars";

export interface ChartEntry {
    path: string;
    package?: string;
    /** Overrides StackConfig.chartVersionScheme for this chart. */
    versionScheme?: ChartVersionScheme;
}

/**
 * How a pushed chart's version carries its content hash (charts/chartSource.ts, contentVersion):
 * `build` as SemVer build metadata (`1.2.3+content.<hash>`), `prerelease` as a pre-release
 * identifier (`1.2.3-content-<hash>`), for charts that put `.Chart.Version` into a label, where `+` is refused.
 */
export type ChartVersionScheme = "build" | "prerelease";
export const CHART_VERSION_SCHEMES: readonly ChartVersionScheme[] = ["build", "prerelease"];

export const chartSchema = z.union([
    nonEmpty("a chart directory").transform((path) => ({ path })),
    z.strictObject({
        path: nonEmpty("a chart directory"),
        package: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9-]*)*$/, {
            error: "expected a Big Bang values key such as kiali or addons.anchoreEnterprise",
        }).optional(),
        versionScheme: z.enum(CHART_VERSION_SCHEMES, { error: "expected build or prerelease" }).optional(),
    }),
], { error: "expected { path, package?, versionScheme? }" });

export function chartsChecks(charts: ChartEntry[], p: Report): void {
    const seenPaths = new Set<string>();
    for (const [i, chart] of charts.entries()) {
        if (seenPaths.has(chart.path)) p(`charts[${i}].path`, "is listed twice", chart.path);
        seenPaths.add(chart.path);
    }
}
