import { strict as assert } from "assert";
import fc from "fast-check";
import { helmCoalesce, helmMerge, isValuesMap, type Values } from "../../components/bigbang/helmMerge";

// Small key alphabet so generated maps overlap often enough to exercise merging;
// `__proto__` is in it because users' YAML can carry it.
const key = fc.constantFrom("a", "b", "c", "enabled", "values", "__proto__");
const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
const { values } = fc.letrec<{ values: Values; node: unknown }>((tie) => ({
    values: fc.dictionary(key, tie("node"), { maxKeys: 4, noNullPrototype: true }),
    node: fc.oneof({ depthSize: "small" }, leaf, tie("values")),
}));

/** Every leaf (non-map value, or empty map) with its path. */
function leaves(v: Values, prefix: string[] = []): [string[], unknown][] {
    return Object.entries(v).flatMap(([k, x]): [string[], unknown][] =>
        isValuesMap(x) && Object.keys(x).length > 0 ? leaves(x, [...prefix, k]) : [[[...prefix, k], x]]);
}

function stripNulls(v: Values): Values {
    const out: Values = {};
    for (const [k, x] of Object.entries(v)) {
        if (x !== null) Object.defineProperty(out, k, { value: isValuesMap(x) ? stripNulls(x) : x, enumerable: true, writable: true, configurable: true });
    }
    return out;
}

function at(v: unknown, path: readonly string[]): { found: boolean; value?: unknown } {
    let node = v;
    for (const k of path) {
        if (!isValuesMap(node) || !Object.hasOwn(node, k)) return { found: false };
        node = node[k];
    }
    return { found: true, value: node };
}

/** y never puts a map where x has a non-map or the other way round. */
function noMapOverScalar(x: Values, y: Values): boolean {
    return Object.entries(y).every(([k, v]) => {
        if (!Object.hasOwn(x, k)) return true;
        const xv = x[k];
        if (isValuesMap(xv) !== isValuesMap(v)) return false;
        return !isValuesMap(xv) || !isValuesMap(v) || noMapOverScalar(xv, v);
    });
}

function hasNull(v: unknown): boolean {
    if (v === null) return true;
    return isValuesMap(v) && Object.values(v).some(hasNull);
}

describe("helmMerge (Helm's -f over -f)", () => {
    it("merges maps recursively and lets lists and scalars replace", () => {
        const base = { a: { x: 1, y: [1, 2] }, b: "keep", c: { deep: { z: 1 } } };
        const overlay = { a: { y: [3], w: true }, c: "flat" };
        assert.deepEqual(helmMerge(base, overlay), { a: { x: 1, y: [3], w: true }, b: "keep", c: "flat" });
    });

    it("keeps a null, which Helm later applies as 'delete the chart default'", () => {
        assert.deepEqual(helmMerge({ a: { x: 1 } }, { a: null }), { a: null });
        // A later file's map replaces the null, as every other value would (Helm's mergeMaps).
        assert.deepEqual(helmMerge({ a: null }, { a: { y: 2 } }), { a: { y: 2 } });
    });

    it("adds __proto__ as an ordinary key, never as the prototype", () => {
        const merged = helmMerge({}, JSON.parse('{"__proto__": {"polluted": true}}'));
        assert.equal(Object.getPrototypeOf(merged), Object.prototype);
        assert.ok(Object.hasOwn(merged, "__proto__"));
        const probe: Record<string, unknown> = {};
        assert.equal(probe.polluted, undefined);
    });

    it("properties: {} is neutral, merging a map with itself changes nothing, inputs are not modified", () => {
        fc.assert(fc.property(values, values, (a, b) => {
            const before = [JSON.stringify(a), JSON.stringify(b)];
            assert.deepEqual(helmMerge(a, {}), a);
            assert.deepEqual(helmMerge({}, a), a);
            assert.deepEqual(helmMerge(a, a), a);
            helmMerge(a, b);
            assert.deepEqual([JSON.stringify(a), JSON.stringify(b)], before);
        }));
    });

    it("properties: every overlay leaf wins, and a base leaf survives unless the overlay sets a non-map on its way", () => {
        fc.assert(fc.property(values, values, (base, overlay) => {
            const merged = helmMerge(base, overlay);
            for (const [path, value] of leaves(overlay)) {
                const got = at(merged, path);
                assert.ok(got.found, path.join("."));
                if (isValuesMap(value)) assert.ok(isValuesMap(got.value), path.join("."));
                else assert.deepEqual(got.value, value, path.join("."));
            }
            for (const [path, value] of leaves(base)) {
                const shadowed = path.some((_, i) => {
                    const o = at(overlay, path.slice(0, i + 1));
                    return o.found && (!isValuesMap(o.value) || i === path.length - 1);
                });
                if (!shadowed) assert.deepEqual(at(merged, path).value, value, path.join("."));
            }
        }));
    });

    it("property: merging left to right equals merging the overlays first when no overlay puts a non-map over a map", () => {
        // Helm merges -f files one after another; this pins that the order of
        // layering, not grouping, decides, in the common all-maps case.
        const mapsOnly = fc.letrec<{ m: Values; n: unknown }>((tie) => ({
            m: fc.dictionary(fc.constantFrom("a", "b", "c"), tie("n"), { maxKeys: 3, noNullPrototype: true }),
            n: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.integer(), tie("m")),
        })).m;
        fc.assert(fc.property(mapsOnly, mapsOnly, mapsOnly, (a, b, c) => {
            fc.pre(noMapOverScalar(a, b) && noMapOverScalar(a, c) && noMapOverScalar(b, c));
            assert.deepEqual(helmMerge(helmMerge(a, b), c), helmMerge(a, helmMerge(b, c)));
        }));
    });
});

