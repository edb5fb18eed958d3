// The concepts under components/ import one way: config <- host <- registry,
// cluster, charts <- dns <- bigbang <- prepare and index. A lower concept importing a
// higher one (or two siblings importing each other) fails here. Inside `host`, the
// backends (host/aws, host/ssh, host/local) are part of the concept: a backend
// may import host/'s shared files, host/'s files import no backend (except the
// factory, createDevHost.ts), backends do not import each other, and no other
// concept reaches into a backend (prepare.ts and index.ts may: they run a
// backend's checks and call the factory).
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
    // Big Bang on the cluster: uses the registry, the charts and the DNS entries.
    bigbang: 4,
    // Files directly in components/ (prepare.ts) and index.ts use every concept.
    "(top)": 9,
};

/** The host backends' folders under components/host/. */
export const HOST_BACKENDS = ["aws", "ssh", "local"];
/** The one file in host/ that imports the backends. */
const HOST_FACTORY = path.join(COMPONENTS, "host", "createDevHost.ts");

/** The backend folder a file is in ("aws", ...), or undefined outside components/host/<backend>/. */
function backendOf(file: string): string | undefined {
    const parts = path.relative(COMPONENTS, file).split(path.sep);
    return parts[0] === "host" && parts.length > 2 && HOST_BACKENDS.includes(parts[1]) ? parts[1] : undefined;
}

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

/** Every import that breaks the backend rules, as "from -> to". */
export function backendViolations(files: string[], read: (f: string) => string = (f) => fs.readFileSync(f, "utf8")): string[] {
    const out: string[] = [];
    for (const file of files) {
        const fromBackend = backendOf(file);
        const from = conceptOf(file);
        for (const target of relativeImports(file, read(file))) {
            const toBackend = backendOf(target);
            if (toBackend === undefined || toBackend === fromBackend) continue;
            // Into a backend from outside it: only the factory and the top (prepare.ts, index.ts).
            const allowed = fromBackend === undefined && (file === HOST_FACTORY || from === "(top)");
            if (!allowed) out.push(`${path.relative(ROOT, file)} (${fromBackend ?? from}) -> ${path.relative(ROOT, target)} (host/${toBackend})`);
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

    it("every folder under host/ is a known backend (or scripts)", () => {
        const folders = fs.readdirSync(path.join(COMPONENTS, "host"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
        const unknown = folders.filter((f) => f !== "scripts" && !HOST_BACKENDS.includes(f));
        assert.deepEqual(unknown, [], `add these folders to HOST_BACKENDS in ${path.relative(ROOT, __filename)}`);
    });

    it("host backends: only the factory and the top import a backend; backends do not import each other", () => {
        assert.deepEqual(backendViolations(files), []);
    });

    it("outside host/, nothing builds a remote command or copy, or reads the machine's identity: DevHost does", () => {
        // host.command / host.copyFile put the machine's identity in the triggers, deletedWith and the
        // on-machine guard on the delete by construction (devHost.ts); a direct command.remote.* would not.
        const outside = files.filter((f) => !path.relative(COMPONENTS, f).startsWith(`host${path.sep}`));
        const found = outside.flatMap((f) => fs.readFileSync(f, "utf8").split("\n").map((line, i) => ({ f, line, i }))
            .filter(({ line }) => /\bcommand\.remote\.|@pulumi\/command|(?<![.\w])host\.(connection|instanceId|lastStart|state|sshUser|sshOpts)\b/.test(line))
            .map(({ f, line, i }) => `${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`));
        assert.deepEqual(found, []);
    });

    it("nothing imports @pulumi/aws's package root, only its service modules (ec2, ebs, ...)", () => {
        // The root's index.d.ts imports every service's declarations: tsc parsed 4,163 files with it
        // and 1,724 without, about a quarter of its CPU in `npm test`.
        const found = [...files, ...tsFiles(path.join(ROOT, "scripts")), ...tsFiles(path.join(ROOT, "test"))]
            .flatMap((f) => fs.readFileSync(f, "utf8").split("\n").map((line, i) => ({ f, line, i })))
            .filter(({ line }) => /\bfrom\s+["']@pulumi\/aws["']|require\(\s*["']@pulumi\/aws["']\s*\)/.test(line))
            .map(({ f, line, i }) => `${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
        assert.deepEqual(found, []);
    });

    it("the values snippet has one builder: only chartsPlan.ts assembles it from the registry and the charts", () => {
        // prepare's schema check, the release's values and the valuesSnippet output all go through
        // stackValuesSnippet, so they cannot drift apart.
        const builders = new Set([path.join(COMPONENTS, "charts", "chartsPlan.ts"), path.join(COMPONENTS, "charts", "valuesSnippet.ts")]);
        const found = [...files, path.join(ROOT, "index.ts")].filter((f) => !builders.has(f))
            .flatMap((f) => fs.readFileSync(f, "utf8").split("\n").map((line, i) => ({ f, line, i })))
            .filter(({ line }) => /\b(valuesSnippet|valuesSnippetYaml|snippetRepository)\(/.test(line))
            .map(({ f, line, i }) => `${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
        assert.deepEqual(found, []);
    });

    it("catches a backend imported by host/, by another concept, and by a sibling backend", () => {
        const fake: Record<string, string> = {
            [path.join(COMPONENTS, "host", "hostDocker.ts")]: 'import { AwsHost } from "./aws/awsHost";\n',
            [path.join(COMPONENTS, "registry", "r.ts")]: 'import { AwsHost } from "../host/aws/awsHost";\n',
            [path.join(COMPONENTS, "host", "ssh", "sshHost.ts")]: 'import { cloudInitConfig } from "../aws/cloudInit";\nimport { shellQuote } from "../hostPlan";\n',
            [path.join(COMPONENTS, "host", "local", "localHost.ts")]: 'import { x } from "./own";\nimport { DevHost } from "../devHost";\n',
            [HOST_FACTORY]: 'import { AwsHost } from "./aws/awsHost";\nimport { SshHost } from "./ssh/sshHost";\n',
            [path.join(COMPONENTS, "prepare.ts")]: 'import { awsPlacement } from "./host/aws/prepareAwsHost";\n',
        };
        const found = backendViolations(Object.keys(fake), (f) => fake[f]);
        assert.deepEqual(found.map((v) => v.split(" ")[0]).sort(), ["components/host/hostDocker.ts", "components/host/ssh/sshHost.ts", "components/registry/r.ts"], found.join("\n"));
    });

    it("catches an upward import and a sibling import", () => {
        const fake: Record<string, string> = {
            [path.join(COMPONENTS, "host", "x.ts")]: 'import { Registry } from "../registry/registry";\n',
            [path.join(COMPONENTS, "cluster", "y.ts")]: 'import type { ChartInfo } from "../charts/chartSource";\n',
            [path.join(COMPONENTS, "config", "z.ts")]: 'export { DevHost } from "../host/devHost";\n',
            [path.join(COMPONENTS, "dns", "ok.ts")]: 'import { K3dCluster } from "../cluster/cluster";\nimport { x } from "./own";\n',
        };
        const found = layeringViolations(Object.keys(fake), (f) => fake[f]);
        assert.equal(found.length, 3, found.join("\n"));
        assert.ok(found.every((v) => !v.includes("dns/ok.ts")), found.join("\n"));
    });
});
