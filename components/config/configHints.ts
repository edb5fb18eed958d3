// What a newcomer needs to fix a config mistake in one go: the key they
// probably meant, the CIDR rule they broke, and the YAML form of a list.
// Pure helpers for config.ts; they read no config themselves.
import { stringify } from "yaml";

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions),
 * case-insensitive: `instnceType` is 1 from `instanceType`, `souce` 1 from `source`.
 */
export function editDistance(a: string, b: string): number {
    const s = a.toLowerCase();
    const t = b.toLowerCase();
    const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= s.length; i++) {
        for (let j = 1; j <= t.length; j++) {
            const cost = s[i - 1] === t[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[s.length][t.length];
}

/**
 * The candidate closest to `word`, when it is close enough to be a typo: at most
 * a third of the word's length in edits (at least 1, at most 3), or the same
 * letters once case, '-' and '_' are ignored. Ties go to the first candidate.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
    const squash = (v: string) => v.toLowerCase().replace(/[-_]/g, "");
    const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
    let best: { key: string; distance: number } | undefined;
    for (const candidate of candidates) {
        if (candidate === word) continue;
        const distance = squash(candidate) === squash(word) ? 0 : editDistance(word, candidate);
        if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
    }
    return best?.key;
}

/** ` (did you mean X?)` when a candidate is near, else nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
    const match = nearest(word, candidates);
    return match === undefined ? "" : `; did you mean ${match}?`;
}

/**
 * A config key set in another namespace that looks like a typo of the project's
 * (`bigbang-ocidev:charts`), with the key it probably meant. Pulumi passes every
 * namespace's keys to the program (`pulumi.runtime.allConfig()`), and keys of a
 * namespace no provider reads are ignored, so without this the value would be
 * dropped without a word. Real namespaces (aws, pulumi, a provider) are far from
 * the project's name and never match.
 */
export function misspeltNamespaceProblems(allConfig: Record<string, string>, project: string, knownKeys: readonly string[]): string[] {
    const problems: string[] = [];
    for (const fullKey of Object.keys(allConfig).sort()) {
        const colon = fullKey.indexOf(":");
        if (colon < 0) continue;
        const namespace = fullKey.slice(0, colon);
        const key = fullKey.slice(colon + 1);
        if (namespace === project || nearest(namespace, [project]) === undefined) continue;
        const top = key.split(/[.[]/)[0];
        const meant = knownKeys.includes(top) ? key : (nearest(top, knownKeys) ?? top) + key.slice(top.length);
        problems.push(`${project}:${meant}: set as ${fullKey}, which this program never reads (namespace ${namespace} is not ${project}); `
            + `move it: pulumi config rm ${fullKey}, then pulumi config set --path ${project}:${meant} <value>`);
    }
    return problems;
}

/**
 * Why a string is not an IPv4 CIDR this program accepts, or undefined. Each
 * reason names the fix: the prefix range, the `/32` a bare address lacks, or
 * the network address when host bits are set.
 */
export function cidrProblem(value: string, ipv4: RegExp): string | undefined {
    const example = "such as 203.0.113.7/32";
    if (ipv4.test(value)) return `a bare address: add /32 for this one address (${value}/32)`;
    const m = /^([^/]*)\/(.*)$/.exec(value);
    if (!m) return `expected an IPv4 CIDR ${example}`;
    const [, address, prefixText] = m;
    if (!ipv4.test(address)) return `${address} is not an IPv4 address; expected an IPv4 CIDR ${example}`;
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) return `the prefix must be 0-32, not /${prefixText}`;
    const prefix = Number(prefixText);
    const base = address.split(".").reduce((acc, octet) => ((acc << 8) >>> 0) + Number(octet), 0) >>> 0;
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if ((base & mask) >>> 0 !== base) {
        const network = [24, 16, 8, 0].map((shift) => (((base & mask) >>> 0) >>> shift) & 255).join(".");
        return `host bits set: ${value} is not a network address; use ${network}/${prefix} for the whole network, or ${address}/32 for the one address`;
    }
    return undefined;
}

/**
 * "expected a list", with the value as a one-item list in the stack file's YAML
 * (Pulumi.<stack>.yaml) and as the `--path` command. `path` is the key without
 * the project prefix, such as `allowedCidrs` or `cluster.disable`.
 */
export function expectedListHint(project: string, path: string, value: unknown): string {
    const [top, ...rest] = path.split(".");
    const item = value === undefined || value === null || value === "" ? "<item>" : value;
    let nested: unknown = [item];
    for (const key of [...rest].reverse()) nested = { [key]: nested };
    const yamlText = stringify({ config: { [`${project}:${top}`]: nested } }).trimEnd();
    const itemText = typeof item === "string" ? item : JSON.stringify(item);
    return `expected a list, not a single value; in Pulumi.<stack>.yaml write it as\n${yamlText.split("\n").map((line) => `      ${line}`).join("\n")}\n`
        + `    or run: pulumi config set --path '${project}:${path}[0]' '${itemText}'`;
}
