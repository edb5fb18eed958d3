// The lifecycle tests' harness: fixtures, a config per row and market, and the row cases. The rows
// run in two files, spot (lifecycle.test.ts, with the README checks and the scenarios) and on-demand
// (lifecycle.onDemand.test.ts), so that mocha's workers share them.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BASE_CONFIG } from "../support/program";
import { createTestPki, ingressCertsYaml, TestPki } from "../support/pki";
import { LifecycleDiff, lifecycleDiff } from "../support/lifecycle";
import { HOST, LIFECYCLE_ROWS, LifecycleRow } from "./rows";
import { LOCAL_PROBE_OVERRIDE, LocalProbe } from "../../components/host/local/localProbe";

/** The workstation the local backend's rows run on: a recent engine with room for Big Bang (no docker, no DNS in tests). */
export const LOCAL_WORKSTATION: LocalProbe = {
    engine: () => Promise.resolve({ serverVersion: "27.3.1", id: "ENGINE:LOCAL", memTotal: 64e9 }),
    startedAt: (names) => Promise.resolve(names.map(() => "")),
    resolve: () => Promise.resolve(["127.0.0.1"]),
};

export const ROOT = path.resolve(__dirname, "../..");
export const ON_HOST_TYPE = /^(command:remote:|docker:index\/|kubernetes:)/;

/** Set a dotted `bigbang-oci-dev:` key (or `aws:region`) in a config map, merging into its top-level JSON object. */
export function withKey(config: Record<string, string>, dotted: string, value: unknown): Record<string, string> {
    if (dotted.includes(":")) return { ...config, [dotted]: String(value) };
    const [top, ...rest] = dotted.split(".");
    const fullKey = `bigbang-oci-dev:${top}`;
    // A top-level key set to undefined is removed (allowedCidrs on a backend that refuses it).
    if (rest.length === 0 && value === undefined) return Object.fromEntries(Object.entries(config).filter(([k]) => k !== fullKey));
    if (rest.length === 0) return { ...config, [fullKey]: typeof value === "string" ? value : JSON.stringify(value) };
    const obj = config[fullKey] === undefined ? {} : JSON.parse(config[fullKey]) as Record<string, unknown>;
    let node = obj;
    for (const part of rest.slice(0, -1)) {
        const next = node[part];
        node[part] = typeof next === "object" && next !== null ? next : {};
        node = node[part] as Record<string, unknown>;
    }
    node[rest[rest.length - 1]] = value;
    return { ...config, [fullKey]: JSON.stringify(obj) };
}

export type Market = "spot" | "on-demand";

export interface Fixtures {
    dir: string;
    pki: TestPki;
    /** The default (spot) host with one chart. */
    baseline: Record<string, string>;
    resolveValue(value: unknown): unknown;
}

