// The values the program gives the Big Bang release, and the check that Big
// Bang's chart/values.schema.json accepts them before `helm upgrade` does.
//
// Precedence follows what a developer would expect from Big Bang's own
// quickstart (`helm upgrade -i bigbang chart --set registryCredentials... -f
// chart/ingress-certs.yaml -f <their values>`): the program's choices first, the
// developer's files last so they can override any of them.
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { HOSTNAME } from "../config/config";
import { helmMerge, isValuesMap, type Values } from "./helmMerge";
import { REGISTRY1_SERVER } from "./pullSecret";

/** The registry the package images come from; Big Bang's own default. */

export interface BigbangValuesArgs {
    domain: string;
    /** The public gateway's TLS certificate and key (PEM), e.g. from Big Bang's chart/ingress-certs.yaml. */
    gateway: { cert: string; key: string };
    registry1: { username: string; password: string };
    /** stackValuesSnippet() (charts/chartsPlan.ts): the dev registry and the developer's charts. */
    snippet: Values;
    /** packageToggles(). */
    toggles: Values;
    /** The developer's `bigbang.valuesFiles`, parsed, in order. */
    valuesFiles: readonly Values[];
}

/**
 * User values for the Big Bang chart, merged the way `-f` files are: domain and
 * package toggles, the gateway certificate, registry credentials, the values
 * snippet, then each values file. Holds the registry1 password and the TLS
 * key: a secret.
 */
export function bigbangValues(args: BigbangValuesArgs): Values {
    if (!HOSTNAME.test(args.domain)) throw new Error(`Big Bang domain ${JSON.stringify(args.domain)} is not a DNS name`);
    // Only the field names go in these messages: the values are secrets.
    if (args.gateway.cert.trim() === "" || args.gateway.key.trim() === "") throw new Error("gateway certificate: cert and key must both be non-empty PEM");
    if (args.registry1.username === "" || args.registry1.password === "") throw new Error("registry1 credentials: username and password must both be non-empty");

    const layers: Values[] = [
        { domain: args.domain },
        args.toggles,
        gatewayCertValues(args.gateway),
        { registryCredentials: { registry: REGISTRY1_SERVER, username: args.registry1.username, password: args.registry1.password } },
        args.snippet,
        ...args.valuesFiles,
    ];
    return layers.reduce<Values>((acc, layer) => helmMerge(acc, layer), {});
}

/**
 * The certificate in the layout of Big Bang's chart/ingress-certs.yaml (commit
 * 1699eff40): the public gateway's first gatewayCerts entry named
 * `public-cert`, and the same pair as Keycloak's and Vault's ingress, which
 * terminate TLS themselves behind the passthrough gateway.
 */
export function gatewayCertValues(gateway: { cert: string; key: string }): Values {
    const tls = { cert: gateway.cert, key: gateway.key };
    return {
        istioGateway: { values: { gateways: { public: { gatewayCerts: [{ name: "public-cert", tls }] } } } },
        addons: { keycloak: { ingress: { ...tls } }, vault: { ingress: { ...tls } } },
    };
}

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Problems Big Bang's values schema finds in `values` (the values the chart
 * sees: user values coalesced over chart/values.yaml), one
 * "<instancePath> <message>" line each; empty when valid. Messages name paths
 * and rules, never the offending values, which may be secrets.
 */
export function validateBigbangValues(values: Values, schema: object): string[] {
    let validate = compiled.get(schema);
    if (validate === undefined) {
        // Not strict: Big Bang's schema uses keywords Helm's validator passes
        // over and Ajv's strict mode refuses.
        const ajv = new Ajv({ allErrors: true, strict: false });
        addFormats(ajv);
        const stripped = withoutNullable(schema);
        if (!isValuesMap(stripped)) throw new Error("Big Bang values schema is not a JSON object");
        validate = ajv.compile(stripped);
        compiled.set(schema, validate);
    }
    if (validate(values)) return [];
    return (validate.errors ?? []).map(describe);
}

function describe(error: ErrorObject): string {
    const where = error.instancePath === "" ? "/" : error.instancePath;
    // The key's name helps and is not a secret; Ajv's message alone does not say which key.
    const extra = error.keyword === "additionalProperties" && typeof error.params.additionalProperty === "string"
        ? ` (${JSON.stringify(error.params.additionalProperty)})`
        : "";
    return `${where} ${error.message ?? error.keyword}${extra}`;
}

// `nullable` is OpenAPI, not JSON Schema: Helm's validator ignores it, while Ajv
// treats it as its own keyword and refuses `nullable: false` beside `type: null`.
function withoutNullable(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(withoutNullable);
    if (!isValuesMap(node)) return node;
    return Object.fromEntries(Object.entries(node).filter(([k]) => k !== "nullable").map(([k, v]) => [k, withoutNullable(v)]));
}
