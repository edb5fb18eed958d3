// Everything that can be checked before a resource exists: the stack config,
// the registry certificate, the charts' Chart.yaml files and the workstation's
// IP. A bad value fails `pulumi preview` and `pulumi up` here, not halfway
// through a deployment.
import * as fs from "fs";
import * as path from "path";
import { ChartError, ChartInfo, readChart, resolvePackageKey } from "./charts/chartSource";
import { ConfigError, parseStackConfig, PROJECT, StackConfig } from "./config/config";
import { CertificateError, LoadedCertificate, loadRegistryCertificate, extractIngressCerts, checkCertificate } from "./registry/tlsCertificate";
import { detectWorkstationCidr } from "./host/workstationIp";
import { agentSocketProblem, privateKeyFileProblem } from "./host/sshKey";
import { lookupPlacement, Placement } from "./host/placement";
import { expandHome } from "./config/paths";

export interface PreparedChart extends ChartInfo {
    packageKey: string;
}

export interface Prepared {
    config: StackConfig;
    /** allowedCidrs, or the detected workstation IP as a /32. */
    allowedCidrs: string[];
    /** Hosted registry with tls.source bigbang or files. */
    certificate?: LoadedCertificate;
    charts: PreparedChart[];
    /** The subnet the host goes in: its zone offers the instance type and, unless usePrivateIp, it is reachable. */
    placement: Placement;
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
    /** Asks AWS where the host can go; lookupPlacement by default. */
    lookupPlacement?: (host: StackConfig["host"]) => Promise<Placement>;
}

export async function prepare(allConfig: Record<string, string>, opts: PrepareOptions): Promise<Prepared> {
    const config = parseStackConfig(allConfig, { userName: opts.userName });
    const problems: string[] = [];
    const warnings: string[] = [];

    const charts: PreparedChart[] = [];
    const chartNames = new Map<string, number>();
    for (const [i, entry] of config.charts.entries()) {
        try {
            const chart = readChart(entry.path, { baseDir: opts.projectDir });
            const packageKey = resolvePackageKey(entry, chart.name, i);
            const earlier = chartNames.get(chart.name);
            if (earlier !== undefined) {
                problems.push(`${PROJECT}:charts[${i}].path: chart ${chart.name} is already listed as charts[${earlier}]`);
            }
            chartNames.set(chart.name, i);
            charts.push({ ...chart, packageKey });
        } catch (err) {
            if (err instanceof ChartError) problems.push(`${PROJECT}:charts[${i}].path: ${err.message}`);
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

    problems.push(...await sshProblems(config, opts.env ?? process.env));
    if (config.host.sshPublicKey && !config.host.sshPrivateKeyFile && !(opts.env ?? process.env).SSH_AUTH_SOCK) {
        warnings.push(`${PROJECT}:host.sshPrivateKeyFile: is not set and SSH_AUTH_SOCK is empty, so remote commands have no key to log in with; set it, or start ssh-agent and add the key of host.sshPublicKey`);
    }

    let certificate: LoadedCertificate | undefined;
    const reg = config.registry;
    if (reg.target === "hosted" && reg.tls.source !== "self-signed") {
        try {
            certificate = await loadCertificate(config, opts);
            warnings.push(...certificate.warnings);
        } catch (err) {
            if (!(err instanceof CertificateError)) throw err;
            problems.push(`${PROJECT}:registry.tls: ${err.message}`);
        }
    }

    let allowedCidrs = config.allowedCidrs;
    if (allowedCidrs.length === 0 && problems.length === 0) {
        try {
            allowedCidrs = [await detectWorkstationCidr(opts.ipCheckUrl)];
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            problems.push(...err.problems);
        }
    }

    let placement: Placement | undefined;
    try {
        placement = await (opts.lookupPlacement ?? lookupPlacement)(config.host);
    } catch (err) {
        // Only a placement verdict is a config problem; an AWS error (credentials, region) stays as it is.
        if (!(err instanceof Error) || !err.message.startsWith(`${PROJECT}:`)) throw err;
        problems.push(err.message);
    }

    if (problems.length > 0 || placement === undefined) throw new ConfigError(problems);
    return { config, allowedCidrs, certificate, charts, placement, warnings };
}

/** Remote commands cannot ask for a passphrase and fail on a dead agent socket: catch both before any resource. */
async function sshProblems(config: StackConfig, env: NodeJS.ProcessEnv): Promise<string[]> {
    const problems: string[] = [];
    const keyFile = config.host.sshPrivateKeyFile;
    if (keyFile) {
        try {
            const problem = privateKeyFileProblem(keyFile, fs.readFileSync(expandHome(keyFile), "utf8"));
            if (problem) problems.push(`${PROJECT}:host.sshPrivateKeyFile: ${problem}`);
        } catch (err) {
            problems.push(`${PROJECT}:host.sshPrivateKeyFile: cannot read ${keyFile}: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    const hasPrivateKey = !config.host.sshPublicKey || keyFile !== undefined;
    const agent = await agentSocketProblem(env, hasPrivateKey);
    if (agent) problems.push(`${PROJECT}:host.sshPrivateKeyFile: ${agent}`);
    return problems;
}

/** `tls.url` may also be a file: URL or path, for a developer's local Big Bang checkout. */
async function loadCertificate(config: StackConfig, opts: PrepareOptions): Promise<LoadedCertificate> {
    const { tls, hostname } = config.registry;
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
