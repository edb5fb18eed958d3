// Everything that can be checked before a resource exists: the stack config,
// the registry certificate, the charts' Chart.yaml files, the SSH key file and
// agent, where in AWS the host can go, and the workstation's IP. A bad value fails `pulumi preview` and `pulumi up`
// here, not halfway through a deployment, and every check that can run does
// run, so the developer sees every problem in one ConfigError.
import * as fs from "fs";
import * as path from "path";
import { ChartError, ChartInfo, readChart, resolvePackageKey, VersionSchemeError } from "./charts/chartSource";
import { AwsHostConfig, checkStackConfig, HostedRegistryConfig, ConfigError, configWarnings, PROJECT, StackConfig } from "./config/config";
import { expandHome } from "./config/paths";
import { CertificateError, LoadedCertificate, loadRegistryCertificate, extractIngressCerts, checkCertificate } from "./registry/tlsCertificate";
import { agentSocketProblem, privateKeyFileProblem } from "./host/sshKey";
import { awsPlacement, awsWorkstationCidr, LookupPlacement } from "./host/aws/prepareAwsHost";
import { prepareSshHost, PreparedSshHost } from "./host/ssh/prepareSshHost";
import type { PreparedHost } from "./host/createDevHost";
import { PreparedLocalHost, prepareLocalHost } from "./host/local/prepareLocalHost";
import { Placement } from "./host/aws/placement";
import { jsonUnsafeCredentialProblems, PreparedBigbang, prepareBigbang } from "./bigbang/prepareBigbang";
import { defaultEnabledPackages } from "./bigbang/packagePlan";
import { pushTarget, snippetCharts, stackValuesSnippet } from "./charts/chartsPlan";

// The README's fix (Troubleshooting, "The certificate has expired or cannot be downloaded"), for a workstation offline or behind a proxy.
const CERTIFICATE_FETCH_FIX = "; offline or behind a proxy? Point registry.tls.url at a local Big Bang checkout's copy "
    + `(pulumi config set --path ${PROJECT}:registry.tls.url file://../bigbang/chart/ingress-certs.yaml), `
    + "or use registry.tls.source files with a publicly trusted certificate";

export interface PreparedChart extends ChartInfo {
    packageKey: string;
}

export interface Prepared {
    config: StackConfig;
    /** What the host backend checked and found (aws: the allowed CIDRs and the subnet); createDevHost takes it. */
    host: PreparedHost;
    /** The hosted registry's certificate. */
    certificate?: LoadedCertificate;
    charts: PreparedChart[];
    /** With bigbang.install: the source, values and package plan, checked. */
    bigbang?: PreparedBigbang;
    warnings: string[];
}

export interface PrepareOptions {
    /** Where relative chart and certificate paths start: the Pulumi project directory. */
    projectDir: string;
    now?: Date;
    userName?: string;
    ipCheckUrl?: string;
    /** Where SSH_AUTH_SOCK is read; process.env by default. */
    env?: NodeJS.ProcessEnv;
    /** The Pulumi stack: the existing host is found by its tags (placement.ts). */
    stack?: string;
    /** Asks AWS where the host can go; lookupPlacement by default. */
    lookupPlacement?: LookupPlacement;
    /** Big Bang's git URL for `bigbang.source.version` (tests point it at a local repository). */
    bigbangGitUrl?: string;
    /** pulumi.runtime.isConfigSecret: a credential not set with --secret is refused. */
    isConfigSecret?: (fullKey: string) => boolean;
}

