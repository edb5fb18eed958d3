// Everything about Big Bang that can be known before a resource exists: the
// checkout (or the release, cloned once), the developer's values files, which
// packages stay on, the gateway certificate, and the merged values checked
// against the chart's own values.schema.json (which Helm would otherwise only
// enforce halfway through `pulumi up`). Problems join the one ConfigError.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { chartContentHash } from "../charts/chartSource";
import { BigbangConfig, DEFAULT_K3S_IMAGE, PROJECT } from "../config/config";
import {
    CertificatePair, checkCertificate, CertificateError, extractIngressCerts, hostnameMatches, LoadedCertificate, parseSubjectAltName,
} from "../registry/tlsCertificate";
import { BigbangSource, BigbangSourceError, readValuesFiles, resolveBigbangSource } from "./bigbangSource";
import { bigbangValues, validateBigbangValues } from "./bigbangValues";
import { helmCoalesce, isValuesMap } from "./helmMerge";
import { vendorMetallbKustomization } from "./metallbVendor";
import { defaultEnabledPackages, enabledPackages, packageKeyProblems, packageToggles } from "./packagePlan";
import { k3sKubernetesVersion, satisfiesKubeVersion } from "./kubeVersion";

export interface PreparedBigbang {
    source: BigbangSource;
    /** The gateway's certificate and key: the hosted registry's, else the source's chart/ingress-certs.yaml. */
    gateway: { cert: string; key: string };
    /** The program's package choices, as values. */
    toggles: Record<string, unknown>;
    valuesFiles: Record<string, unknown>[];
    /** What identifies the chart's content; in the release's description, so an edit upgrades it. */
    chartRevision: string;
    /** The package keys the merged values turn on. */
    enabledPackages: string[];
    /** The Flux release base/flux was generated from, as its header records it. */
    fluxVersion?: string;
    /** With bigbang.metallb: the MetalLB kustomization to apply, its manifest vendored (metallbVendor.ts). */
    metallbDir?: string;
}

export interface PrepareBigbangInput {
    config: BigbangConfig;
    projectDir: string;
    /** The hosted registry's certificate, when there is one. */
    registryCertificate?: LoadedCertificate;
    /** The developer's charts' package keys. */
    developerKeys: string[];
    /** cluster.k3sImage, checked against the chart's kubeVersion; unset when the cluster section has its own problems. */
    k3sImage?: string;
    /** The values snippet as it will be applied, with a stand-in for a password only known at deploy time. */
    snippet: Record<string, unknown>;
    now?: Date;
    /** Where released sources are cloned; `<projectDir>/.bigbang-oci-dev/cache` by default. */
    cacheDir?: string;
    /** Big Bang's git URL, for tests. */
    gitUrl?: string;
}

export interface PrepareBigbangResult {
    prepared?: PreparedBigbang;
    problems: string[];
    warnings: string[];
}

/** The values key every problem about the merged values is reported under. */
const VALUES_KEY = `${PROJECT}:bigbang.valuesFiles`;

