// Every values snippet the program can emit, merged over Big Bang's own
// chart/values.yaml the way Helm merges `-f` files, must pass Big Bang's
// chart/values.schema.json, which Helm enforces on `helm upgrade -i`.
import { strict as assert } from "assert";
import * as fs from "fs";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { pushTarget, snippetRepository } from "../../components/charts/chartsPlan";
import { valuesSnippet, type SnippetChart } from "../../components/charts/valuesSnippet";
import { ConfigError, parseStackConfig } from "../../components/config/config";
import { referenceFile } from "./reference";

type Values = Record<string, unknown>;

function isRecord(v: unknown): v is Values {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Helm's coalescing of a user values file over the chart's defaults: maps merge
// key by key, anything else (lists included) replaces, and null deletes the key.
function helmMerge(base: Values, override: Values): Values {
    const out: Values = { ...base };
    for (const [key, value] of Object.entries(override)) {
        if (value === null) delete out[key];
        else if (isRecord(value) && isRecord(out[key])) out[key] = helmMerge(out[key], value);
        else out[key] = value;
    }
    return out;
}

// `nullable` is OpenAPI, not JSON Schema: Helm's validator ignores it, while Ajv
// treats it as its own keyword and refuses `nullable: false` beside `type: null`.
function withoutNullable(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(withoutNullable);
    if (!isRecord(node)) return node;
    return Object.fromEntries(Object.entries(node).filter(([k]) => k !== "nullable").map(([k, v]) => [k, withoutNullable(v)]));
}

const CHART_SETS: Record<string, SnippetChart[]> = {
    "no charts": [],
    "a core package": [{ name: "kiali", version: "2.5.0-bb.1", packageKey: "kiali" }],
    "an add-on": [{ name: "anchore-enterprise", version: "3.1.0-bb.0+build.7", packageKey: "addons.anchoreEnterprise" }],
    "a packages.* key": [{ name: "podinfo", version: "6.7.1", packageKey: "packages.podinfo" }],
    "all three kinds": [
        { name: "kiali", version: "2.5.0-bb.1", packageKey: "kiali" },
        { name: "anchore-enterprise", version: "3.1.0-bb.0+build.7", packageKey: "addons.anchoreEnterprise" },
        { name: "podinfo", version: "6.7.1", packageKey: "packages.podinfo" },
    ],
};

// Every target and auth setting the config accepts. The password stands in for the one the program has at run
// time: the RandomPassword result (hosted) or the configured secret (external).
const ACCEPTED: { name: string; registry: Values; password?: string }[] = [
    { name: "hosted, defaults (auth on)", registry: {}, password: "generated-by-random" },
    { name: "hosted, auth on with another user", registry: { auth: { enabled: true, username: "dev" }, port: 5443 }, password: "generated-by-random" },
    { name: "registry1-staging", registry: { target: "registry1-staging", username: "jane_doe", password: "r1-token" } },
    { name: "external with credentials", registry: { target: "external", url: "oci://harbor.dev.bigbang.mil/library", username: "robot", password: "harbor-secret" }, password: "harbor-secret" },
];

// Settings whose snippet Big Bang would refuse: the config stops them before any resource.
const REFUSED: { name: string; registry: Values; problem: RegExp }[] = [
    { name: "hosted, auth off", registry: { auth: { enabled: false } }, problem: /registry\.auth\.enabled: must stay true/ },
    { name: "external without credentials", registry: { target: "external", url: "oci://harbor.dev.bigbang.mil/library" }, problem: /registry\.username: registry\.target external needs/ },
];

function stackConfig(registry: Values) {
    return parseStackConfig({
        "bigbang-oci-dev:allowedCidrs": JSON.stringify(["203.0.113.7/32"]),
        "bigbang-oci-dev:registry": JSON.stringify(registry),
    }, { userName: "jdoe" });
}

describe("conformance: values snippets against Big Bang's values schema", function () {
    this.timeout(60_000);
    let defaults: Values;
    let validate: ValidateFunction;

    before(() => {
        const loaded: unknown = parse(fs.readFileSync(referenceFile("bigbang-chart-values.yaml"), "utf8"));
        assert.ok(isRecord(loaded));
        defaults = loaded;
        const schema: unknown = JSON.parse(fs.readFileSync(referenceFile("bigbang-chart-values.schema.json"), "utf8"));
        assert.ok(isRecord(schema));
        // Not strict: the schema has keywords Helm's validator passes over and Ajv's strict mode flags.
        const ajv = new Ajv({ allErrors: true, strict: false });
        addFormats(ajv);
        const stripped = withoutNullable(schema);
        assert.ok(isRecord(stripped));
        validate = ajv.compile(stripped);
    });

    const problems = (values: Values): string =>
        (validate(values) ? [] : validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`).join("\n");

    it("Big Bang's own defaults pass, and a helmRepositories entry without credentials fails (the test can see the defect)", () => {
        assert.equal(problems(defaults), "");
        const anonymous = helmMerge(defaults, { helmRepositories: [{ name: "k3d", repository: "oci://oci.dev.bigbang.mil:5000", type: "oci" }] });
        assert.match(problems(anonymous), /\/helmRepositories\/0 must match a schema in anyOf/);
        const badPackage = helmMerge(defaults, { kiali: { sourceType: "helmRepo", helmRepo: { repoName: "k3d", chartName: "kiali", tag: 2 } } });
        assert.notEqual(problems(badPackage), "", "package values are checked too");
    });

    for (const setting of ACCEPTED) {
        for (const [chartsName, charts] of Object.entries(CHART_SETS)) {
            it(`${setting.name}, ${chartsName}: accepted`, () => {
                const registry = stackConfig(setting.registry).registry;
                const target = pushTarget(registry);
                const snippet = valuesSnippet(snippetRepository(registry, target, setting.password), charts);
                assert.equal(problems(helmMerge(defaults, snippet)), "", JSON.stringify(snippet));
            });
        }
    }

    for (const setting of REFUSED) {
        it(`${setting.name}: refused by the config, naming the key`, () => {
            assert.throws(() => stackConfig(setting.registry), (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.match(err.message, setting.problem);
                return true;
            });
        });
    }
});
