import { strict as assert } from "assert";
import { isValuesMap } from "../../components/bigbang/helmMerge";
import { bigbangValues, gatewayCertValues, validateBigbangValues, type BigbangValuesArgs } from "../../components/bigbang/bigbangValues";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB-test-cert\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIE-test-key-SECRET\n-----END PRIVATE KEY-----\n";

function args(over: Partial<BigbangValuesArgs> = {}): BigbangValuesArgs {
    return {
        domain: "dev.bigbang.mil",
        gateway: { cert: CERT, key: KEY },
        registry1: { username: "jane_doe", password: "r1-token-SECRET" },
        snippet: { helmRepositories: [{ name: "k3d", repository: "oci://oci.dev.bigbang.mil:5000", type: "oci", username: "u", password: "p" }], kiali: { sourceType: "helmRepo" } },
        toggles: { kiali: { enabled: true }, grafana: { enabled: false } },
        valuesFiles: [],
        ...over,
    };
}

describe("bigbangValues", () => {
    it("layers domain, toggles, the gateway certificate as chart/ingress-certs.yaml has it, registry1 credentials and the snippet", () => {
        assert.deepEqual(bigbangValues(args()), {
            domain: "dev.bigbang.mil",
            kiali: { enabled: true, sourceType: "helmRepo" },
            grafana: { enabled: false },
            istioGateway: { values: { gateways: { public: { gatewayCerts: [{ name: "public-cert", tls: { cert: CERT, key: KEY } }] } } } },
            addons: { keycloak: { ingress: { cert: CERT, key: KEY } }, vault: { ingress: { cert: CERT, key: KEY } } },
            registryCredentials: { registry: "registry1.dso.mil", username: "jane_doe", password: "r1-token-SECRET" },
            helmRepositories: [{ name: "k3d", repository: "oci://oci.dev.bigbang.mil:5000", type: "oci", username: "u", password: "p" }],
        });
    });

    it("the developer's values files come last, in order, and may override anything, null included", () => {
        const values = bigbangValues(args({
            valuesFiles: [
                { domain: "other.example.mil", grafana: { enabled: true }, addons: { keycloak: { ingress: null } } },
                { grafana: { enabled: false, values: { x: 1 } } },
            ],
        }));
        assert.equal(values.domain, "other.example.mil");
        assert.deepEqual(values.grafana, { enabled: false, values: { x: 1 } });
        assert.deepEqual(values.addons, { keycloak: { ingress: null }, vault: { ingress: { cert: CERT, key: KEY } } });
    });

    it("the snippet overrides the toggles (a developer's chart at a key the toggles turned off stays as the snippet says)", () => {
        const values = bigbangValues(args({ toggles: { kiali: { enabled: false } }, snippet: { kiali: { enabled: true } } }));
        assert.deepEqual(values.kiali, { enabled: true });
    });

    it("does not modify its inputs", () => {
        const a = args({ valuesFiles: [{ kiali: { values: { a: 1 } } }] });
        const before = JSON.stringify(a);
        bigbangValues(a);
        assert.equal(JSON.stringify(a), before);
    });

    it("refuses bad input without printing secrets", () => {
        const cases: Partial<BigbangValuesArgs>[] = [
            { domain: "Not A Domain" },
            { gateway: { cert: CERT, key: " " } },
            { registry1: { username: "jane_doe", password: "" } },
        ];
        for (const c of cases) {
            assert.throws(() => bigbangValues(args(c)), (err: unknown) => {
                assert.ok(err instanceof Error);
                assert.ok(!/SECRET|MIIE/.test(err.message), err.message);
                return true;
            });
        }
    });

    it("gatewayCertValues copies the pair to each place, not one shared object", () => {
        const values = gatewayCertValues({ cert: "c", key: "k" });
        const ingress = (name: string): unknown => {
            const addons = values.addons;
            const entry = isValuesMap(addons) ? addons[name] : undefined;
            return isValuesMap(entry) ? entry.ingress : undefined;
        };
        assert.deepEqual(ingress("keycloak"), { cert: "c", key: "k" });
        assert.notEqual(ingress("keycloak"), ingress("vault"));
    });
});

describe("validateBigbangValues", () => {
    const schema = {
        type: "object",
        required: ["domain"],
        properties: {
            domain: { type: "string", format: "hostname" },
            registryCredentials: { type: ["object", "null"], nullable: false, properties: { password: { type: "string" } } },
            kiali: { type: "object", additionalProperties: false, properties: { enabled: { type: "boolean" } } },
        },
    };

    it("accepts valid values; ignores OpenAPI's nullable, as Helm does", () => {
        assert.deepEqual(validateBigbangValues({ domain: "dev.bigbang.mil", registryCredentials: null, kiali: { enabled: true } }, schema), []);
    });

    it("reports path and rule, never the values", () => {
        const problems = validateBigbangValues({ registryCredentials: { password: 12345678 }, kiali: { enabled: "yes-SECRET", surprise: 1 } }, schema);
        assert.deepEqual(problems.sort(), [
            "/ must have required property 'domain'",
            "/kiali must NOT have additional properties (\"surprise\")",
            "/kiali/enabled must be boolean",
            "/registryCredentials/password must be string",
        ].sort());
        assert.ok(problems.every((p) => !p.includes("SECRET") && !p.includes("12345678")));
    });

    it("checks formats (ajv-formats)", () => {
        assert.deepEqual(validateBigbangValues({ domain: "not a host name" }, schema), ['/domain must match format "hostname"']);
    });
});