describe("helmCoalesce (user values over the chart's values.yaml)", () => {
    it("deletes keys the user set to null, fills in defaults, and lets the user win", () => {
        const chart = { registryCredentials: null, kiali: { enabled: true, values: { a: 1 } }, grafana: { enabled: true }, list: [1] };
        const user = { kiali: { values: { b: 2 } }, grafana: null, list: [2], extra: { x: null, y: 1 } };
        assert.deepEqual(helmCoalesce(chart, user), {
            registryCredentials: null,
            kiali: { enabled: true, values: { a: 1, b: 2 } },
            list: [2],
            extra: { y: 1 },
        });
    });

    it("properties: no user null survives, user leaves win, chart keys the user did not touch survive", () => {
        fc.assert(fc.property(values, values, (chart, user) => {
            const chartNoNull = stripNulls(chart);
            const out = helmCoalesce(chartNoNull, user);
            assert.ok(!hasNull(out), JSON.stringify(out));
            for (const [path, value] of leaves(user)) {
                if (value === null || path.some((_, i) => at(user, path.slice(0, i)).value === null)) continue;
                if (isValuesMap(value)) continue;
                assert.deepEqual(at(out, path).value, value, path.join("."));
            }
            for (const k of Object.keys(chartNoNull)) {
                if (!Object.hasOwn(user, k)) assert.deepEqual(out[k], chartNoNull[k], k);
            }
        }));
    });

    it("a null in one file and a map in a later one: the chart's defaults come back, as in Helm", () => {
        // Helm merges the files first (the map replaces the null), then coalesces.
        const chart = { c: { a: 1 } };
        assert.deepEqual(helmCoalesce(chart, helmMerge({ c: null }, { c: { b: 2 } })), { c: { a: 1, b: 2 } });
    });

    it("property: without nulls or a scalar between two maps, coalescing files merged with helmMerge equals coalescing them one by one", () => {
        const noNulls = values.map(stripNulls);
        fc.assert(fc.property(noNulls, noNulls, noNulls, (chart, first, second) => {
            fc.pre(noMapOverScalar(chart, first) && noMapOverScalar(chart, second) && noMapOverScalar(first, second));
            assert.deepEqual(helmCoalesce(chart, helmMerge(first, second)), helmCoalesce(helmCoalesce(chart, first), second));
        }));
    });
});
