// The k3d config this program writes, against k3d's own JSON Schema for
// v1alpha5 Simple configs (k3d-io/k3d v5.8.3 pkg/config/v1alpha5/schema.json),
// read from the reference folder.
import { strict as assert } from "assert";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import fc from "fast-check";
import * as fs from "fs";
import { ClusterConfig, DEFAULT_K3S_IMAGE } from "../../components/config/config";
import { K3dConfigInput } from "../../components/cluster/k3dConfig";
import { defaultInput, everyOptionInput, parsedYaml, stackConfig } from "../support/k3dInputs";
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
        const nodeFilter = fc.constantFrom("server:*", "agent:*", "server:0", "servers:0-", "agents:-", "loadbalancer", "all");
        const k3sArg = fc.oneof(
            fc.stringMatching(/^--[a-z][a-z-]{0,20}=[a-z0-9.,:=/-]{1,30}$/),
            fc.record({
                arg: fc.stringMatching(/^--[a-z][a-z-]{0,20}(=[a-z0-9.,:=/-]{1,30})?$/),
                nodeFilters: fc.uniqueArray(nodeFilter, { minLength: 1, maxLength: 3 }),
            }),
        );
        const clusterPort = fc.record(
            {
                port: fc.integer({ min: 1, max: 65535 }).filter((p) => ![22, 5000, 6443].includes(p)),
                containerPort: fc.integer({ min: 1, max: 65535 }),
                nodeFilters: fc.uniqueArray(nodeFilter, { minLength: 1, maxLength: 2 }),
            },
            { requiredKeys: ["port"] },
        );
        const rawCluster = fc.record(
            {
                name: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/),
                // More are refused by config (k3d cannot give servers static IPs on a shared network).
                servers: fc.constant(1),
                agents: fc.integer({ min: 0, max: 20 }),
                k3sImage: fc.constantFrom(DEFAULT_K3S_IMAGE, "rancher/k3s:v1.31.13-k3s1", "registry1.dso.mil/ironbank/k3s:v1.32.9"),
                k3sArgs: fc.array(k3sArg, { maxLength: 5 }),
                disable: fc.uniqueArray(fc.constantFrom("traefik", "metrics-server", "servicelb", "local-storage")),
                ports: fc.uniqueArray(clusterPort, { maxLength: 5, selector: (p) => p.port }),
                createTimeoutSeconds: fc.integer({ min: 60, max: 3600 }),
            },
            { requiredKeys: [] },
        );
        const scenario = fc.record({
            cluster: rawCluster,
            usePrivateIp: fc.boolean(),
            publicIp: fc.ipV4(),
            privateIp: fc.ipV4(),
            networkName: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,30}$/),
            registry: fc.option(fc.record({ address: fc.ipV4() }), { nil: undefined }),
        });

        it("yields a document that validates", () => {
            fc.assert(
                fc.property(scenario, (s) => {
                    const cluster: ClusterConfig = stackConfig({ "bigbang-oci-dev:cluster": JSON.stringify(s.cluster) }).cluster;
                    const input: K3dConfigInput = {
                        cluster,
                        networkName: s.networkName,
                        apiAddress: s.usePrivateIp ? s.privateIp : s.publicIp,
                        privateIp: s.privateIp,
                        registry: s.registry && { hostname: "oci.dev.bigbang.mil", port: 5000, ...s.registry },
                    };
                    assertValid(validate, parsedYaml(input));
                }),
                { numRuns: 200 },
            );
        });
    });
});
