// `npm run fetch-reference`: downloads the upstream files the conformance tests
// read (k3d's config schema, Big Bang's values, values schema and dev
// certificates, MetalLB's manifest) into the git-ignored .reference/, for a
// clone that has no ../shared/reference/ beside it. Every URL is pinned to a
// tag or a full commit and every file is checked against its SHA-256, so a
// moved branch or a tampered mirror is refused instead of tested against.
// Folders (Big Bang's chart at a release, for `helm template`) come from a git
// fetch of one full commit ID, which git checks object by object.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ReferenceSource {
    /** The file's name in the reference folder. */
    name: string;
    /** owner/repo on GitHub. */
    repo: string;
    /** A tag or a full commit: never a branch. */
    ref: string;
    path: string;
    sha256: string;
}

export const REFERENCE_SOURCES: readonly ReferenceSource[] = [
    {
        name: "k3d-config-v1alpha5.schema.json",
        repo: "k3d-io/k3d", ref: "v5.8.3", path: "pkg/config/v1alpha5/schema.json",
        sha256: "b6ded41929fb6d52491e5e082865847b218eba3f5418852e0cb7bf0608fbae32",
    },
    {
        name: "bigbang-chart-values.yaml",
        repo: "DoD-Platform-One/bigbang", ref: "1699eff40ba7c683f8eff8d00b7b09fe8743eee2", path: "chart/values.yaml",
        sha256: "ea1c6ecdfb81be62ca217c88ec469f59d0d8266a2e346c415f61ef1117460c40",
    },
    {
        name: "bigbang-chart-values.schema.json",
        repo: "DoD-Platform-One/bigbang", ref: "1699eff40ba7c683f8eff8d00b7b09fe8743eee2", path: "chart/values.schema.json",
        sha256: "c914aa50b0eb3b69711361268ca20eaee2bb46a3cc7a49af02a23f10867ce87c",
    },
    {
        name: "bigbang-ingress-certs.yaml",
        repo: "DoD-Platform-One/bigbang", ref: "1699eff40ba7c683f8eff8d00b7b09fe8743eee2", path: "chart/ingress-certs.yaml",
        sha256: "650bccca82c905b59d85e99317a95b9181e3a6324877573298da622ea88bed72",
    },
    {
        name: "bigbang-ingress-certs-2024-legacy.yaml",
        repo: "DoD-Platform-One/bigbang", ref: "27296e938ac1eef6b869142a61a2ba379ec323d1", path: "chart/ingress-certs.yaml",
        sha256: "4a2384ceec9c03fc8313499aa1959b7c788abc0a7e9a70120bf4e2afb5a58006",
    },
    {
        name: "metallb-native-v0.15.3.yaml",
        repo: "metallb/metallb", ref: "v0.15.3", path: "config/manifests/metallb-native.yaml",
        sha256: "84b4e102f2b65f5d69085f5816c29362b74641873d8ac3de996e5f86a8219176",
    },
];

/** Folders of a repository at one commit, copied into `<outDir>/<name>/` at the same relative paths. */
export interface ReferenceCheckout {
    name: string;
    /** owner/repo on GitHub. */
    repo: string;
    /** For people: the tag the commit is. Never fetched by name. */
    tag: string;
    /** The full commit ID, what is fetched and checked. */
    commit: string;
    paths: readonly string[];
}

export const REFERENCE_CHECKOUTS: readonly ReferenceCheckout[] = [
    {
        name: "bigbang-3.30.0",
        repo: "DoD-Platform-One/bigbang", tag: "3.30.0", commit: "1d5a436945aa24316b21b88f74d555e9d3559655",
        paths: ["chart", "base/flux", "docs/reference/scripts/developer/metallb", "docs/reference/scripts/developer/k3d-dev.sh"],
    },
];

export const DEFAULT_BASE_URL = "https://raw.githubusercontent.com";
export const DEFAULT_GIT_BASE_URL = "https://github.com";
export const DEFAULT_OUT_DIR = path.resolve(__dirname, "..", ".reference");

export interface FetchReferenceOptions {
    /** Tests point this at a server on 127.0.0.1; REFERENCE_BASE_URL does the same from the shell. */
    baseUrl?: string;
    outDir?: string;
    sources?: readonly ReferenceSource[];
    /** Tests point this at a local folder of bare repositories (`file://...`). */
    gitBaseUrl?: string;
    checkouts?: readonly ReferenceCheckout[];
    timeoutMs?: number;
}

export function sourceUrl(source: ReferenceSource, baseUrl: string = DEFAULT_BASE_URL): string {
    return `${baseUrl.replace(/\/+$/, "")}/${source.repo}/${source.ref}/${source.path}`;
}

