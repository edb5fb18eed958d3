// Problems and messages: ConfigError, and how a problem line shows the value it refuses.
// Every problem line reads `bigbang-oci-dev:<key>: <reason>, got <value>`.
import { RunError } from "@pulumi/pulumi/errors";

export const PROJECT = "bigbang-oci-dev";

/**
 * Every problem in the stack configuration, one line a key. A RunError, because
 * Pulumi's language host prints a RunError as its message alone and anything
 * else as a crash with a stack trace (@pulumi/pulumi cmd/run/run.js, the
 * uncaughtHandler); test/program.entrypoint.integration.test.ts runs that entry point.
 */
export class ConfigError extends RunError {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration:\n  ${problems.join("\n  ")}`);
        this.name = "ConfigError";
        // No stack frames: Pulumi never prints a RunError's stack, but its handler still formats the
        // error with util.inspect(err, { colors: true }) for a trace event (cmd/run/run.js uncaughtHandler,
        // cmd/run/error.js defaultErrorMessage). On Node 20.20 that loops until the heap is exhausted on a
        // source-mapped frame like ".../node_modules/@pulumi/resource.ts:1598:22" (nodejs/node#64011,
        // lib/internal/util/inspect.js markNodeModules; fixed by nodejs/node#64022), so `pulumi preview`
        // would hang instead of printing the problems.
        this.stack = `${this.name}: ${this.message}`;
    }
}

/** Reports one problem at a key: `bigbang-oci-dev:<key>: <message>, got <value>`. */
export type Report = (key: string, message: string, value: unknown) => void;

/** A Report that appends to `problems`. */
export function reporter(problems: string[]): Report {
    return (key, message, value) => problems.push(`${PROJECT}:${key}: ${message}, got ${describe(value)}`);
}

export function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Config keys whose values are secrets (a Registry1 login is one). A problem at one of them shows
 * "[secret]" instead of the value: `pulumi config set --path --secret` stores an all-digit token
 * as a number, which the schema refuses, and the ConfigError text is printed in the clear. So does
 * a problem at a key that holds one (a section of the wrong type, unparsable JSON) when its text
 * mentions a password.
 */
export const SECRET_KEY_PATHS: readonly string[] = ["registry.password", "bigbang.registry1", "bigbang.registry1.password"];

export function describeAt(key: string, value: unknown): string {
    if (value === undefined) return describe(value);
    if (SECRET_KEY_PATHS.includes(key)) return describe("[secret]");
    const holdsSecret = SECRET_KEY_PATHS.some((secretPath) => secretPath.startsWith(`${key}.`));
    return holdsSecret && /password/i.test(typeof value === "string" ? value : JSON.stringify(value)) ? describe("[secret]") : describe(value);
}

export function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const key of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[key];
    }
    return cur;
}

export function keyPath(path: PropertyKey[]): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

/** A raw config object's keys, or none when it is not an object. */
export function asRecord(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {};
}
