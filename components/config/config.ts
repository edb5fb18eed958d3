// The stack configuration: every `bigbang-oci-dev:*` key is read and validated
// here, once, before any resource is created. The parser is pure (raw strings
// in, typed config or one error out) so that it can be tested without Pulumi.
//
// Concept `config` (the lowest): exports StackConfig and its parts, ConfigError,
// PROJECT, the default pins, and the IPv4/CIDR/hostname rules every concept uses.
// This file is the public entry; the rules live beside it, one module a concept
// (the layout of k3d's pkg/config):
//   readConfig.ts      reading the config map, unknown keys and their hints, schema issues as problems
//   problems.ts        ConfigError and how a problem line shows a value
//   scalars.ts         integers, booleans, IPv4 and CIDR helpers, DNS names, versions, image references
//   hostSection.ts, networkSection.ts, registrySection.ts, clusterSection.ts, chartsSection.ts,
//   bigbangSection.ts  one schema a section, with its own checks
//   stackSection.ts    the top-level keys, the whole schema and the typed StackConfig built from it
//   crossChecks.ts     rules across sections and the security guardrails (issue 21)
//   removedOptions.ts  options no longer offered (tls.source self-signed, tls.caFile), refused with the reason
import { crossCheck, plaintextCredentialProblems } from "./crossChecks";
import { ConfigError, PROJECT } from "./problems";
import { removedOptions } from "./removedOptions";
import { mentionsKey, ParseContext, pruneInvalid, readRawConfig, zodProblems } from "./readConfig";
import { buildConfig, stackSchema, StackConfig } from "./stackSection";

// Where each pinned version comes from is recorded in pins.ts, the one place to change them.
export { DEFAULT_K3S_IMAGE, DEFAULT_TOOL_VERSIONS } from "./pins";
export { ConfigError, PROJECT } from "./problems";
export { cidrContains, firstSlash24, HOSTNAME, intToIp, ipToInt, IPV4, LINUX_USER, parseCidr } from "./scalars";
export {
    architectureOf, type Architecture, type AwsHostConfig, type HostBackendName, type HostConfig, type HostToolsConfig, type LocalHostConfig, type Market,
    type SshHostConfig, type UbuntuRelease,
} from "./hostSection";
export { type NetworkConfig } from "./networkSection";
export {
    BIGBANG_INGRESS_CERTS_URL, type ExternalRegistryConfig, type HostedRegistryConfig, REGISTRY1_STAGING_URL, type Registry1StagingRegistryConfig,
    type RegistryConfig, type RegistryTarget, type RegistryTlsConfig, type TlsSource,
} from "./registrySection";
export { type ClusterConfig, type ClusterPort, type K3sArg, k3sArgProblem, nodeFilterProblem } from "./clusterSection";
export { CHART_VERSION_SCHEMES, type ChartEntry, type ChartVersionScheme } from "./chartsSection";
export { type BigbangConfig, DEFAULT_BIGBANG_DOMAIN } from "./bigbangSection";
export { sanitizeOwner, type StackConfig } from "./stackSection";
export { configWarnings, WIDEST_WITHOUT_ALLOW_ANYWHERE, WIDEST_WITHOUT_WARNING } from "./crossChecks";
export { configKeyPaths, type ParseContext } from "./readConfig";

/** The result of checking the stack config: every problem, and a config to keep checking with. */
export interface StackConfigCheck {
    /**
     * The config, with any section (host, registry, charts, ...) that has a
     * problem replaced by its defaults, so that later checks can still run on
     * the sections that are fine.
     */
    config: StackConfig;
    problems: string[];
    /** True when no problem names this top-level key or anything under it. */
    sectionOk(key: string): boolean;
}

/**
 * Parse the raw `bigbang-oci-dev:*` config map (as `pulumi.runtime.allConfig()`
 * returns it, other namespaces allowed) into a StackConfig, or throw one
 * ConfigError listing every bad key.
 */
export function parseStackConfig(allConfig: Record<string, string>, ctx: ParseContext = {}): StackConfig {
    const checked = checkStackConfig(allConfig, ctx);
    if (checked.problems.length > 0) throw new ConfigError(checked.problems);
    return checked.config;
}

/** Like parseStackConfig, but returns the problems instead of throwing, for checks that go on to other inputs. */
export function checkStackConfig(allConfig: Record<string, string>, ctx: ParseContext = {}): StackConfigCheck {
    const read = readRawConfig(allConfig);
    const problems = read.problems;
    const removed = removedOptions(read.raw);
    const raw = removed.rest;
    const result = stackSchema.safeParse(raw);
    if (!result.success) problems.push(...zodProblems(result.error.issues, raw));
    problems.push(...removed.problems);
    // Only the values that fail fall back to their defaults (pruneInvalid), so the cross-key rules
    // still see every other value, within a section too; should that not converge, whole sections do.
    const pruned = result.success ? undefined : pruneInvalid(raw);
    const usable: Record<string, unknown> = pruned?.usable ?? { ...raw };
    if (!result.success && pruned === undefined) {
        for (const [key, section] of Object.entries(stackSchema.shape)) {
            if (key in raw && !section.safeParse(raw[key]).success) delete usable[key];
        }
    }
    const fallback = result.success ? result : stackSchema.safeParse(usable);
    const parsed = fallback.success ? fallback.data : stackSchema.parse({});
    const cfg = buildConfig(parsed, ctx.userName);
    for (const problem of [...crossCheck(cfg, usable), ...plaintextCredentialProblems(raw, ctx.isSecret)]) {
        // A rule that read a default standing in for a refused value would report the default.
        if (pruned?.removed.some((key) => mentionsKey(problem, key))) continue;
        if (!problems.includes(problem)) problems.push(problem);
    }
    const sectionOk = (key: string) => !problems.some((line) => {
        const rest = line.slice(PROJECT.length + 1);
        return rest.startsWith(key) && /^[.[:]/.test(rest.slice(key.length));
    });
    return { config: cfg, problems, sectionOk };
}
