// Where the Big Bang umbrella chart comes from: a local checkout the developer
// names (`bigbang.source.path`) or a release tag fetched once into a cache
// (`bigbang.source.version`). Either way the program gets the same checked
// layout: the chart, Flux's kustomization, the dev MetalLB kustomization, and
// the chart's values and schema already parsed. Also reads the developer's
// extra values files.
//
// Why a git checkout and not a chart download: Big Bang's docs name no OCI (or
// Helm repository) artifact of the umbrella chart to install from. Its quickstart
// clones https://repo1.dso.mil/big-bang/bigbang.git and checks out a tag
// (docs/reference/scripts/quickstart.sh, checkout_bigbang_repo, at commit
// 1699eff40), its Flux install points a GitRepository at a tag
// (base/gitrepository.yaml: `ref: tag: 3.30.0`), and the docs' uses of
// `oci://registry1.dso.mil/bigbang` are package charts (bigbang-install.md in
// the team's Big Bang reference notes). The customer template's "helmRepo"
// strategy (docs/concepts/git-ops-workflow.md) and some third-party scripts
// suggest an umbrella chart in registry1 as well, but it is undocumented and
// needs a registry1 login; the git tag is documented and public, and the checkout also carries
// the Flux and MetalLB kustomizations the program applies.
// Release tags are the bare chart version ("3.30.0", whose chart/Chart.yaml says
// `version: 3.30.0`); only some old tags (v1.x, v2.0.x) carry a "v", and the tag
// v2.0.0 even holds chart 2.0.1, so the tag and the chart version are both checked.
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isMap, parse, parseDocument, YAMLParseError } from "yaml";
import { PROJECT } from "../config/config";
import { expandHome } from "../config/paths";

/** The repository Big Bang's quickstart clones; GitHub's DoD-Platform-One/bigbang is a mirror of it. */
export const BIGBANG_GIT_URL = "https://repo1.dso.mil/big-bang/bigbang.git";

/** Where a user can see which tags exist. */
export const BIGBANG_TAGS_PAGE = "https://repo1.dso.mil/big-bang/bigbang/-/tags";

/** A shallow clone of one tag is tens of MB; a slow link may need minutes, a dead one must not hang `pulumi up`. */
export const DEFAULT_CLONE_TIMEOUT_MS = 5 * 60_000;

/** Bounds the local git calls (rev-parse, status), which never touch the network. */
const LOCAL_GIT_TIMEOUT_MS = 30_000;

/** Files every Big Bang checkout the program uses must have, relative to its root. */
export const REQUIRED_FILES = {
    chartYaml: "chart/Chart.yaml",
    values: "chart/values.yaml",
    schema: "chart/values.schema.json",
    fluxKustomization: "base/flux/kustomization.yaml",
    metallbKustomization: "docs/reference/scripts/developer/metallb/kustomization.yaml",
} as const;

/**
 * The oldest release tag that has every REQUIRED_FILES entry: the MetalLB
 * kustomization is the newest of them (found by checking each bare-version tag
 * of the Big Bang repository for the files; 3.11.0 and older lack it).
 */
export const FIRST_RELEASE_WITH_LAYOUT = "3.12.0";

/** Optional: the dev wildcard certificate for *.dev.bigbang.mil; the program brings its own certificate when absent. */
export const INGRESS_CERTS_FILE = "chart/ingress-certs.yaml";

/** A problem with the Big Bang source the user can fix; the message says what and how, no stack trace needed. */
export class BigbangSourceError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BigbangSourceError";
    }
}

