// Reading the stack config: the `bigbang-oci-dev:*` keys from Pulumi's config map (top-level values as
// text, structured ones as JSON), unknown keys and misspelt namespaces with the key they probably
// meant (configHints.ts), the schema's issues as problem lines, and the raw config without the values
// the schema refuses so that the other rules still run.
import { z } from "zod";
import { didYouMean, expectedListHint, misspeltNamespaceProblems } from "./configHints";
import { describeAt, keyPath, PROJECT, valueAt } from "./problems";
import { KNOWN_KEYS, LIST_KEYS, stackSchema, STRUCTURED_KEYS } from "./stackSection";

export interface ParseContext {
    /** Fallback for `owner`: the local user name. */
    userName?: string;
    /**
     * Whether the engine holds a full config key (`bigbang-oci-dev:registry`) as a secret:
     * `pulumi.runtime.isConfigSecret`. Unset (pure tests), credentials are not checked for it.
     */
    isSecret?: (fullKey: string) => boolean;
}

/** The project's keys as raw values (JSON parsed), and a problem for each key that cannot be read. */
export function readRawConfig(allConfig: Record<string, string>): { raw: Record<string, unknown>; problems: string[] } {
    const problems: string[] = [];
    const raw: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(allConfig)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const key = fullKey.slice(PROJECT.length + 1);
        if (!KNOWN_KEYS.has(key)) {
            problems.push(`${PROJECT}:${key}: unknown key; expected one of ${[...KNOWN_KEYS].join(", ")}${didYouMean(key, KNOWN_KEYS)}`);
            continue;
        }
        if (STRUCTURED_KEYS.has(key)) {
            try {
                raw[key] = JSON.parse(text);
            } catch {
                // A plain `pulumi config set allowedCidrs 203.0.113.7/32` stores the bare text.
                problems.push(LIST_KEYS.has(key)
                    ? `${PROJECT}:${key}: ${expectedListHint(PROJECT, key, text)}, got ${describeAt(key, text)}`
                    : `${PROJECT}:${key}: expected JSON (set it with 'pulumi config set --path ${key}...'), got ${describeAt(key, text)}`);
            }
        } else {
            raw[key] = text;
        }
    }

    problems.push(...misspeltNamespaceProblems(allConfig, PROJECT, [...KNOWN_KEYS]));
    return { raw, problems };
}

export function zodProblems(issues: readonly z.core.$ZodIssue[], raw: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const issue of issues) {
        const path = keyPath(issue.path);
        if (issue.code === "unrecognized_keys") {
            for (const k of issue.keys) problems.push(`${PROJECT}:${path ? `${path}.` : ""}${k}: unknown key${didYouMean(k, keysUnder(path))}`);
            continue;
        }
        const value = valueAt(raw, issue.path);
        if (issue.code === "invalid_type" && issue.expected === "array" && value !== undefined && !Array.isArray(value)) {
            problems.push(`${PROJECT}:${path}: ${expectedListHint(PROJECT, path, value)}, got ${describeAt(path, value)}`);
            continue;
        }
        const hint = issue.code === "invalid_value" && typeof value === "string" ? didYouMean(value, issue.values.map(String)) : "";
        problems.push(`${PROJECT}:${path}: ${issue.message}, got ${describeAt(path, value)}${hint}`);
    }
    return problems;
}

/**
 * Every key the stack config accepts, as dot paths with `[]` for list items
 * (`cluster.k3sArgs[].nodeFilters`), read from the schema itself so that the
 * README table and stack-config.example.yaml can be checked against it.
 */
export function configKeyPaths(): string[] {
    const paths: string[] = [];
    const walk = (schema: z.core.$ZodType, prefix: string): void => {
        if (schema instanceof z.ZodObject) {
            for (const [key, child] of Object.entries(schema.shape)) {
                const keyPath = prefix ? `${prefix}.${key}` : key;
                paths.push(keyPath);
                walk(child, keyPath);
            }
        } else if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
            walk(schema.def.innerType, prefix);
        } else if (schema instanceof z.ZodPipe) {
            walk(schema.in, prefix);
            walk(schema.out, prefix);
        } else if (schema instanceof z.ZodArray) {
            walk(schema.element, `${prefix}[]`);
        } else if (schema instanceof z.ZodUnion) {
            for (const option of schema.options) walk(option, prefix);
        }
    };
    walk(stackSchema, "");
    return [...new Set(paths)].sort();
}

