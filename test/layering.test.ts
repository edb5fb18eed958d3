// The concepts under components/ import one way: config <- host <- registry,
// cluster, charts <- dns <- prepare and index. A lower concept importing a
// higher one (or two siblings importing each other) fails here.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const COMPONENTS = path.join(ROOT, "components");

/** Lower ranks are imported by higher ones; equal ranks in different folders may not import each other. */
export const CONCEPT_RANK: Record<string, number> = {
    config: 0,
    host: 1,
    registry: 2,
    cluster: 2,
    charts: 2,
    dns: 3,
    bigbang: 4,
    // Files directly in components/ (prepare.ts) and index.ts use every concept.
    "(top)": 9,
};

function conceptOf(file: string): string {
    const rel = path.relative(COMPONENTS, file);
    if (rel.startsWith("..")) return "(top)";
    const parts = rel.split(path.sep);
    return parts.length === 1 ? "(top)" : parts[0];
}

function tsFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return tsFiles(full);
        return e.name.endsWith(".ts") ? [full] : [];
    });
}

/** Relative module specifiers a file imports or re-exports, resolved to files. */
export function relativeImports(file: string, text = fs.readFileSync(file, "utf8")): string[] {
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
    return specs.map((s) => path.resolve(path.dirname(file), s));
}

/** Every import that breaks the ranking, as "from -> to". */
export function layeringViolations(files: string[], read: (f: string) => string = (f) => fs.readFileSync(f, "utf8")): string[] {
    const out: string[] = [];
    for (const file of files) {
        const from = conceptOf(file);
        for (const target of relativeImports(file, read(file))) {
            const to = conceptOf(target);
            if (to === from) continue;
            const fromRank = CONCEPT_RANK[from];
            const toRank = CONCEPT_RANK[to];
            if (fromRank === undefined || toRank === undefined || toRank >= fromRank) {
                out.push(`${path.relative(ROOT, file)} (${from}) -> ${path.relative(ROOT, target)} (${to})`);
            }
        }
    }
    return out;
}

describe("layering: components/ imports flow one way", () => {
    const files = [...tsFiles(COMPONENTS), path.join(ROOT, "index.ts")];

    it("every concept folder has a rank", () => {
        const folders = fs.readdirSync(COMPONENTS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
        const unranked = folders.filter((f) => CONCEPT_RANK[f] === undefined);
        assert.deepEqual(unranked, [], `add these folders to CONCEPT_RANK in ${path.relative(ROOT, __filename)}`);
    });

    it("no lower concept imports a higher one", () => {
        assert.deepEqual(layeringViolations(files), []);
    });

    it("catches an upward import and a sibling import", () => {
        const fake: Record<string, string> = {
            [path.join(COMPONENTS, "host", "x.ts")]: 'import { Registry } from "../registry/registry";\n',
            [path.join(COMPONENTS, "cluster", "y.ts")]: 'import type { ChartInfo } from "../charts/chartSource";\n',
            [path.join(COMPONENTS, "config", "z.ts")]: 'export { DevHost } from "../host/host";\n',
            [path.join(COMPONENTS, "dns", "ok.ts")]: 'import { K3dCluster } from "../cluster/cluster";\nimport { x } from "./own";\n',
        };
        const found = layeringViolations(Object.keys(fake), (f) => fake[f]);
        assert.equal(found.length, 3, found.join("\n"));
        assert.ok(found.every((v) => !v.includes("dns/ok.ts")), found.join("\n"));
    });
});