export async function prepareBigbang(input: PrepareBigbangInput): Promise<PrepareBigbangResult> {
    const { config } = input;
    const problems: string[] = [];
    const warnings: string[] = [];

    const files = readValuesFiles(config.valuesFiles, input.projectDir);
    problems.push(...files.problems);

    let source: BigbangSource;
    try {
        source = await resolveBigbangSource(config.source, {
            projectDir: input.projectDir,
            cacheDir: input.cacheDir ?? path.join(input.projectDir, ".bigbang-oci-dev", "cache"),
            gitUrl: input.gitUrl,
        });
    } catch (err) {
        if (!(err instanceof BigbangSourceError)) throw err;
        problems.push(`${PROJECT}:bigbang.source: ${err.message}`);
        return { problems, warnings };
    }

    problems.push(...kubeVersionProblems(source, input.k3sImage, warnings));

    // A developer's chart may be a custom `packages.<name>` package (charts[].package): the values
    // snippet defines it, and packageKeyProblems refuses such keys only because listing one in
    // bigbang.packages does nothing. Checking them here refused every install with such a chart.
    const developerCoreKeys = input.developerKeys.filter((key) => !key.startsWith("packages."));
    const keyProblems = packageKeyProblems([...(config.packages ?? []), ...developerCoreKeys], source.values);
    problems.push(...keyProblems.map((line) => `${PROJECT}:bigbang.packages: ${line}`));

    const gateway = gatewayCertificate(input, source, problems);
    const sampleName = `grafana.${config.domain}`;
    if (gateway && !gateway.dnsNames.some((name) => hostnameMatches(name, sampleName))) {
        warnings.push(`${PROJECT}:bigbang.domain: the gateway certificate (${gateway.origin}) does not cover *.${config.domain}, so browsers will warn on every Big Bang page`);
    }
    if (problems.length > 0 || !gateway) return { problems, warnings };

    const toggles = packageToggles({ defaultsOn: defaultEnabledPackages(source.values), keep: config.packages, developerKeys: input.developerKeys });
    const pair = { cert: gateway.certPem, key: gateway.keyPem };
    const merged = bigbangValues({
        domain: config.domain,
        gateway: pair,
        registry1: { username: config.registry1.username ?? "", password: config.registry1.password ?? "" },
        snippet: input.snippet,
        toggles,
        valuesFiles: files.values,
    });
    // Helm checks the schema against the chart's values.yaml coalesced with the user's values.
    const effective = helmCoalesce(source.values, merged);
    problems.push(...lostRepositories(input.snippet, effective).map((name) =>
        `${VALUES_KEY}: a values file replaces helmRepositories without the entry ${name} that your charts are installed from `
        + "(Helm replaces lists, it does not merge them); add your repositories with `helmRepositories` in the values snippet's place, "
        + "or list that entry too (see the valuesSnippet output)"));
    for (const line of validateBigbangValues(effective, source.schema)) {
        problems.push(`${VALUES_KEY}: the merged Big Bang values fail ${path.join(source.chartDir, "values.schema.json")}: ${line}`);
    }
    // Written only when everything else is fine: a refused config leaves no files behind either.
    const metallb = problems.length === 0 && config.metallb
        ? vendorMetallbKustomization(source.metallbDir, path.join(input.projectDir, ".bigbang-oci-dev", "metallb-kustomization"))
        : undefined;
    problems.push(...(metallb?.problems ?? []).map((line) => `${PROJECT}:bigbang.source: ${line}`));
    if (problems.length > 0) return { problems, warnings };

    // The content, not the commit: an uncommitted edit in a checkout counts, and a commit that
    // leaves chart/ alone does not.
    const chartRevision = `${source.chartVersion} content.${chartContentHash(source.chartDir).slice(0, 12)}`;
    return {
        prepared: {
            source, gateway: pair, toggles, valuesFiles: files.values, chartRevision, enabledPackages: enabledPackages(effective), fluxVersion: fluxVersionIn(source.fluxDir),
            metallbDir: metallb?.dir,
        },
        problems,
        warnings,
    };
}

/**
 * Helm refuses to install a chart whose Chart.yaml kubeVersion the cluster does not satisfy (helm
 * pkg/action/install.go, chartutil.IsCompatibleRange), which would fail `pulumi up` after the host and
 * cluster are built: check the k3s image's version against the chart in use now.
 */
export function kubeVersionProblems(source: Pick<BigbangSource, "chartDir" | "chartVersion" | "kubeVersion">, k3sImage: string | undefined, warnings: string[]): string[] {
    if (source.kubeVersion === undefined || k3sImage === undefined) return [];
    const key = `${PROJECT}:cluster.k3sImage`;
    const chartFile = path.join(source.chartDir, "Chart.yaml");
    const version = k3sKubernetesVersion(k3sImage);
    if (version === undefined) {
        warnings.push(`${key}: cannot tell the Kubernetes version of ${k3sImage} from its tag, so it is not checked against Big Bang ${source.chartVersion}'s kubeVersion ${JSON.stringify(source.kubeVersion)} (${chartFile})`);
        return [];
    }
    const verdict = satisfiesKubeVersion(source.kubeVersion, version);
    if (verdict.ok) return [];
    if (verdict.reason === "unparsable") {
        return [`${PROJECT}:bigbang.source: ${chartFile}: kubeVersion ${JSON.stringify(source.kubeVersion)} is not a version constraint Helm can read`];
    }
    return [`${key}: ${k3sImage} runs Kubernetes ${version.split("+")[0]}, and Big Bang ${source.chartVersion} needs kubeVersion ${JSON.stringify(source.kubeVersion)} (${chartFile}): Helm would refuse to install it; use a newer k3s image, such as the default ${DEFAULT_K3S_IMAGE}`];
}