export interface BigbangSource {
    kind: "path" | "version";
    /** Absolute path of the checkout. */
    root: string;
    chartDir: string;
    /** base/flux: the kustomization that installs Flux with Iron Bank images. */
    fluxDir: string;
    /** docs/reference/scripts/developer/metallb: the kustomization k3d-dev.sh installs MetalLB with. */
    metallbDir: string;
    /** chart/Chart.yaml version. */
    chartVersion: string;
    /** chart/Chart.yaml kubeVersion: the Kubernetes versions Helm installs the chart on. */
    kubeVersion?: string;
    /** `git rev-parse HEAD` when root is the top of a git work tree. */
    commit?: string;
    /** True when that work tree has uncommitted changes or untracked files (only set with commit). */
    dirty?: boolean;
    /** chart/values.yaml, parsed. */
    values: Record<string, unknown>;
    /** chart/values.schema.json, parsed. */
    schema: Record<string, unknown>;
    /** chart/ingress-certs.yaml as text, when the checkout has it. */
    ingressCerts?: string;
}

export interface BigbangSourceOptions {
    /** A relative `path` is resolved against this (the Pulumi project directory). */
    projectDir: string;
    /** Fetched tags live in `<cacheDir>/bigbang-<version>`. */
    cacheDir: string;
    /** Defaults to BIGBANG_GIT_URL; tests pass a local repository. */
    gitUrl?: string;
    /** The git executable; defaults to `git` on PATH. */
    git?: string;
    /** Bound on the clone; defaults to DEFAULT_CLONE_TIMEOUT_MS. */
    cloneTimeoutMs?: number;
}

// A release tag: SemVer with an optional leading "v" for the old tags. Anything
// else is refused before git sees it, so a value such as "--upload-pack=..." can
// never reach git's command line as an option.
const VERSION_TAG = /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$/;

interface GitResult {
    ok: boolean;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    /** git itself could not be started (not installed). */
    missing: boolean;
}

function runGit(git: string, args: string[], timeoutMs: number, cwd?: string): Promise<GitResult> {
    return new Promise((resolve) => {
        execFile(
            git,
            args,
            {
                cwd,
                timeout: timeoutMs,
                killSignal: "SIGKILL",
                maxBuffer: 16 * 1024 * 1024,
                encoding: "utf8",
                // Never wait for a password prompt: the clone is anonymous, and a
                // prompt would hang `pulumi up` until the timeout.
                env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", SSH_ASKPASS: "", LC_ALL: "C" },
            },
            (err, stdout, stderr) => {
                const code = err && "code" in err ? err.code : undefined;
                resolve({
                    ok: !err,
                    stdout,
                    stderr,
                    timedOut: err !== null && "killed" in err && err.killed === true,
                    missing: code === "ENOENT",
                });
            },
        );
    });
}

/** git's last few stderr lines, which name the reason (no such tag, host not found); progress noise dropped. */
function gitReason(result: GitResult): string {
    const lines = result.stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("warning:"));
    return lines.slice(-3).join("; ") || "no output";
}

function isFile(p: string): boolean {
    try {
        return fs.statSync(p).isFile();
    } catch {
        return false;
    }
}

function isDirectory(p: string): boolean {
    try {
        return fs.statSync(p).isDirectory();
    } catch {
        return false;
    }
}

// Helm reads values with go-yaml, which expands `<<` merge keys; the alias bound
// keeps a crafted file (a "billion laughs") from exhausting memory.
const YAML_OPTIONS = { merge: true, maxAliasCount: 1000 } as const;

function readYamlMapping(file: string, label: string): Record<string, unknown> {
    const text = fs.readFileSync(file, "utf8");
    const doc = parseDocument(text, YAML_OPTIONS);
    if (doc.errors.length > 0) throw new BigbangSourceError(`${label}: ${file} is not valid YAML (${doc.errors[0].code})`);
    if (!isMap(doc.contents)) throw new BigbangSourceError(`${label}: ${file} is not a YAML mapping`);
    let value: unknown;
    try {
        value = doc.toJS(YAML_OPTIONS);
    } catch (err) {
        throw new BigbangSourceError(`${label}: ${file} cannot be read as YAML (${err instanceof Error ? err.message : String(err)})`);
    }
    return asRecord(value);
}

function asRecord(value: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) out[k] = v;
    }
    return out;
}

/**
 * Check a Big Bang checkout's layout and read what the program needs from it.
 * `label` starts every message ("bigbang.source.path ..." or "Big Bang 3.30.0 ...").
 */
