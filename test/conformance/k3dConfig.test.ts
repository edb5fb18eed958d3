// The k3d config this program writes, against k3d's own JSON Schema for
// v1alpha5 Simple configs (k3d-io/k3d v5.8.3 pkg/config/v1alpha5/schema.json),
// read from the reference folder.
import { strict as assert } from "assert";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import fc from "fast-check";
import * as fs from "fs";
import { defaultInput, everyOptionInput, k3dScenario, k3dScenarioInput, parsedYaml } from "../support/k3dInputs";
import { referenceFile } from "./reference";

function loadValidator(): ValidateFunction {
    const file = referenceFile("k3d-config-v1alpha5.schema.json");
    const schema: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.ok(schema !== null && typeof schema === "object", `${file} is not a JSON object`);
    // Strict mode stays on: the upstream schema compiles under it unchanged.
    const ajv = new Ajv({ strict: true, allErrors: true });
    addFormats(ajv);
    return ajv.compile(schema);
}

function assertValid(validate: ValidateFunction, doc: unknown): void {
    const ok = validate(doc);
    assert.ok(ok, `k3d config fails the v1alpha5 schema: ${JSON.stringify(validate.errors, null, 2)}`);
}

describe("conformance: k3d config against k3d's v1alpha5 schema", () => {
    let validate: ValidateFunction;
    before(() => {
        validate = loadValidator();
    });

    it("validates the default stack config", () => {
        assertValid(validate, parsedYaml(defaultInput()));
    });

    it("validates the config with every option on", () => {
        assertValid(validate, parsedYaml(everyOptionInput()));
    });

    it("validates a config without a registry on this host", () => {
        assertValid(validate, parsedYaml({ ...defaultInput(), registry: undefined }));
    });

    describe("the schema check itself", () => {
        const broken: [string, (doc: Record<string, unknown>) => void][] = [
            ["a wrong kind", (doc) => { doc.kind = "Cluster"; }],
            ["a wrong apiVersion", (doc) => { doc.apiVersion = "k3d.io/v1alpha4"; }],
            ["ports as numbers", (doc) => { doc.ports = [{ port: 80, nodeFilters: ["loadbalancer"] }]; }],
            ["an unknown top-level field", (doc) => { doc.name = "bigbang"; }],
            ["no servers", (doc) => { doc.servers = 0; }],
            ["a cluster name that is not a hostname", (doc) => { doc.metadata = { name: "big_bang" }; }],
            ["a kube API hostIP that is not an IPv4 address", (doc) => { doc.kubeAPI = { hostIP: "localhost", hostPort: "6443" }; }],
            ["an unknown k3s option", (doc) => {
                doc.options = { k3s: { extraServerArgs: ["--disable=traefik"] } };
            }],
        ];
        for (const [what, breakIt] of broken) {
            it(`rejects ${what}`, () => {
                const doc = parsedYaml(defaultInput());
                assertValid(validate, doc);
                breakIt(doc);
                assert.equal(validate(doc), false, `schema accepted ${what}`);
            });
        }
    });

    describe("property: every valid cluster config", () => {
        it("yields a document that validates", () => {
            fc.assert(
                fc.property(k3dScenario, (s) => {
                    const input = k3dScenarioInput(s);
                    assertValid(validate, parsedYaml(input));
                }),
                { numRuns: 200 },
            );
        });
    });
});