export async function prepare(allConfig: Record<string, string>, opts: PrepareOptions): Promise<Prepared> {
    const checked = checkStackConfig(allConfig, { userName: opts.userName, isSecret: opts.isConfigSecret });
    // A section with a problem is checked no further: its values are defaults.
    const { config, sectionOk } = checked;
    const problems: string[] = [...checked.problems];
    const warnings: string[] = [...configWarnings(config)];

    const charts = sectionOk("charts") ? prepareCharts(config, opts, problems) : [];
    const env = opts.env ?? process.env;
    if (sectionOk("host") && config.host.backend === "aws") {
        problems.push(...await sshProblems(config.host, opts.projectDir, env));
        if (config.host.sshPublicKey && !config.host.sshPrivateKeyFile && !env.SSH_AUTH_SOCK) {
            warnings.push(`${PROJECT}:host.sshPrivateKeyFile: is not set and SSH_AUTH_SOCK is empty, so remote commands have no key to log in with; set it, or start ssh-agent and add the key of host.sshPublicKey`);
        }
    }

    // ssh: the key remote commands log in with, and the pinned host key's form (host/ssh/sshChecks.ts).
    let sshHost: PreparedSshHost | undefined;
    if (sectionOk("host") && config.host.backend === "ssh") {
        const checkedSsh = await prepareSshHost(config.host.ssh, env);
        problems.push(...checkedSsh.problems);
        sshHost = checkedSsh.value;
    }

    // The network checks are independent: run them together, report every one.
    const reg = config.registry;
    const wantsCertificate = sectionOk("registry") && reg.target === "hosted";
    const wantsIp = sectionOk("allowedCidrs") && config.allowedCidrs.length === 0 && config.host.backend === "aws";
    // Each returns its problems rather than pushing them, so the report's order does not depend on which finishes first.
    const [certificateResult, ipResult] = await Promise.all([
        wantsCertificate ? loadCertificate(reg, opts).then(
            (loaded) => ({ value: loaded, problems: [] }),
            (err: unknown) => {
                if (!(err instanceof CertificateError)) throw err;
                return { value: undefined, problems: [`${PROJECT}:registry.tls: ${err.message}${err.reason === "fetch" ? CERTIFICATE_FETCH_FIX : ""}`] };
            }) : { value: undefined, problems: [] },
        awsWorkstationCidr(config, { wanted: wantsIp, ipCheckUrl: opts.ipCheckUrl }),
    ]);
    problems.push(...certificateResult.problems, ...ipResult.problems);

    let bigbang: PreparedBigbang | undefined;
    if (config.bigbang.install && sectionOk("bigbang")) {
        // Only what Big Bang's chart writes into JSON itself: an external registry's login (helmRepositories)
        // and the Registry1 login (registryCredentials). The staging target's Secret is the program's own.
        problems.push(...jsonUnsafeCredentialProblems([
            ...(sectionOk("registry") && reg.target === "external"
                ? [{ key: "registry.username", value: reg.username }, { key: "registry.password", value: reg.password }]
                : []),
            { key: "bigbang.registry1.username", value: config.bigbang.registry1.username },
            { key: "bigbang.registry1.password", value: config.bigbang.registry1.password },
        ]));
    }
    const registryReady = sectionOk("registry") && (reg.target !== "hosted" || certificateResult.value !== undefined);
    if (config.bigbang.install && sectionOk("bigbang") && sectionOk("charts") && registryReady) {
        const result = await prepareBigbang({
            config: config.bigbang,
            projectDir: opts.projectDir,
            registryCertificate: certificateResult.value,
            developerKeys: charts.map((c) => c.packageKey),
            k3sImage: sectionOk("cluster") ? config.cluster.k3sImage : undefined,
            snippet: plannedSnippet(config, charts),
            now: opts.now,
            gitUrl: opts.bigbangGitUrl,
        });
        problems.push(...result.problems);
        warnings.push(...result.warnings);
        bigbang = result.prepared;
    }

    // The local backend asks the workstation's Docker (version, memory, ID) and resolver: every refusal
    // at once, with the memory estimate for the packages Big Bang turns on (cluster alone without it).
    let local: PreparedLocalHost | undefined;
    if (config.host.backend === "local" && sectionOk("host")) {
        const checkedLocal = await prepareLocalHost({
            registryHostname: sectionOk("registry") && reg.target === "hosted" ? reg.hostname : undefined,
            network: config.network.name,
            // Their restarts are a start of the host (localHost.ts): the registry's container (registry.ts) and
            // k3d's first server node, which k3d v5 names k3d-<cluster>-server-0 (pkg/client/cluster.go).
            startContainers: ["bigbang-oci-dev-registry", `k3d-${config.cluster.name}-server-0`],
            bigbang: bigbang ? { enabled: bigbang.enabledPackages, defaults: defaultEnabledPackages(bigbang.source.values) } : undefined,
            env,
        });
        problems.push(...checkedLocal.problems);
        warnings.push(...checkedLocal.warnings);
        local = checkedLocal.value;
    }

    // Placement asks AWS, with the credentials the engine has: only once everything local is right,
    // so a config mistake is never hidden behind an AWS error (no credentials, another region).
    let placement: Placement | undefined;
    if (problems.length === 0 && config.host.backend === "aws") {
        const placed = await awsPlacement(config.host, { owner: config.owner, stack: opts.stack, lookupPlacement: opts.lookupPlacement });
        placement = placed.value;
        problems.push(...placed.problems);
    }
    const certificate = certificateResult.value;
    const detectedCidr = ipResult.value;
    if (certificate) warnings.push(...certificate.warnings);

    if (problems.length > 0) throw new ConfigError(problems);
    let host: PreparedHost;
    if (config.host.backend === "ssh" && sshHost !== undefined) host = sshHost;
    else if (local) host = local;
    else if (placement) host = { backend: "aws", allowedCidrs: detectedCidr ? [detectedCidr] : config.allowedCidrs, placement };
    else throw new ConfigError(problems);
    return { config, host, certificate, charts, bigbang, warnings };
}