function readCheckout(root: string, label: string, kind: BigbangSource["kind"]): Omit<BigbangSource, "kind" | "commit" | "dirty"> {
    const missing = Object.values(REQUIRED_FILES).filter((rel) => !isFile(path.join(root, rel)));
    if (missing.length > 0 && kind === "version") {
        throw new BigbangSourceError(
            `${label}: this release lacks ${missing.join(", ")}, which the program needs; ` +
                `use release ${FIRST_RELEASE_WITH_LAYOUT} or newer`,
        );
    }
    if (missing.length > 0) {
        throw new BigbangSourceError(
            `${label}: ${root} is not a Big Bang checkout: missing ${missing.join(", ")}. ` +
                `Point it at a clone of ${BIGBANG_GIT_URL} (the folder that holds chart/ and base/).`,
        );
    }
    const chartFile = path.join(root, REQUIRED_FILES.chartYaml);
    const chart = readYamlMapping(chartFile, label);
    if (chart.name !== "bigbang") {
        throw new BigbangSourceError(
            `${label}: ${chartFile} is the chart ${JSON.stringify(chart.name)}, not Big Bang's umbrella chart "bigbang"`,
        );
    }
    if (typeof chart.version !== "string" || chart.version === "") {
        throw new BigbangSourceError(`${label}: ${chartFile} has no version`);
    }
    const values = readYamlMapping(path.join(root, REQUIRED_FILES.values), label);
    const schemaFile = path.join(root, REQUIRED_FILES.schema);
    let schemaValue: unknown;
    try {
        schemaValue = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
    } catch (err) {
        throw new BigbangSourceError(`${label}: ${schemaFile} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (typeof schemaValue !== "object" || schemaValue === null || Array.isArray(schemaValue)) {
        throw new BigbangSourceError(`${label}: ${schemaFile} is not a JSON schema object`);
    }
    const certsFile = path.join(root, INGRESS_CERTS_FILE);
    const chartDir = path.join(root, "chart");
    return {
        root,
        chartDir,
        fluxDir: path.dirname(path.join(root, REQUIRED_FILES.fluxKustomization)),
        metallbDir: path.dirname(path.join(root, REQUIRED_FILES.metallbKustomization)),
        chartVersion: chart.version,
        ...(typeof chart.kubeVersion === "string" && chart.kubeVersion.trim() !== "" ? { kubeVersion: chart.kubeVersion } : {}),
        values,
        schema: asRecord(schemaValue),
        ingressCerts: isFile(certsFile) ? fs.readFileSync(certsFile, "utf8") : undefined,
    };
}

/**
 * HEAD and whether the work tree has changes, when `root` is the top of a git
 * work tree. A folder inside some other repository (say a copy of Big Bang
 * under the developer's project) gets no commit: that repository's HEAD would
 * say nothing about the Big Bang files.
 */
async function gitState(git: string, root: string): Promise<{ commit?: string; dirty?: boolean }> {
    const top = await runGit(git, ["-C", root, "rev-parse", "--show-toplevel"], LOCAL_GIT_TIMEOUT_MS);
    if (!top.ok || fs.realpathSync(top.stdout.trim()) !== fs.realpathSync(root)) return {};
    const head = await runGit(git, ["-C", root, "rev-parse", "--verify", "HEAD"], LOCAL_GIT_TIMEOUT_MS);
    if (!head.ok) return {};
    // Untracked files count: helm packages them with the chart just the same.
    const status = await runGit(git, ["-C", root, "status", "--porcelain"], LOCAL_GIT_TIMEOUT_MS);
    return { commit: head.stdout.trim(), dirty: status.ok ? status.stdout.trim() !== "" : undefined };
}

/** The commit the tag points at in a clone, or undefined when the clone has no such tag. */
async function tagCommit(git: string, dir: string, tag: string): Promise<string | undefined> {
    const r = await runGit(git, ["-C", dir, "rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`], LOCAL_GIT_TIMEOUT_MS);
    return r.ok ? r.stdout.trim() : undefined;
}