function sha256(data: Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

export function checkoutUrl(checkout: ReferenceCheckout, gitBaseUrl: string = DEFAULT_GIT_BASE_URL): string {
    return `${gitBaseUrl.replace(/\/+$/, "")}/${checkout.repo}.git`;
}

/** Fetches the checkout's commit alone and copies its paths to `<stageDir>/<name>`; returns a problem or undefined. */
function fetchCheckout(checkout: ReferenceCheckout, gitBaseUrl: string, stageDir: string, timeoutMs: number): string | undefined {
    const url = checkoutUrl(checkout, gitBaseUrl);
    if (!/^[0-9a-f]{40}$/.test(checkout.commit)) return `${checkout.name}: ${checkout.commit} is not a full commit ID`;
    const repoDir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-ref-git-"));
    const git = (args: string[]): { ok: boolean; out: string } => {
        const r = spawnSync("git", ["-C", repoDir, ...args], {
            encoding: "utf8", timeout: timeoutMs, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
        });
        return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}`.trim() };
    };
    try {
        for (const args of [["init", "-q"], ["fetch", "-q", "--depth", "1", "--no-tags", url, checkout.commit]]) {
            const r = git(args);
            if (!r.ok) return `${checkout.name}: git ${args[0]} ${url} ${checkout.commit} failed: ${r.out}`;
        }
        const head = git(["rev-parse", "FETCH_HEAD^{commit}"]);
        if (!head.ok || head.out !== checkout.commit) return `${checkout.name}: ${url} gave commit ${head.out}, expected ${checkout.commit}; refusing it`;
        const co = git(["checkout", "-q", "FETCH_HEAD", "--", ...checkout.paths]);
        if (!co.ok) return `${checkout.name}: ${url} at ${checkout.commit} lacks some of ${checkout.paths.join(", ")}: ${co.out}`;
        for (const rel of checkout.paths) {
            const target = path.join(stageDir, checkout.name, rel);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.cpSync(path.join(repoDir, rel), target, { recursive: true });
        }
        return undefined;
    } finally {
        fs.rmSync(repoDir, { recursive: true, force: true });
    }
}

/**
 * Downloads every source, checks all checksums, and only then writes the
 * files: a failure leaves the folder as it was. Throws one error naming every
 * file that failed.
 */
export async function fetchReference(opts: FetchReferenceOptions = {}): Promise<{ outDir: string; written: string[] }> {
    const baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
    const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
    const sources = opts.sources ?? REFERENCE_SOURCES;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const problems: string[] = [];
    const downloaded: { source: ReferenceSource; data: Buffer }[] = [];
    for (const source of sources) {
        const url = sourceUrl(source, baseUrl);
        try {
            const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
            if (!response.ok) {
                problems.push(`${source.name}: ${url} answered HTTP ${response.status}`);
                continue;
            }
            const data = Buffer.from(await response.arrayBuffer());
            const actual = sha256(data);
            if (actual !== source.sha256) {
                problems.push(`${source.name}: ${url} has SHA-256 ${actual}, expected ${source.sha256}; refusing it`);
                continue;
            }
            downloaded.push({ source, data });
        } catch (err) {
            const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
            problems.push(`${source.name}: cannot download ${url}: ${err instanceof Error ? err.message : String(err)}${cause}`);
        }
    }
    const checkouts = opts.checkouts ?? REFERENCE_CHECKOUTS;
    const stageDir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-ref-stage-"));
    try {
        for (const checkout of checkouts) {
            const problem = fetchCheckout(checkout, opts.gitBaseUrl ?? DEFAULT_GIT_BASE_URL, stageDir, timeoutMs * 4);
            if (problem) problems.push(problem);
        }
        if (problems.length > 0) {
            throw new Error(`fetch-reference wrote nothing to ${outDir}:\n  ${problems.join("\n  ")}`);
        }
        fs.mkdirSync(outDir, { recursive: true });
        for (const checkout of checkouts) {
            const target = path.join(outDir, checkout.name);
            fs.rmSync(target, { recursive: true, force: true });
            fs.cpSync(path.join(stageDir, checkout.name), target, { recursive: true });
        }
    } finally {
        fs.rmSync(stageDir, { recursive: true, force: true });
    }
    for (const { source, data } of downloaded) {
        // Write then rename, so an interrupted run never leaves half a file under the real name.
        const file = path.join(outDir, source.name);
        fs.writeFileSync(`${file}.partial`, data);
        fs.renameSync(`${file}.partial`, file);
    }
    return { outDir, written: [...downloaded.map((d) => d.source.name), ...checkouts.map((c) => `${c.name}/`)] };
}

if (require.main === module) {
    fetchReference({ baseUrl: process.env.REFERENCE_BASE_URL || undefined, gitBaseUrl: process.env.REFERENCE_GIT_BASE_URL || undefined }).then(
        ({ outDir, written }) => console.error(`fetch-reference: wrote ${written.length} checked files to ${outDir}`),
        (err: unknown) => {
            console.error(err instanceof Error ? err.message : String(err));
            process.exitCode = 1;
        },
    );
}
