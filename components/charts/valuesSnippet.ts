// The Big Bang values that make Flux install the developer's charts from the
// dev registry: one `helmRepositories` entry for the registry, and for each
// chart, at its package key, `sourceType: helmRepo` plus `helmRepo.{repoName,
// chartName, tag}`. Users pass it to Big Bang with `-f` after their own values.
//
// `helmRepo.tag` is the pushed chart version (ChartInfo.pushVersion), `+`
// included, not the OCI tag. Flux's HelmChart takes the tag as a chart version
// (fluxcd/source-controller internal/helm/repository/oci_chart_repository.go,
// getChartVersion): a valid SemVer is fetched directly as
// `<repository>/<chartName>:<version>`, without listing tags, and Helm's
// registry client writes the `+` as `_` on the way (HIP-0006), so it finds what
// `helm push` stored. An `_` tag does not parse as SemVer, so source-controller
// lists the tags and calls getLastMatchingVersionOrConstraint, which tries an
// exact match first; but Helm's registry client lists tags with `_` turned back
// into `+` (helm pkg/registry/client.go, Tags), so the `_` spelling matches no
// listed tag, and it then fails as a SemVer constraint.
import { stringify } from "yaml";
import { packageKeyProblem } from "./bigbangPackages";
import { isValidChartName, isValidSemVer } from "./chartSource";

export interface SnippetChart {
    name: string;
    version: string;
    /** Dot path of the package's values key: "kiali", "addons.anchoreEnterprise", "packages.myapp". */
    packageKey: string;
}

export interface SnippetRepository {
    name: string;
    /** `oci://host[:port][/path]` */
    url: string;
    username?: string;
    password?: string;
    /** A Secret Big Bang references instead of generating one from username and password. */
    existingSecret?: string;
}

// Big Bang names the HelmRepository (and its `<name>-secret`) after this, so it has to be a DNS-1123 label.
const REPOSITORY_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const OCI_URL = /^oci:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._/-]*)?$/;
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The values as a plain object, ready for YAML or JSON. Throws on bad input or two charts at one key. */
export function valuesSnippet(repo: SnippetRepository, charts: readonly SnippetChart[]): Record<string, unknown> {
    const helmRepository = helmRepositoryEntry(repo);
    const values: Record<string, unknown> = { helmRepositories: [helmRepository] };

    const chartAtKey = new Map<string, string>();
    for (const chart of charts) {
        if (!isValidChartName(chart.name)) throw new Error(`chart name ${JSON.stringify(chart.name)} is not a valid Helm chart name`);
        if (!isValidSemVer(chart.version)) throw new Error(`chart ${chart.name}: version ${JSON.stringify(chart.version)} is not SemVer 2`);
        const problem = packageKeyProblem(chart.packageKey);
        if (problem) throw new Error(`chart ${chart.name}: package key ${JSON.stringify(chart.packageKey)}: ${problem}`);
        const other = chartAtKey.get(chart.packageKey);
        if (other !== undefined) {
            throw new Error(`charts ${other} and ${chart.name} are both set to install as Big Bang package ${chart.packageKey}; give one of them another package key`);
        }
        chartAtKey.set(chart.packageKey, chart.name);
        setAtPath(values, chart.packageKey.split("."), {
            sourceType: "helmRepo",
            helmRepo: { repoName: repo.name, chartName: chart.name, tag: chart.version },
        });
    }
    return values;
}

/** valuesSnippet as a YAML document. It holds the registry password when one is given: treat it as a secret. */
export function valuesSnippetYaml(repo: SnippetRepository, charts: readonly SnippetChart[]): string {
    return snippetYaml(valuesSnippet(repo, charts));
}

/** A snippet object as the YAML the developer copies. */
export function snippetYaml(values: Record<string, unknown>): string {
    // No line folding: passwords and URLs stay on one line, easy to grep and diff.
    return stringify(values, { lineWidth: 0 });
}

function helmRepositoryEntry(repo: SnippetRepository): Record<string, string> {
    if (!REPOSITORY_NAME.test(repo.name)) {
        throw new Error(`Helm repository name ${JSON.stringify(repo.name)}: expected lower-case letters, digits and '-', at most 63 characters`);
    }
    if (!OCI_URL.test(repo.url)) {
        throw new Error(`Helm repository URL ${JSON.stringify(repo.url)}: expected oci://host[:port][/path]`);
    }
    const hasUser = repo.username !== undefined && repo.username !== "";
    const hasPassword = repo.password !== undefined && repo.password !== "";
    if (hasUser !== hasPassword) throw new Error("Helm repository credentials: give both username and password, or neither");
    const hasSecret = repo.existingSecret !== undefined && repo.existingSecret !== "";
    // Big Bang's template prefers existingSecret and drops the credentials silently; refuse the ambiguity instead.
    if (hasSecret && hasUser) throw new Error("Helm repository credentials: give existingSecret or username and password, not both");
    // Big Bang's chart/values.schema.json: every helmRepositories[] item needs existingSecret, or username and
    // password, or a non-generic provider (cloud registries only), and Helm enforces it on install and upgrade.
    if (!hasSecret && !hasUser) {
        throw new Error("Helm repository credentials: Big Bang's values schema requires existingSecret, or username and password, on every helmRepositories entry");
    }
    if (hasSecret && !SECRET_NAME.test(repo.existingSecret ?? "")) {
        throw new Error(`existingSecret ${JSON.stringify(repo.existingSecret)}: expected a Kubernetes Secret name`);
    }

    const entry: Record<string, string> = { name: repo.name, repository: repo.url, type: "oci" };
    if (hasUser && repo.username !== undefined && repo.password !== undefined) {
        entry.username = repo.username;
        entry.password = repo.password;
    }
    if (hasSecret && repo.existingSecret !== undefined) entry.existingSecret = repo.existingSecret;
    return entry;
}

// Creates the objects along `segments` as needed, keeping siblings that are already there.
function setAtPath(root: Record<string, unknown>, segments: readonly string[], leaf: Record<string, unknown>): void {
    let node = root;
    for (const [i, segment] of segments.entries()) {
        const isLast = i === segments.length - 1;
        const existing = Object.hasOwn(node, segment) ? node[segment] : undefined;
        if (isLast) {
            if (existing !== undefined) throw new Error(`values key ${segments.join(".")} is already set`);
            node[segment] = leaf;
            return;
        }
        if (existing === undefined) {
            const child: Record<string, unknown> = {};
            node[segment] = child;
            node = child;
        } else if (isPlainRecord(existing)) {
            node = existing;
        } else {
            throw new Error(`values key ${segments.slice(0, i + 1).join(".")} is not a mapping`);
        }
    }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