/** A cache entry is reused only when it is a clean checkout of exactly the tag. */
async function validCacheEntry(git: string, dir: string, tag: string): Promise<boolean> {
    if (!isDirectory(path.join(dir, ".git"))) return false;
    const state = await gitState(git, dir);
    const tagged = await tagCommit(git, dir, tag);
    return state.commit !== undefined && state.commit === tagged && state.dirty === false;
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        // EPERM: alive, owned by someone else.
        return err instanceof Error && "code" in err && err.code === "EPERM";
    }
}

/** Temporary clones left by runs that were killed mid-clone; a live run's clone is left alone. */
function removeAbandonedClones(cacheDir: string, entryName: string): void {
    const prefix = `.${entryName}.tmp-`;
    for (const name of fs.readdirSync(cacheDir)) {
        if (!name.startsWith(prefix)) continue;
        const pid = Number(name.slice(prefix.length).split("-")[0]);
        if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
    }
}

async function fetchTag(git: string, url: string, tag: string, entry: string, timeoutMs: number): Promise<void> {
    const cacheDir = path.dirname(entry);
    fs.mkdirSync(cacheDir, { recursive: true });
    removeAbandonedClones(cacheDir, path.basename(entry));
    // Beside the entry, so the rename below stays on one file system and a crash
    // never leaves a half-cloned entry that a later run would mistake for a good one.
    const tmp = path.join(cacheDir, `.${path.basename(entry)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    try {
        const clone = await runGit(
            git,
            ["-c", "advice.detachedHead=false", "clone", "--quiet", "--depth", "1", "--branch", tag, "--single-branch", "--", url, tmp],
            timeoutMs,
        );
        if (clone.missing) {
            throw new BigbangSourceError(
                `bigbang.source.version ${tag}: git is not installed; install git, or clone Big Bang yourself and set bigbang.source.path`,
            );
        }
        if (clone.timedOut) {
            throw new BigbangSourceError(
                `bigbang.source.version ${tag}: git clone of ${url} did not finish within ${Math.round(timeoutMs / 1000)} s; ` +
                    `check network access to it, or clone Big Bang yourself and set bigbang.source.path`,
            );
        }
        if (!clone.ok) {
            throw new BigbangSourceError(
                `bigbang.source.version ${tag}: cannot fetch tag ${tag} from ${url} (git: ${gitReason(clone)}). ` +
                    `Check that ${tag} is a release tag listed at ${BIGBANG_TAGS_PAGE}`,
            );
        }
        // --branch also accepts a branch name; only a tag is a release.
        const head = await runGit(git, ["-C", tmp, "rev-parse", "--verify", "HEAD"], LOCAL_GIT_TIMEOUT_MS);
        const tagged = await tagCommit(git, tmp, tag);
        if (!head.ok || tagged === undefined || tagged !== head.stdout.trim()) {
            throw new BigbangSourceError(
                `bigbang.source.version ${tag}: ${url} has a branch named ${tag} but no tag; use a release tag listed at ${BIGBANG_TAGS_PAGE}`,
            );
        }
        if (fs.existsSync(entry)) fs.rmSync(entry, { recursive: true, force: true });
        try {
            fs.renameSync(tmp, entry);
        } catch (err) {
            // Another run filled the entry first; its copy is checked like any cached one.
            if (!fs.existsSync(entry)) throw err;
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/**
 * Resolve `bigbang.source` to a checked Big Bang checkout. A path is used as it
 * is; a version is cloned once into the cache and reused offline after that.
 * Every problem is a BigbangSourceError.
 */
export async function resolveBigbangSource(
    source: { path?: string; version?: string },
    opts: BigbangSourceOptions,
): Promise<BigbangSource> {
    const git = opts.git ?? "git";
    const hasPath = source.path !== undefined && source.path !== "";
    const hasVersion = source.version !== undefined && source.version !== "";
    if (hasPath === hasVersion) {
        throw new BigbangSourceError("bigbang.source: set exactly one of path (a local Big Bang checkout) or version (a release tag such as 3.30.0)");
    }

    if (source.path !== undefined && hasPath) {
        const root = path.resolve(opts.projectDir, expandHome(source.path));
        const label = `bigbang.source.path ${source.path}`;
        if (!isDirectory(root)) {
            throw new BigbangSourceError(`${label}: ${root} is not a directory; clone ${BIGBANG_GIT_URL} there or fix the path`);
        }
        const checkout = readCheckout(root, label, "path");
        return { kind: "path", ...checkout, ...(await gitState(git, root)) };
    }

    const version = source.version ?? "";
    if (!VERSION_TAG.test(version)) {
        throw new BigbangSourceError(
            `bigbang.source.version ${JSON.stringify(version)}: not a Big Bang release tag; tags look like 3.30.0 (see ${BIGBANG_TAGS_PAGE})`,
        );
    }
    const entry = path.join(path.resolve(opts.projectDir, expandHome(opts.cacheDir)), `bigbang-${version}`);
    if (!(await validCacheEntry(git, entry, version))) {
        await fetchTag(git, opts.gitUrl ?? BIGBANG_GIT_URL, version, entry, opts.cloneTimeoutMs ?? DEFAULT_CLONE_TIMEOUT_MS);
        if (!(await validCacheEntry(git, entry, version))) {
            throw new BigbangSourceError(`bigbang.source.version ${version}: the fetched copy in ${entry} is not a clean checkout of the tag; delete it and run again`);
        }
    }
    const label = `bigbang.source.version ${version}`;
    const checkout = readCheckout(entry, label, "version");
    const wanted = version.replace(/^v/, "");
    if (checkout.chartVersion !== wanted) {
        throw new BigbangSourceError(
            `${label}: the tag holds chart/Chart.yaml version ${checkout.chartVersion}, not ${wanted}; use the tag named after the release you want`,
        );
    }
    return { kind: "version", ...checkout, ...(await gitState(git, entry)) };
}

/** Why a YAML text is unusable as a values file, or its parsed mapping. Never quotes the text: values files hold passwords. */
function parseValuesText(text: string): { value: Record<string, unknown> } | { problem: string } {
    let value: unknown;
    try {
        value = parse(text, YAML_OPTIONS);
    } catch (err) {
        if (err instanceof YAMLParseError) {
            const at = err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "";
            return { problem: `is not valid YAML (${err.code}${at})` };
        }
        // yaml's other errors (the alias bound) name no content either.
        return { problem: `is not usable YAML (${err instanceof Error ? err.message : String(err)})` };
    }
    // An empty file is an empty values file to Helm too.
    if (value === null || value === undefined) return { value: {} };
    if (typeof value !== "object" || Array.isArray(value)) {
        return { problem: `is ${Array.isArray(value) ? "a list" : `a ${typeof value}`}, not a YAML mapping of Big Bang values` };
    }
    return { value: asRecord(value) };
}

/**
 * Read `bigbang.valuesFiles` in order. Relative paths are resolved against the
 * project directory and `~` is the home directory. Every file's problem is
 * reported, each as `bigbang-oci-dev:bigbang.valuesFiles[i]: <why>`.
 */
export function readValuesFiles(paths: string[], projectDir: string): { values: Record<string, unknown>[]; problems: string[] } {
    const values: Record<string, unknown>[] = [];
    const problems: string[] = [];
    paths.forEach((p, i) => {
        const key = `${PROJECT}:bigbang.valuesFiles[${i}]`;
        const file = path.resolve(projectDir, expandHome(p));
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (err) {
            const code = err instanceof Error && "code" in err ? String(err.code) : "";
            const why = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory, not a file" : `cannot be read (${code || "error"})`;
            problems.push(`${key}: ${file} ${why}`);
            return;
        }
        const parsed = parseValuesText(text);
        if ("problem" in parsed) problems.push(`${key}: ${file} ${parsed.problem}`);
        else values.push(parsed.value);
    });
    return { values, problems };
}