/**
 * The values snippet as the program will apply it. The hosted registry's password is generated
 * at deploy time; a stand-in of the same shape is enough to check the values against the schema.
 */
function plannedSnippet(config: StackConfig, charts: PreparedChart[]): Record<string, unknown> {
    const reg = config.registry;
    const password = reg.target === "hosted" ? "generated-at-deploy" : reg.password;
    return stackValuesSnippet({ registry: reg, target: pushTarget(reg), charts: snippetCharts(charts) }, password);
}

function prepareCharts(config: StackConfig, opts: PrepareOptions, problems: string[]): PreparedChart[] {
    const charts: PreparedChart[] = [];
    const chartNames = new Map<string, number>();
    for (const [i, entry] of config.charts.entries()) {
        try {
            const chart = readChart(entry.path, { baseDir: opts.projectDir, versionScheme: entry.versionScheme ?? config.chartVersionScheme });
            const packageKey = resolvePackageKey(entry, chart.name, i);
            const earlier = chartNames.get(chart.name);
            if (earlier !== undefined) {
                problems.push(`${PROJECT}:charts[${i}].path: chart ${chart.name} is already listed as charts[${earlier}]`);
            }
            chartNames.set(chart.name, i);
            charts.push({ ...chart, packageKey });
        } catch (err) {
            if (err instanceof VersionSchemeError) {
                const key = entry.versionScheme === undefined ? `${PROJECT}:chartVersionScheme` : `${PROJECT}:charts[${i}].versionScheme`;
                problems.push(`${key}: ${err.message}`);
            } else if (err instanceof ChartError) problems.push(`${PROJECT}:charts[${i}].path: ${err.message}`);
            else if (err instanceof ConfigError) problems.push(...err.problems);
            else throw err;
        }
    }
    const keys = new Map<string, string>();
    for (const chart of charts) {
        const other = keys.get(chart.packageKey);
        if (other) problems.push(`${PROJECT}:charts: ${other} and ${chart.name} both set package ${chart.packageKey}`);
        keys.set(chart.packageKey, chart.name);
    }
    return charts;
}

/**
 * The host reads the key file while it is being declared, and remote commands can neither ask
 * for a passphrase nor survive a dead agent socket: find all of that out now.
 */
async function sshProblems(host: AwsHostConfig, projectDir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
    const problems: string[] = [];
    const key = `${PROJECT}:host.sshPrivateKeyFile`;
    const file = host.sshPrivateKeyFile;
    if (file) {
        try {
            const problem = privateKeyFileProblem(file, fs.readFileSync(path.resolve(projectDir, expandHome(file)), "utf8"));
            if (problem) problems.push(`${key}: ${problem}`);
        } catch (err) {
            const code = err instanceof Error && "code" in err ? String(err.code) : "";
            const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory"
                : err instanceof Error ? err.message : String(err);
            problems.push(`${key}: cannot read ${file}: ${why}`);
        }
    }
    const hasPrivateKey = !host.sshPublicKey || file !== undefined;
    const agent = await agentSocketProblem(env, hasPrivateKey);
    if (agent) problems.push(`${key}: ${agent}`);
    return problems;
}

/** `tls.url` may also be a file: URL or path, for a developer's local Big Bang checkout. */
async function loadCertificate(registry: HostedRegistryConfig, opts: PrepareOptions): Promise<LoadedCertificate> {
    const { tls, hostname } = registry;
    const url = tls.url;
    if (tls.source === "bigbang" && url.startsWith("file:")) {
        const file = url.slice("file://".length);
        let text: string;
        try {
            text = fs.readFileSync(path.resolve(opts.projectDir, file), "utf8");
        } catch (err) {
            throw new CertificateError("file", `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
        }
        const fetched = extractIngressCerts(text, file);
        const checked = checkCertificate({ ...fetched, hostname, now: opts.now });
        return { ...checked, keyPem: fetched.keyPem, origin: file };
    }
    return loadRegistryCertificate(tls, hostname, { now: opts.now, baseDir: opts.projectDir });
}