/** Big Bang writes these into a JSON document with printf and no escaping; what JSON cannot hold unescaped. */
const JSON_UNSAFE: { test: RegExp; what: string }[] = [
    { test: /"/, what: "a double quote (\")" },
    { test: /\\/, what: "a backslash (\\)" },
    // eslint-disable-next-line no-control-regex -- the control characters are the point
    { test: /[\u0000-\u001f]/, what: "a control character (such as a tab or newline)" },
];

/**
 * Credentials Big Bang's chart puts into a `.dockerconfigjson` with `printf "{\"auths\":...\"%s\"..."`
 * and no escaping (chart/templates/helm-repository/helmreposecret.yaml for `helmRepositories[]`,
 * chart/templates/_helpers.tpl `imagePullSecret` for `registryCredentials`, Big Bang 3.30.0): a `"`, `\`
 * or control character makes invalid JSON, which Kubernetes refuses or Flux cannot read, late in
 * `pulumi up`. Each problem names the key, never the value.
 */
export function jsonUnsafeCredentialProblems(credentials: { key: string; value: string | undefined }[]): string[] {
    const problems: string[] = [];
    for (const { key, value } of credentials) {
        if (value === undefined) continue;
        const found = JSON_UNSAFE.filter((c) => c.test.test(value)).map((c) => c.what);
        if (found.length === 0) continue;
        problems.push(`${PROJECT}:${key}: contains ${found.join(" and ")}, which Big Bang's chart writes into its registry Secret's JSON without escaping, so the Secret would be invalid; use credentials without them (a robot account or token usually has none)`);
    }
    return problems;
}

/** Names of the snippet's helmRepositories that the merged values no longer have. */
export function lostRepositories(snippet: Record<string, unknown>, merged: Record<string, unknown>): string[] {
    const names = (values: Record<string, unknown>) => (Array.isArray(values.helmRepositories) ? values.helmRepositories : [])
        .map((entry: unknown) => (isValuesMap(entry) ? entry.name : undefined))
        .filter((name): name is string => typeof name === "string");
    const kept = new Set(names(merged));
    return names(snippet).filter((name) => !kept.has(name));
}

/** `flux install --export` heads its manifest with `# Flux Version: vX.Y.Z` (Big Bang's base/flux/gotk-components.yaml). */
export function fluxVersionOf(manifest: string): string | undefined {
    return /^# Flux Version: (v\d+\.\d+\.\d+\S*)\s*$/m.exec(manifest.split("\n").slice(0, 10).join("\n"))?.[1];
}

function fluxVersionIn(fluxDir: string): string | undefined {
    try {
        return fluxVersionOf(fs.readFileSync(path.join(fluxDir, "gotk-components.yaml"), "utf8"));
    } catch {
        return undefined;
    }
}

/** A name the certificate's first DNS subjectAltName covers, or undefined when it does not parse (checkCertificate says why). */
function certificateOwnName(certPem: string): string | undefined {
    try {
        const first = parseSubjectAltName(new crypto.X509Certificate(certPem).subjectAltName).find((entry) => entry.type === "DNS");
        return first?.value.replace(/^\*\./, "gateway.");
    } catch {
        return undefined;
    }
}

interface GatewayCertificate extends CertificatePair {
    dnsNames: string[];
    origin: string;
}

function gatewayCertificate(input: PrepareBigbangInput, source: BigbangSource, problems: string[]): GatewayCertificate | undefined {
    const registry = input.registryCertificate;
    if (registry) return { certPem: registry.chainPem, keyPem: registry.keyPem, dnsNames: registry.dnsNames, origin: registry.origin };
    const origin = path.join(source.chartDir, "ingress-certs.yaml");
    if (source.ingressCerts === undefined) {
        problems.push(`${PROJECT}:bigbang.source: ${origin} is missing: the gateway needs a certificate`);
        return undefined;
    }
    try {
        const certs = extractIngressCerts(source.ingressCerts, origin);
        // Parse, key and dates must be right; a name outside bigbang.domain is only the warning above,
        // since a values file may bring its own gateway certificate.
        const checked = checkCertificate({ ...certs, hostname: certificateOwnName(certs.certPem) ?? `grafana.${input.config.domain}`, now: input.now });
        return { certPem: checked.chainPem, keyPem: certs.keyPem, dnsNames: checked.dnsNames, origin };
    } catch (err) {
        if (!(err instanceof CertificateError)) throw err;
        problems.push(`${PROJECT}:bigbang.source: the gateway certificate in ${origin}: ${err.message}`);
        return undefined;
    }
}

/** The values Big Bang is installed with; holds the passwords and the gateway key (make it secret). */
export function releaseValues(prepared: PreparedBigbang, args: {
    domain: string; registry1: { username: string; password: string }; snippet: Record<string, unknown>;
}): Record<string, unknown> {
    return bigbangValues({
        domain: args.domain,
        gateway: prepared.gateway,
        registry1: args.registry1,
        snippet: args.snippet,
        toggles: prepared.toggles,
        valuesFiles: prepared.valuesFiles,
    });
}