export function makeFixtures(): Fixtures {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbod-lifecycle-"));
    const chart = path.join(dir, "kiali");
    fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
    fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: kiali\nversion: 1.2.3-bb.4\n");
    fs.writeFileSync(path.join(chart, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    const keyFile = path.join(dir, "id_ed25519");
    // A real key without a passphrase: prepare refuses anything else (host/sshKey.ts).
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lifecycle", "-f", keyFile]);
    const pki = createTestPki();
    const leaf = pki.leaf({ dnsNames: ["oci.dev.bigbang.mil"], days: 60 });
    const other = pki.leaf({ dnsNames: ["oci.dev.bigbang.mil"], days: 45 });
    // Big Bang's ingress-certs.yaml layout, read through tls.url file://, at two paths with the same content.
    const certsYaml = ingressCertsYaml("current", fs.readFileSync(leaf.certFile, "utf8"), fs.readFileSync(leaf.keyFile, "utf8"));
    const [certsA, certsB] = [path.join(dir, "a-ingress-certs.yaml"), path.join(dir, "b-ingress-certs.yaml")];
    for (const file of [certsA, certsB]) fs.writeFileSync(file, certsYaml);
    // A second Big Bang checkout with the same content, and a values file of the developer's.
    const checkoutCopy = path.join(dir, "bigbang");
    fs.cpSync(path.join(ROOT, "test", "fixtures", "bigbang-checkout"), checkoutCopy, { recursive: true });
    const valuesFile = path.join(dir, "my-values.yaml");
    fs.writeFileSync(valuesFile, "kiali:\n  values:\n    replicas: 2\n");
    const special: Record<string, unknown> = {
        "<bigbang checkout copy>": checkoutCopy,
        "<values files>": [valuesFile],
        "<bigbang file>": { source: "bigbang", url: `file://${certsA}` },
        "<same bigbang file elsewhere>": { source: "bigbang", url: `file://${certsB}` },
        "<files>": { source: "files", certFile: leaf.certFile, keyFile: leaf.keyFile },
        "<other files>": { source: "files", certFile: other.certFile, keyFile: other.keyFile },
        "<key file>": keyFile,
    };
    return {
        dir,
        pki,
        // The default market (spot); every row is measured on an on-demand host too (configOf's market).
        baseline: { ...BASE_CONFIG, "bigbang-oci-dev:charts": JSON.stringify([{ path: "kiali" }]) },
        resolveValue: (value) => (typeof value === "string" && value in special ? special[value] : value),
    };
}

export function configOf(fx: Fixtures, edits: Record<string, unknown> = {}, market: Market = "spot"): Record<string, string> {
    // The market goes first, so a row that sets host.market itself wins.
    let config = market === "spot" ? fx.baseline : withKey(fx.baseline, "host.market", "on-demand");
    for (const [key, value] of Object.entries(edits)) config = withKey(config, key, fx.resolveValue(value));
    return config;
}

/** The machine and everything on it, by name, in a run. */
export function hostAndEverythingOnIt(diff: LifecycleDiff): string[] {
    const names = diff.after.resources.filter((r) => r.custom && (ON_HOST_TYPE.test(r.type) || r.type === "pulumi:providers:kubernetes")).map((r) => r.name);
    return [...new Set(["instance", "instance-state", ...(diff.after.find("aws:ec2/eipAssociation:EipAssociation") ? ["public-ip-association"] : []), ...names])].sort();
}

/** The row's replace list with HOST spelled out; what the row creates or deletes (a machine of another type) is not replaced. */
export function expand(diff: LifecycleDiff, names: string[] | undefined, row?: LifecycleRow): string[] {
    const elsewhere = new Set([...(row?.expect.create ?? []), ...(row?.expect.delete ?? [])]);
    return [...new Set((names ?? []).flatMap((n) => (n === HOST ? hostAndEverythingOnIt(diff).filter((h) => !elsewhere.has(h)) : [n])))].sort();
}

// The fixtures are never edited (the inner-loop test edits its own folder with runProgram), so a config
// evaluated for one row (the baseline most of all) is shared with every other.
export async function diffOf(fx: Fixtures, row: LifecycleRow, market: Market = "spot"): Promise<LifecycleDiff> {
    return lifecycleDiff(configOf(fx, row.before, market), configOf(fx, row.after, market), {
        cwd: fx.dir, instanceReplacedOutside: row.instanceReplacedOutside, startedBetween: row.startedBetween, offeredZones: row.offeredZones, shared: true,
    });
}


/** Fixtures for a describe block: made in before(), removed in after(), with the local workstation probe set meanwhile. */
export function lifecycleFixtures(): () => Fixtures {
    let fx: Fixtures | undefined;
    before(() => {
        fx = makeFixtures();
        Reflect.set(globalThis, LOCAL_PROBE_OVERRIDE, LOCAL_WORKSTATION);
    });
    after(() => {
        Reflect.deleteProperty(globalThis, LOCAL_PROBE_OVERRIDE);
        if (!fx) return;
        fx.pki.cleanup();
        fs.rmSync(fx.dir, { recursive: true, force: true });
    });
    return () => {
        if (!fx) throw new Error("lifecycle fixtures are made in before()");
        return fx;
    };
}

/** One case per row of test/lifecycle/rows.ts on this market: what a second pulumi up after the row's edit does. */
export function rowCases(market: Market, fixtures: () => Fixtures): void {
    for (const row of LIFECYCLE_ROWS) {
        const expect = market === "on-demand" && row.onDemand ? row.onDemand.expect : row.expect;
        it(`${market}: ${row.key}: ${market === "on-demand" ? row.onDemand?.cost ?? row.cost : row.cost}`, async () => {
            const diff = await diffOf(fixtures(), row, market);
            assert.deepEqual(diff.names("replace"), expand(diff, expect.replace, { ...row, expect }), "replaced");
            assert.deepEqual(diff.names("update"), [...(expect.update ?? [])].sort(), "updated in place");
            assert.deepEqual(diff.names("create"), [...(expect.create ?? [])].sort(), "created");
            assert.deepEqual(diff.names("delete"), [...(expect.delete ?? [])].sort(), "deleted");
            const replaced = new Set(diff.names("replace"));
            if (replaced.has("instance")) {
                const survivors = hostAndEverythingOnIt(diff).filter((n) => !replaced.has(n));
                assert.deepEqual(survivors, [], "nothing on the host survives a host replacement");
            }
            // Nothing on a host that is going away is dialled: a Delete on the host runs only when the host stays.
            for (const c of diff.byName.values()) {
                if (c.deleteCallsProvider && ON_HOST_TYPE.test(c.type)) {
                    assert.ok(!replaced.has("instance"), `${c.name}'s Delete would dial a host that is being replaced`);
                }
            }
        });
    }
}