/** The keys the schema accepts directly under a problem's path (`cluster.k3sArgs[0]` → arg, nodeFilters). */
function keysUnder(path: string): string[] {
    if (path === "") return [...KNOWN_KEYS];
    const prefix = `${path.replace(/\[\d+\]/g, "[]")}.`;
    return configKeyPaths().filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)).filter((rest) => !/[.[]/.test(rest));
}

/** Whether a problem line is about `key` or names it in its text. */
export function mentionsKey(problem: string, key: string): boolean {
    const text = problem.slice(PROJECT.length + 1);
    const problemKey = text.split(": ")[0];
    if (key.startsWith(`${problemKey}.`) || key.startsWith(`${problemKey}[`)) return true;
    const at = (i: number) => i >= 0 && !/[A-Za-z0-9]/.test(text.charAt(i + key.length));
    for (let i = text.indexOf(key); i >= 0; i = text.indexOf(key, i + 1)) {
        if (at(i) && (i === 0 || !/[A-Za-z0-9.]/.test(text.charAt(i - 1)))) return true;
    }
    return false;
}

/**
 * The raw config without the values the schema refuses, so that their defaults stand in and the
 * rest is still checked: a refused entry of a list of scalars is dropped from the list (the other
 * entries stay); a refused list item that is an object drops the whole list (later rules name
 * items by index, which dropping one would shift); any other refused value is removed. `removed`
 * lists the keys removed whole. Undefined when the schema still refuses after a few rounds.
 */
export function pruneInvalid(raw: Record<string, unknown>): { usable: Record<string, unknown>; removed: string[] } | undefined {
    const usable: Record<string, unknown> = structuredClone(raw);
    const removed: string[] = [];
    for (let round = 0; round < 10; round++) {
        const result = stackSchema.safeParse(usable);
        if (result.success) return { usable, removed };
        const drops = new Map<unknown[], Set<number>>();
        let changed = false;
        for (const issue of result.error.issues) {
            const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
            for (const issuePath of paths) changed = removeAt(usable, issuePath, drops, removed) || changed;
        }
        for (const [list, indexes] of drops) {
            for (const index of [...indexes].sort((a, b) => b - a)) list.splice(index, 1);
        }
        if (!changed) return undefined;
    }
    return undefined;
}

function removeAt(root: Record<string, unknown>, issuePath: readonly PropertyKey[], drops: Map<unknown[], Set<number>>, removed: string[]): boolean {
    if (issuePath.length === 0) return false;
    let parent: unknown = root;
    for (const [depth, step] of issuePath.entries()) {
        const here = issuePath.slice(0, depth);
        if (Array.isArray(parent)) {
            if (typeof step !== "number" || step >= parent.length) return false;
            const items: unknown[] = parent;
            if (items.every((item) => item === null || typeof item !== "object")) {
                const indexes = drops.get(items) ?? new Set<number>();
                indexes.add(step);
                drops.set(items, indexes);
                return true;
            }
            return removeKey(root, here, removed);
        }
        if (parent === null || typeof parent !== "object") return removeKey(root, here, removed);
        const record = parent as Record<PropertyKey, unknown>;
        if (!(step in record)) return false;
        if (depth === issuePath.length - 1) return removeKey(root, issuePath, removed);
        parent = record[step];
    }
    return false;
}

/** Removes the value at a path of object keys (and, through a list, the list itself). */
function removeKey(root: Record<string, unknown>, keyPathSteps: readonly PropertyKey[], removed: string[]): boolean {
    const firstIndex = keyPathSteps.findIndex((step) => typeof step === "number");
    const steps = firstIndex < 0 ? keyPathSteps : keyPathSteps.slice(0, firstIndex);
    if (steps.length === 0) return false;
    const parent = valueAt(root, [...steps.slice(0, -1)]);
    if (parent === null || typeof parent !== "object" || Array.isArray(parent)) return false;
    const record = parent as Record<PropertyKey, unknown>;
    const last = steps[steps.length - 1];
    if (!(last in record)) return false;
    delete record[last];
    removed.push(keyPath([...steps]));
    return true;
}
