// How Helm combines values, so the program can build one values object for the
// Big Bang release and check it against Big Bang's schema before Helm sees it.
// Helm does this in two different steps, and they treat null differently:
//
// - `-f a.yaml -f b.yaml` (helm pkg/cli/values/options.go, mergeMaps): maps
//   merge key by key, anything else in the later file replaces, and a null is
//   an ordinary value that replaces too. It must survive this step: it is how a
//   user asks for a chart default to be removed.
// - the result over the chart's values.yaml (pkg/chartutil/coalesce.go,
//   CoalesceTables): a null in the user's values deletes the key, defaults fill
//   in what the user did not set, and the user's value wins everywhere else.
//
// Dropping nulls in the first step would silently turn "remove this default"
// into "keep it", which is why the two functions are separate.

export type Values = Record<string, unknown>;

/** A YAML/JSON mapping (not a list, not null). */
export function isValuesMap(value: unknown): value is Values {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Keys such as `__proto__` come straight from users' YAML; a plain assignment
// would set the object's prototype instead of adding a key.
function setOwn(target: Values, key: string, value: unknown): void {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function copyMap(source: Values): Values {
    const out: Values = {};
    for (const [key, value] of Object.entries(source)) setOwn(out, key, value);
    return out;
}

/**
 * `overlay` given to Helm after `base` (`-f base -f overlay`): maps merge
 * recursively, anything else (lists, scalars, null) replaces. Inputs are not
 * modified; nulls are kept for Helm to apply against the chart's defaults.
 */
export function helmMerge(base: Values, overlay: Values): Values {
    const out = copyMap(base);
    for (const [key, value] of Object.entries(overlay)) {
        const current = Object.hasOwn(out, key) ? out[key] : undefined;
        setOwn(out, key, isValuesMap(value) && isValuesMap(current) ? helmMerge(current, value) : value);
    }
    return out;
}

/**
 * The values a chart's templates see: `userValues` (already merged with
 * helmMerge) over the chart's own `chartValues`. A null in the user's values
 * deletes the key, also where the chart has no default; where both sides have
 * a map they merge; otherwise the user's value wins (Helm warns about a map
 * replaced by a scalar, but keeps the user's value).
 */
export function helmCoalesce(chartValues: Values, userValues: Values): Values {
    const out = copyMap(chartValues);
    for (const [key, value] of Object.entries(userValues)) {
        if (value === null) {
            delete out[key];
            continue;
        }
        const current = Object.hasOwn(out, key) ? out[key] : undefined;
        if (isValuesMap(value)) {
            setOwn(out, key, isValuesMap(current) ? helmCoalesce(current, value) : withoutNulls(value));
        } else {
            setOwn(out, key, value);
        }
    }
    return out;
}

// Chart defaults may hold nulls (Big Bang's `registryCredentials: null`) and
// keep them: only a user's null means "delete". A user's map with no chart
// counterpart is still user input, so its nulls go.
function withoutNulls(values: Values): Values {
    const out: Values = {};
    for (const [key, value] of Object.entries(values)) {
        if (value === null) continue;
        setOwn(out, key, isValuesMap(value) ? withoutNulls(value) : value);
    }
    return out;
}
