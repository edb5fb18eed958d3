// Reads a developer's chart directory at deploy time: its Chart.yaml identity
// (name, version, OCI tag) and a hash of what `helm package` would put in the
// archive, so that the push to the registry reruns exactly when the chart changes.
// Synchronous on purpose: the Pulumi program needs these values while it builds
// the resource graph, before any Output exists.
import { createHash, type Hash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import ignore from "ignore";
import { isMap, isScalar, parseDocument, type YAMLMap } from "yaml";
import { ConfigError, PROJECT, type ChartEntry, type ChartVersionScheme } from "../config/config";
import { packageKeyForChart, packageKeyProblem } from "./bigbangPackages";
import { expandHome } from "../config/paths";

/** A problem with one chart directory; the message starts with the file at fault. */
export class ChartError extends Error {
    constructor(readonly file: string, readonly problem: string) {
        super(`${file}: ${problem}`);
        this.name = "ChartError";
    }
}

/** A Chart.yaml version the chart's version scheme cannot carry: a problem of the scheme's config key. */
export class VersionSchemeError extends ChartError {
    constructor(file: string, problem: string) {
        super(file, problem);
        this.name = "VersionSchemeError";
    }
}

export interface ChartInfo {
    /** Absolute path of the chart directory. */
    dir: string;
    name: string;
    /** The Chart.yaml version, as Flux and Big Bang's `helmRepo.tag` want it. */
    version: string;
    /** The OCI tag Helm pushes the version under: `+` written as `_` (HIP-0006). */
    ociTag: string;
    /** chartContentHash of the directory. */
    contentHash: string;
    /**
     * The version the chart is pushed and installed as: `version` plus build metadata from the
     * content hash (contentVersion), so every content change is a new version that Flux fetches,
     * while the Chart.yaml on disk stays as the developer wrote it.
     */
    pushVersion: string;
    /** pushVersion as an OCI tag (`+` written as `_`). */
    pushOciTag: string;
    appVersion?: string;
}

export interface ChartReadOptions {
    /** Directory that a relative chart path is resolved against; the current directory if unset. */
    baseDir?: string;
    /** Refuse a chart whose hashed files add up to more than this many bytes. */
    maxBytes?: number;
    /** How pushVersion carries the content hash; `build` if unset. */
    versionScheme?: ChartVersionScheme;
}

/**
 * Helm refuses to load a chart that expands to more than 100 MiB
 * (`MaxDecompressedChartSize`), so a larger directory cannot be pushed anyway;
 * usually it means the path points at something other than a chart.
 */
export const MAX_CHART_BYTES = 100 * 1024 * 1024;

/** Stops a walk of a huge tree (say, a home directory given by mistake) long before the byte bound would. */
export const MAX_CHART_ENTRIES = 20_000;

/**
 * DNS-1123 label, which Helm's chart conventions require (and `helm lint`
 * checks): lower-case letters, digits and '-', starting and ending with a letter
 * or digit, at most 63 characters. It is also a valid OCI repository path component.
 */
const CHART_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

// SemVer 2.0.0, section 9-10: numeric identifiers have no leading zeros, and
// pre-release and build identifiers are non-empty runs of [0-9A-Za-z-].
const NUMERIC = "(?:0|[1-9][0-9]*)";
const PRERELEASE_ID = `(?:${NUMERIC}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = "[0-9A-Za-z-]+";
const SEMVER = new RegExp(
    `^${NUMERIC}\\.${NUMERIC}\\.${NUMERIC}(?:-${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*)?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);

// The OCI distribution spec's tag grammar.
const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isValidChartName(name: string): boolean {
    return CHART_NAME.test(name);
}

/** Strict SemVer 2: MAJOR.MINOR.PATCH[-pre][+build], no `v` prefix, no leading zeros. */
export function isValidSemVer(version: string): boolean {
    return SEMVER.test(version);
}

/**
 * The version a chart is pushed as: its Chart.yaml version with 12 hex of the content hash. Each content
 * is its own version, and so its own OCI tag: Flux's source-controller keeps the chart it fetched for a
 * version until the HelmChart spec changes, so without this a changed chart pushed under the same version
 * would never reach the cluster.
 *
 * - `build` (the default): `content.<hash>` appended to the build metadata (`1.2.3+content.<hash>`).
 *   Build metadata does not change SemVer precedence, so the chart still sorts as the version the
 *   developer wrote. But `+` is not allowed in a Kubernetes label value, so a chart that puts
 *   `.Chart.Version` into a label unescaped (the usual `app.kubernetes.io/version`) fails to install
 *   (fluxcd/flux2#4910); helm-push.sh finds that out before the push.
 * - `prerelease`: `content-<hash>` appended to the pre-release (`1.2.3-content-<hash>`,
 *   `1.2.3-bb.4.content-<hash>`): only letters, digits, `-` and `.`, so it fits a label. One identifier
 *   with a `-`, so it is never numeric (a numeric identifier may not have a leading zero, SemVer 2 section 9).
 *   A pre-release sorts before its release, which matters to a version range (Masterminds/semver skips
 *   pre-releases unless the range has one) but not here: Big Bang pins the exact version
 *   (`helmRepo.tag` becomes the HelmChart's `version`), source-controller fetches a version that parses
 *   as SemVer by its exact tag without comparing it with others (oci_chart_repository.go,
 *   getChartVersion), and helm-controller upgrades whenever the release's chart version differs from
 *   the fetched chart's, not only when it is higher (internal/action/verify.go, VerifyRelease:
 *   ErrChartChanged). A Chart.yaml version with build metadata has a `+` of its own: the scheme refuses it.
 */
export function contentVersion(version: string, contentHash: string, scheme: ChartVersionScheme = "build"): string {
    const hash = contentHash.slice(0, 12);
    if (scheme === "prerelease") {
        if (version.includes("+")) {
            throw new Error(`version ${JSON.stringify(version)} has build metadata, whose '+' a label cannot hold either; the prerelease scheme cannot push it`);
        }
        return version.includes("-") ? `${version}.content-${hash}` : `${version}-content-${hash}`;
    }
    const build = `content.${hash}`;
    return version.includes("+") ? `${version}.${build}` : `${version}+${build}`;
}

/** OCI tags cannot hold `+`; Helm writes SemVer build metadata with `_` instead (HIP-0006). */
export function ociTagForVersion(version: string): string {
    return version.replaceAll("+", "_");
}

/**
 * Read and check `<chartDir>/Chart.yaml` and hash the chart. Every problem is a
 * ChartError naming the file or directory at fault.
 */
export function readChart(chartDir: string, opts: ChartReadOptions = {}): ChartInfo {
    const dir = path.resolve(opts.baseDir ?? process.cwd(), expandHome(chartDir));
    const chartFile = path.join(dir, "Chart.yaml");
    const dirStat = statOrUndefined(dir);
    if (!dirStat) throw new ChartError(dir, "chart directory does not exist");
    if (!dirStat.isDirectory()) throw new ChartError(dir, "expected a chart directory, found a file");

    let text: string;
    try {
        text = fs.readFileSync(chartFile, "utf8");
    } catch (err) {
        const code = errorCode(err);
        if (code === "ENOENT") throw new ChartError(chartFile, "file does not exist; is this a Helm chart directory?");
        if (code === "EISDIR") throw new ChartError(chartFile, "expected a file, found a directory");
        throw new ChartError(chartFile, `cannot be read: ${errorMessage(err)}`);
    }

    const doc = parseDocument(text.replace(/^\uFEFF/, ""), { uniqueKeys: true });
    if (doc.errors.length > 0) {
        throw new ChartError(chartFile, `is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    }
    if (!isMap(doc.contents)) {
        throw new ChartError(chartFile, "expected a YAML mapping with apiVersion, name and version");
    }
    const fields = doc.contents;

    const apiVersion = scalarField(fields, "apiVersion", chartFile);
    if (apiVersion === undefined) throw new ChartError(chartFile, "apiVersion is missing; expected v1 or v2");
    if (apiVersion !== "v1" && apiVersion !== "v2") {
        throw new ChartError(chartFile, `apiVersion ${JSON.stringify(apiVersion)} is not supported; expected v1 or v2`);
    }

    const name = scalarField(fields, "name", chartFile);
    if (name === undefined) throw new ChartError(chartFile, "name is missing");
    if (!isValidChartName(name)) {
        throw new ChartError(chartFile, `name ${JSON.stringify(name)} is not a valid chart name: expected lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`);
    }

    const version = scalarField(fields, "version", chartFile);
    if (version === undefined) throw new ChartError(chartFile, "version is missing");
    if (!isValidSemVer(version)) {
        throw new ChartError(chartFile, `version ${JSON.stringify(version)} is not a SemVer 2 version: expected MAJOR.MINOR.PATCH with optional -prerelease and +build, no leading 'v' and no leading zeros, such as 1.2.3-bb.0`);
    }
    const ociTag = ociTagForVersion(version);
    if (!OCI_TAG.test(ociTag)) {
        throw new ChartError(chartFile, `version ${JSON.stringify(version)} is too long for an OCI tag (at most 128 characters)`);
    }

    const appVersion = scalarField(fields, "appVersion", chartFile);
    const contentHash = chartContentHash(dir, { maxBytes: opts.maxBytes });
    const scheme = opts.versionScheme ?? "build";
    if (scheme === "prerelease" && version.includes("+")) {
        throw new VersionSchemeError(chartFile, `version ${JSON.stringify(version)} has build metadata, and its '+' is what the prerelease scheme keeps out of labels: drop the +${version.slice(version.indexOf("+") + 1)} part from Chart.yaml, or use the build scheme`);
    }
    const pushVersion = contentVersion(version, contentHash, scheme);
    const pushOciTag = ociTagForVersion(pushVersion);
    if (!OCI_TAG.test(pushOciTag)) {
        throw new ChartError(chartFile, `version ${JSON.stringify(version)} is too long: with the content build metadata it must fit an OCI tag (at most 128 characters)`);
    }
    return {
        dir,
        name,
        version,
        ociTag,
        contentHash,
        pushVersion,
        pushOciTag,
        ...(appVersion === undefined ? {} : { appVersion }),
    };
}

/**
 * A scalar's text, or undefined when the key is absent or null. Helm reads
 * numbers and booleans into its string fields too, so those count by their
 * source text (`version: 1.2` is "1.2", which then fails as SemVer).
 */
function scalarField(fields: YAMLMap, key: string, chartFile: string): string | undefined {
    const node = fields.get(key, true);
    if (node === undefined || node === null) return undefined;
    if (!isScalar(node)) throw new ChartError(chartFile, `${key} must be a string`);
    if (node.value === null || node.value === undefined) return undefined;
    if (typeof node.value === "string") return node.value;
    return node.source ?? String(node.value);
}

// ---------------------------------------------------------------------------
// Content hash.

/** Version control metadata: never part of a chart, whatever .helmignore says. */
export const VCS_NAMES: ReadonlySet<string> = new Set([".git", ".hg", ".svn", ".bzr", ".jj", "_darcs", "CVS"]);

// Bumped whenever the framing below changes, so that old and new hashes never collide.
const HASH_DOMAIN = "bigbang-oci-dev chart content v1\n";

interface HelmIgnoreRule {
    negate: boolean;
    mustDir: boolean;
    /** Rules without a '/' match the base name only; the rest match the whole relative path. */
    wholePath: boolean;
    segments: number;
    matcher: ReturnType<typeof ignore>;
}

/**
 * Parse .helmignore the way Helm's pkg/ignore does: trimmed lines, '#'
 * comments, `**` refused, `!` negates, a trailing '/' matches directories only,
 * a pattern with a '/' matches the whole path relative to the chart (a leading
 * '/' is dropped) and one without matches the base name. Each pattern is a
 * single glob for the `ignore` package; Helm's own rule order is applied by
 * helmIgnores, since it differs from gitignore's.
 */
export function parseHelmIgnore(text: string, file = ".helmignore"): HelmIgnoreRule[] {
    const rules: HelmIgnoreRule[] = [];
    // Helm ignores dotfiles in templates/ after the file's own rules.
    const lines = [...text.replace(/^\uFEFF/, "").split(/\r?\n/), "templates/.?*"];
    for (const [i, line] of lines.entries()) {
        let rule = line.trim();
        if (rule === "" || rule.startsWith("#")) continue;
        if (rule.includes("**")) {
            throw new ChartError(file, `line ${i + 1}: ${JSON.stringify(rule)}: Helm does not support the double-star (**) syntax`);
        }
        const negate = rule.startsWith("!");
        if (negate) rule = rule.slice(1);
        const mustDir = rule.endsWith("/");
        if (mustDir) rule = rule.slice(0, -1);
        const wholePath = rule.includes("/");
        if (rule.startsWith("/")) rule = rule.slice(1);
        if (rule === "") continue;
        rules.push({
            negate,
            mustDir,
            wholePath,
            segments: rule.split("/").length,
            matcher: ignore({ ignorecase: false }).add(asLiteralGitignoreGlob(rule, wholePath)),
        });
    }
    return rules;
}

// Characters that mean something to gitignore at the edges of a line, but are
// plain glob text to Go's filepath.Match once Helm has stripped its own syntax.
function asLiteralGitignoreGlob(glob: string, anchored: boolean): string {
    let out = glob.replace(/ +$/, (spaces) => "\\ ".repeat(spaces.length));
    if (out.startsWith("#") || out.startsWith("!")) out = `\\${out}`;
    return anchored ? `/${out}` : out;
}

/**
 * Helm's Rules.Ignore: rules in order; a matching rule ignores the path; a
 * negated rule ignores every path it does NOT match and lets matching paths go
 * on to the next rule. (That is Helm's behaviour, not gitignore's re-include.)
 */
export function helmIgnores(rules: readonly HelmIgnoreRule[], relPath: string, isDir: boolean): boolean {
    const baseName = relPath.slice(relPath.lastIndexOf("/") + 1);
    const matches = (rule: HelmIgnoreRule): boolean =>
        rule.wholePath
            // Go's `*` never crosses a '/', so a path glob only matches paths with as many segments.
            ? relPath.split("/").length === rule.segments && rule.matcher.ignores(relPath)
            : rule.matcher.ignores(baseName);
    for (const rule of rules) {
        if (rule.negate) {
            if ((rule.mustDir && !isDir) || !matches(rule)) return true;
            continue;
        }
        if (rule.mustDir && !isDir) continue;
        if (matches(rule)) return true;
    }
    return false;
}

export interface ChartFile {
    /** POSIX path relative to the chart directory. */
    relPath: string;
    absPath: string;
    executable: boolean;
    size: number;
}

/**
 * The files `helm package` would take from `chartDir`: .helmignore applied as
 * Helm applies it (an ignored directory is skipped whole), VCS metadata left
 * out, sorted by path. Symlinks are followed, as Helm follows them, and listed
 * under the link's own path; a dangling link, a link cycle, or a socket, FIFO or
 * device is an error, as it is for Helm.
 */
export function listChartFiles(chartDir: string, opts: { maxBytes?: number } = {}): ChartFile[] {
    const root = path.resolve(chartDir);
    const maxBytes = opts.maxBytes ?? MAX_CHART_BYTES;
    const ignoreFile = path.join(root, ".helmignore");
    let rules: HelmIgnoreRule[] = parseHelmIgnore("", ignoreFile);
    if (statOrUndefined(ignoreFile)?.isFile()) rules = parseHelmIgnore(readOrFail(ignoreFile, () => fs.readFileSync(ignoreFile, "utf8")), ignoreFile);

    const files: ChartFile[] = [];
    let totalBytes = 0;
    let entries = 0;

    const walk = (absDir: string, relDir: string, ancestors: ReadonlySet<string>): void => {
        const names = readOrFail(absDir, () => fs.readdirSync(absDir)).sort();
        for (const name of names) {
            if (VCS_NAMES.has(name)) continue;
            entries += 1;
            if (entries > MAX_CHART_ENTRIES) {
                throw new ChartError(root, `holds more than ${MAX_CHART_ENTRIES} files and directories; is it really a chart directory?`);
            }
            const absPath = path.join(absDir, name);
            const relPath = relDir === "" ? name : `${relDir}/${name}`;
            let stat: fs.Stats;
            try {
                stat = fs.statSync(absPath);
            } catch (err) {
                const isLink = fs.lstatSync(absPath).isSymbolicLink();
                throw new ChartError(absPath, isLink ? `symbolic link cannot be followed: ${errorMessage(err)}` : `cannot be read: ${errorMessage(err)}`);
            }
            if (stat.isDirectory()) {
                if (helmIgnores(rules, relPath, true)) continue;
                const real = fs.realpathSync(absPath);
                if (ancestors.has(real)) throw new ChartError(absPath, "symbolic link loops back to a directory that contains it");
                walk(absPath, relPath, new Set([...ancestors, real]));
                continue;
            }
            if (helmIgnores(rules, relPath, false)) continue;
            if (!stat.isFile()) throw new ChartError(absPath, "is not a regular file (socket, FIFO or device); Helm cannot package it");
            totalBytes += stat.size;
            if (totalBytes > maxBytes) {
                throw new ChartError(root, `chart files add up to more than ${formatBytes(maxBytes)}; Helm refuses charts that large. Is this the right directory, and does .helmignore leave out build output?`);
            }
            files.push({ relPath, absPath, executable: (stat.mode & 0o111) !== 0, size: stat.size });
        }
    };
    walk(root, "", new Set([fs.realpathSync(root)]));
    return files.sort((a, b) => Buffer.compare(Buffer.from(a.relPath), Buffer.from(b.relPath)));
}

/**
 * SHA-256 (hex) over the chart's files as listChartFiles finds them: for each,
 * its relative POSIX path, whether it is executable, and its contents, each
 * length-prefixed so no two different charts frame to the same bytes.
 * Timestamps, owners and directory entries play no part.
 */
export function chartContentHash(chartDir: string, opts: { maxBytes?: number } = {}): string {
    return hashChartContents(readChartFiles(chartDir, opts));
}

export interface ChartFileContents {
    relPath: string;
    executable: boolean;
    contents: Buffer;
}

/** listChartFiles with each file's bytes, re-checking the size bound on what was actually read. */
export function readChartFiles(chartDir: string, opts: { maxBytes?: number } = {}): ChartFileContents[] {
    const root = path.resolve(chartDir);
    const rootStat = statOrUndefined(root);
    if (!rootStat?.isDirectory()) throw new ChartError(root, "chart directory does not exist");
    const maxBytes = opts.maxBytes ?? MAX_CHART_BYTES;
    let totalBytes = 0;
    return listChartFiles(root, { maxBytes }).map((file) => {
        const contents = readOrFail(file.absPath, () => fs.readFileSync(file.absPath));
        // In case a file grew since it was listed.
        totalBytes += contents.length;
        if (totalBytes > maxBytes) throw new ChartError(root, `chart files add up to more than ${formatBytes(maxBytes)}`);
        return { relPath: file.relPath, executable: file.executable, contents };
    });
}

/** The content hash over files already read, so a caller holding the bytes can check they are the ones hashed. */
export function hashChartContents(files: readonly ChartFileContents[]): string {
    const hash = createHash("sha256").update(HASH_DOMAIN);
    for (const file of files) {
        updateFramed(hash, Buffer.from(file.relPath, "utf8"));
        hash.update(Buffer.from([file.executable ? 1 : 0]));
        updateFramed(hash, file.contents);
    }
    return hash.digest("hex");
}

function updateFramed(hash: Hash, bytes: Buffer): void {
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(bytes.length));
    hash.update(length).update(bytes);
}

// ---------------------------------------------------------------------------
// References and package keys.

/**
 * Where Helm pushes the chart: `host[:port][/path]/<name>:<ociTag>`, without the
 * `oci://` scheme, the form `oras`, `crane` and `docker` take. (`helm pull`
 * instead wants `oci://host[:port][/path]/<name>` with `--version`.)
 */
export function ociReference(registryUrl: string, chart: { name: string; ociTag: string }): string {
    const base = registryUrl.replace(/^oci:\/\//, "").replace(/\/+$/, "");
    if (base === "" || /\s|:\/\//.test(base)) throw new Error(`expected an OCI registry URL such as oci://registry.example:5000/charts, got ${JSON.stringify(registryUrl)}`);
    if (!isValidChartName(chart.name)) throw new Error(`invalid chart name ${JSON.stringify(chart.name)}`);
    if (!OCI_TAG.test(chart.ociTag)) throw new Error(`invalid OCI tag ${JSON.stringify(chart.ociTag)}; write '+' as '_'`);
    return `${base}/${chart.name}:${chart.ociTag}`;
}

/**
 * The Big Bang values key a chart is installed under: `charts[i].package` when
 * set, otherwise the Big Bang package that ships a chart of that name. Throws a
 * ConfigError naming `charts[i].package` when neither gives a usable key.
 */
export function resolvePackageKey(entry: ChartEntry, chartName: string, index?: number): string {
    const configKey = `${PROJECT}:charts[${index ?? "i"}].package`;
    if (entry.package !== undefined) {
        const problem = packageKeyProblem(entry.package);
        if (problem) throw new ConfigError([`${configKey}: ${problem}, got ${JSON.stringify(entry.package)}`]);
        return entry.package;
    }
    const known = packageKeyForChart(chartName);
    if (known !== undefined) return known;
    throw new ConfigError([
        `${configKey}: chart ${JSON.stringify(chartName)} at ${entry.path} is not a Big Bang package; set ${configKey} to the values key to install it under, such as packages.${chartName} for a custom package`,
    ]);
}

// ---------------------------------------------------------------------------

function readOrFail<T>(file: string, read: () => T): T {
    try {
        return read();
    } catch (err) {
        throw new ChartError(file, `cannot be read: ${errorMessage(err)}`);
    }
}

function statOrUndefined(p: string): fs.Stats | undefined {
    try {
        return fs.statSync(p);
    } catch {
        return undefined;
    }
}

function errorCode(err: unknown): string | undefined {
    if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
    return undefined;
}

function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

function formatBytes(bytes: number): string {
    return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${bytes} bytes`;
}
